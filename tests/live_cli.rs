//! `bn407 listen` as a user runs it: devices served over TCP and UDP, the recording finished on
//! SIGTERM and still readable after `kill -9`, in the analyzer and in tshark.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

mod cli_support;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use cli_support::{bn407_command, spawn_listen, stdout_of};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bn407-live-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Starts `bn407 listen` on a free port; returns the child and the address it listens on.
fn listen(record: &Path) -> (Child, SocketAddr) {
    let (child, addr, mut out) = spawn_listen([OsStr::new("--record"), record.as_os_str()]);
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    (child, addr)
}

fn imei(n: u32) -> String {
    format!("35958601{n:07}")
}

fn report(id: &str) -> String {
    format!("imei:{id},tracker,2405011000,,F,100001.000,A,5130.0000,N,00006.0000,W,0.00,0;")
}

/// Runs `n` devices, half over TCP and half over UDP. Every device's socket stays open until
/// all are done, so no two UDP devices share a source port (they would be one peer).
fn devices(addr: SocketAddr, n: u32, reports: usize) {
    let threads: Vec<_> = (0..n)
        .map(|i| {
            std::thread::spawn(move || {
                let id = imei(i);
                if i % 2 == 0 {
                    let mut s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    s.write_all(format!("##,imei:{id},A;").as_bytes()).unwrap();
                    let mut b = [0u8; 4];
                    s.read_exact(&mut b).unwrap();
                    assert_eq!(&b, b"LOAD");
                    for _ in 0..reports {
                        s.write_all(report(&id).as_bytes()).unwrap();
                    }
                    (Some(s), None)
                } else {
                    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
                    u.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    u.send_to(format!("##,imei:{id},A;").as_bytes(), addr)
                        .unwrap();
                    let mut b = [0u8; 8];
                    let n = u.recv_from(&mut b).unwrap().0;
                    assert_eq!(&b[..n], b"LOAD");
                    for _ in 0..reports {
                        u.send_to(report(&id).as_bytes(), addr).unwrap();
                        // Paced as units are (seconds apart in the field): 150 units firing
                        // back to back could fill the kernel's receive buffer on a loaded
                        // machine, and UDP drops what does not fit.
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    (None, Some(u))
                }
            })
        })
        .collect();
    let open: Vec<(Option<TcpStream>, Option<UdpSocket>)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    drop(open);
}

/// Frames of each kind in a recording, read by the analyzer.
fn kinds(file: &Path) -> std::collections::BTreeMap<String, u64> {
    let out = stdout_of(
        bn407_command()
            .args(["stats", "--format", "json"])
            .arg(file),
    );
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    serde_json::from_value(j["by_kind"].clone()).unwrap()
}

fn tshark_packets(file: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed (apt-get install tshark): {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Conversations tshark sees: (TCP, UDP).
fn tshark_conversations(file: &Path) -> (usize, usize) {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-q", "-z", "conv,tcp", "-z", "conv,udp"])
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed (apt-get install tshark): {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut counts = [0, 0];
    let mut table = 0;
    for line in text.lines() {
        if line.starts_with("TCP Conversations") {
            table = 0;
        } else if line.starts_with("UDP Conversations") {
            table = 1;
        } else if line.contains("<->") {
            counts[table] += 1;
        }
    }
    (counts[0], counts[1])
}

/// A listener recording to `name` while `n` devices send `reports` reports each, ended by
/// `end` `wait` after the devices are done; the recording and the kinds of frame it holds.
fn record_and_end(
    name: &str,
    n: u32,
    reports: usize,
    wait: Duration,
    end: impl FnOnce(&mut Child),
) -> (PathBuf, std::collections::BTreeMap<String, u64>) {
    let file = tmp(name);
    let (mut child, addr) = listen(&file);
    devices(addr, n, reports);
    std::thread::sleep(wait);
    end(&mut child);
    let k = kinds(&file);
    (file, k)
}

#[test]
fn three_hundred_devices_and_sigterm_finishes_a_recording_of_every_report() {
    let (file, k) = record_and_end(
        "term.pcapng",
        300,
        5,
        Duration::from_millis(1000),
        |child| {
            let pid = child.id().to_string();
            let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(kill.success());
            assert!(child.wait().unwrap().success());
        },
    );
    assert_eq!(k.get("login"), Some(&300));
    assert_eq!(k.get("login_ack"), Some(&300));
    assert_eq!(k.get("report"), Some(&1500), "{k:?}");
    assert_eq!(tshark_conversations(&file), (150, 150));
}

#[test]
fn a_killed_listener_leaves_a_recording_that_opens() {
    // The recording is flushed at least once a second.
    let (file, k) = record_and_end("kill9.pcapng", 4, 2, Duration::from_millis(2500), |child| {
        child.kill().unwrap();
        child.wait().unwrap();
    });
    assert_eq!(k.get("login"), Some(&4), "{k:?}");
    assert_eq!(k.get("report"), Some(&8), "{k:?}");
    assert!(tshark_packets(&file) >= 16);
}
