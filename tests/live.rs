//! Live mode over loopback: answers as a server, TCP and UDP on one port, many devices at once,
//! relay to a platform stand-in, floods and slow clients, commands.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod live_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bn407::live::{self, Control, LiveConfig, LiveEvent, Mode};
use bn407::protocol::{Action, Imei};
use live_support::engine::{Collect, start, wait_until};
use live_support::tshark::hex;

/// Sends `msg` and reads what comes back within `wait`.
fn ask(s: &mut TcpStream, msg: &[u8], want: usize) -> Vec<u8> {
    s.write_all(msg).unwrap();
    read_n(s, want)
}

/// Sends the login of device [`IMEI`] on `s`, which must be answered `LOAD`.
fn log_in(s: &mut TcpStream) {
    assert_eq!(ask(s, format!("##,imei:{IMEI},A;").as_bytes(), 4), b"LOAD");
}

fn read_n(s: &mut TcpStream, want: usize) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < want {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

const IMEI: &str = "359586015829802";

#[test]
fn a_device_gets_load_on_and_the_sos_acknowledgement() {
    let (h, addr, seen) = start(LiveConfig::default());
    let mut s = TcpStream::connect(addr).unwrap();
    log_in(&mut s);
    assert_eq!(ask(&mut s, format!("{IMEI};").as_bytes(), 2), b"ON");
    let sos =
        format!("imei:{IMEI},help me,2405011000,,F,100001.000,A,5130.0000,N,00006.0000,W,0.00,0;");
    let want = format!("**,imei:{IMEI},E;");
    assert_eq!(ask(&mut s, sos.as_bytes(), want.len()), want.as_bytes());
    // A periodic report gets no answer.
    s.write_all(
        format!("imei:{IMEI},tracker,2405011000,,F,100001.000,A,5130.0000,N,00006.0000,W,0.00,0;")
            .as_bytes(),
    )
    .unwrap();
    drop(s);
    wait_until(&seen, |s| s.frames.len() >= 7);
    h.stop().unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(
        s.kinds().join(" "),
        "login login_ack heartbeat heartbeat_ack report command report"
    );
    assert_eq!(s.counters.replies, 3);
}

#[test]
fn tcp_and_udp_on_one_port_and_passive_answers_nothing() {
    let (h, addr, seen) = start(LiveConfig::default());
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    u.send_to(format!("##,imei:{IMEI},A;").as_bytes(), addr)
        .unwrap();
    let mut buf = [0u8; 100];
    let (n, from) = u.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"LOAD"[..], addr));
    // GT06 on the same port: the acknowledgement echoes the serial.
    u.send_to(&hex("78780d01086471700328358100093f040d0a"), addr)
        .unwrap();
    let (n, _) = u.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], &hex("78780501000955940d0a")[..]);
    let mut s = TcpStream::connect(addr).unwrap();
    log_in(&mut s);
    h.stop().unwrap();
    let s = seen.lock().unwrap();
    assert_eq!(s.counters.udp_peers, 1);
    assert_eq!(s.counters.accepted, 1);

    let (h, addr, _) = start(LiveConfig {
        mode: Mode::Passive,
        ..LiveConfig::default()
    });
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(format!("##,imei:{IMEI},A;").as_bytes())
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut b = [0u8; 8];
    assert!(s.read(&mut b).is_err(), "passive mode answers nothing");
    h.stop().unwrap();
}

#[test]
fn many_devices_at_once() {
    let (h, addr, seen) = start(LiveConfig::default());
    let threads: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                let id = format!("3595860158{:05}", i);
                if i % 2 == 0 {
                    let mut s = TcpStream::connect(addr).unwrap();
                    assert_eq!(
                        ask(&mut s, format!("##,imei:{id},A;").as_bytes(), 4),
                        b"LOAD"
                    );
                    assert_eq!(ask(&mut s, format!("{id};").as_bytes(), 2), b"ON");
                    None
                } else {
                    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
                    u.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    u.send_to(format!("{id};").as_bytes(), addr).unwrap();
                    let mut buf = [0u8; 16];
                    let (n, _) = u.recv_from(&mut buf).unwrap();
                    assert_eq!(&buf[..n], b"ON");
                    // Kept open until every device is done: a closed socket's port could go
                    // to the next device, making two devices one peer.
                    Some(u)
                }
            })
        })
        .collect();
    let sockets: Vec<Option<UdpSocket>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    h.stop().unwrap();
    drop(sockets);
    let s = seen.lock().unwrap();
    assert_eq!(s.counters.accepted, 25);
    assert_eq!(s.counters.udp_peers, 25);
}

