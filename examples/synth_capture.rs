//! Writes a large synthetic fleet capture for throughput and memory measurements (see
//! `bn407::synth`): `cargo run --release --example synth_capture -- OUT.pcap MEGABYTES [DEVICES]`.
#![allow(clippy::expect_used)]

use std::io::BufWriter;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .expect("usage: synth_capture OUT.pcap MEGABYTES [DEVICES]");
    let megabytes: usize = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(100);
    let count: u64 = args.get(3).and_then(|m| m.parse().ok()).unwrap_or(2000);
    let file = std::fs::File::create(out).expect("cannot create output");
    let w = bn407::synth::fleet(BufWriter::with_capacity(1 << 20, file), megabytes, count)
        .expect("cannot write output");
    eprintln!(
        "wrote {out}: about {} MB, {count} devices, {} rounds, {} frames, {} reconnections",
        w.bytes >> 20,
        w.rounds,
        w.frames,
        w.reconnects
    );
}
