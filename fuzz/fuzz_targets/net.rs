//! Fuzz target `net`: see `bn407::fuzzing::net`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bn407::fuzzing::net(data);
});
