//! A device that resets its connection (closing with answers unread does that, as does a
//! device that aborts) while the analyzer is behind: what it sent before the reset is in the
//! analyzer's receive buffer, and the analyzer's next answer fails to go out. Every frame sent
//! before the reset must still be decoded, not dropped with the broken connection.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

mod live_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bn407::live::{self, Counters, DeviceLink, LiveConfig, LiveEvent, LiveSink};
use bn407::pipeline::Decoded;
use live_support::engine::{Collect, Seen, wait_until};

const IMEI: &str = "359586015829802";

/// A sink that holds the engine inside `frame` while its gate is shut.
struct Gated {
    inner: Collect,
    shut: Arc<(Mutex<bool>, Condvar)>,
}

impl LiveSink for Gated {
    fn frame(&mut self, d: &Decoded<'_>) {
        let (m, cv) = &*self.shut;
        let mut shut = m.lock().unwrap();
        while *shut {
            shut = cv.wait(shut).unwrap();
        }
        drop(shut);
        self.inner.frame(d);
    }
    fn event(&mut self, e: &LiveEvent) {
        self.inner.event(e);
    }
    fn tick(&mut self, c: &Counters, links: &[DeviceLink]) {
        self.inner.tick(c, links);
    }
}

fn set(shut: &Arc<(Mutex<bool>, Condvar)>, to: bool) {
    *shut.0.lock().unwrap() = to;
    shut.1.notify_all();
}

fn to_server(s: &Seen) -> usize {
    s.frames.iter().filter(|f| f.0 == "to_server").count()
}

type Gate = Arc<(Mutex<bool>, Condvar)>;

/// A listener on loopback (TCP only) in `mode` whose analyzer is held while the gate is shut,
/// with a queue of one event: while the engine is held, a connection is not read and the
/// device's bytes wait in the kernel.
fn start(mode: live::Mode) -> (live::LiveHandle, SocketAddr, Arc<Mutex<Seen>>, Gate) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shut: Gate = Arc::new((Mutex::new(false), Condvar::new()));
    let cfg = LiveConfig {
        port: 0,
        bind: vec!["127.0.0.1".parse().unwrap()],
        udp: false,
        mode,
        max_queued_bytes: 1,
        ..LiveConfig::default()
    };
    let sink = Gated {
        inner: Collect(seen.clone()),
        shut: shut.clone(),
    };
    let h = live::start(cfg, Box::new(sink)).unwrap();
    let addr = h.bound.iter().find(|(t, _)| *t == "tcp").unwrap().1;
    (h, addr, seen, shut)
}

/// A device that logs in (and is answered), then, with the analyzer held, sends `beats`
/// heartbeats and resets the connection (linger 0, as a device aborting does); the analyzer is
/// let go after the reset. Returns what the device sent.
fn log_in_send_and_reset(addr: SocketAddr, shut: &Gate, beats: usize) -> Vec<u8> {
    let login = format!("##,imei:{IMEI},A;");
    let beats = format!("{IMEI};").repeat(beats);
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(login.as_bytes()).unwrap();
    let mut load = [0u8; 4];
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.read_exact(&mut load).unwrap();
    assert_eq!(&load, b"LOAD");
    set(shut, true);
    s.write_all(beats.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    socket2::SockRef::from(&s)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(s);
    std::thread::sleep(Duration::from_millis(100));
    set(shut, false);
    [login.as_bytes(), beats.as_bytes()].concat()
}

#[test]
fn a_device_resetting_while_the_analyzer_is_behind_loses_nothing_it_sent() {
    let (h, addr, seen, shut) = start(live::Mode::Server);
    // 3,000 heartbeats: 48 KB, several reads' worth, and less than loopback's receive window,
    // so all of it reaches the analyzer's side before the reset.
    let heartbeats = 3000;
    let rounds = 4;
    for round in 0..rounds {
        log_in_send_and_reset(addr, &shut, 1 + heartbeats);
        let want = (round + 1) * (2 + heartbeats);
        wait_until(&seen, |s| to_server(s) >= want);
    }
    h.stop().unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(to_server(&s), rounds * (2 + heartbeats));
    assert_eq!(s.counters.accepted, rounds as u64);
}

/// The same in relay mode: what the device sent before its reset still reaches the platform
/// (as every device byte does), not only the analyzer. The platform stand-in answers every
/// piece it receives, so the relay has answers to pass to a device that is gone.
#[test]
fn a_relayed_device_resetting_while_the_analyzer_is_behind_loses_nothing_on_the_way() {
    let platform = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let paddr = platform.local_addr().unwrap();
    let got = std::thread::spawn(move || {
        let (mut c, _) = platform.accept().unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = c.read(&mut buf) {
            all.extend_from_slice(&buf[..n]);
            let answer: &[u8] = if all.len() == n { b"LOAD" } else { b"ON" };
            let _ = c.write_all(answer);
        }
        all
    });
    let (h, addr, seen, shut) = start(live::Mode::Relay(paddr.to_string()));
    let sent = log_in_send_and_reset(addr, &shut, 3000);
    wait_until(&seen, |s| to_server(s) >= 3001);
    let got = got.join().unwrap();
    h.stop().unwrap();
    assert_eq!(got.len(), sent.len());
    assert_eq!(got, sent);
    assert_eq!(to_server(&seen.lock().unwrap()), 3001);
}
