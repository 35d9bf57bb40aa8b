//! Entry points of the fuzz targets (`fuzz/`, cargo-fuzz and libFuzzer), one function per target,
//! each taking the fuzzer's bytes.
//!
//! They live in the crate so that the fuzz targets and an ordinary test
//! (`tests/fuzz_regressions.rs`, which runs every seed and every input a fuzzer ever crashed
//! on) run the same code, and so that they can reach the parsers below the public API. Each
//! one feeds the bytes to a part of the analyzer the way its real input arrives and checks
//! what must always hold (beyond "no panic, no hang, bounded memory"): reassembled TCP bytes
//! are the bytes sent, in order, with every hole reported; a capture read as a stream gives
//! the same items as read as a file; every field of a decode tree lies inside its frame; every
//! flow opened is closed once.
//!
//! Not a stable API: the layout of each target's bytes may change with the parsers.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use crate::capture::{self, Item, ItemKind, LinkType, Timestamp};
use crate::model::Stats;
use crate::model::store::{FrameStore, StoreBuilder};
use crate::net::{FlowEvent, NetConfig, Reassembler};
use crate::pipeline::{self, Analyzer, Decoded, FlowMeta, Input, RunOptions};
use crate::protocol::{self, Direction, RawFrame, ReplyOptions, Tree};

/// The names of the targets, as the folders under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[&str] = &[
    "capture", "logline", "net", "tcp", "protocol", "filter", "pmtiles", "diff",
];

/// Runs the target called `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "capture" => capture(data),
        "logline" => logline(data),
        "net" => net(data),
        "tcp" => tcp(data),
        "protocol" => protocol(data),
        "filter" => filter(data),
        "pmtiles" => pmtiles(data),
        "diff" => diff(data),
        _ => return false,
    }
    true
}

/// Reads the fuzzer's bytes as numbers and pieces, yielding zeros once they run out.
struct Bytes<'a> {
    d: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.d.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.d = rest;
        first
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.d.split_at(n.min(self.d.len()));
        self.d = b;
        a
    }
    fn is_empty(&self) -> bool {
        self.d.is_empty()
    }
}

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

