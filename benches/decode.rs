//! Framing + decoding throughput of the BN-407 pipeline on a stream made of the corpus frames.
//! Run with `cargo bench --bench decode`; the figures are MB/s and frames/s (elements).
#![allow(missing_docs, clippy::unwrap_used)]

use bn407::pipeline::{Analyzer, FlowMeta};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn stream() -> (Vec<u8>, u64) {
    let corpus = include_str!("../tests/data/bn407-text.txt");
    let mut s = Vec::new();
    let mut frames = 0;
    while s.len() < 8 << 20 {
        for line in corpus.lines() {
            s.extend_from_slice(line.as_bytes());
            s.push(b'\n');
            frames += 1;
        }
    }
    (s, frames)
}

fn run(data: &[u8], tree: bool) -> u64 {
    let mut an = Analyzer::new(tree);
    an.open_flow(FlowMeta {
        id: 0,
        transport: "raw",
        device: None,
        server: None,
        certain: true,
        source: 0,
        hint: None,
        from_log: false,
    });
    let mut n = 0u64;
    let mut sink = |d: bn407::pipeline::Decoded<'_>| {
        n += 1 + d.message.diagnostics.len() as u64;
    };
    for chunk in data.chunks(64 * 1024) {
        an.data(0, 0, None, chunk, &mut sink);
    }
    an.finish(&mut sink);
    n
}

fn bench(c: &mut Criterion) {
    let (data, frames) = stream();
    let mut g = c.benchmark_group("bn407");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("frame+decode summary (MB/s)", |b| {
        b.iter(|| run(&data, false))
    });
    g.bench_function("frame+decode with tree (MB/s)", |b| {
        b.iter(|| run(&data, true))
    });
    g.throughput(Throughput::Elements(frames));
    g.bench_function("frame+decode summary (frames/s)", |b| {
        b.iter(|| run(&data, false))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
