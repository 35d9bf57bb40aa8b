//! Fuzz target `tcp`: see `bn407::fuzzing::tcp`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::tcp(data);
});