/// Runs inputs through the pipeline with trees and every consumer of decoded frames.
fn run_pipeline(inputs: Vec<Input>) {
    let mut stats = Stats::default();
    let mut store = StoreBuilder::new();
    let mut opts = RunOptions {
        tree: true,
        ..Default::default()
    };
    let out = pipeline::run_all(&inputs, &mut opts, &mut |d| {
        check_decoded(&d);
        stats.add(&d);
        store.add(&d);
        let _ = crate::present::frame_line(&d);
        let _ = crate::present::frame_json(&d).to_string();
    });
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

fn check_decoded(d: &Decoded<'_>) {
    if let Some(tree) = d.tree {
        check_tree(tree, d.bytes.len());
    }
    for diag in &d.message.diagnostics {
        assert!(
            diag.span.start <= diag.span.end && diag.span.end as usize <= d.bytes.len(),
            "diagnostic {} spans {:?} of a {}-byte frame",
            diag.code,
            diag.span,
            d.bytes.len()
        );
    }
    if let Some(k) = d.message.keyword {
        assert!(k.start <= k.end && k.end as usize <= d.bytes.len());
    }
}

/// Every node of a tree lies inside its frame, and depths grow by one at most.
fn check_tree(tree: &Tree, len: usize) {
    let mut depth = 0u8;
    for (i, n) in tree.nodes.iter().enumerate() {
        assert!(
            n.span.start <= n.span.end && n.span.end as usize <= len,
            "field {} spans {:?} of a {len}-byte frame",
            n.def.name,
            n.span
        );
        assert!(
            n.depth <= depth.saturating_add(1),
            "field {} (node {i}) at depth {} after depth {depth}",
            n.def.name,
            n.depth
        );
        depth = n.depth;
    }
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
#[allow(clippy::too_many_arguments)]
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

/// Target `protocol`: one protocol's framer and decoder, and the detection path. The first
/// byte picks the protocol (every registered one and the fallback), the second the direction
/// and the mode, the third the size of the pieces the rest arrives in. Every frame is decoded
/// with a tree, checked, summarised, probed, answered (the listener's reply rules) and given
/// to the protocol's session checker and media assembly. Then the same bytes go through a
/// conversation (detection, re-detection, framing) as a TCP or UDP flow of uncertain sides.
pub fn protocol(data: &[u8]) {
    let mut d = Bytes { d: data };
    let all: Vec<&'static protocol::Protocol> = protocol::all().collect();
    let Some(p) = all.get(usize::from(d.u8()) % all.len()).copied() else {
        return;
    };
    let mode = d.u8();
    let dir = *Direction::ALL
        .get(usize::from(mode % 3))
        .unwrap_or(&Direction::ToServer);
    let piece = usize::from(d.u8()) + 1;
    let body = d.d;
    let mut framer = (p.framer)(dir);
    let mut session = p.hooks.session.map(|f| f());
    let mut media = p.hooks.media.map(|f| f());
    let mut tree = Tree::default();
    let mut on_frame = |f: RawFrame<'_>| {
        tree.nodes.clear();
        let mut msg = protocol::decode_frame(p, &f, dir, Some(&mut tree));
        check_tree(&tree, f.bytes.len());
        let bare = protocol::decode_frame(p, &f, dir, None);
        assert_eq!(
            bare.kind, msg.kind,
            "a decode with a tree and one without disagree"
        );
        let _ = crate::present::summary(&msg, f.bytes);
        let _ = (p.probe)(f.bytes);
        let _ = protocol::detect(f.bytes);
        if let Some(reply) = p.hooks.reply {
            let _ = reply(&msg, f.bytes, &ReplyOptions::default());
        }
        if let Some(s) = session.as_mut() {
            s.observe(dir, f.bytes, &mut msg);
        }
        if let (Some(m), Some(imei)) = (media.as_mut(), msg.imei) {
            for item in m.frame(imei, &msg, f.bytes) {
                assert!(
                    item.missing.len() <= 4096,
                    "missing packets listed without bound"
                );
            }
        }
    };
    for (i, chunk) in body.chunks(piece).enumerate() {
        framer.push(chunk, &mut on_frame);
        if mode & 0x08 != 0 {
            framer.end_unit(&mut on_frame);
        }
        if mode & 0x10 != 0 && i == 1 {
            framer.gap(u64::from(mode), &mut on_frame);
        }
    }
    framer.finish(&mut on_frame);
    if let Some(m) = media.as_mut() {
        let _ = m.finish();
    }
    // The detection path: a flow whose sides the network layer guessed.
    let mut an = Analyzer::new(mode & 0x20 != 0);
    let meta = FlowMeta {
        id: 0,
        transport: if mode & 0x08 != 0 { "udp" } else { "tcp" },
        device: None,
        server: None,
        certain: mode & 0x40 != 0,
        source: 0,
        hint: None,
        from_log: false,
    };
    an.open_flow(meta);
    let sink = &mut |d: Decoded<'_>| {
        check_decoded(&d);
        let _ = crate::present::frame_line(&d);
    };
    for (i, chunk) in body.chunks(piece).enumerate() {
        let side = if mode & 0x80 != 0 { i % 2 } else { 0 };
        an.data(0, side, None, chunk, sink);
        if mode & 0x08 != 0 {
            an.end_unit(0, side, sink);
        }
    }
    let _ = an.finish(sink);
}

/// Stored frames the filter target evaluates its expressions on: a few BN-407 messages of
/// several firmware generations and kinds, and GT06 frames, decoded once.
fn filter_store() -> &'static FrameStore {
    static STORE: OnceLock<FrameStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let text = b"##,imei:864180034124375,A;\r\n\
            imei:864180034124375,tracker,250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,12.50,180.0,,1,0,85%,;\r\n\
            imei:864180034124375,help me,250101120100,,F,120100.000,A,3843.2560,N,00908.7620,W,0.00,0.0;\r\n\
            864180034124375;\r\n\
            imei:864180034124375,tracker,250101120200,,L,,,1a2b,,3c4d,,,;\r\n\
            imei:865456055519122,sensor alarm,2208011920,,L,;\r\n"
            .to_vec();
        let mut b = StoreBuilder::new();
        let _ = pipeline::run_all(
            &[Input::Bytes {
                name: "filter".into(),
                data: Arc::new(text),
            }],
            &mut RunOptions::default(),
            &mut |d| b.add(&d),
        );
        let mut store = FrameStore::new();
        store.append(b.take());
        store
    })
}

