//! One input given as bytes (a capture, a server log, a text of frames) run through the
//! analyzer's pipeline with the default options, for the tests that look at what comes out.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::sync::Arc;

use bn407::pipeline::{self, Input, RunOptions, RunOutcome, Sink};

/// Runs `bytes`, an input named `name`, through the pipeline with the default options, each
/// decoded frame to `sink`; the test fails when the input cannot be read.
pub fn run_input(name: &str, bytes: Vec<u8>, sink: &mut Sink<'_>) -> RunOutcome {
    let out = pipeline::run_all(
        &[Input::Bytes {
            name: name.into(),
            data: Arc::new(bytes),
        }],
        &mut RunOptions::default(),
        sink,
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    out
}
