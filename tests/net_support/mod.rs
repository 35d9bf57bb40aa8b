//! Helpers shared by the capture and net tests: packets, capture files, and a reassembler run
//! collected into per-flow streams and a readable event log.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use bn407::capture::{self, CaptureError, Item, Merged};
use bn407::net::{FlowEvent, FlowInfo, NetConfig, NetStats, Reassembler, Side, Transport};
use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};

/// The device's address in the tests' TCP conversations.
pub const DEV: &str = "10.0.0.2:40000";
/// The server's address in the tests' TCP conversations.
pub const SRV: &str = "10.0.0.1:8888";

/// TCP flags for [`tcp`].
#[derive(Clone, Copy, Default)]
pub struct Flags {
    pub syn: bool,
    pub ack: Option<u32>,
    pub fin: bool,
    pub rst: bool,
}

pub const SYN: Flags = Flags {
    syn: true,
    ack: None,
    fin: false,
    rst: false,
};

pub fn ack(n: u32) -> Flags {
    Flags {
        ack: Some(n),
        ..Flags::default()
    }
}

/// A SYN acknowledging `n` (the server's answer to a SYN).
pub fn syn_ack(n: u32) -> Flags {
    Flags {
        syn: true,
        ..ack(n)
    }
}

/// A FIN acknowledging `n`.
pub fn fin_ack(n: u32) -> Flags {
    Flags {
        fin: true,
        ..ack(n)
    }
}

/// A reset.
pub const RST: Flags = Flags {
    syn: false,
    ack: None,
    fin: false,
    rst: true,
};

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// An IP packet (v4 or v6 from the addresses) carrying a TCP segment.
pub fn tcp(src: SocketAddr, dst: SocketAddr, seq: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let ip = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed address families"),
    };
    let mut b = ip.tcp(src.port(), dst.port(), seq, 65535);
    if flags.syn {
        b = b.syn();
    }
    if let Some(n) = flags.ack {
        b = b.ack(n);
    }
    if flags.fin {
        b = b.fin();
    }
    if flags.rst {
        b = b.rst();
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

/// An IP packet carrying a UDP datagram.
pub fn udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let ip = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed address families"),
    };
    let mut out = Vec::new();
    ip.udp(src.port(), dst.port())
        .write(&mut out, payload)
        .unwrap();
    out
}

fn ethertype(ip: &[u8]) -> u16 {
    if ip[0] >> 4 == 6 { 0x86dd } else { 0x0800 }
}

