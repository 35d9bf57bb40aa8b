//! Targets `net` and `tcp`: packets through the network layer and TCP reassembly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{Bytes, check_decoded};
use crate::capture::{Item, ItemKind, LinkType, Timestamp};
use crate::net::{FlowEvent, NetConfig, Reassembler};
use crate::pipeline::{Analyzer, Decoded};

/// Checks the reassembler's events: flows open before use and close once; data, gaps and
/// notes belong to open flows.
#[derive(Default)]
struct FlowCheck {
    open: std::collections::BTreeSet<u32>,
    closed: std::collections::BTreeSet<u32>,
}

impl FlowCheck {
    fn event(&mut self, ev: &FlowEvent<'_>) {
        match ev {
            FlowEvent::Open(info) => {
                assert!(self.open.insert(info.id.0), "flow opened twice");
                assert!(!self.closed.contains(&info.id.0));
            }
            FlowEvent::Data { flow, bytes, .. } => {
                assert!(self.open.contains(&flow.0), "data of a flow not open");
                assert!(!bytes.is_empty(), "empty data event");
            }
            FlowEvent::Gap { flow, missing, .. } => {
                assert!(self.open.contains(&flow.0), "gap in a flow not open");
                assert!(*missing > 0, "empty gap");
            }
            FlowEvent::UnitEnd { flow, .. } | FlowEvent::Note { flow, .. } => {
                assert!(self.open.contains(&flow.0), "event of a flow not open");
            }
            FlowEvent::Close { flow, .. } => {
                assert!(
                    self.open.remove(&flow.0),
                    "flow closed twice or never opened"
                );
                self.closed.insert(flow.0);
            }
        }
    }
}

/// A reassembler with small bounds, so that a short input reaches them.
fn small_net(d: &mut Bytes<'_>) -> NetConfig {
    NetConfig {
        server_ports: vec![8888],
        max_buffered_per_direction: 64 + usize::from(d.u8()) * 64,
        idle_timeout: std::time::Duration::from_secs(60),
        max_flows: 1 + usize::from(d.u8() % 16),
    }
}

/// The link types of the `net` target, by the index its records give.
pub const LINKS: [LinkType; 9] = [
    LinkType::Ethernet,
    LinkType::Null,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::RawIp,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::Other(147),
];

/// Target `net`: a sequence of captured packets (`[time step][link][length u16][bytes]`, two
/// bytes of settings first) through link and IP parsing, defragmentation and the flow table,
/// then every flow event through the analyzer.
pub fn net(data: &[u8]) {
    let mut d = Bytes { d: data };
    let mut r = Reassembler::new(small_net(&mut d));
    let mut check = FlowCheck::default();
    let mut an = Analyzer::new(true);
    let mut ts: i64 = 1_700_000_000_000_000_000;
    let mut item = Item::new();
    while !d.is_empty() {
        let step = d.u8();
        ts += i64::from(step)
            * if step > 200 {
                10_000_000_000
            } else {
                1_000_000
            };
        let link = *LINKS
            .get(usize::from(d.u8()) % LINKS.len())
            .unwrap_or(&LinkType::RawIp);
        let len = usize::from(d.u16() % 2048);
        item.ts = Some(Timestamp(ts));
        item.kind = ItemKind::Packet { link };
        item.data.clear();
        item.data.extend_from_slice(d.take(len));
        r.feed(0, &item, &mut |ev| {
            check.event(&ev);
            analyze(&mut an, ev);
        });
    }
    r.finish(&mut |ev| {
        check.event(&ev);
        analyze(&mut an, ev);
    });
    assert!(check.open.is_empty(), "flows left open after finish");
    let _ = an.finish(&mut |d| check_decoded(&d));
}

