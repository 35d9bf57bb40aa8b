//! Live recordings (`bn407::live::record`) read back by the analyzer and by tshark: every byte
//! of every direction of every conversation, in order; roll-over; a recording cut short by a
//! kill.
//!
//! tshark (Debian package `tshark`, with `mergecap`) is required: a test that needs it fails
//! with a message saying so when it is missing.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use bn407::live::record::{Close, RecordConfig, Recorder};
use bn407::pipeline::{Input, RunOptions, run_all};
use bn407::protocol::Direction;

const LOGIN: &str = "##,imei:359586015829802,A;";
const HEARTBEAT: &str = "359586015829802;";

fn tracker(i: usize) -> String {
    format!(
        "imei:359586015829802,tracker,2501011200,,F,120000.000,A,5222.{:04},N,00454.5678,E,0.00,;",
        i % 10_000
    )
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A folder of its own for one test, under cargo's temporary folder for integration tests.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("live_record")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What one conversation should hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Conv {
    to_server: Vec<u8>,
    to_device: Vec<u8>,
    frames_to_server: usize,
    frames_to_device: usize,
    /// Packets (segments including bare ACKs, datagrams) from the device and from the server.
    packets: [u64; 2],
    /// The side (0 device, 1 server) that sent the last ACK of a FIN close.
    last_ack: Option<usize>,
    /// How the analyzer should say it ended.
    end: &'static str,
}

