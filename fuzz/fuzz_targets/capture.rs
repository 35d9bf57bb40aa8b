//! Fuzz target `capture`: see `bn407::fuzzing::capture`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::capture(data);
});
