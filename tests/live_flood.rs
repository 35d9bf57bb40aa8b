//! The listener when the analyzer falls behind, over loopback: what waits for the analyzer is
//! bounded in bytes ([`LiveConfig::max_queued_bytes`]). A TCP device sending faster than the
//! analyzer decodes is slowed by TCP flow control (its connection is not read while the queue
//! is full), a UDP flood past the queue is dropped and counted, and the listener's output
//! shows the UDP receive buffer it got and the datagrams it dropped.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(target_os = "linux")]

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bn407::live::{self, Counters, DeviceLink, LiveConfig, LiveEvent, LiveSink};
use bn407::pipeline::Decoded;

mod listen_support;

/// A queue of 64 KiB for these tests (16 MiB by default).
const QUEUE: usize = 64 * 1024;

/// What the slow sink saw.
#[derive(Default)]
struct Seen {
    counters: Counters,
    stopped: Option<Counters>,
}

/// A sink that takes `delay` microseconds per frame: an analyzer that has fallen behind.
struct Slow {
    delay: Arc<AtomicU64>,
    seen: Arc<Mutex<Seen>>,
}

impl LiveSink for Slow {
    fn frame(&mut self, _: &Decoded<'_>) {
        let us = self.delay.load(Ordering::Relaxed);
        if us > 0 {
            std::thread::sleep(Duration::from_micros(us));
        }
    }
    fn event(&mut self, e: &LiveEvent) {
        if let LiveEvent::Stopped { counters } = e {
            self.seen.lock().unwrap().stopped = Some(*counters);
        }
    }
    fn tick(&mut self, c: &Counters, _: &[DeviceLink]) {
        self.seen.lock().unwrap().counters = *c;
    }
}

struct Slowed {
    handle: live::LiveHandle,
    tcp: SocketAddr,
    udp: SocketAddr,
    delay: Arc<AtomicU64>,
    seen: Arc<Mutex<Seen>>,
}

/// A listener on 127.0.0.1 whose analyzer takes `delay_us` per frame, with a 64 KiB queue.
fn slowed(delay_us: u64) -> Slowed {
    let delay = Arc::new(AtomicU64::new(delay_us));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let cfg = LiveConfig {
        port: 0,
        bind: vec!["127.0.0.1".parse().unwrap()],
        max_queued_bytes: QUEUE,
        ..LiveConfig::default()
    };
    let sink = Slow {
        delay: delay.clone(),
        seen: seen.clone(),
    };
    let handle = live::start(cfg, Box::new(sink)).unwrap();
    let at = |t: &str| {
        handle
            .bound
            .iter()
            .find(|(k, _)| *k == t)
            .map(|(_, a)| *a)
            .unwrap()
    };
    let (tcp, udp) = (at("tcp"), at("udp"));
    Slowed {
        handle,
        tcp,
        udp,
        delay,
        seen,
    }
}

impl Slowed {
    fn counters(&self) -> Counters {
        self.seen.lock().unwrap().counters
    }

    /// Waits up to 20 s until `what` holds of the counters.
    fn wait_until(&self, what: impl Fn(&Counters) -> bool) -> Counters {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let c = self.counters();
            if what(&c) {
                return c;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out; counters {:?}", self.counters());
    }

    /// Lets the analyzer catch up, stops the listener; the counters it reported at the end.
    fn stop(self) -> Counters {
        self.delay.store(0, Ordering::Relaxed);
        self.handle.stop().unwrap();
        self.seen.lock().unwrap().stopped.expect("no Stopped event")
    }
}

/// Reports of about 100 bytes each, none answered by the server.
fn reports(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| {
            format!(
                "imei:359586015829802,tracker,250101120000,,F,120000.000,A,5222.{:04},N,00454.5678,E,0.00,;",
                i % 10_000
            )
            .into_bytes()
        })
        .collect()
}

