//! TCP reassembly through the whole path (pcap bytes -> capture -> net): splitting, reordering,
//! retransmissions, overlaps, wraparound, mid-connection starts, 4-tuple reuse, gaps.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use bn407::net::{NetConfig, Side, SideBy, Transport};
use net_support::*;

/// A device->server segment at stream offset `off` (ISN `isn`), acknowledging nothing.
fn d(isn: u32, off: u32, payload: &[u8]) -> Vec<u8> {
    tcp(
        addr(DEV),
        addr(SRV),
        isn.wrapping_add(1).wrapping_add(off),
        ack(1),
        payload,
    )
}

/// A server->device segment at stream offset `off` (server ISN 0).
fn s(off: u32, payload: &[u8]) -> Vec<u8> {
    tcp(addr(SRV), addr(DEV), 1 + off, ack(1), payload)
}

/// The handshake of a connection with device ISN `isn`, then the device's segments: each at its
/// stream offset, with its text.
fn sent(isn: u32, segments: &[(u32, &str)]) -> Vec<Vec<u8>> {
    let mut p = handshake(isn);
    p.extend(
        segments
            .iter()
            .map(|(off, text)| d(isn, *off, text.as_bytes())),
    );
    p
}

fn handshake(isn: u32) -> Vec<Vec<u8>> {
    vec![
        tcp(addr(DEV), addr(SRV), isn, SYN, b""),
        tcp(addr(SRV), addr(DEV), 0, syn_ack(isn.wrapping_add(1)), b""),
        tcp(addr(DEV), addr(SRV), isn.wrapping_add(1), ack(1), b""),
    ]
}

fn fins(isn: u32, dev_len: u32, srv_len: u32) -> Vec<Vec<u8>> {
    vec![
        tcp(
            addr(DEV),
            addr(SRV),
            isn.wrapping_add(1 + dev_len),
            fin_ack(1 + srv_len),
            b"",
        ),
        tcp(
            addr(SRV),
            addr(DEV),
            1 + srv_len,
            fin_ack(isn.wrapping_add(2 + dev_len)),
            b"",
        ),
    ]
}

#[test]
fn split_segments_both_directions_with_handshake() {
    let mut p = sent(1000, &[(0, "##,imei:359586015829802,A;")]);
    p.push(s(0, b"LO"));
    p.push(s(2, b"AD"));
    p.push(d(1000, 26, b"359586015829802;"));
    p.push(s(4, b"ON"));
    p.extend(fins(1000, 42, 6));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(
        run.stream(0, Side::Device),
        b"##,imei:359586015829802,A;359586015829802;"
    );
    assert_eq!(run.stream(0, Side::Server), b"LOADON");
    assert_eq!(run.infos.len(), 1);
    let info = &run.infos[0];
    assert_eq!(info.side_by, SideBy::Syn);
    assert_eq!(info.transport, Transport::Tcp);
    assert_eq!(info.device, Some(addr(DEV)));
    assert_eq!(info.server, Some(addr(SRV)));
    assert_eq!(run.events.first().map(String::as_str), Some("open 0"));
    assert_eq!(run.events.last().map(String::as_str), Some("close 0"));
    assert_eq!(run.count("close"), 1);
    assert_eq!(run.count("gap"), 0);
    assert_eq!(run.stats.bytes_device, 42);
    assert_eq!(run.stats.bytes_server, 6);
}

#[test]
fn reordered_segments_come_out_in_order() {
    let p = sent(
        5,
        &[
            (20, "cccccccccc"),
            (0, "aaaaaaaaaa"),
            (30, "dddddddddd"),
            (10, "bbbbbbbbbb"),
        ],
    );
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(
        run.stream(0, Side::Device),
        b"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"
    );
    // The first data event carries offset 0 only; the hole at 10 then releases 10..40.
    let data: Vec<_> = run
        .events
        .iter()
        .filter(|e| e.starts_with("data"))
        .cloned()
        .collect();
    assert_eq!(
        data,
        [
            "data 0 device 10",
            "data 0 device 10",
            "data 0 device 10",
            "data 0 device 10"
        ]
    );
    assert_eq!(run.count("gap"), 0);
}

#[test]
fn exact_retransmission_is_removed() {
    let p = sent(
        77,
        &[(0, "hello "), (0, "hello "), (6, "world"), (6, "world")],
    );
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.stream(0, Side::Device), b"hello world");
    assert_eq!(run.stats.tcp_retransmissions, 2);
    assert_eq!(run.count("note"), 0);
}

