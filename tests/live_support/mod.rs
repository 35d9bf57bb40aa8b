//! Helpers of the live recording tests: a script of tracker traffic driving a
//! [`Recorder`] while noting what it should have written, and what the analyzer reads back.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

pub mod engine;
pub mod tshark;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bn407::live::record::{Close, RecordConfig, Recorder};
use bn407::pipeline::{Input, RunOptions, run_all};
use bn407::protocol::Direction;

pub const LOGIN: &str = "##,imei:359586015829802,A;";
pub const HEARTBEAT: &str = "359586015829802;";

pub fn tracker(i: usize) -> String {
    format!(
        "imei:359586015829802,tracker,2501011200,,F,120000.000,A,5222.{:04},N,00454.5678,E,0.00,;",
        i % 10_000
    )
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A folder of its own for one test, under cargo's temporary folder for integration tests.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("live_record")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What one conversation should hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Conv {
    pub to_server: Vec<u8>,
    pub to_device: Vec<u8>,
    pub frames_to_server: usize,
    pub frames_to_device: usize,
    /// Packets (segments including bare ACKs, datagrams) from the device and from the server.
    pub packets: [u64; 2],
    /// The side (0 device, 1 server) that sent the last ACK of a FIN close.
    pub last_ack: Option<usize>,
    /// How the analyzer should say it ended.
    pub end: &'static str,
}

