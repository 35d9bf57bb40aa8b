//! A run on decoder threads gives what a run on one thread gives: the same frames, with the
//! same numbers, devices, device numbers, trees and findings, in the same order, and the same
//! flows, counters and errors; for every sample, a synthetic fleet capture whose frames cross
//! TCP segments, several inputs at once, and a capture damaged part-way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bn407::pipeline::{self, Decoded, Input, RunOptions};

/// Everything the consumer sees of a run, as text (so a difference prints readably).
fn seen(inputs: &[Input], decoders: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut opts = RunOptions {
        tree: true,
        decoders: Some(decoders),
        ..RunOptions::default()
    };
    let out = pipeline::run_all(inputs, &mut opts, &mut |d: Decoded<'_>| {
        lines.push(format!(
            "#{} ts={:?} flow={} {:?} {} off={} {:?} dev={:?}/{:?} bytes={:?} msg={:?} tree={:?}",
            d.index,
            d.ts,
            d.flow.id,
            d.direction,
            d.protocol.name,
            d.offset,
            d.flags,
            d.device,
            d.device_no,
            d.bytes,
            d.message,
            d.tree,
        ));
    });
    for f in &out.flows {
        lines.push(format!("{f:?}"));
    }
    lines.push(format!("{:?}", out.net));
    lines.push(format!("{:?}", out.error));
    lines
}

fn assert_same(name: &str, inputs: &[Input]) {
    let one = seen(inputs, 0);
    assert!(one.len() > 2, "{name}: the run decoded nothing");
    for decoders in [1, 2, 3, 5] {
        let many = seen(inputs, decoders);
        assert_eq!(one.len(), many.len(), "{name} with {decoders} decoders");
        for (i, (a, b)) in one.iter().zip(&many).enumerate() {
            assert_eq!(a, b, "{name} with {decoders} decoders, line {i}");
        }
    }
}

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "log" || x == "txt")
        })
        .collect();
    all.sort();
    all
}

fn fleet(megabytes: usize, devices: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    bn407::synth::fleet(&mut bytes, megabytes, devices).expect("synthetic capture");
    bytes
}

fn as_input(name: &str, bytes: Vec<u8>) -> Input {
    Input::Bytes {
        name: name.into(),
        data: Arc::new(bytes),
    }
}

#[test]
fn every_sample_decodes_the_same_on_decoder_threads() {
    let all = samples();
    assert!(all.len() >= 5, "samples: {all:?}");
    for path in all {
        assert_same(&path.display().to_string(), &[Input::Path(path.clone())]);
    }
}

#[test]
fn a_fleet_capture_decodes_the_same_on_decoder_threads() {
    assert_same("fleet", &[as_input("fleet.pcap", fleet(2, 60))]);
}

#[test]
fn several_inputs_at_once_decode_the_same_on_decoder_threads() {
    let inputs: Vec<Input> = samples().into_iter().map(Input::Path).collect();
    assert_same("all samples together", &inputs);
}

#[test]
fn a_capture_damaged_part_way_decodes_the_same_on_decoder_threads() {
    let mut bytes = fleet(1, 40);
    let cut = bytes.len() * 2 / 3;
    bytes.truncate(cut);
    // A record header that promises more than a pcap record may hold: the capture is damaged
    // here, after two thirds of it decoded.
    bytes.extend_from_slice(&[
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f,
    ]);
    let one = seen(&[as_input("damaged.pcap", bytes.clone())], 0);
    assert!(
        one.last().is_some_and(|e| e.starts_with("Some(")),
        "the damage is reported: {:?}",
        one.last()
    );
    assert_same("damaged", &[as_input("damaged.pcap", bytes)]);
}
