//! Fuzz target `pmtiles`: see `bn407::fuzzing::pmtiles`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::pmtiles(data);
});
