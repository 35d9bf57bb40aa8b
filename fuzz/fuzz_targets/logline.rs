//! Fuzz target `logline`: see `bn407::fuzzing::logline`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::logline(data);
});