/// Conversations by (transport, device, server) as recorded (v4-mapped addresses as IPv4).
type Convs = BTreeMap<(&'static str, SocketAddr, SocketAddr), Conv>;

/// Drives a recorder and notes what it should have written.
struct Script {
    rec: Recorder,
    ms: u64,
    expect: Convs,
    /// TCP connection id -> its key in `expect`.
    conns: BTreeMap<u64, (&'static str, SocketAddr, SocketAddr)>,
}

fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

impl Script {
    fn new(rec: Recorder) -> Script {
        Script {
            rec,
            ms: 0,
            expect: Convs::new(),
            conns: BTreeMap::new(),
        }
    }

    fn ts(&mut self) -> SystemTime {
        self.ms += 7;
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_732_800_000 + self.ms)
    }

    fn open(&mut self, conn: u64, device: &str, server: &str) {
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
    fn send(&mut self, conn: u64, from_device: bool, frames: &[&str]) {
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

    fn close(&mut self, conn: u64, how: Close) {
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

    fn udp(&mut self, device: &str, server: &str, from_device: bool, frame: &str) {
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

fn note(conv: &mut Conv, from_device: bool, bytes: &[u8], frames: usize) {
    if from_device {
        conv.to_server.extend_from_slice(bytes);
        conv.frames_to_server += frames;
    } else {
        conv.to_device.extend_from_slice(bytes);
        conv.frames_to_device += frames;
    }
}

const V4_SRV: &str = "10.0.0.1:8888";
const V6_SRV: &str = "[2001:db8::1]:8888";

/// The first part of the traffic: three TCP connections (IPv4, IPv6, v4-mapped) interleaved,
/// a 200 KB write, UDP both ways.
fn part_one(s: &mut Script) {
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
fn part_two(s: &mut Script) {
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
fn record(dir: &Path, max_bytes: u64) -> (Vec<PathBuf>, Convs) {
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
fn analyze(files: &[PathBuf]) -> Convs {
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
fn analyzer_view(expect: &Convs) -> Convs {
    let mut view = expect.clone();
    for conv in view.values_mut() {
        if let Some(side) = conv.last_ack {
            conv.packets[side] -= 1;
        }
    }
    view
}

/// Compares conversation by conversation, lengths first (200 KB streams make long diffs).
fn assert_same(got: &Convs, expect: &Convs) {
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

#[test]
fn the_analyzer_reads_back_every_byte_of_every_conversation() {
    let dir = scratch("analyzer");
    let (files, expect) = record(&dir, u64::MAX);
    assert_eq!(files, [dir.join("live.pcapng")]);
    assert_eq!(expect.len(), 6);
    assert_same(&analyze(&files), &analyzer_view(&expect));
}

/// Runs tshark (or another Wireshark tool) and returns its standard output; fails with a clear
/// message when the tool is missing, fails, or calls the file damaged.
fn wireshark_tool(tool: &str, args: &[&str]) -> String {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run {tool} ({e}): the live_record tests need tshark and mergecap \
             (Debian package `tshark`)"
        ),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{tool} {args:?} failed: {stderr}");
    for bad in ["cut short", "damaged", "corrupt", "isn't a capture file"] {
        assert!(!stderr.contains(bad), "{tool} {args:?}: {stderr}");
    }
    String::from_utf8(out.stdout).unwrap()
}

fn tshark(args: &[&str]) -> String {
    wireshark_tool("tshark", args)
}

/// `10.0.0.2:40001` or `2001:db8::2:40002` (tshark's conversation tables) as an address.
fn conv_addr(s: &str) -> SocketAddr {
    let (ip, port) = s.rsplit_once(':').unwrap();
    SocketAddr::new(ip.parse().unwrap(), port.parse().unwrap())
}

/// What tshark finds in `file`: the conversations of `tshark -z conv,tcp -z conv,udp` with
/// their frame counts, and the bytes of `tshark -z follow,tcp,raw,N` (`follow,udp,raw,N`) of
/// each. Frame counts and ends are left empty.
fn tshark_convs(file: &Path) -> Convs {
    let file = file.to_str().unwrap();
    let tables = tshark(&["-r", file, "-q", "-z", "conv,tcp", "-z", "conv,udp"]);
    // (transport, A, B, frames B->A, frames A->B), in tshark's stream order per transport.
    let mut rows = Vec::new();
    let mut transport = "";
    for line in tables.lines() {
        match line {
            "TCP Conversations" => transport = "tcp",
            "UDP Conversations" => transport = "udp",
            _ => {}
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.get(1) == Some(&"<->") {
            rows.push((transport, conv_addr(w[0]), conv_addr(w[2]), w[3], w[6]));
        }
    }
    let mut args = vec!["-r", file, "-q"];
    let mut follows = Vec::new();
    for t in ["tcp", "udp"] {
        let streams = rows.iter().filter(|r| r.0 == t).count();
        follows.extend((0..streams).map(|n| format!("follow,{t},raw,{n}")));
    }
    for f in &follows {
        args.extend(["-z", f.as_str()]);
    }
    let mut got = Convs::new();
    let mut current: Option<(&'static str, Vec<SocketAddr>, Conv)> = None;
    let mut finish = |c: Option<(&'static str, Vec<SocketAddr>, Conv)>| {
        if let Some((t, nodes, conv)) = c {
            // The device opened the connection (or sent the first datagram): node 0.
            assert!(got.insert((t, nodes[0], nodes[1]), conv).is_none());
        }
    };
    for line in tshark(&args).lines() {
        if let Some(kind) = line.strip_prefix("Follow: ") {
            let t = if kind.starts_with("tcp") {
                "tcp"
            } else {
                "udp"
            };
            finish(current.replace((t, Vec::new(), Conv::default())));
        } else if let Some((_, nodes, conv)) = current.as_mut() {
            if let Some(node) = line.strip_prefix("Node ") {
                nodes.push(node[3..].parse().unwrap());
            } else {
                let data = line.trim_start_matches('\t');
                if !data.is_empty() && data.bytes().all(|b| b.is_ascii_hexdigit()) {
                    note(conv, !line.starts_with('\t'), &hex(data), 0);
                }
            }
        }
    }
    finish(current);
    assert_eq!(got.len(), rows.len(), "{follows:?}");
    for (t, a, b, from_b, from_a) in rows {
        let conv = got
            .get_mut(&(t, a, b))
            .unwrap_or_else(|| panic!("{a} {b} not followed"));
        conv.packets = [from_a.parse().unwrap(), from_b.parse().unwrap()];
    }
    got
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What tshark can check of the expected conversations: bytes and packet counts.
fn tshark_view(expect: &Convs) -> Convs {
    expect
        .iter()
        .map(|(k, c)| {
            let conv = Conv {
                to_server: c.to_server.clone(),
                to_device: c.to_device.clone(),
                packets: c.packets,
                ..Conv::default()
            };
            (*k, conv)
        })
        .collect()
}

#[test]
fn tshark_shows_the_same_conversations_and_bytes() {
    let dir = scratch("tshark");
    let (files, expect) = record(&dir, u64::MAX);
    assert_same(&tshark_convs(&files[0]), &tshark_view(&expect));
    let info = wireshark_tool("capinfos", &["-E", "-i", files[0].to_str().unwrap()]);
    assert!(info.contains("Raw IP"), "{info}");
}

#[test]
fn rolled_over_files_each_open_and_together_hold_every_byte() {
    let dir = scratch("roll");
    let (files, expect) = record(&dir, 30_000);
    assert!(files.len() >= 6, "{files:?}");
    assert_eq!(files[1], dir.join("live-0001.pcapng"));
    let total = |c: &Convs, f: fn(&Conv) -> u64| c.values().map(f).sum::<u64>();
    let bytes = |c: &Conv| (c.to_server.len() + c.to_device.len()) as u64;
    let packets = |c: &Conv| c.packets[0] + c.packets[1] - u64::from(c.last_ack.is_some());
    let (mut bytes_seen, mut packets_seen) = (0, 0);
    let mut starts = BTreeSet::new();
    for file in &files {
        // Each file alone: a whole capture, connections picked up mid-way.
        let name = file.to_str().unwrap();
        let out = tshark(&["-r", name, "-q", "-z", "io,stat,0"]);
        assert!(out.contains("Interval"), "{out}");
        let inputs = [Input::Path(file.clone())];
        let run = run_all(&inputs, &mut RunOptions::default(), &mut |_| {});
        assert_eq!(run.error, None, "{name}");
        assert_eq!(run.net.gaps, 0, "{name}");
        for f in &run.flows {
            bytes_seen += f.bytes_to_server + f.bytes_to_device;
            packets_seen += f.packets[0] + f.packets[1];
            starts.insert(f.meta.certain);
        }
    }
    assert_eq!(bytes_seen, total(&expect, bytes));
    assert_eq!(packets_seen, total(&expect, packets));
    // Some file starts in the middle of a connection (no handshake to say who the device is).
    assert!(starts.contains(&false), "no file starts mid-connection");
    // All files together: the same conversations as one file, in the analyzer and in tshark.
    assert_same(&analyze(&files), &analyzer_view(&expect));
    let merged = dir.join("merged.pcapng");
    let mut args = vec!["-a", "-w", merged.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    wireshark_tool("mergecap", &args);
    assert_same(&tshark_convs(&merged), &tshark_view(&expect));
}

#[test]
fn a_flushed_recording_opens_before_it_is_finished() {
    let dir = scratch("flushed");
    let file = dir.join("live.pcapng");
    let mut s = Script::new(Recorder::create(RecordConfig::new(&file)).unwrap());
    part_one(&mut s);
    s.rec.flush_now().unwrap();
    part_two(&mut s);
    // The recorder is still alive, with the second part in memory: the file holds the first.
    assert_holds_part_one(&dir, &file);
    let files = s.rec.finish().unwrap();
    assert_same(&analyze(&files), &analyzer_view(&s.expect));
}

/// Checks that `file` holds exactly the first part, in the analyzer and in tshark.
fn assert_holds_part_one(dir: &Path, file: &Path) {
    let mut first =
        Script::new(Recorder::create(RecordConfig::new(dir.join("first.pcapng"))).unwrap());
    part_one(&mut first);
    let files = [file.to_owned()];
    assert_same(&analyze(&files), &analyzer_view(&first.expect));
    assert_same(&tshark_convs(file), &tshark_view(&first.expect));
}

/// Set in the child process of [`a_killed_recorder_leaves_every_flushed_packet`].
const CHILD_ENV: &str = "BN407_LIVE_RECORD_CHILD";

#[test]
#[ignore = "the child process of a_killed_recorder_leaves_every_flushed_packet"]
fn child_records_flushes_and_hangs() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut s = Script::new(
        Recorder::create(RecordConfig::new(Path::new(&dir).join("live.pcapng"))).unwrap(),
    );
    part_one(&mut s);
    s.rec.flush_now().unwrap();
    println!("flushed {}", s.rec.bytes_written());
    part_two(&mut s);
    assert!(s.rec.bytes_written() > std::fs::metadata(s.rec.current_file()).unwrap().len());
    println!("recorded more");
    std::thread::sleep(Duration::from_secs(300));
}

#[cfg(unix)]
#[test]
fn a_killed_recorder_leaves_every_flushed_packet() {
    use std::os::unix::process::ExitStatusExt;

    let dir = scratch("killed");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_records_flushes_and_hangs",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, &dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed however this test ends.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Kill(child);
    let mut flushed = None;
    for line in BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("flushed ") {
            flushed = Some(n.parse::<u64>().unwrap());
        }
        if line == "recorded more" {
            break;
        }
    }
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "the child ended by itself: {status}"
    );
    let flushed = flushed.expect("the child never flushed");
    let file = dir.join("live.pcapng");
    // Exactly what was flushed: whole blocks, nothing of the unflushed second part.
    assert_eq!(std::fs::metadata(&file).unwrap().len(), flushed);
    assert_holds_part_one(&dir, &file);
}
