//! Link layers, IP versions, UDP, IPv4 fragments, server-log and raw flows.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use bn407::capture::{Item, ItemKind, Timestamp};
use bn407::net::{FlowEvent, NetConfig, Reassembler, Side, SideBy, Transport};
use net_support::*;
use pcap_file::Endianness;

const MSG: &[u8] =
    b"imei:359586015829802,tracker,0809231929,,F,112909.397,A,2234.4669,N,11354.3287,E,0.11,;";

/// A SYN and one data segment from the device, framed by `frame`, in a pcap of `link`.
fn conversation(link: u32, dev: &str, srv: &str, frame: impl Fn(&[u8]) -> Vec<u8>) -> Run {
    let (dev, srv) = (addr(dev), addr(srv));
    let ips = [tcp(dev, srv, 7, SYN, b""), tcp(dev, srv, 8, ack(1), MSG)];
    let packets: Vec<(i64, Vec<u8>)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (i as i64, frame(ip)))
        .collect();
    run_bytes(pcap_file(link, &packets, Endianness::Little, false))
}

fn assert_one_message(run: &Run) {
    assert_eq!(run.infos.len(), 1, "{:?} {:?}", run.events, run.stats);
    assert_eq!(run.stream(0, Side::Device), MSG);
    assert_eq!(run.infos[0].side_by, SideBy::Syn);
}

#[test]
fn ethernet() {
    assert_one_message(&conversation(1, "10.1.1.2:5000", "10.1.1.1:8888", |ip| {
        eth(ip, &[])
    }));
}

#[test]
fn ethernet_with_802_1q_tag() {
    assert_one_message(&conversation(1, "10.1.1.2:5000", "10.1.1.1:8888", |ip| {
        eth(ip, &[(0x8100, 42)])
    }));
}

#[test]
fn ethernet_with_qinq_tags() {
    let run = conversation(1, "10.1.1.2:5000", "10.1.1.1:8888", |ip| {
        eth(ip, &[(0x88a8, 100), (0x8100, 42)])
    });
    assert_one_message(&run);
    let run = conversation(1, "10.1.1.2:5000", "10.1.1.1:8888", |ip| {
        eth(ip, &[(0x9100, 1), (0x8100, 2), (0x8100, 3)])
    });
    assert_one_message(&run);
}

#[test]
fn ipv6_with_vlan_tag() {
    let run = conversation(1, "[2001:db8::2]:5000", "[2001:db8::1]:8888", |ip| {
        eth(ip, &[(0x8100, 7)])
    });
    assert_one_message(&run);
    assert_eq!(run.infos[0].device, Some(addr("[2001:db8::2]:5000")));
}

#[test]
fn linux_cooked_v1_and_v2() {
    assert_one_message(&conversation(113, "10.1.1.2:5000", "10.1.1.1:8888", sll));
    assert_one_message(&conversation(276, "10.1.1.2:5000", "10.1.1.1:8888", sll2));
    assert_one_message(&conversation(
        276,
        "[2001:db8::2]:5000",
        "[2001:db8::1]:8888",
        sll2,
    ));
}

#[test]
fn raw_ip_link_types() {
    assert_one_message(&conversation(
        101,
        "10.1.1.2:5000",
        "10.1.1.1:8888",
        <[u8]>::to_vec,
    ));
    assert_one_message(&conversation(
        101,
        "[2001:db8::2]:5000",
        "[2001:db8::1]:8888",
        <[u8]>::to_vec,
    ));
    assert_one_message(&conversation(
        228,
        "10.1.1.2:5000",
        "10.1.1.1:8888",
        <[u8]>::to_vec,
    ));
    assert_one_message(&conversation(
        229,
        "[2001:db8::2]:5000",
        "[2001:db8::1]:8888",
        <[u8]>::to_vec,
    ));
}

#[test]
fn bsd_null_and_loop() {
    assert_one_message(&conversation(0, "127.0.0.1:5000", "127.0.0.1:8888", |ip| {
        null(ip, 2, false)
    }));
    assert_one_message(&conversation(0, "[::1]:5000", "[::1]:8888", |ip| {
        null(ip, 30, false)
    }));
    assert_one_message(&conversation(
        108,
        "127.0.0.1:5000",
        "127.0.0.1:8888",
        |ip| null(ip, 2, true),
    ));
    assert_one_message(&conversation(108, "[::1]:5000", "[::1]:8888", |ip| {
        null(ip, 24, true)
    }));
}

