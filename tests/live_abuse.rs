//! The listener under abuse, over loopback, while a well-behaved device keeps talking: binary
//! garbage, a client sending one byte a second, half-closed and silent connections, a UDP flood
//! from many source ports, and connections past the limit (in-process with a lowered limit;
//! the full 10,000 against the `listen` command, when the system allows the file descriptors).
//! In each, the good device's heartbeats keep being answered promptly, the refusals and
//! closures are counted (and `listen` prints them), and the tables stay within their bounds.
//! `tests/live.rs` has the plain cases (a flood without terminator, byte-by-byte, the limit).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

mod cli_support;
mod listen_support;
mod live_support;

use std::io::{BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bn407::live::{LiveConfig, LiveHandle};
use cli_support::spawn_listen;
use live_support::engine::{Seen, start, wait_until};

const GOOD: &str = "359586015829802";

/// A well-behaved device over TCP, on a thread of its own while a test abuses the listener.
struct GoodDevice {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Duration>>,
}

impl GoodDevice {
    /// Starts the device: it logs in, then sends a heartbeat every 100 ms until stopped (three
    /// at least), timing each answer.
    fn start(addr: SocketAddr) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = good_device(addr, stop.clone());
        GoodDevice { stop, thread }
    }

    /// Stops the device and checks that its answers came promptly ([`prompt`]).
    fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        prompt(&self.thread.join().unwrap());
    }
}

/// The engine with `cfg` (see [`start`]) and a [`GoodDevice`] talking to it, as every abuse
/// begins: the engine's handle, its TCP address, what it saw, and the device.
fn start_with_good_device(
    cfg: LiveConfig,
) -> (LiveHandle, SocketAddr, Arc<Mutex<Seen>>, GoodDevice) {
    let (h, addr, seen) = start(cfg);
    let good = GoodDevice::start(addr);
    (h, addr, seen, good)
}

/// Connects to `addr` and reads: whether the connection was closed at once (the listener
/// refused it), within 5 s.
fn refused_at_once(addr: SocketAddr) -> bool {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

/// The thread of a [`GoodDevice`]: logs in, then sends a heartbeat every 100 ms until `stop`
/// (three at least), timing each answer. Returns the answer times.
fn good_device(addr: SocketAddr, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.set_nodelay(true).unwrap();
        let mut times = Vec::new();
        let mut ask = |msg: &[u8], want: &[u8]| {
            let t = Instant::now();
            s.write_all(msg).unwrap();
            let mut b = vec![0u8; want.len()];
            s.read_exact(&mut b).unwrap();
            assert_eq!(b, want);
            t.elapsed()
        };
        times.push(ask(format!("##,imei:{GOOD},A;").as_bytes(), b"LOAD"));
        // At least three heartbeats, however soon the abuse is over.
        while times.len() < 4 || !stop.load(Ordering::Relaxed) {
            times.push(ask(format!("{GOOD};").as_bytes(), b"ON"));
            std::thread::sleep(Duration::from_millis(100));
        }
        times
    })
}

/// The good device's answers all came within 1 s, most within 200 ms.
fn prompt(times: &[Duration]) {
    assert!(times.len() >= 3, "{times:?}");
    let mut sorted = times.to_vec();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let worst = *sorted.last().unwrap();
    assert!(
        worst < Duration::from_secs(1) && median < Duration::from_millis(200),
        "answers took up to {worst:?} (median {median:?})"
    );
}

/// Bytes no protocol frames: a pseudo-random stream.
fn garbage(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_garbage_is_closed_and_counted_while_a_device_keeps_its_timing() {
    let (h, addr, seen, good) = start_with_good_device(LiveConfig::default());
    let mut closed = 0;
    for seed in 1..=4u64 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        for chunk in garbage(512 * 1024, seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)).chunks(4096) {
            if s.write_all(chunk).is_err() {
                break;
            }
        }
        // Whatever the analyzer answered, the connection ends.
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
        closed += 1;
    }
    wait_until(&seen, |s| {
        s.counters.closed_unframed + s.counters.closed_by_device >= closed
    });
    good.finish();
    let c = seen.lock().unwrap().counters;
    assert!(c.closed_unframed >= 1, "{c:?}");
    h.stop().unwrap();
}

#[test]
fn a_client_sending_one_byte_a_second_is_served_and_delays_no_one() {
    let (h, addr, _, good) = start_with_good_device(LiveConfig::default());
    let login = format!("##,imei:{},A;", "868683027793045");
    let mut slow = TcpStream::connect(addr).unwrap();
    for b in login.as_bytes()[..3].iter() {
        slow.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_secs(1));
    }
    // The rest at once: the login is answered as a whole.
    slow.write_all(&login.as_bytes()[3..]).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 4];
    slow.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"LOAD");
    good.finish();
    h.stop().unwrap();
}

/// Half-closed connections (the device sends part of a login, then its FIN) end as closed by
/// the device; silent ones (no byte ever, as a half-open connection whose device vanished looks
/// from this side) are closed after the idle time. Both are counted, the slots come back.
#[test]
fn half_closed_and_silent_connections_are_closed_and_counted() {
    let (h, addr, seen, good) = start_with_good_device(LiveConfig {
        max_connections: 250,
        idle: Duration::from_secs(1),
        ..LiveConfig::default()
    });
    let mut half = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"##,imei:86868302").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        half.push(s);
    }
    let silent: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    wait_until(&seen, |s| {
        s.counters.closed_by_device >= 100 && s.counters.closed_idle >= 100
    });
    // The good device talks every 100 ms: never idle; its connection and the listener's
    // slots are all back but its own.
    wait_until(&seen, |s| s.counters.open == 1);
    good.finish();
    let c = seen.lock().unwrap().counters;
    assert_eq!(c.accepted, 201, "{c:?}");
    assert_eq!(c.refused_limit, 0);
    drop((half, silent));
    h.stop().unwrap();
}