/// An Ethernet frame around `ip`, with VLAN tags given as (TPID, VLAN id), outermost first.
pub fn eth(ip: &[u8], tags: &[(u16, u16)]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    for &(tpid, vid) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&vid.to_be_bytes());
    }
    f.extend_from_slice(&ethertype(ip).to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// A Linux cooked (v1) frame around `ip`.
pub fn sll(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(&ethertype(ip).to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// A Linux cooked v2 frame around `ip`.
pub fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut f = ethertype(ip).to_be_bytes().to_vec();
    f.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    f.extend_from_slice(ip);
    f
}

/// A BSD null-loopback frame (family in little-endian, as on x86) around `ip`.
pub fn null(ip: &[u8], family: u32, big_endian: bool) -> Vec<u8> {
    let mut f = if big_endian {
        family.to_be_bytes().to_vec()
    } else {
        family.to_le_bytes().to_vec()
    };
    f.extend_from_slice(ip);
    f
}

/// A classic pcap file.
pub fn pcap_file(
    link: u32,
    packets: &[(i64, Vec<u8>)],
    endianness: Endianness,
    nanos: bool,
) -> Vec<u8> {
    let header = PcapHeader {
        datalink: DataLink::from(link),
        endianness,
        ts_resolution: if nanos {
            TsResolution::NanoSecond
        } else {
            TsResolution::MicroSecond
        },
        snaplen: 262_144,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (ts, data) in packets {
        let ts = std::time::Duration::from_nanos(*ts as u64);
        w.write_packet(&PcapPacket::new(ts, data.len() as u32, data))
            .unwrap();
    }
    w.into_writer()
}

/// Ethernet pcap (little-endian, microseconds) of IP packets, one per millisecond from t=1000 s.
pub fn eth_pcap(ips: &[Vec<u8>]) -> Vec<u8> {
    let packets: Vec<(i64, Vec<u8>)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (1_000_000_000_000 + i as i64 * 1_000_000, eth(ip, &[])))
        .collect();
    pcap_file(1, &packets, Endianness::Little, false)
}

/// What a run of the reassembler produced.
#[derive(Debug, Default)]
pub struct Run {
    pub infos: Vec<FlowInfo>,
    /// Reassembled bytes per (flow, side).
    pub streams: BTreeMap<(u32, &'static str), Vec<u8>>,
    /// One line per event: `open 0`, `data 0 device 5`, `gap 0 server 3`, `unit 0 device`,
    /// `note 0 device tcp.overlap_mismatch`, `close 0`.
    pub events: Vec<String>,
    pub stats: NetStats,
    pub errors: Vec<CaptureError>,
    pub items: usize,
}

impl Run {
    pub fn stream(&self, flow: u32, side: Side) -> &[u8] {
        self.streams
            .get(&(flow, side_name(side)))
            .map_or(&[][..], Vec::as_slice)
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.events.iter().filter(|e| e.starts_with(prefix)).count()
    }

    /// The flows over `transport`.
    pub fn flows(&self, transport: Transport) -> Vec<&FlowInfo> {
        self.infos
            .iter()
            .filter(|i| i.transport == transport)
            .collect()
    }

    pub fn gaps(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.starts_with("gap"))
            .cloned()
            .collect()
    }
}

pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Device => "device",
        Side::Server => "server",
    }
}

/// Feeds every item of `sources` (merged) through a reassembler with `config`.
pub fn run_sources(sources: Vec<(&str, Vec<u8>)>, config: NetConfig) -> Run {
    let opened: Vec<_> = sources
        .into_iter()
        .map(|(name, bytes)| capture::open_bytes(name, bytes).unwrap())
        .collect();
    let mut merged = Merged::new(opened);
    let mut re = Reassembler::new(config);
    let mut run = Run::default();
    let mut item = Item::new();
    loop {
        match merged.next_into(&mut item) {
            Ok(Some(source)) => {
                run.items += 1;
                re.feed(source, &item, &mut |e| record(&mut run, e));
            }
            Ok(None) => break,
            Err(e) => run.errors.push(e),
        }
    }
    re.finish(&mut |e| record(&mut run, e));
    run.stats = re.stats().clone();
    run
}

pub fn run_bytes(bytes: Vec<u8>) -> Run {
    run_sources(vec![("test.pcap", bytes)], NetConfig::default())
}

pub fn record(run: &mut Run, e: FlowEvent<'_>) {
    let line = match e {
        FlowEvent::Open(info) => {
            run.infos.push(info.clone());
            format!("open {}", info.id.0)
        }
        FlowEvent::Data {
            flow, side, bytes, ..
        } => {
            run.streams
                .entry((flow.0, side_name(side)))
                .or_default()
                .extend_from_slice(bytes);
            format!("data {} {} {}", flow.0, side_name(side), bytes.len())
        }
        FlowEvent::UnitEnd { flow, side } => format!("unit {} {}", flow.0, side_name(side)),
        FlowEvent::Gap {
            flow,
            side,
            missing,
            ..
        } => format!("gap {} {} {missing}", flow.0, side_name(side)),
        FlowEvent::Note {
            flow, side, code, ..
        } => format!("note {} {} {code}", flow.0, side_name(side)),
        FlowEvent::Close { flow, .. } => format!("close {}", flow.0),
    };
    run.events.push(line);
}

/// The bytes of a hex string (white space between the digits is skipped).
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}