#[test]
fn non_ip_frames_are_counted_and_ignored() {
    let arp = {
        let mut f = vec![0xff; 12];
        f.extend_from_slice(&[0x08, 0x06]);
        f.extend_from_slice(&[0; 28]);
        f
    };
    let packets = vec![
        (0, arp),
        (1, vec![0x02; 5]),
        (
            2,
            eth(
                &tcp(addr("10.0.0.2:1"), addr("10.0.0.1:8888"), 1, SYN, b""),
                &[],
            ),
        ),
    ];
    let run = run_bytes(pcap_file(1, &packets, Endianness::Big, false));
    assert_eq!(run.stats.packets, 3);
    assert_eq!(run.stats.non_ip, 1);
    assert_eq!(run.stats.malformed, 1);
    assert_eq!(run.infos.len(), 1);
    // An unsupported link type: every packet counted as non-IP.
    let run = run_bytes(pcap_file(
        147,
        &[(0, vec![1, 2, 3])],
        Endianness::Big,
        false,
    ));
    assert_eq!(run.stats.non_ip, 1);
}

#[test]
fn udp_datagrams_are_units_and_both_directions_share_a_flow() {
    let (dev, srv) = (addr("10.0.0.5:3000"), addr("10.0.0.1:8888"));
    let ips = [
        udp(srv, dev, b"ON"),
        udp(dev, srv, b"imei:1;"),
        udp(dev, srv, b"imei:2;"),
    ];
    let run = run_bytes(eth_pcap(&ips));
    assert_eq!(run.infos.len(), 1);
    let info = &run.infos[0];
    assert_eq!(info.transport, Transport::Udp);
    assert_eq!(info.side_by, SideBy::Port);
    assert_eq!(info.device, Some(dev));
    assert_eq!(
        run.events,
        [
            "open 0",
            "data 0 server 2",
            "unit 0 server",
            "data 0 device 7",
            "unit 0 device",
            "data 0 device 7",
            "unit 0 device",
            "close 0"
        ]
    );
    assert_eq!(run.stats.udp_datagrams, 3);
}

/// The pieces of `body` every `size` bytes, each made into a packet by `packet` from its
/// offset, whether more follow, and its bytes.
fn split(body: &[u8], size: usize, packet: impl Fn(usize, bool, &[u8]) -> Vec<u8>) -> Vec<Vec<u8>> {
    body.chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * size;
            packet(offset, offset + chunk.len() < body.len(), chunk)
        })
        .collect()
}

/// IPv4 fragments of a UDP datagram carrying `payload`, split every `size` bytes of IP payload.
fn fragments(payload: &[u8], size: usize, id: u16) -> Vec<Vec<u8>> {
    let whole = udp(addr("10.0.0.5:3000"), addr("10.0.0.1:8888"), payload);
    let header = &whole[..20];
    split(&whole[20..], size, |offset, more, chunk| {
        let mut h = header.to_vec();
        let total = (20 + chunk.len()) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[4..6].copy_from_slice(&id.to_be_bytes());
        let word = ((offset / 8) as u16) | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&word.to_be_bytes());
        h.extend_from_slice(chunk);
        h
    })
}

#[test]
fn ipv4_fragments_are_reassembled_in_any_order() {
    let payload: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let mut frags = fragments(&payload, 1200, 77);
    assert_eq!(frags.len(), 3);
    frags.swap(0, 2);
    frags.push(frags[1].clone()); // a duplicate after completion starts a new, never-finished datagram
    let run = run_bytes(eth_pcap(&frags));
    assert_eq!(run.stream(0, Side::Device), payload.as_slice());
    assert_eq!(run.count("unit"), 1);
    assert_eq!(run.stats.ip_reassembled, 1);
    assert_eq!(run.stats.ip_fragments, 4);
    assert_eq!(run.stats.ip_fragments_dropped, 1);
}

#[test]
fn incomplete_fragments_time_out_and_are_counted() {
    let payload = vec![7u8; 2000];
    let frags = fragments(&payload, 800, 5);
    let packets = vec![
        (0i64, eth(&frags[0], &[])),
        (60_000_000_000i64, eth(&frags[2], &[])),
    ];
    let run = run_bytes(pcap_file(1, &packets, Endianness::Little, true));
    assert_eq!(run.infos.len(), 0);
    assert_eq!(run.stats.ip_fragments, 2);
    assert_eq!(run.stats.ip_fragments_dropped, 2);
}

