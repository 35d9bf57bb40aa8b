//! Fuzz target `protocol`: see `bn407::fuzzing::protocol`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::protocol(data);
});
