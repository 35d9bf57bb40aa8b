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
        lines.push(bn407::fuzzing::fingerprint(&d));
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

#[test]
fn a_pipe_s_frames_arrive_while_it_is_still_being_written() {
    let dir = std::env::temp_dir().join(format!("bn407-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fifo = dir.join("capture.pcapng");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/first-report.pcapng");
    let bytes = std::fs::read(sample).expect("sample");
    let arrived = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for decoders in [0, 1, 2] {
        arrived.store(0, std::sync::atomic::Ordering::SeqCst);
        let writer = {
            let (fifo, bytes, arrived) = (fifo.clone(), bytes.clone(), Arc::clone(&arrived));
            std::thread::spawn(move || {
                use std::io::Write as _;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&fifo)
                    .expect("open fifo");
                f.write_all(&bytes).expect("write");
                f.flush().expect("flush");
                // The pipe stays open, as a capture being written does, until the frames
                // written so far have reached the consumer (or 10 s have passed).
                let start = std::time::Instant::now();
                while arrived.load(std::sync::atomic::Ordering::SeqCst) < 23
                    && start.elapsed() < std::time::Duration::from_secs(10)
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                arrived.load(std::sync::atomic::Ordering::SeqCst)
            })
        };
        let mut opts = RunOptions {
            decoders: Some(decoders),
            ..RunOptions::default()
        };
        let out = pipeline::run_all(&[Input::Path(fifo.clone())], &mut opts, &mut |_| {
            arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let before_close = writer.join().expect("writer");
        assert!(out.error.is_none(), "{:?}", out.error);
        assert_eq!(
            before_close, 23,
            "{decoders} decoders: frames that reached the consumer while the pipe was open"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