#[test]
fn server_log_items_make_flows_per_connection() {
    let mut re = Reassembler::new(NetConfig::default());
    let mut run = Run::default();
    let item = |conn, to_device, data: &[u8]| Item {
        ts: Some(Timestamp(5)),
        kind: ItemKind::Log {
            conn,
            to_device,
            peer: Some(addr("203.0.113.5:0")),
            local_port: Some(5001),
            udp: conn == 2,
            event: bn407::capture::LogEvent::Data,
            hint: None,
        },
        data: data.to_vec(),
    };
    for it in [
        item(1, false, b"##,imei:1,A;"),
        item(1, true, b"LOAD"),
        item(2, false, b"x"),
    ] {
        re.feed(0, &it, &mut |e| record(&mut run, e));
    }
    re.finish(&mut |e| record(&mut run, e));
    assert_eq!(run.infos.len(), 2);
    assert_eq!(run.infos[0].side_by, SideBy::Log);
    assert_eq!(run.infos[0].transport, Transport::Tcp);
    assert_eq!(run.infos[0].device, Some(addr("203.0.113.5:0")));
    assert_eq!(run.infos[0].server.map(|s| s.port()), Some(5001));
    assert_eq!(run.stream(0, Side::Device), b"##,imei:1,A;");
    assert_eq!(run.stream(0, Side::Server), b"LOAD");
    // TCP log lines are pieces of a stream (no unit ends); UDP lines are datagrams.
    assert_eq!(
        &run.events[..3],
        ["open 0", "data 0 device 12", "data 0 server 4"]
    );
    assert_eq!(run.infos[1].transport, Transport::Udp);
    assert!(run.events.iter().any(|e| e == "unit 1 device"));
}

#[test]
fn raw_items_are_one_device_stream_without_units() {
    let mut re = Reassembler::new(NetConfig::default());
    let mut events = Vec::new();
    for chunk in [&b"imei:1,"[..], b"tracker;"] {
        let it = Item {
            ts: None,
            kind: ItemKind::Raw,
            data: chunk.to_vec(),
        };
        re.feed(3, &it, &mut |e| {
            events.push(match e {
                FlowEvent::Open(info) => format!(
                    "open {:?} {:?} {}",
                    info.transport, info.side_by, info.source
                ),
                FlowEvent::Data { side, bytes, .. } => {
                    format!("{side:?} {}", String::from_utf8_lossy(bytes))
                }
                other => format!("{other:?}"),
            })
        });
    }
    assert_eq!(
        events,
        ["open Raw Raw 3", "Device imei:1,", "Device tracker;"]
    );
    assert_eq!(re.flow(bn407::net::FlowId(0)).map(|f| f.device), Some(None));
}

/// IPv6 fragments (fragment header) of a UDP datagram, `size` bytes of fragmentable part each.
fn fragments_v6(payload: &[u8], size: usize, id: u32) -> Vec<Vec<u8>> {
    let whole = udp(
        addr("[2001:db8::5]:3000"),
        addr("[2001:db8::1]:8888"),
        payload,
    );
    let header = &whole[..40];
    split(&whole[40..], size, |offset, more, chunk| {
        let mut p = header.to_vec();
        p[4..6].copy_from_slice(&((8 + chunk.len()) as u16).to_be_bytes());
        p[6] = 44;
        p.extend_from_slice(&[17, 0]);
        p.extend_from_slice(&((offset as u16) | u16::from(more)).to_be_bytes());
        p.extend_from_slice(&id.to_be_bytes());
        p.extend_from_slice(chunk);
        p
    })
}

#[test]
fn ipv6_fragments_are_reassembled() {
    let payload: Vec<u8> = (0..2500u32).map(|i| (i % 241) as u8).collect();
    let mut frags = fragments_v6(&payload, 1000, 0xdead_beef);
    assert_eq!(frags.len(), 3);
    frags.reverse();
    let run = run_bytes(eth_pcap(&frags));
    assert_eq!(run.infos.len(), 1, "{:?}", run.stats);
    assert_eq!(run.infos[0].device, Some(addr("[2001:db8::5]:3000")));
    assert_eq!(run.stream(0, Side::Device), payload.as_slice());
    assert_eq!(run.stats.ip_reassembled, 1);
}
