//! Memory bounds: for each cap (frame size, TCP reassembly buffer, IP fragments, open flows,
//! devices, photos) a capture that goes past it, checking that the cap holds, that what went
//! over it is counted, and that the count is shown (`stats`, `diagnose`). The listener's own
//! bounds (connections, bytes without a frame, UDP peers) are in `tests/live_abuse.rs` and
//! `tests/live.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;
mod run_support;

use bn407::capture::{Item, ItemKind, LinkType};
use bn407::model::Stats;
use bn407::net::{FlowEvent, NetConfig, Reassembler};
use bn407::pipeline::RunOutcome;
use net_support::{SYN, ack, addr, eth_pcap, pcap_file, tcp, udp};
use run_support::run_input;

/// Runs `bytes` as one input; the statistics as `stats` shows them, text and JSON.
fn stats_of(name: &str, bytes: Vec<u8>) -> (Stats, RunOutcome, String, serde_json::Value) {
    let mut stats = Stats::default();
    let out = run_input(name, bytes, &mut |d| stats.add(&d));
    stats.net = out.net.clone();
    stats.finish(out.flows.clone());
    let text = bn407::cli::text::stats_text(&stats);
    let json = bn407::cli::stats_json(&stats);
    (stats, out, text, json)
}

/// A report that never ends (100 KiB without its terminator): cut into frames of at most
/// 4 KiB, each flagged and counted, and the login after it decodes.
#[test]
fn an_over_long_frame_is_cut_at_4_kib_counted_and_the_next_frame_decodes() {
    let mut raw = b"##,imei:864180034124375,A;imei:864180034124375,tracker,".to_vec();
    raw.extend(std::iter::repeat_n(b'1', 100 * 1024));
    raw.extend_from_slice(b";\n##,imei:864180034124375,A;\n");
    let (stats, _, text, json) = stats_of("long.txt", raw);
    // One finding for the whole over-long frame; its further pieces are flagged, not decoded.
    let cut = &stats.findings["frame.too_long"];
    assert_eq!(cut.count, 1);
    assert!(stats.frames >= 25, "{}", stats.frames);
    assert!(stats.bytes <= 4096 * (stats.frames + stats.truncated));
    assert!(text.contains("frame.too_long"), "{text}");
    assert!(json.to_string().contains("frame.too_long"));
    assert_eq!(stats.by_kind.get("login"), Some(&2), "{text}");
}

/// A 1,100 KB stream after a 100-byte hole that never fills: past the 1 MiB bound of
/// out-of-order bytes the hole is declared a gap while the capture goes on (not only at its
/// end), everything after it is delivered, and the gap is counted and shown.
#[test]
fn the_reassembly_buffer_holds_at_1_mib_and_the_hole_becomes_a_counted_gap() {
    let dev = addr("10.0.0.1:40000");
    let srv = addr("10.0.0.2:8888");
    let mut ips = vec![
        tcp(dev, srv, 1000, SYN, b""),
        tcp(srv, dev, 5000, net_support::syn_ack(1001), b""),
    ];
    let line = b"imei:864180034124375,tracker,250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,12.50,180.0;\n";
    let mut seq = 1001u32 + 100;
    let segments = 1_100_000 / line.len() + 1;
    for _ in 0..segments {
        ips.push(tcp(dev, srv, seq, ack(5001), line));
        seq += line.len() as u32;
    }
    let total = ips.len();
    let pcap = eth_pcap(&ips);

    // The reassembler alone: when is the gap declared?
    let mut src = bn407::capture::open_bytes("hole.pcap", pcap.clone()).unwrap();
    let mut r = Reassembler::new(NetConfig::default());
    let mut item = Item::new();
    let mut fed = 0;
    let mut gap_at = None;
    let mut delivered = 0usize;
    while src.next_into(&mut item).unwrap() {
        fed += 1;
        r.feed(0, &item, &mut |e| match e {
            FlowEvent::Gap { missing, .. } => {
                assert_eq!(missing, 100);
                gap_at.get_or_insert(fed);
            }
            FlowEvent::Data { bytes, .. } => delivered += bytes.len(),
            _ => {}
        });
    }
    let gap_at = gap_at.expect("no gap before the end of the capture");
    let bound = NetConfig::default().max_buffered_per_direction;
    assert!(
        gap_at < total && (gap_at - 2) * line.len() > bound,
        "gap at packet {gap_at} of {total}"
    );
    assert!((gap_at - 2) * line.len() <= bound + 2 * line.len());
    // Everything after the hole arrived, before the end.
    assert_eq!(delivered, segments * line.len());
    assert_eq!(r.stats().gaps, 1);

    let (stats, out, text, _) = stats_of("hole.pcap", pcap);
    assert_eq!(out.net.gaps, 1);
    assert_eq!(out.net.gap_bytes, 100);
    assert!(text.contains("1 gaps (100 bytes lost)"), "{text}");
    assert_eq!(stats.findings["tcp.gap"].count, 1);
    assert_eq!(stats.by_kind.get("report"), Some(&(segments as u64)));
}