/// The network event through the pipeline's own hand-over, every frame checked.
fn analyze(an: &mut Analyzer, ev: FlowEvent<'_>) {
    crate::pipeline::apply(an, ev, &mut |d: Decoded<'_>| check_decoded(&d));
}

/// The byte a test sender puts at TCP sequence number `seq`: consecutive sequence numbers give
/// consecutive byte values, so reassembled data can be checked byte by byte.
fn pattern(seq: u32) -> u8 {
    seq as u8
}

/// A raw IPv4 packet carrying one TCP segment.
fn tcp_packet(
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: Option<u32>,
    flags: u8,
    payload: &[u8],
    out: &mut Vec<u8>,
) {
    let (IpAddr::V4(s), IpAddr::V4(t)) = (src.ip(), dst.ip()) else {
        return;
    };
    let total = (40 + payload.len()) as u16;
    out.clear();
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
    out.extend_from_slice(&s.octets());
    out.extend_from_slice(&t.octets());
    let mut sum: u32 = 0;
    for pair in out.chunks(2) {
        sum += u32::from(u16::from_be_bytes([
            *pair.first().unwrap_or(&0),
            *pair.get(1).unwrap_or(&0),
        ]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let check = !(sum as u16);
    if let Some(c) = out.get_mut(10..12) {
        c.copy_from_slice(&check.to_be_bytes());
    }
    out.extend_from_slice(&src.port().to_be_bytes());
    out.extend_from_slice(&dst.port().to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&ack.unwrap_or(0).to_be_bytes());
    let flags = flags | if ack.is_some() { 0x10 } else { 0 };
    out.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    out.extend_from_slice(payload);
}

/// Target `tcp`: TCP reassembly of one connection from a sequence of segment operations. After
/// two initial sequence numbers and two bytes of settings, each operation is
/// `[flags][sequence offset u16][length][time step]`: flags bit 0 picks the side (device or
/// server), bits 1 to 3 set SYN, FIN and RST, bit 4 adds an acknowledgement of the other side,
/// bit 5 sends the bytes with other content than the first copy, bit 6 makes the offset count
/// backwards. Segments carry a known pattern, so the delivered bytes are checked to be the
/// bytes sent, in order, with every hole reported as a gap of the right size.
pub fn tcp(data: &[u8]) {
    let mut d = Bytes { d: data };
    let isn = [d.u32(), d.u32()];
    let mut r = Reassembler::new(small_net(&mut d));
    let ends = [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40_000),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 8888),
    ];
    // Per flow and side: the pattern byte expected next (None until the first byte), and
    // whether bytes of other content were sent (then the first copy may be the odd one).
    let mut expect: std::collections::HashMap<(u32, usize), Option<u8>> = Default::default();
    let mut unchecked = [false; 2];
    let mut check = FlowCheck::default();
    let mut an = Analyzer::new(false);
    let mut ts: i64 = 1_700_000_000_000_000_000;
    let mut item = Item::new();
    let mut payload = Vec::new();
    let mut on_event = |ev: FlowEvent<'_>,
                        expect: &mut std::collections::HashMap<(u32, usize), Option<u8>>,
                        unchecked: &[bool; 2]| {
        check.event(&ev);
        match &ev {
            FlowEvent::Data {
                flow, side, bytes, ..
            } => {
                let s = crate::pipeline::side_index(*side);
                let next = expect.entry((flow.0, s)).or_insert(None);
                for &b in *bytes {
                    if let Some(e) = *next
                        && !unchecked.iter().any(|u| *u)
                    {
                        assert_eq!(b, e, "reassembled byte out of place");
                    }
                    *next = Some(b.wrapping_add(1));
                }
            }
            FlowEvent::Gap {
                flow,
                side,
                missing,
                ..
            } => {
                let next = expect
                    .entry((flow.0, crate::pipeline::side_index(*side)))
                    .or_insert(None);
                *next = next.map(|n| n.wrapping_add(*missing as u8));
            }
            _ => {}
        }
        analyze(&mut an, ev);
    };
    while !d.is_empty() {
        let flags = d.u8();
        let off = d.u16();
        let len = usize::from(d.u8());
        ts += i64::from(d.u8()) * 10_000_000;
        let s = usize::from(flags & 1);
        let other = 1 - s;
        let start = *isn.get(s).unwrap_or(&0);
        let seq = if flags & 0x40 != 0 {
            start.wrapping_sub(u32::from(off))
        } else {
            start.wrapping_add(u32::from(off))
        };
        let corrupt = flags & 0x20 != 0;
        if corrupt
            && len > 0
            && let Some(u) = unchecked.get_mut(s)
        {
            *u = true;
        }
        // A SYN takes a sequence number itself: its data starts after it.
        let first = seq.wrapping_add(u32::from(flags & 0x02 != 0));
        payload.clear();
        payload.extend((0..len as u32).map(|i| {
            let b = pattern(first.wrapping_add(i));
            if corrupt { !b } else { b }
        }));
        let mut tcp_flags = 0u8;
        if flags & 0x02 != 0 {
            tcp_flags |= 0x02;
        }
        if flags & 0x04 != 0 {
            tcp_flags |= 0x01;
        }
        if flags & 0x08 != 0 {
            tcp_flags |= 0x04;
        }
        let ack = (flags & 0x10 != 0).then(|| {
            isn.get(other)
                .copied()
                .unwrap_or(0)
                .wrapping_add(u32::from(off))
        });
        let (Some(src), Some(dst)) = (ends.get(s), ends.get(other)) else {
            return;
        };
        item.ts = Some(Timestamp(ts));
        item.kind = ItemKind::Packet {
            link: LinkType::RawIp,
        };
        tcp_packet(*src, *dst, seq, ack, tcp_flags, &payload, &mut item.data);
        r.feed(0, &item, &mut |ev| on_event(ev, &mut expect, &unchecked));
    }
    r.finish(&mut |ev| on_event(ev, &mut expect, &unchecked));
    assert!(check.open.is_empty(), "flows left open after finish");
    let _ = an.finish(&mut |d| check_decoded(&d));
}
