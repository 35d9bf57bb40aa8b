//! A capture still being written (`tcpdump -U -w - | bn407 decode -`): frames come out as the
//! packets arrive, not after the end.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The blocks of a little-endian pcapng file.
fn blocks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= data.len() {
        let len = u32::from_le_bytes(data[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push(&data[at..at + len]);
        at += len;
    }
    out
}

#[test]
fn a_pcapng_stream_is_decoded_while_it_is_written() {
    let data = std::fs::read("samples/first-report.pcapng").unwrap();
    let all = blocks(&data);
    assert!(all.len() > 10);
    let whole = Command::new(env!("CARGO_BIN_EXE_bn407"))
        .args(["decode", "samples/first-report.pcapng"])
        .output()
        .unwrap();
    let expected = String::from_utf8(whole.stdout).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_bn407"))
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // Half the packets, then the writer pauses with the pipe open.
    let half = all.len() / 2;
    for b in &all[..half] {
        stdin.write_all(b).unwrap();
    }
    stdin.flush().unwrap();
    let started = Instant::now();
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("no frame while the stream is open");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(first.starts_with("#0 "), "{first}");
    // The rest, then the end.
    for b in &all[half..] {
        stdin.write_all(b).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let mut lines = vec![first];
    lines.extend(rx.iter());
    assert_eq!(lines.join("\n") + "\n", expected);
}