/// Datagrams from 3,000 source ports (and some from a device) with at most 200 peers kept:
/// the table stays at its bound, the peers forgotten are counted, and a UDP device keeps
/// getting its answers as the TCP one does.
#[test]
fn a_udp_flood_from_many_source_ports_keeps_the_peer_table_bounded() {
    let (h, addr, seen, good) = start_with_good_device(LiveConfig {
        max_udp_peers: 200,
        ..LiveConfig::default()
    });
    let dev = UdpSocket::bind("127.0.0.1:0").unwrap();
    dev.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut udp_times = Vec::new();
    let flood = 3000;
    for i in 0..flood {
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        let junk = garbage(64 + i % 200, i as u64 + 1);
        u.send_to(&junk, addr).unwrap();
        if i % 100 == 99 {
            // A flood paced so that the kernel's socket buffer, not the listener, is what
            // a faster one would meet first.
            std::thread::sleep(Duration::from_millis(1));
        }
        if i % 300 == 0 {
            // A UDP device resends when no answer comes (a datagram may be lost under a flood,
            // in the kernel's buffers): the answer to one of three tries counts.
            let t = Instant::now();
            let mut answered = false;
            for _ in 0..3 {
                dev.send_to(b"868683027793045;", addr).unwrap();
                let mut b = [0u8; 8];
                if let Ok((n, _)) = dev.recv_from(&mut b) {
                    assert_eq!(&b[..n], b"ON");
                    answered = true;
                    break;
                }
            }
            assert!(answered, "datagram {i}: no answer to three tries");
            udp_times.push(t.elapsed());
        }
    }
    wait_until(&seen, |s| s.counters.udp_peers >= flood as u64 * 9 / 10);
    good.finish();
    prompt(&udp_times);
    let c = seen.lock().unwrap().counters;
    // Everything past the 200 kept was forgotten, and counted.
    assert!(c.udp_expired + 200 >= c.udp_peers, "{c:?}");
    assert!(c.udp_expired > 0, "{c:?}");
    h.stop().unwrap();
}

/// Past the connection limit (lowered to 200 here) every further connection is refused and
/// counted, while the devices already connected keep their timing.
#[test]
fn connections_past_the_limit_are_refused_while_connected_devices_keep_their_timing() {
    let (h, addr, seen, good) = start_with_good_device(LiveConfig {
        max_connections: 200,
        ..LiveConfig::default()
    });
    wait_until(&seen, |s| s.counters.open == 1);
    let mut held = Vec::new();
    for _ in 0..199 {
        held.push(TcpStream::connect(addr).unwrap());
    }
    wait_until(&seen, |s| s.counters.open == 200);
    let refused = (0..300).filter(|_| refused_at_once(addr)).count();
    assert_eq!(refused, 300);
    wait_until(&seen, |s| {
        s.counters.refused_limit == 300 && s.refused() == 300
    });
    good.finish();
    drop(held);
    h.stop().unwrap();
}

/// The soft limit of open files of this process.
fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The stated limit itself: 10,000 connections to `bn407 listen` (a process of its own, so
/// each side needs 10,000 file descriptors), 10,050 tried. Needs a soft limit of open files
/// of 10,300 or more (`ulimit -n`; `.ci/run` raises it to the hard limit); below it the test
/// fails saying so.
#[test]
fn ten_thousand_connections_to_listen_and_the_next_ones_refused() {
    let limit = open_files_limit();
    assert!(
        limit >= 10_300,
        "open files limited to {limit}: raise it to 10,300 or more (`ulimit -n 20000`; .ci/run does)"
    );
    let (mut child, addr, out) = spawn_listen(["--no-record"]);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            l2.lock().unwrap().push(line);
        }
    });
    let t = Instant::now();
    let mut good = TcpStream::connect(addr).unwrap();
    good.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut conns = Vec::with_capacity(10_000);
    for _ in 0..9_999 {
        conns.push(TcpStream::connect(addr).unwrap());
    }
    let refused = (0..50).filter(|_| refused_at_once(addr)).count();
    assert_eq!(refused, 50);
    // The first device is still served promptly with 10,000 connections open.
    let a = Instant::now();
    good.write_all(format!("##,imei:{GOOD},A;").as_bytes())
        .unwrap();
    let mut b = [0u8; 4];
    good.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"LOAD");
    assert!(a.elapsed() < Duration::from_secs(1), "{:?}", a.elapsed());
    // Memory of the listener with 10,000 connections open.
    let rss_kib: u64 = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap();
    assert!(rss_kib < 512 * 1024, "listener RSS {rss_kib} KiB");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    reader.join().unwrap();
    let lines = lines.lock().unwrap();
    let stopped = listen_support::stopped_line(&lines);
    assert!(
        stopped.contains("10000 TCP connections accepted, 50 refused (limit)"),
        "{stopped}"
    );
    eprintln!(
        "10,000 connections in {:?}, listener RSS {} MiB",
        t.elapsed(),
        rss_kib / 1024
    );
    drop(conns);
}
