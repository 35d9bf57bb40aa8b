//! `kill -9` of `bn407 listen` while a device is still sending: the recording written so far
//! opens in the analyzer and in tshark, and misses at most the last second (the recording is
//! flushed every second), not everything since the last clean moment.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bn407::pipeline::{Input, RunOptions, run_all};

mod listen_support;

const IMEI: &str = "359586015829802";

/// Report number `i` (in its latitude's minutes, so that it can be read back).
fn report(i: usize) -> String {
    format!("imei:{IMEI},tracker,2501011200,,F,120000.000,A,5222.{i:04},N,00454.5678,E,0.00,;")
}

/// The report numbers in the recording `file`, as the analyzer reads them.
fn reports_recorded(file: &Path) -> Vec<usize> {
    let mut found = Vec::new();
    let out = run_all(
        &[Input::Path(file.to_path_buf())],
        &mut RunOptions::default(),
        &mut |d| {
            let text = String::from_utf8_lossy(d.bytes);
            if let Some(rest) = text.split(",A,5222.").nth(1) {
                found.push(rest[..4].parse().unwrap());
            }
        },
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    found
}

#[test]
fn a_listener_killed_while_a_device_sends_keeps_all_but_the_last_second() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live_kill9");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("killed.pcapng");
    let l = listen_support::listen(&["--record", file.to_str().unwrap()]);
    let (mut child, port, out) = (l.child, l.port, l.out);
    std::thread::spawn(move || out.map_while(Result::ok).count());

    // A device: a login, then a report every 20 ms until the listener is gone.
    let sent = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let gone = Arc::new(AtomicBool::new(false));
    let (sent2, gone2) = (sent.clone(), gone.clone());
    let device = std::thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(format!("##,imei:{IMEI},A;").as_bytes())
            .unwrap();
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"LOAD");
        for i in 0..10_000 {
            if gone2.load(Ordering::Relaxed) || s.write_all(report(i).as_bytes()).is_err() {
                break;
            }
            sent2.lock().unwrap().push(Instant::now());
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    std::thread::sleep(Duration::from_millis(3500));
    let killed_at = Instant::now();
    child.kill().unwrap();
    child.wait().unwrap();
    gone.store(true, Ordering::Relaxed);
    device.join().unwrap();

    let sent = sent.lock().unwrap().clone();
    // Reports sent more than a second (and a tick of the listener's clock) before the kill.
    let old = sent
        .iter()
        .take_while(|t| killed_at.duration_since(**t) > Duration::from_millis(1200))
        .count();
    assert!(old >= 50, "{old} of {} reports", sent.len());
    let got = reports_recorded(&file);
    assert_eq!(
        got,
        (0..got.len()).collect::<Vec<_>>(),
        "the recording holds the reports in order, none missing"
    );
    assert!(
        got.len() >= old,
        "{} reports recorded; {old} were sent more than 1.2 s before the kill ({} in all)",
        got.len(),
        sent.len()
    );
    // tshark reads it too: the login, its answer and each report, at least.
    let t = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed (apt-get install tshark): {e}"));
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let packets = String::from_utf8_lossy(&t.stdout).lines().count();
    assert!(packets >= got.len() + 2, "{packets} packets");
    eprintln!(
        "{} of {} reports recorded ({old} sent more than 1.2 s before the kill)",
        got.len(),
        sent.len()
    );
}
