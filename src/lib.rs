//! BN-407 Analyzer: a protocol analyzer for the Coban BN-407 GPS tracker and the devices that
//! share its platform port.
//!
//! Data flows one way, and the modules follow it:
//! `capture` (files, live sockets) -> `net` (link/IP parsing, flows, TCP reassembly) ->
//! `protocol` (framing, detection, decoding into field trees) -> `model` (devices, sessions,
//! tracks, findings) -> `export` (the formats other tools read) -> `cli` and `gui` (views and
//! outputs). `pipeline` connects them; the
//! window and the headless commands run the same pipeline. `live` drives that pipeline from
//! sockets instead of files (answering devices through the protocols' hooks, or relaying them)
//! and records what it sees.

pub mod capture;
pub mod cli;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "gui")]
pub mod gui;
pub mod live;
pub mod map;
pub mod model;
pub mod net;
pub mod pipeline;
pub mod present;
pub mod protocol;
#[doc(hidden)]
pub mod synth;
