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

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bn407::live::record::{RecordConfig, Recorder};
use bn407::pipeline::{Input, RunOptions, run_all};

mod live_support;

use live_support::tshark::*;
use live_support::*;

#[test]
fn the_analyzer_reads_back_every_byte_of_every_conversation() {
    let dir = scratch("analyzer");
    let (files, expect) = record(&dir, u64::MAX);
    assert_eq!(files, [dir.join("live.pcapng")]);
    assert_eq!(expect.len(), 6);
    assert_same(&analyze(&files), &analyzer_view(&expect));
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
