//! Fuzz target `filter`: see `bn407::fuzzing::filter`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::filter(data);
});