/// An IPv4 fragment of a UDP datagram (ids distinct per datagram).
fn fragment(id: u16, first: bool, payload: &[u8]) -> Vec<u8> {
    let frag: u16 = if first {
        0x2000
    } else {
        (payload.len() as u16 + 8) / 8
    };
    let body = if first {
        let mut b = vec![0x9c, 0x40, 0x22, 0xb8];
        b.extend_from_slice(&((8 + 2 * payload.len()) as u16).to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(payload);
        b
    } else {
        payload.to_vec()
    };
    let mut v = vec![0x45, 0];
    v.extend_from_slice(&((20 + body.len()) as u16).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&frag.to_be_bytes());
    v.extend_from_slice(&[64, 17, 0, 0, 10, 0, (id >> 8) as u8, id as u8, 10, 0, 0, 2]);
    v.extend_from_slice(&body);
    v
}

/// `n` datagrams of `payload` in two fragments each: every first fragment, then the second
/// ones, newest first.
fn halves(n: u16, payload: &[u8]) -> Vec<Vec<u8>> {
    let mut ips: Vec<Vec<u8>> = (0..n).map(|id| fragment(id, true, payload)).collect();
    ips.extend((0..n).rev().map(|id| fragment(id, false, payload)));
    ips
}

/// Raw-IP pcap, one packet per millisecond (all within the 30 s fragment timeout).
fn raw_pcap(ips: &[Vec<u8>]) -> Vec<u8> {
    let packets: Vec<(i64, Vec<u8>)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (1_000_000_000_000 + i as i64 * 10_000, ip.clone()))
        .collect();
    pcap_file(101, &packets, pcap_file::Endianness::Little, false)
}

/// 1,030 datagrams waiting for their second fragment: past 1,024 the oldest are given up;
/// the second fragments, newest first, complete exactly the 1,024 kept.
#[test]
fn at_most_1024_fragmented_datagrams_wait_and_the_ones_given_up_are_counted() {
    let n = 1030u16;
    let payload = vec![b'a'; 64];
    let (_, out, text, json) = stats_of("frags.pcap", raw_pcap(&halves(n, &payload)));
    assert_eq!(out.net.ip_reassembled, 1024);
    // 6 first halves given up when the table was full, 6 lonely second halves at the end.
    assert_eq!(out.net.ip_fragments_dropped, 12);
    assert_eq!(out.net.udp_datagrams, 1024);
    assert!(text.contains("1024 reassembled, 12 dropped"), "{text}");
    assert_eq!(json["capture"]["ip_fragments_dropped"], 12);
}

/// 400 datagrams of 2 x 30,000 bytes: no more than 8 MiB of fragments wait at once.
#[test]
fn at_most_8_mib_of_fragments_wait() {
    let n = 400u16;
    let payload = vec![b'b'; 30_000];
    let (_, out, text, _) = stats_of("big-frags.pcap", raw_pcap(&halves(n, &payload)));
    let fit = (8 << 20) / 30_008;
    let done = out.net.ip_reassembled as usize;
    assert!(
        done <= fit + 1 && done + 2 >= fit,
        "{done} reassembled, {fit} fit"
    );
    assert!(out.net.ip_fragments_dropped >= u64::from(n) - done as u64);
    assert!(text.contains(&format!("{done} reassembled")), "{text}");
}

/// One datagram from each of 100,010 device ports: at most 100,000 flows stay open; when the
/// table is full the least recently active eighth is closed early (so that a flood does not
/// sort the table at every packet), counted and shown.
#[test]
fn at_most_100000_flows_stay_open_and_the_ones_closed_early_are_counted() {
    let srv = addr("10.0.0.2:8888");
    let n = NetConfig::default().max_flows + 10;
    let mut packets = Vec::with_capacity(n);
    for i in 0..n {
        let dev = std::net::SocketAddr::new(
            std::net::Ipv4Addr::new(10, 1, (i >> 16) as u8, (i >> 8) as u8).into(),
            10_000 + (i & 0xff) as u16,
        );
        packets.push((1_000_000_000_000 + i as i64 * 1_000, udp(dev, srv, b"ON")));
    }
    let pcap = pcap_file(101, &packets, pcap_file::Endianness::Little, false);
    let (_, out, text, json) = stats_of("flows.pcap", pcap);
    assert_eq!(out.net.flows, n as u64);
    assert_eq!(out.net.flows_evicted, 12_500);
    assert!(
        text.contains("12500 closed early to keep at most 100000 open"),
        "{}",
        &text[..2000]
    );
    assert_eq!(json["capture"]["flows_evicted"], 12_500);
}