#[test]
fn overlapping_retransmission_with_same_data() {
    let p = sent(
        1,
        &[
            (0, "0123456789"),
            (5, "56789abcde"),
            // Out of order, then overlapping what is buffered.
            (25, "pqrst"),
            (20, "klmnopq"),
            (15, "fghij"),
        ],
    );
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(
        run.stream(0, Side::Device),
        b"0123456789abcdefghijklmnopqrst"
    );
    assert!(run.stats.tcp_overlaps >= 2, "{:?}", run.stats);
    assert_eq!(run.count("note"), 0);
}

#[test]
fn overlapping_retransmission_with_different_data_keeps_first_copy() {
    let p = sent(
        1,
        &[
            (0, "AAAAAAAAAA"),
            (5, "XXXXXBBBBB"),
            // Buffered out of order, then contradicted before the hole fills.
            (20, "DDDDD"),
            (20, "ZZZZZ"),
            (15, "CCCCC"),
        ],
    );
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.stream(0, Side::Device), b"AAAAAAAAAABBBBBCCCCCDDDDD");
    assert_eq!(
        run.count("note 0 device tcp.overlap_mismatch"),
        2,
        "{:?}",
        run.events
    );
    assert_eq!(run.stats.tcp_overlap_mismatches, 2);
}

/// Bytes the server acknowledged are settled (it took the first copy and drops any later one):
/// sent again with other content, they are a retransmission, not compared; bytes not yet
/// acknowledged sent again differently are still a mismatch.
#[test]
fn acknowledged_bytes_sent_again_differently_are_a_retransmission_not_a_mismatch() {
    let isn = 1000;
    let mut p = handshake(isn);
    p.push(d(isn, 0, b"AAAAAAAAAA"));
    p.push(tcp(addr(SRV), addr(DEV), 1, ack(isn + 11), b""));
    p.push(d(isn, 10, b"BBBBBBBBBB"));
    p.push(d(isn, 0, b"XXXXXXXXXX"));
    p.push(d(isn, 10, b"YYYYYBBBBB"));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.stream(0, Side::Device), b"AAAAAAAAAABBBBBBBBBB");
    assert_eq!(run.stats.tcp_retransmissions, 2, "{:?}", run.stats);
    assert_eq!(run.stats.tcp_overlap_mismatches, 1, "{:?}", run.events);
    assert_eq!(run.count("note 0 device tcp.overlap_mismatch"), 1);
}

#[test]
fn sequence_numbers_wrap_around() {
    let isn = u32::MAX - 12;
    let mut p = sent(
        isn,
        &[
            (10, "klmnopqrst"),
            (0, "abcdefghij"),
            (20, "uvwxyz"),
            (5, "fghijklmno"),
        ],
    );
    p.extend(fins(isn, 26, 0));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.stream(0, Side::Device), b"abcdefghijklmnopqrstuvwxyz");
    assert_eq!(run.count("gap"), 0);
    assert_eq!(run.count("close"), 1);
}

#[test]
fn capture_starting_mid_connection_uses_the_server_port() {
    // The server speaks first in the capture; no SYN.
    let p = vec![s(100, b"ON"), d(9, 500, b"359586015829802;"), s(102, b"ON")];
    let run = run_bytes(eth_pcap(&p));
    let info = &run.infos[0];
    assert_eq!(info.side_by, SideBy::Port);
    assert_eq!(info.device, Some(addr(DEV)));
    assert_eq!(run.stream(0, Side::Server), b"ONON");
    assert_eq!(run.stream(0, Side::Device), b"359586015829802;");
}

#[test]
fn no_syn_and_no_known_port_takes_the_first_sender() {
    let a = addr("192.0.2.1:5000");
    let b = addr("192.0.2.2:6000");
    let p = vec![
        tcp(b, a, 10, ack(1), b"first"),
        tcp(a, b, 1, ack(15), b"reply"),
    ];
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.infos[0].side_by, SideBy::FirstPacket);
    assert_eq!(run.infos[0].device, Some(b));
    assert_eq!(run.stream(0, Side::Device), b"first");
    assert_eq!(run.stream(0, Side::Server), b"reply");
}

#[test]
fn syn_ack_without_syn_still_names_the_initiator() {
    let p = vec![
        tcp(addr(SRV), addr(DEV), 0, syn_ack(51), b""),
        d(50, 0, b"hi"),
    ];
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.infos[0].side_by, SideBy::Syn);
    assert_eq!(run.infos[0].device, Some(addr(DEV)));
    assert_eq!(run.stream(0, Side::Device), b"hi");
}

