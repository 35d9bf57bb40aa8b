//! Fuzz target `diff`: see `bn407::fuzzing::diff`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::diff(data);
});