/// Conversations by (transport, device, server) as recorded (v4-mapped addresses as IPv4).
pub type Convs = BTreeMap<(&'static str, SocketAddr, SocketAddr), Conv>;

/// Drives a recorder and notes what it should have written.
pub struct Script {
    pub rec: Recorder,
    pub ms: u64,
    pub expect: Convs,
    /// TCP connection id -> its key in `expect`.
    pub conns: BTreeMap<u64, (&'static str, SocketAddr, SocketAddr)>,
}

pub fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

impl Script {
    pub fn new(rec: Recorder) -> Script {
        Script {
            rec,
            ms: 0,
            expect: Convs::new(),
            conns: BTreeMap::new(),
        }
    }

    pub fn ts(&mut self) -> SystemTime {
        self.ms += 7;
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_732_800_000 + self.ms)
    }

    pub fn open(&mut self, conn: u64, device: &str, server: &str) {
        let (device, server) = (addr(device), addr(server));
        let ts = self.ts();
        self.rec.tcp_open(conn, device, server, ts).unwrap();
        let key = ("tcp", canonical(device), canonical(server));
        self.expect.insert(
            key,
            Conv {
                end: "end_of_input",
                ..Conv::default()
            },
        );
        self.conns.insert(conn, key);
        self.expect.get_mut(&key).unwrap().packets = [2, 1];
    }

    /// One write of `frames`, concatenated.
    pub fn send(&mut self, conn: u64, from_device: bool, frames: &[&str]) {
        let bytes = frames.concat();
        let ts = self.ts();
        self.rec
            .tcp_data(conn, from_device, bytes.as_bytes(), ts)
            .unwrap();
        let conv = self.expect.get_mut(&self.conns[&conn]).unwrap();
        note(conv, from_device, bytes.as_bytes(), frames.len());
        // Each segment of at most 65,000 bytes and the other side's ACK of it.
        let segments = bytes.len().div_ceil(65_000) as u64;
        conv.packets[0] += segments;
        conv.packets[1] += segments;
    }

    pub fn close(&mut self, conn: u64, how: Close) {
        let ts = self.ts();
        self.rec.tcp_close(conn, how, ts).unwrap();
        let conv = self.expect.get_mut(&self.conns[&conn]).unwrap();
        conv.end = if how == Close::Reset { "rst" } else { "fin" };
        let by_device = how != Close::FinByServer;
        let (closer, other) = if by_device { (0, 1) } else { (1, 0) };
        if how == Close::Reset {
            conv.packets[closer] += 1;
        } else {
            // FIN, the other side's FIN/ACK, the last ACK.
            conv.packets[closer] += 2;
            conv.packets[other] += 1;
            conv.last_ack = Some(closer);
        }
    }

    pub fn udp(&mut self, device: &str, server: &str, from_device: bool, frame: &str) {
        let (device, server) = (addr(device), addr(server));
        let ts = self.ts();
        self.rec
            .udp(device, server, from_device, frame.as_bytes(), ts)
            .unwrap();
        let conv = self
            .expect
            .entry(("udp", canonical(device), canonical(server)))
            .or_insert_with(|| Conv {
                end: "end_of_input",
                ..Conv::default()
            });
        note(conv, from_device, frame.as_bytes(), 1);
        conv.packets[usize::from(!from_device)] += 1;
    }
}

pub fn note(conv: &mut Conv, from_device: bool, bytes: &[u8], frames: usize) {
    if from_device {
        conv.to_server.extend_from_slice(bytes);
        conv.frames_to_server += frames;
    } else {
        conv.to_device.extend_from_slice(bytes);
        conv.frames_to_device += frames;
    }
}

pub const V4_SRV: &str = "10.0.0.1:8888";
pub const V6_SRV: &str = "[2001:db8::1]:8888";

/// The first part of the traffic: three TCP connections (IPv4, IPv6, v4-mapped) interleaved,
/// a 200 KB write, UDP both ways.
pub fn part_one(s: &mut Script) {
    s.open(1, "10.0.0.2:40001", V4_SRV);
    s.open(2, "[2001:db8::2]:40002", V6_SRV);
    s.send(1, true, &[LOGIN]);
    s.send(2, true, &[LOGIN]);
    s.send(1, false, &["LOAD"]);
    s.udp("10.0.0.5:50000", V4_SRV, true, HEARTBEAT);
    s.send(2, false, &["LOAD"]);
    s.udp("10.0.0.5:50000", V4_SRV, false, "ON");
    s.send(1, true, &[HEARTBEAT]);
    s.open(3, "[::ffff:192.0.2.10]:40003", "[::ffff:192.0.2.1]:8888");
    s.send(3, true, &[LOGIN]);
    s.send(1, false, &["ON"]);
    s.send(3, false, &["LOAD"]);
    let big: Vec<String> = (0..2_300).map(tracker).collect();
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    assert!(big.concat().len() > 200_000);
    s.send(2, true, &big);
    s.send(1, true, &[&tracker(1), &tracker(2)]);
    s.send(3, true, &[HEARTBEAT]);
    s.send(3, false, &["ON"]);
    s.udp("[2001:db8::5]:50001", V6_SRV, true, &tracker(3));
    s.close(1, Close::FinByDevice);
    s.send(2, false, &["ON"]);
}

/// The rest: a connection reset by the device, one closed by the server, one left open.
pub fn part_two(s: &mut Script) {
    s.open(4, "[2001:db8::4]:40004", V6_SRV);
    s.send(4, true, &[LOGIN, HEARTBEAT]);
    s.send(3, true, &[&tracker(4)]);
    s.send(4, false, &["LOAD", "ON"]);
    s.close(3, Close::Reset);
    s.udp("10.0.0.5:50000", V4_SRV, true, &tracker(5));
    s.send(2, true, &[HEARTBEAT]);
    s.close(2, Close::FinByServer);
    s.send(4, true, &[&tracker(6)]);
}

/// Records both parts into `dir/live.pcapng` with `max_bytes`; returns the files and what
/// they should hold.
pub fn record(dir: &Path, max_bytes: u64) -> (Vec<PathBuf>, Convs) {
    let cfg = RecordConfig {
        max_bytes,
        ..RecordConfig::new(dir.join("live.pcapng"))
    };
    let mut s = Script::new(Recorder::create(cfg).unwrap());
    part_one(&mut s);
    part_two(&mut s);
    assert_eq!(s.rec.open_connections(), 1);
    let files = s.rec.finish().unwrap();
    (files, s.expect)
}

/// What the analyzer's pipeline read from `files`: conversations as in [`Convs`].
pub fn analyze(files: &[PathBuf]) -> Convs {
    let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
    let mut got = Convs::new();
    let mut sink = |d: bn407::pipeline::Decoded<'_>| {
        let key = (
            d.flow.transport,
            d.flow.device.unwrap(),
            d.flow.server.unwrap(),
        );
        let conv = got.entry(key).or_default();
        match d.direction {
            Direction::ToServer => note(conv, true, d.bytes, 1),
            Direction::ToDevice => note(conv, false, d.bytes, 1),
            Direction::Unknown => panic!("a frame of unknown direction: {key:?}"),
        }
    };
    let out = run_all(&inputs, &mut RunOptions::default(), &mut sink);
    assert_eq!(out.error, None, "{files:?}");
    let net = &out.net;
    assert_eq!(
        (
            net.gaps,
            net.tcp_retransmissions,
            net.tcp_overlaps,
            net.malformed,
            net.truncated
        ),
        (0, 0, 0, 0, 0),
        "{net:?}"
    );
    for flow in &out.flows {
        let m = &flow.meta;
        let key = (m.transport, m.device.unwrap(), m.server.unwrap());
        let conv = got.entry(key).or_default();
        conv.end = flow.end.as_str();
        conv.packets = flow.packets;
        assert_eq!(
            flow.bytes_to_server as usize,
            conv.to_server.len(),
            "{key:?}"
        );
        assert_eq!(
            flow.bytes_to_device as usize,
            conv.to_device.len(),
            "{key:?}"
        );
        assert_eq!(flow.skipped, 0, "{key:?}");
        if m.transport == "tcp" {
            assert!(
                m.certain,
                "{key:?}: the handshake should say which side is the device"
            );
        }
    }
    got
}

/// What the analyzer counts of the expected conversations: it closes a flow at the second FIN,
/// so the last ACK, which comes after, is in no flow's packet count.
pub fn analyzer_view(expect: &Convs) -> Convs {
    let mut view = expect.clone();
    for conv in view.values_mut() {
        if let Some(side) = conv.last_ack {
            conv.packets[side] -= 1;
        }
    }
    view
}

/// Compares conversation by conversation, lengths first (200 KB streams make long diffs).
pub fn assert_same(got: &Convs, expect: &Convs) {
    let keys = |c: &Convs| c.keys().copied().collect::<Vec<_>>();
    assert_eq!(keys(got), keys(expect));
    for (key, e) in expect {
        let g = &got[key];
        assert_eq!(
            (g.to_server.len(), g.to_device.len()),
            (e.to_server.len(), e.to_device.len()),
            "{key:?}"
        );
        let summary = |c: &Conv| {
            let frames = (c.frames_to_server, c.frames_to_device);
            (frames, c.packets, c.end)
        };
        assert_eq!(summary(g), summary(e), "{key:?}: frames, packets, end");
        assert!(
            g.to_server == e.to_server,
            "{key:?}: the device's bytes differ"
        );
        assert!(
            g.to_device == e.to_device,
            "{key:?}: the server's bytes differ"
        );
    }
}