#[test]
fn reused_four_tuple_after_fin_is_a_new_flow() {
    let mut p = sent(100, &[(0, "first")]);
    p.extend(fins(100, 5, 0));
    p.push(tcp(addr(SRV), addr(DEV), 2, ack(107), b"")); // last ACK after close
    p.extend(handshake(900_000));
    p.push(d(900_000, 0, b"second"));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.infos.len(), 2, "{:?}", run.events);
    assert_eq!(run.stream(0, Side::Device), b"first");
    assert_eq!(run.stream(1, Side::Device), b"second");
    let close0 = run.events.iter().position(|e| e == "close 0").unwrap();
    let open1 = run.events.iter().position(|e| e == "open 1").unwrap();
    assert!(close0 < open1);
}

#[test]
fn reused_four_tuple_after_rst_and_new_isn_without_close() {
    let mut p = sent(100, &[(0, "one")]);
    p.push(tcp(addr(SRV), addr(DEV), 1, RST, b""));
    p.extend(handshake(5000));
    p.push(d(5000, 0, b"two"));
    // The device reboots: a new SYN with another ISN, no FIN or RST seen.
    p.extend(handshake(70_000));
    p.push(d(70_000, 0, b"three"));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.infos.len(), 3, "{:?}", run.events);
    assert_eq!(run.stream(0, Side::Device), b"one");
    assert_eq!(run.stream(1, Side::Device), b"two");
    assert_eq!(run.stream(2, Side::Device), b"three");
    assert_eq!(run.count("close"), 3);
}

#[test]
fn lost_segment_becomes_a_gap_with_the_exact_count() {
    let mut p = sent(
        1,
        &[
            (0, "0123456789"),
            // 10..23 lost (13 bytes)
            (23, "nopqrstuvw"),
            (33, "xyz"),
        ],
    );
    p.extend(fins(1, 36, 0));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.gaps(), ["gap 0 device 13"]);
    assert_eq!(run.stream(0, Side::Device), b"0123456789nopqrstuvwxyz");
    assert_eq!(run.stats.gap_bytes, 13);
    let gap = run
        .events
        .iter()
        .position(|e| e.starts_with("gap"))
        .unwrap();
    assert_eq!(run.events[gap - 1], "data 0 device 10");
    assert_eq!(run.events[gap + 1], "data 0 device 10");
}

#[test]
fn lost_last_segment_before_fin_is_a_gap() {
    let mut p = sent(1, &[(0, "abc")]);
    // 3..10 lost, FIN at 10.
    p.extend(fins(1, 10, 0));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.gaps(), ["gap 0 device 7"]);
    assert_eq!(run.count("close"), 1);
}

#[test]
fn acknowledged_but_unseen_data_at_the_end_is_a_gap() {
    let mut p = sent(1, &[(0, "abc")]);
    p.push(s(0, b"")); // nothing
    p.push(tcp(addr(SRV), addr(DEV), 1, ack(2 + 8), b""));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.gaps(), ["gap 0 device 5"]);
}

#[test]
fn out_of_order_buffer_over_the_cap_declares_the_gap_early() {
    let mut p = sent(1, &[(0, "start")]);
    for i in 0..5u32 {
        p.push(d(1, 105 + i * 40, &[b'x'; 40]));
    }
    let config = NetConfig {
        max_buffered_per_direction: 100,
        ..NetConfig::default()
    };
    let run = run_sources(vec![("cap.pcap", eth_pcap(&p))], config);
    assert_eq!(run.gaps(), ["gap 0 device 100"]);
    let gap = run
        .events
        .iter()
        .position(|e| e.starts_with("gap"))
        .unwrap();
    // Declared when the third piece arrived (120 bytes buffered), not at the end.
    assert!(
        run.events[gap + 1..]
            .iter()
            .filter(|e| e.starts_with("data"))
            .count()
            >= 2,
        "{:?}",
        run.events
    );
    assert_eq!(run.stream(0, Side::Device).len(), 5 + 200);
}