#[test]
fn relay_passes_every_byte_both_ways_and_adds_nothing() {
    // The platform stand-in: answers LOAD to a login, ON to a heartbeat, and sends a command.
    let platform = TcpListener::bind("127.0.0.1:0").unwrap();
    let paddr = platform.local_addr().unwrap();
    let got_by_platform = Arc::new(Mutex::new(Vec::new()));
    let g = got_by_platform.clone();
    std::thread::spawn(move || {
        let (mut c, _) = platform.accept().unwrap();
        let mut buf = [0u8; 1024];
        loop {
            let n = match c.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let data = buf[..n].to_vec();
            g.lock().unwrap().extend_from_slice(&data);
            if data.starts_with(b"##") {
                c.write_all(b"LOAD").unwrap();
            } else {
                c.write_all(b"ON**,imei:359586015829802,B;").unwrap();
            }
        }
    });
    let (h, addr, seen) = start(LiveConfig {
        mode: Mode::Relay(paddr.to_string()),
        ..LiveConfig::default()
    });
    let mut s = TcpStream::connect(addr).unwrap();
    let login = format!("##,imei:{IMEI},A;");
    assert_eq!(ask(&mut s, login.as_bytes(), 4), b"LOAD");
    let beat = format!("{IMEI};");
    let back = ask(&mut s, beat.as_bytes(), 30);
    assert_eq!(back, b"ON**,imei:359586015829802,B;");
    drop(s);
    wait_until(&seen, |s| s.frames.len() >= 5);
    h.stop().unwrap();
    assert_eq!(
        *got_by_platform.lock().unwrap(),
        [login.as_bytes(), beat.as_bytes()].concat()
    );
    let s = seen.lock().unwrap();
    assert_eq!(
        s.kinds().join(" "),
        "login login_ack heartbeat heartbeat_ack command"
    );
    assert_eq!(
        s.counters.replies, 0,
        "the relay answers nothing of its own"
    );
}

#[test]
fn a_platform_that_cannot_be_reached_is_shown_and_the_device_still_decoded() {
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (h, addr, seen) = start(LiveConfig {
        mode: Mode::Relay(dead.to_string()),
        ..LiveConfig::default()
    });
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(format!("##,imei:{IMEI},A;").as_bytes())
        .unwrap();
    wait_until(&seen, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, LiveEvent::PlatformUnreachable { .. }))
            && s.frames.iter().any(|f| f.2 == "login")
    });
    drop(s);
    h.stop().unwrap();
}

#[test]
fn a_flood_without_terminator_is_closed_and_counted() {
    let (h, addr, seen) = start(LiveConfig::default());
    let mut s = TcpStream::connect(addr).unwrap();
    let junk = vec![b'x'; 8192];
    let mut sent = 0;
    for _ in 0..64 {
        if s.write_all(&junk).is_err() {
            break;
        }
        sent += junk.len();
    }
    // The analyzer closes the connection: reading ends.
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 16];
    let end = s.read(&mut b);
    assert!(matches!(end, Ok(0) | Err(_)), "{end:?}");
    wait_until(&seen, |s| s.counters.closed_unframed == 1);
    // Well-behaved devices are still served.
    let mut ok = TcpStream::connect(addr).unwrap();
    log_in(&mut ok);
    h.stop().unwrap();
    assert!(sent > 64 * 1024);
}

