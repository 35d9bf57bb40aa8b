//! Property: however a known stream is cut into segments, reordered and duplicated (with
//! overlapping retransmissions of the same bytes), the reassembled stream is the original, with
//! no gap and no note, and the sequence numbers may wrap anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use bn407::capture::{Item, ItemKind, LinkType, Timestamp};
use bn407::net::{NetConfig, Reassembler, Side};
use net_support::*;
use proptest::prelude::*;

/// Feeds IPv4 packets (raw IP link) in order and returns the run.
fn feed(packets: &[Vec<u8>]) -> Run {
    let mut re = Reassembler::new(NetConfig::default());
    let mut run = Run::default();
    for (i, p) in packets.iter().enumerate() {
        let item = Item {
            ts: Some(Timestamp(i as i64)),
            kind: ItemKind::Packet {
                link: LinkType::Ipv4,
            },
            data: p.clone(),
        };
        re.feed(0, &item, &mut |e| record(&mut run, e));
    }
    re.finish(&mut |e| record(&mut run, e));
    run.stats = re.stats().clone();
    run
}

/// (stream, ISN, segment sizes, extra retransmissions as (from, len), shuffle numbers).
type Scenario = (Vec<u8>, u32, Vec<usize>, Vec<(usize, usize)>, Vec<u32>);

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        proptest::collection::vec(any::<u8>(), 1..4000),
        prop_oneof![any::<u32>(), (u32::MAX - 3000)..=u32::MAX],
        proptest::collection::vec(1usize..700, 1..40),
        proptest::collection::vec((0usize..4000, 1usize..900), 0..10),
        proptest::collection::vec(any::<u32>(), 60),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_segmentation_order_and_duplication_gives_the_stream_back(
        (stream, isn, cuts, extra, shuffle) in scenario()
    ) {
        let dev = addr("10.9.0.2:41000");
        let srv = addr("10.9.0.1:8888");
        // Cut the stream into segments of the given sizes (cycling).
        let mut segments: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while at < stream.len() {
            let len = cuts[i % cuts.len()].min(stream.len() - at);
            segments.push((at, at + len));
            at += len;
            i += 1;
        }
        // Retransmissions: exact copies and arbitrary overlapping ranges of the same bytes.
        for (k, &(from, len)) in extra.iter().enumerate() {
            if k % 2 == 0 && !segments.is_empty() {
                segments.push(segments[from % segments.len()]);
            } else {
                let from = from % stream.len();
                segments.push((from, (from + len).min(stream.len())));
            }
        }
        // Shuffle (Fisher-Yates with the given numbers).
        for j in (1..segments.len()).rev() {
            let k = shuffle[j % shuffle.len()] as usize % (j + 1);
            segments.swap(j, k);
        }
        let mut packets = vec![tcp(dev, srv, isn, SYN, b"")];
        for (from, to) in &segments {
            let seq = isn.wrapping_add(1).wrapping_add(*from as u32);
            packets.push(tcp(dev, srv, seq, ack(1), &stream[*from..*to]));
        }
        let run = feed(&packets);
        prop_assert_eq!(run.stream(0, Side::Device), stream.as_slice());
        prop_assert_eq!(run.count("gap"), 0);
        prop_assert_eq!(run.count("note"), 0);
        prop_assert_eq!(run.infos.len(), 1);
    }

    #[test]
    fn a_missing_range_is_one_gap_of_exactly_its_size(
        len in 20usize..3000,
        hole in (1usize..19, 1usize..500),
        isn in any::<u32>(),
        size in 1usize..300,
    ) {
        let dev = addr("10.9.0.2:41000");
        let srv = addr("10.9.0.1:8888");
        let stream: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let start = hole.0.min(len - 2);
        let end = (start + hole.1).min(len - 1);
        let mut packets = vec![tcp(dev, srv, isn, SYN, b"")];
        let mut at = 0;
        while at < len {
            let to = (at + size).min(len);
            // Send only the bytes outside [start, end).
            for (a, b) in [(at, to.min(start)), (at.max(end), to)] {
                if a < b {
                    let seq = isn.wrapping_add(1).wrapping_add(a as u32);
                    packets.push(tcp(dev, srv, seq, ack(1), &stream[a..b]));
                }
            }
            at = to;
        }
        let run = feed(&packets);
        let expected: Vec<u8> = stream[..start].iter().chain(&stream[end..]).copied().collect();
        prop_assert_eq!(run.stream(0, Side::Device), expected.as_slice());
        prop_assert_eq!(run.gaps(), vec![format!("gap 0 device {}", end - start)]);
    }
}