#[test]
fn segment_cut_by_the_snapshot_length_is_data_then_gap() {
    let p = sent(1, &[(0, "0123456789abcdefghij"), (20, "KLMNO")]);
    let mut frames: Vec<(i64, Vec<u8>)> = p
        .iter()
        .enumerate()
        .map(|(i, ip)| (i as i64 * 1000, eth(ip, &[])))
        .collect();
    // Cut the 20-byte segment to its first 8 payload bytes (14 + 20 + 20 header bytes).
    frames[3].1.truncate(14 + 20 + 20 + 8);
    let mut file = pcap_file(1, &frames, pcap_file::Endianness::Big, false);
    // pcap_file wrote orig_len = captured length; the IP header still says 40 + 20.
    let _ = &mut file;
    let run = run_bytes(file);
    assert_eq!(run.stream(0, Side::Device), b"01234567KLMNO");
    assert_eq!(run.gaps(), ["gap 0 device 12"]);
    assert_eq!(run.stats.truncated, 1);
}

#[test]
fn windows_keepalive_is_not_a_mismatch() {
    let mut p = sent(1, &[(0, "abc")]);
    p.push(d(1, 2, &[0]));
    p.push(d(1, 3, b"def"));
    let run = run_bytes(eth_pcap(&p));
    assert_eq!(run.stream(0, Side::Device), b"abcdef");
    assert_eq!(run.count("note"), 0);
    assert_eq!(run.stats.tcp_keepalives, 1);
}

#[test]
fn idle_flow_times_out_by_capture_time() {
    let packets = vec![
        (0i64, eth(&d(1, 0, b"early"), &[])),
        (3 * 3600 * 1_000_000_000i64, eth(&d(1, 5, b"late"), &[])),
    ];
    let file = pcap_file(1, &packets, pcap_file::Endianness::Little, false);
    let run = run_bytes(file);
    assert_eq!(run.stats.flows_timed_out, 1);
    assert_eq!(run.infos.len(), 2);
    assert_eq!(run.events[..3], ["open 0", "data 0 device 5", "close 0"]);
    assert_eq!(run.stream(1, Side::Device), b"late");
}

#[test]
fn late_bytes_of_a_declared_gap_are_not_compared_with_other_bytes() {
    let p = sent(
        1,
        &[
            (0, "0123456789"),
            (20, "ABCDEFGHIJ"),
            // Arrives after the hole was declared a gap (buffer cap 5): too late, but not a mismatch.
            (10, "klmnopqrst"),
        ],
    );
    let config = NetConfig {
        max_buffered_per_direction: 5,
        ..NetConfig::default()
    };
    let run = run_sources(vec![("cap.pcap", eth_pcap(&p))], config);
    assert_eq!(run.stream(0, Side::Device), b"0123456789ABCDEFGHIJ");
    assert_eq!(run.gaps(), ["gap 0 device 10"]);
    assert_eq!(run.count("note"), 0, "{:?}", run.events);
    assert_eq!(run.stats.tcp_retransmissions, 1);
}

#[test]
fn too_many_flows_evicts_the_least_recently_active_without_losing_data() {
    let srv = addr(SRV);
    let dev = |n: u16| addr(&format!("10.0.0.{n}:4000"));
    let p = vec![
        tcp(dev(1), srv, 10, ack(1), b"one"),
        tcp(dev(2), srv, 10, ack(1), b"two"),
        tcp(dev(1), srv, 13, ack(1), b"ONE"),
        tcp(dev(3), srv, 10, ack(1), b"three"),
        tcp(dev(2), srv, 13, ack(1), b"TWO"),
    ];
    let config = NetConfig {
        max_flows: 2,
        ..NetConfig::default()
    };
    let run = run_sources(vec![("cap.pcap", eth_pcap(&p))], config);
    // Flow 1 (dev 2) was the least recently active when dev 3 arrived; when dev 2 came back,
    // flow 0 (dev 1) was.
    assert_eq!(run.stats.flows_evicted, 2);
    let close0 = run.events.iter().position(|e| e == "close 0").unwrap();
    let open3 = run.events.iter().position(|e| e == "open 3").unwrap();
    assert!(close0 < open3, "{:?}", run.events);
    let close1 = run.events.iter().position(|e| e == "close 1").unwrap();
    let open2 = run.events.iter().position(|e| e == "open 2").unwrap();
    assert!(close1 < open2, "{:?}", run.events);
    assert_eq!(run.stream(0, Side::Device), b"oneONE");
    assert_eq!(run.stream(1, Side::Device), b"two");
    assert_eq!(run.stream(2, Side::Device), b"three");
    assert_eq!(run.stream(3, Side::Device), b"TWO");
    assert_eq!(run.stats.bytes_device, 17);
}