/// Target `filter`: the bytes as a filter expression (the window's and `export --filter`'s
/// language), parsed and, when valid, evaluated on a few stored frames.
pub fn filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match crate::model::filter::parse(&text) {
        Ok(Some(f)) => {
            let mut m = crate::model::filter::Matcher::new(f);
            for frame in filter_store().iter() {
                let _ = m.matches(&frame);
            }
        }
        Ok(None) => {}
        Err(e) => {
            assert!(
                e.column <= text.chars().count() + 1,
                "error column past the end"
            );
        }
    }
}

/// Target `pmtiles`: the bytes as a PMTiles file (header, directories, tiles), opened and
/// asked for a few tiles drawn as the map would; or, when the first byte is 0, the rest as one
/// vector (MVT) tile drawn directly.
pub fn pmtiles(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    if *first == 0 {
        let _ = mvt_labels(rest, 64);
        return;
    }
    let _ = pmtiles_tiles(data, &[(0, 0, 0), (1, 1, 0), (3, 2, 5), (14, 7801, 6210)]);
}

/// Target `diff`: two inputs for the firmware diff, side A and side B, each recognised by its
/// content like a file (the first byte gives the share of the rest that is A), compared and
/// reported in every format; then the two as one set compared by firmware generation.
pub fn diff(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let cut = rest.len() * usize::from(*first) / 255;
    let (a, b) = rest.split_at(cut.min(rest.len()));
    let side = |label: &str, bytes: &[u8]| {
        let mut p = crate::model::diff::Profile::new(label);
        let mut opts = RunOptions {
            tree: true,
            ..Default::default()
        };
        let out = pipeline::run_all(
            &[Input::Bytes {
                name: label.into(),
                data: Arc::new(bytes.to_vec()),
            }],
            &mut opts,
            &mut |d| p.add(&d),
        );
        p.finish(&out.flows);
        p
    };
    let pa = side("A", a);
    let pb = side("B", b);
    let cmp = crate::model::diff::compare(&pa, &pb);
    render_all(&[crate::model::diff::report::Run {
        cmp,
        inputs: [vec!["A".into()], vec!["B".into()]],
    }]);
    let inputs = [Input::Bytes {
        name: "AB".into(),
        data: Arc::new(rest.to_vec()),
    }];
    if let Ok(runs) = crate::model::diff::report::by_firmware(&inputs, &[]) {
        render_all(&runs);
    }
}

/// Every form of the diff's report (text, Markdown, JSON).
fn render_all(runs: &[crate::model::diff::report::Run]) {
    use crate::model::diff::report;
    let _ = report::text(runs);
    let _ = report::markdown(runs);
    let _ = report::json_of(runs).to_string();
}

/// Draws `mvt` as a vector tile of `size` pixels.
#[doc(hidden)]
pub fn mvt_labels(mvt: &[u8], size: u32) -> Result<usize, String> {
    let (_, labels) =
        crate::map::vector::render(mvt, 14, crate::map::vector::SubSquare::WHOLE, size, false)?;
    Ok(labels.len())
}

/// Opens `file` as a PMTiles file and reads the tiles
/// `(z, x, y)`, drawing vector tiles small. The bytes go through a temporary file, as the
/// reader reads files.
#[doc(hidden)]
pub fn pmtiles_tiles(file: &[u8], tiles: &[(u8, u32, u32)]) -> Result<usize, String> {
    let path = std::env::temp_dir().join(format!(
        "bn407-fuzz-{}-{:?}.pmtiles",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, file).map_err(|e| e.to_string())?;
    let opened = crate::map::pmtiles::PmTiles::open(&path);
    let _ = std::fs::remove_file(&path);
    let mut p = opened?;
    let mut found = 0;
    for &(z, x, y) in tiles {
        if let Ok(Some(bytes)) = p.tile(z, x, y) {
            found += 1;
            if p.is_vector() {
                let _ = crate::map::vector::render(
                    &bytes,
                    z,
                    crate::map::vector::SubSquare::WHOLE,
                    64,
                    false,
                );
            }
        }
    }
    Ok(found)
}