/// Heartbeats of 100,010 IMEIs: 100,000 devices are tracked, the frames of the others are
/// counted; `stats` shows the count and `diagnose` says they were not judged.
#[test]
fn at_most_100000_devices_are_tracked_and_the_others_counted() {
    let n = bn407::model::MAX_DEVICES + 10;
    let mut raw = Vec::with_capacity(n * 17);
    for i in 0..n {
        raw.extend_from_slice(format!("{:015};", 864_180_000_000_000u64 + i as u64).as_bytes());
    }
    let (stats, _, text, json) = stats_of("devices.txt", raw);
    assert_eq!(stats.devices.len(), bn407::model::MAX_DEVICES);
    assert_eq!(stats.devices_over_limit, 10);
    assert!(
        text.contains("(and 10 frames of further devices, counted only: more than 100000 devices)"),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert_eq!(json["devices_over_limit"], 10);
    let over = stats
        .diagnosis
        .iter()
        .find(|f| f.code == "capture.over_limit")
        .expect("diagnose says devices were not judged");
    assert!(
        over.message
            .starts_with("10 frames of devices past the first 100000")
    );
    let shown = bn407::cli::diagnose::text(&stats);
    assert!(shown.contains("capture.over_limit") || shown.contains("were not judged"));
}

/// One photo of 9,000 packets of 500 bytes (4.5 MB): the photo keeps 4 MiB, the packets past
/// it are counted and shown, and the photo is still listed.
#[test]
fn a_photo_keeps_at_most_4_mib_and_the_packets_past_it_are_counted() {
    let imei = "864180034124375";
    let per = 500usize;
    let n = 9000usize;
    let mut raw = format!(
        "imei:{imei},vt{n},250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,0.00,0.0;\n"
    )
    .into_bytes();
    for i in 0..n {
        let mut hex = format!(
            "{:02x}{:02x}{:02x}{:02x}",
            i & 0xff,
            i >> 8,
            per & 0xff,
            per >> 8
        );
        for _ in 0..per {
            hex.push_str("ab");
        }
        hex.push_str("0000");
        raw.extend_from_slice(format!("imei:{imei},vr,{hex};\n").as_bytes());
    }
    let (stats, _, text, json) = stats_of("photo.txt", raw);
    let max = bn407::protocol::bn407::photo::MAX_PHOTO;
    let kept = max / per;
    assert_eq!(stats.photo_packets_dropped, (n - kept) as u64);
    assert_eq!(stats.photos.len(), 1);
    assert!(stats.photos[0].bytes <= max);
    assert_eq!(stats.photos[0].received as usize, kept);
    assert!(
        text.contains(&format!(
            "({} photo packets not kept: a photo over 4 MiB",
            n - kept
        )),
        "{text}"
    );
    assert_eq!(json["photo_packets_dropped"], (n - kept) as u64);
}

/// The flow bound is a setting: a smaller one holds the same way, also for packets without a
/// capture time (which never time a flow out).
#[test]
fn a_smaller_flow_bound_holds_for_packets_without_time() {
    let mut r = Reassembler::new(NetConfig {
        max_flows: 3,
        ..NetConfig::default()
    });
    let srv = addr("10.0.0.2:8888");
    let mut closes = 0;
    for i in 0..5u16 {
        let item = Item {
            ts: None,
            kind: ItemKind::Packet {
                link: LinkType::RawIp,
            },
            data: udp(addr(&format!("10.0.0.1:{}", 1000 + i)), srv, b"x"),
        };
        r.feed(0, &item, &mut |e| {
            if matches!(e, FlowEvent::Close { .. }) {
                closes += 1;
            }
        });
    }
    assert_eq!(closes, 2);
    assert_eq!(r.stats().flows_evicted, 2);
    assert_eq!(r.stats().flows_timed_out, 0);
}

/// A live session keeps the summaries of the latest closed flows only (50,000; here 3): the
/// others are forgotten and counted (the listener shows the count when it stops).
#[test]
fn closed_flows_kept_for_a_live_session_are_bounded_and_the_others_counted() {
    use bn407::net::EndReason;
    use bn407::pipeline::{Analyzer, FlowMeta};
    let mut an = Analyzer::new(false);
    an.bound_closed(3);
    for id in 0..10 {
        an.open_flow(FlowMeta {
            id,
            transport: "udp",
            device: None,
            server: None,
            certain: false,
            source: 0,
            hint: None,
            from_log: false,
        });
        an.data(id, 0, None, b"864180034124375;", &mut |_| {});
        an.close(id, None, [1, 0], EndReason::Timeout, &mut |_| {});
    }
    let kept = an.summaries();
    assert_eq!(kept.len(), 3);
    assert_eq!(
        kept.iter().map(|f| f.meta.id).collect::<Vec<_>>(),
        [7, 8, 9]
    );
    assert_eq!(an.forgotten(), 7);
    assert_eq!(bn407::live::MAX_CLOSED_FLOWS, 50_000);
}