/// The largest value of a `min default max` line of /proc/sys.
fn sys_max(path: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .parse()
        .unwrap()
}

/// A device sending reports as fast as it can for 3 s to an analyzer that decodes about 1,000
/// a second: the listener stops reading it while its queue is full, so the device can write no
/// more than what the two sockets' kernel buffers, the queue and the frames decoded hold
/// (without the bound, loopback takes gigabytes in 3 s), and the queue never went past 64 KiB.
#[test]
fn a_device_faster_than_the_analyzer_is_slowed_by_flow_control_and_the_queue_stays_bounded() {
    let l = slowed(1000);
    let mut s = TcpStream::connect(l.tcp).unwrap();
    s.set_nonblocking(true).unwrap();
    let chunk = reports(640);
    let t = Instant::now();
    let mut written = 0usize;
    let mut at = 0usize;
    while t.elapsed() < Duration::from_secs(3) {
        match s.write(&chunk[at..]) {
            Ok(n) => {
                written += n;
                at = (at + n) % chunk.len();
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("{e}"),
        }
    }
    let c = l.counters();
    let kernel = sys_max("/proc/sys/net/ipv4/tcp_wmem") + sys_max("/proc/sys/net/ipv4/tcp_rmem");
    let bound = kernel + QUEUE + 16 * 1024 + c.bytes_in as usize + (1 << 20);
    assert!(
        written <= bound,
        "the device wrote {written} bytes in 3 s, more than {bound} (kernel buffers {kernel}, decoded {})",
        c.bytes_in
    );
    assert!(c.bytes_in > 0, "{c:?}");
    assert!(c.queued_peak > 0 && c.queued_peak <= QUEUE as u64, "{c:?}");
    drop(s);
    let end = l.stop();
    assert!(end.queued_peak <= QUEUE as u64, "{end:?}");
    eprintln!(
        "written {} KiB in 3 s (bound {} KiB), queue peak {} KiB",
        written / 1024,
        bound / 1024,
        end.queued_peak / 1024
    );
}

/// Datagrams in bursts of 2,000 to an analyzer taking 20 ms per frame (it needs 40 s for a
/// burst), until the listener has dropped some: what does not fit in its 64 KiB queue is dropped
/// and counted (every datagram is decoded or counted as dropped, by the listener or by the
/// kernel), the queue never went past 64 KiB, and once the analyzer has caught up a UDP device is
/// answered again. Bursts go on until a drop because on a loaded machine the listener's reader
/// may not run during a whole burst: the kernel then drops what its buffer cannot hold and the
/// listener's queue never fills (seen in a full test run beside other work).
#[test]
fn a_udp_flood_past_a_slow_analyzer_is_dropped_counted_and_the_queue_bounded() {
    let l = slowed(20_000);
    let flood = UdpSocket::bind("127.0.0.1:0").unwrap();
    let one = reports(1);
    let mut n = 0u64;
    let start = Instant::now();
    while n == 0
        || (l.counters().datagrams_dropped == 0 && start.elapsed() < Duration::from_secs(10))
    {
        for _ in 0..2000 {
            flood.send_to(&one, l.udp).unwrap();
        }
        n += 2000;
        std::thread::sleep(Duration::from_millis(200));
    }
    l.delay.store(0, Ordering::Relaxed);
    // Every datagram decoded, dropped by the listener, or (in a burst past the socket's
    // buffer) dropped by the kernel, and counted.
    let all =
        |c: &Counters| c.datagrams + c.datagrams_dropped + c.datagrams_dropped_kernel.unwrap_or(0);
    let c = l.wait_until(|c| all(c) >= n);
    assert_eq!(all(&c), n, "{c:?}");
    assert!(c.datagrams_dropped_kernel.is_some(), "{c:?}");
    assert!(c.datagrams_dropped > 0, "{c:?}");
    assert!(c.datagrams >= 10, "{c:?}");
    assert!(c.queued_peak <= QUEUE as u64, "{c:?}");
    // A device heard after the flood is answered.
    let dev = UdpSocket::bind("127.0.0.1:0").unwrap();
    dev.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    dev.send_to(b"868683027793045;", l.udp).unwrap();
    let mut b = [0u8; 8];
    let (got, _) = dev.recv_from(&mut b).unwrap();
    assert_eq!(&b[..got], b"ON");
    let end = l.stop();
    assert_eq!(end.datagrams_dropped, c.datagrams_dropped);
    eprintln!(
        "{} of {n} datagrams decoded, {} dropped, queue peak {} KiB",
        c.datagrams,
        c.datagrams_dropped,
        c.queued_peak / 1024
    );
}

/// What `bn407 listen` on loopback (`--format FORMAT`) printed: its output and its error
/// stream, lines, once one datagram was answered and the listener was stopped (SIGTERM).
fn listen_once(format: &str) -> (Vec<String>, String) {
    let l = listen_support::listen(&["--no-record", "--format", format]);
    let dev = UdpSocket::bind("127.0.0.1:0").unwrap();
    dev.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    dev.send_to(b"868683027793045;", ("127.0.0.1", l.port))
        .unwrap();
    let mut b = [0u8; 8];
    let (got, _) = dev.recv_from(&mut b).unwrap();
    assert_eq!(&b[..got], b"ON");
    let first = l.first.clone();
    let (mut lines, err) = l.terminate();
    lines.insert(0, first);
    (lines, err)
}

/// The receive buffer Linux reports for the 4 MiB asked: capped at `net.core.rmem_max`, and
/// doubled (the kernel's bookkeeping).
fn udp_buffer_expected() -> usize {
    let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    2 * rmem_max.min(4 << 20)
}

/// `listen` says what UDP receive buffer it got, and when it stops, the datagrams it dropped
/// and the most that waited for the analyzer: in its text lines and in its JSON events.
#[test]
fn listen_shows_the_udp_receive_buffer_and_the_datagrams_dropped() {
    let want = udp_buffer_expected();
    let (lines, err) = listen_once("text");
    assert!(
        lines[0].contains(&format!("(UDP receive buffer {} KiB)", want / 1024)),
        "{lines:?}"
    );
    let stopped = listen_support::stopped_line(&lines);
    assert!(
        stopped.contains(
            "; 0 datagrams dropped with the analyzer behind, 0 by the system (receive buffer full), at most "
        ),
        "{stopped}"
    );
    assert!(stopped.contains("1 datagrams"), "{stopped}");
    // Bound to the loopback address asked for: no warning about every interface.
    assert!(!err.contains("every interface"), "{err}");

    let (lines, _) = listen_once("jsonl");
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["event"], "listening");
    assert_eq!(events[0]["udp_receive_buffer"], want);
    let stopped = events.iter().find(|e| e["event"] == "stopped").unwrap();
    assert_eq!(stopped["counters"]["datagrams_dropped"], 0);
    assert_eq!(stopped["counters"]["datagrams_dropped_kernel"], 0);
    assert_eq!(stopped["counters"]["datagrams"], 1);
    assert!(stopped["counters"]["queued_peak"].as_u64().unwrap() > 0);
}

/// Without `--bind` (or with an unspecified address) `listen` warns that it listens on every
/// interface before it binds anything. Checked on a port already taken on loopback, so that the
/// bind fails and nothing listens beyond loopback.
#[test]
fn listen_warns_when_it_would_listen_on_every_interface() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for bind in [None, Some("0.0.0.0")] {
        let mut args = vec!["listen", "--port", &port, "--no-record"];
        if let Some(b) = bind {
            args.extend(["--bind", b]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_bn407"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("listening on every interface: anyone who can reach this machine"),
            "{bind:?}: {err}"
        );
        assert!(err.contains("port is in use"), "{bind:?}: {err}");
        assert!(!out.status.success());
    }
    drop(taken);
}
