//! No command reaches a device without an explicit action: the device side of every sample
//! capture, replayed to the listener in server mode, gets answers only (login and heartbeat
//! acknowledgements, and one SOS acknowledgement per SOS report), never a command;
//! the commands counter stays at zero and no command event is seen.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

mod live_support;

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::Duration;

use bn407::live::{LiveConfig, LiveEvent};
use bn407::pipeline::{Input, RunOptions, run_all};
use bn407::protocol::Direction;
use live_support::engine::{start, wait_until};

/// The frames devices sent in `sample`, in order.
fn device_frames(sample: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(sample);
    let mut frames = Vec::new();
    let out = run_all(&[Input::Path(path)], &mut RunOptions::default(), &mut |d| {
        if d.direction == Direction::ToServer {
            frames.push(d.bytes.to_vec());
        }
    });
    assert!(out.error.is_none(), "{:?}", out.error);
    frames
}

#[test]
fn the_samples_replayed_get_answers_and_never_a_command() {
    let (h, addr, seen) = start(LiveConfig::default());
    let mut sent = 0;
    for sample in [
        "first-report.pcapng",
        "multi-device.pcap",
        "heartbeat-only.pcap",
        "bike-ride.pcapng",
        "no-answer.pcap",
    ] {
        let frames = device_frames(sample);
        assert!(!frames.is_empty(), "{sample}");
        let mut s = TcpStream::connect(addr).unwrap();
        for f in &frames {
            s.write_all(f).unwrap();
        }
        sent += frames.len();
        // Done sending: a FIN after the last byte, then the answers read until the listener
        // closes. Closing with answers unread would make this side's kernel reset the
        // connection and throw away what it had not sent yet (small writes wait for the ACK of
        // the previous one), so the listener could not see every frame.
        s.shutdown(Shutdown::Write).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        std::io::copy(&mut s, &mut std::io::sink()).unwrap();
    }
    wait_until(&seen, |s| {
        s.frames.iter().filter(|f| f.0 == "to_server").count() >= sent
    });
    h.stop().unwrap();
    let s = seen.lock().unwrap();
    // SOS reports seen so far, and their acknowledgements, by IMEI (the answers to a piece of
    // a stream follow all of its frames).
    let mut sos: std::collections::HashMap<String, (usize, usize)> = Default::default();
    let imei_of = |t: &str| t.split("imei:").nth(1).map(|r| r[..15].to_string());
    let mut answers = 0;
    for (dir, _, kind, bytes) in &s.frames {
        let text = String::from_utf8_lossy(bytes);
        if dir == "to_server" {
            if text.contains(",help me,") {
                sos.entry(imei_of(&text).unwrap()).or_default().0 += 1;
            }
            continue;
        }
        answers += 1;
        match kind.as_str() {
            "login_ack" | "heartbeat_ack" => {}
            _ if text.starts_with("**,imei:") && text.ends_with(",E;") => {
                let n = sos.entry(imei_of(&text).unwrap()).or_default();
                n.1 += 1;
                assert!(n.1 <= n.0, "{text}: more acknowledgements than SOS reports");
            }
            _ => panic!("sent to a device unasked: {kind} {text:?}"),
        }
    }
    assert!(answers > 0);
    assert_eq!(s.counters.commands, 0);
    assert!(
        !s.events
            .iter()
            .any(|e| matches!(e, LiveEvent::CommandSent { .. })),
        "a command event"
    );
}