#[test]
fn a_slow_client_is_served_byte_by_byte() {
    let (h, addr, _) = start(LiveConfig::default());
    let mut s = TcpStream::connect(addr).unwrap();
    for b in format!("##,imei:{IMEI},A;").bytes() {
        s.write_all(&[b]).unwrap();
        std::thread::sleep(Duration::from_millis(15));
    }
    assert_eq!(read_n(&mut s, 4), b"LOAD");
    h.stop().unwrap();
}

#[test]
fn commands_reach_a_tcp_device_at_once_and_a_udp_device_after_its_next_datagram() {
    let (h, addr, seen) = start(LiveConfig::default());
    let ctl = h.control();
    let imei = Imei::new(IMEI.as_bytes()).unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    log_in(&mut s);
    wait_until(&seen, |s| !s.links.is_empty());
    ctl.send(Control::Command {
        imei,
        action: Action::Periodic(30),
    })
    .unwrap();
    let want = format!("**,imei:{IMEI},C,30s;");
    assert_eq!(read_n(&mut s, want.len()), want.as_bytes());
    drop(s);

    let other = "868683027793045";
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    u.send_to(format!("{other};").as_bytes(), addr).unwrap();
    let mut buf = [0u8; 64];
    let mut recv = || {
        let n = u.recv_from(&mut buf).map(|(n, _)| n);
        n.map(|n| buf[..n].to_vec())
    };
    assert_eq!(recv().unwrap(), b"ON");
    let imei = Imei::new(other.as_bytes()).unwrap();
    wait_until(&seen, |s| s.links.iter().any(|l| l.imei == other));
    ctl.send(Control::Command {
        imei,
        action: Action::PositionNow,
    })
    .unwrap();
    wait_until(&seen, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, LiveEvent::CommandSent { queued: true, .. }))
    });
    // Nothing arrives until the device sends again (carrier NAT would drop it).
    assert!(recv().is_err());
    u.send_to(format!("{other};").as_bytes(), addr).unwrap();
    assert_eq!(recv().unwrap(), b"ON");
    let want = format!("**,imei:{other},B;");
    assert_eq!(recv().unwrap(), want.as_bytes());
    h.stop().unwrap();
}

#[test]
fn a_port_in_use_is_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = live::start(
        LiveConfig {
            port,
            bind: vec!["127.0.0.1".parse().unwrap()],
            ..LiveConfig::default()
        },
        Box::new(Collect(Arc::default())),
    )
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains(&port.to_string()) && msg.contains("in use"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    let err = live::start(
        LiveConfig {
            mode: Mode::Relay("no-such-host.invalid:8888".into()),
            port: 0,
            bind: vec!["127.0.0.1".parse().unwrap()],
            ..LiveConfig::default()
        },
        Box::new(Collect(Arc::default())),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
}

#[test]
fn connections_past_the_limit_are_refused_and_silent_ones_closed_both_counted() {
    let (h, addr, seen) = start(LiveConfig {
        max_connections: 2,
        idle: Duration::from_secs(1),
        ..LiveConfig::default()
    });
    let mut a = TcpStream::connect(addr).unwrap();
    let mut b = TcpStream::connect(addr).unwrap();
    log_in(&mut a);
    assert_eq!(ask(&mut b, b"868683027793045;", 2), b"ON");
    // The third is refused: closed at once.
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 8];
    assert!(matches!(c.read(&mut buf), Ok(0) | Err(_)));
    wait_until(&seen, |s| s.counters.refused_limit == 1);
    // Silent for a second: both are closed by the analyzer, and counted.
    assert!(matches!(read_n(&mut a, 1).len(), 0));
    wait_until(&seen, |s| {
        s.counters.closed_idle == 2 && s.counters.open == 0
    });
    // Then a new device is served again.
    let mut d = TcpStream::connect(addr).unwrap();
    log_in(&mut d);
    h.stop().unwrap();
    let s = seen.lock().unwrap();
    assert!(
        s.events
            .iter()
            .any(|e| matches!(e, LiveEvent::Refused { .. }))
    );
    assert!(
        s.events
            .iter()
            .any(|e| matches!(e, LiveEvent::Stopped { counters } if counters.refused_limit == 1))
    );
}
