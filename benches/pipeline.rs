//! The whole pipeline on an in-memory fleet capture (`bn407::synth`, 2,000 devices, segments of
//! up to 1,448 bytes with frames crossing them): pcap reading, IP and TCP reassembly, framing,
//! decoding, and the statistics and findings `bn407 stats` keeps. Run with
//! `cargo bench --bench pipeline`; the figures are MB/s of capture.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use bn407::model::Stats;
use bn407::pipeline::{self, Input, RunOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn capture() -> Arc<Vec<u8>> {
    let mut pcap = Vec::new();
    bn407::synth::fleet(&mut pcap, 8, 2000).unwrap();
    Arc::new(pcap)
}

fn bench(c: &mut Criterion) {
    let pcap = capture();
    let input = [Input::Bytes {
        name: "fleet".into(),
        data: Arc::clone(&pcap),
    }];
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(pcap.len() as u64));
    g.bench_function("reassembly+framing+decoding (MB/s)", |b| {
        b.iter(|| {
            let mut n = 0u64;
            pipeline::run_all(&input, &mut RunOptions::default(), &mut |_| n += 1);
            n
        })
    });
    g.bench_function(
        "stats: the above with statistics and findings (MB/s)",
        |b| {
            b.iter(|| {
                let mut stats = Stats::default();
                let out =
                    pipeline::run_all(&input, &mut RunOptions::default(), &mut |d| stats.add(&d));
                stats.finish(out.flows);
                stats.frames
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
