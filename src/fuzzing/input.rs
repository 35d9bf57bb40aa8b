//! Targets `capture` and `logline`: input files, read whole and as streams.

use std::io::Read;
use std::sync::Arc;

use super::{check_decoded, check_tree};
use crate::capture::{self, Item, Timestamp};
use crate::model::Stats;
use crate::model::store::{FrameStore, StoreBuilder};
use crate::pipeline::{self, Input, RunOptions};
use crate::protocol::Tree;

/// Reads a byte vector in pieces whose sizes come from a pattern, as a pipe delivers a capture
/// that is still being written.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self
            .sizes
            .get(self.turn % self.sizes.len().max(1))
            .copied()
            .unwrap_or(1);
        self.turn += 1;
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let n = want.min(buf.len()).min(rest.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// What a source delivered, to compare a file read with a stream read.
#[derive(Debug, PartialEq)]
struct Delivered {
    items: Vec<(Option<Timestamp>, String, Vec<u8>)>,
    end: Option<(capture::ErrorKind, Option<u64>)>,
}

fn drain(source: Result<Box<dyn capture::Source>, capture::CaptureError>) -> Delivered {
    let mut out = Delivered {
        items: Vec::new(),
        end: None,
    };
    let mut source = match source {
        Ok(s) => s,
        Err(e) => {
            out.end = Some((e.kind, e.offset));
            return out;
        }
    };
    let mut item = Item::new();
    loop {
        match source.next_into(&mut item) {
            Ok(true) => out
                .items
                .push((item.ts, format!("{:?}", item.kind), item.data.clone())),
            Ok(false) => break,
            Err(e) => {
                out.end = Some((e.kind, e.offset));
                // A finished source stays finished.
                assert!(matches!(source.next_into(&mut item), Ok(false)));
                break;
            }
        }
        assert!(out.items.len() <= 1 + 2 * source.bytes_read() as usize);
    }
    out
}

/// Target `capture`: the bytes as an input file (pcap, pcapng, server log or raw stream,
/// recognised by content), read as a file and as a stream arriving in small pieces (a pcapng
/// piped from `tcpdump -U -w -` while it is written), then through the whole pipeline with
/// field trees, the statistics, the findings and both `decode` outputs.
pub fn capture(data: &[u8]) {
    let whole = drain(capture::open_bytes("fuzz", data.to_vec()));
    let sizes: Vec<usize> = data
        .iter()
        .take(8)
        .map(|b| usize::from(b % 17) + 1)
        .collect();
    let stream = drain(capture::open_reader(
        "fuzz",
        Box::new(Trickle {
            data: data.to_vec(),
            pos: 0,
            sizes,
            turn: 0,
        }),
    ));
    assert_eq!(whole, stream, "a stream read differs from a file read");
    run_pipeline(vec![Input::Bytes {
        name: "fuzz".into(),
        data: Arc::new(data.to_vec()),
    }]);
}

/// Runs inputs through the pipeline with trees and every consumer of decoded frames, on one
/// thread; then again on two decoder threads, which must give the same frames in the same order.
fn run_pipeline(inputs: Vec<Input>) {
    let mut stats = Stats::default();
    let mut store = StoreBuilder::new();
    let mut opts = RunOptions {
        tree: true,
        decoders: Some(0),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let out = pipeline::run_all(&inputs, &mut opts, &mut |d| {
        seen.push(fingerprint(&d));
        check_decoded(&d);
        stats.add(&d);
        store.add(&d);
        let _ = crate::present::frame_line(&d);
        let _ = crate::present::frame_json(&d).to_string();
    });
    let mut threaded = Vec::new();
    let again = pipeline::run_all(
        &inputs,
        &mut RunOptions {
            tree: true,
            decoders: Some(2),
            ..Default::default()
        },
        &mut |d| threaded.push(fingerprint(&d)),
    );
    assert_eq!(seen, threaded, "decoder threads change the frames");
    assert_eq!(
        format!("{:?} {:?} {:?}", out.flows, out.net, out.error),
        format!("{:?} {:?} {:?}", again.flows, again.net, again.error),
        "decoder threads change the flows"
    );
    stats.net = out.net;
    stats.finish(out.flows);
    let _ = crate::cli::diagnose::text(&stats);
    let _ = crate::cli::diagnose::json(&stats).to_string();
    let _ = crate::cli::text::stats_text(&stats);
    let _ = crate::cli::stats_json(&stats).to_string();
    let mut all = FrameStore::new();
    all.append(store.take());
    for f in all.iter() {
        let mut tree = Tree::default();
        let _ = f.decode(&mut tree);
        check_tree(&tree, f.bytes().len());
    }
}

/// What a consumer sees of a frame, tree included, as text: two runs that must agree (one
/// thread and decoder threads) compare these (also `tests/run_parallel.rs`).
pub fn fingerprint(d: &crate::pipeline::Decoded<'_>) -> String {
    format!(
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
    )
}

/// Target `logline`: each line of the bytes through the server-log line parser and the
/// decoding of its data (hex or escaped text), then the whole as a log file.
pub fn logline(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut buf = Vec::new();
    for line in text.lines() {
        if let Some(l) = capture::logline::parse_line(line) {
            buf.clear();
            match l.body {
                capture::logline::Body::Hex(h) => {
                    capture::logline::decode_hex(h, &mut buf);
                    let digits = h.bytes().filter(u8::is_ascii_hexdigit).count();
                    assert_eq!(buf.len() * 2, digits, "a checked hex dump decodes whole");
                }
                capture::logline::Body::Text(t) => {
                    capture::logline::decode_text(t, &mut buf);
                    assert!(buf.len() <= t.len());
                }
                capture::logline::Body::Connected | capture::logline::Body::Disconnected => {}
            }
        }
    }
    // As a whole log: a first line that makes the input a log, then the lines.
    let mut log = b"2024-05-01 10:00:00  INFO: [T00000001] connected\n".to_vec();
    log.extend_from_slice(data);
    let _ = drain(capture::open_bytes("fuzz.log", log.clone()));
    run_pipeline(vec![Input::Bytes {
        name: "fuzz.log".into(),
        data: Arc::new(log),
    }]);
}
