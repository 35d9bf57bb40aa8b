//! The window's frame store gives back what the pipeline decoded: every frame's bytes, kind,
//! direction, keyword or event name, device, fix, severity and diagnostics, whether frames came
//! in one batch or in many (batches are appended as the loader hands them over, and each keeps
//! its own device, protocol and keyword tables until then), and whether the bytes stay in memory
//! or go to the store's temporary file.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gt06_support;

use std::path::PathBuf;

use bn407::model::store::{FrameStore, StoreBuilder};
use bn407::pipeline::{self, Input, RunOptions};
use bn407::protocol::{Diagnostic, Direction, Imei, Kind, Severity};

/// What the store must give back of one frame.
#[derive(Debug, PartialEq)]
struct Expected {
    bytes: Vec<u8>,
    kind: Kind,
    direction: Direction,
    keyword: Option<String>,
    device: Option<Imei>,
    fix: Option<(f32, f32, bool)>,
    severity: Option<Severity>,
    diagnostics: Vec<Diagnostic>,
}

fn sample(name: &str) -> Input {
    Input::Path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
}

/// A fleet capture (alarms, reconnects, frames across segments) and GT06 frames as a raw stream
/// (binary frames name their events instead of carrying a keyword; one is cut short).
fn inputs() -> Vec<Input> {
    let mut fleet = Vec::new();
    bn407::synth::fleet(&mut fleet, 1, 40).unwrap();
    let mut gt06: Vec<u8> = gt06_support::CORPUS
        .lines()
        .flat_map(gt06_support::unhex)
        .collect();
    gt06.extend_from_slice(&[0x78, 0x78, 0x0d, 0x01, 0x08]);
    vec![
        sample("bike-ride.pcapng"),
        sample("multi-device.pcap"),
        sample("server.log"),
        Input::Bytes {
            name: "fleet.pcap".into(),
            data: std::sync::Arc::new(fleet),
        },
        Input::Bytes {
            name: "gt06.bin".into(),
            data: std::sync::Arc::new(gt06),
        },
    ]
}

/// Runs `input`, storing frames in batches of `batch` (0: one batch at the end) in `store`.
fn run(input: &Input, batch: usize, mut store: FrameStore) -> (Vec<Expected>, FrameStore) {
    let mut expected = Vec::new();
    let mut builder = StoreBuilder::new();
    pipeline::run(
        std::slice::from_ref(input),
        &mut RunOptions::default(),
        &mut |d| {
            let m = &d.message;
            expected.push(Expected {
                bytes: d.bytes.to_vec(),
                kind: m.kind,
                direction: d.direction,
                keyword: m.keyword_text(d.bytes).or(m.event).map(str::to_owned),
                device: m.imei.or(d.device),
                fix: m.fix.map(|f| (f.lat as f32, f.lon as f32, f.valid)),
                severity: m.max_severity(),
                diagnostics: m.diagnostics.clone(),
            });
            builder.add(&d);
            if batch > 0 && builder.pending() >= batch {
                store.append(builder.take());
            }
        },
    )
    .unwrap();
    store.append(builder.take());
    (expected, store)
}

fn stored(store: &FrameStore) -> Vec<Expected> {
    store
        .iter()
        .map(|f| Expected {
            bytes: f.bytes().to_vec(),
            kind: f.kind(),
            direction: f.direction(),
            keyword: f.keyword().map(str::to_owned),
            device: f.imei().copied(),
            fix: f.fix().map(|(lat, lon, v)| (lat as f32, lon as f32, v)),
            severity: f.severity(),
            diagnostics: f.diagnostics().to_vec(),
        })
        .collect()
}

#[test]
fn the_store_gives_back_every_frame_in_any_batching() {
    let (mut events, mut diagnosed) = (0, 0);
    for input in inputs() {
        // In memory, and with the bytes moved to a temporary file at once or now and then.
        let stores = [
            (0, None),
            (1, None),
            (7, Some(0)),
            (500, None),
            (1, Some(2_000)),
            (0, Some(0)),
        ];
        for (batch, threshold) in stores {
            let store = threshold.map_or_else(FrameStore::new, FrameStore::spilling);
            let (expected, store) = run(&input, batch, store);
            let (held, spilled) = store.arena_bytes();
            assert_eq!(
                spilled > 0,
                threshold.is_some_and(|t| held > t as u64),
                "{input:?}: {held} {spilled}"
            );
            assert_eq!(store.len(), expected.len());
            let got = stored(&store);
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(g, e, "frame {i} of {input:?} in batches of {batch}");
            }
            events += expected
                .iter()
                .filter(|e| e.keyword.is_some() && e.bytes.first() == Some(&0x78))
                .count();
            diagnosed += expected
                .iter()
                .filter(|e| !e.diagnostics.is_empty())
                .count();
        }
    }
    // The inputs hold what the compact record encodes apart: event names and diagnostics.
    assert!(events > 0 && diagnosed > 0, "{events} {diagnosed}");
}
