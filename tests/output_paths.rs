//! No name that comes from a capture or a device (IMEIs, photo packets, server-log fields)
//! decides where a file is written: `decode --photos DIR` and `export --to photos -o DIR` write
//! only into DIR, with names made of the IMEI's letters and digits, the time and a number.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{bn407_command, scratch_dir, stdout_of};

fn scratch(name: &str) -> PathBuf {
    scratch_dir("paths", name)
}

/// Every file under `dir`, relative.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A photo packet of `imei` (hex: index, length, payload, trailer).
fn photo(imei: &str, index: u16, payload: &[u8]) -> String {
    let mut hex = format!(
        "{:02x}{:02x}{:02x}{:02x}",
        index & 0xff,
        index >> 8,
        payload.len() & 0xff,
        payload.len() >> 8
    );
    for b in payload {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.push_str("0000");
    format!("imei:{imei},vr,{hex};\n")
}

/// Device-made names everywhere a name can hide: IMEI fields with `../`, absolute paths,
/// separators and dots, a server log whose connection, protocol and address fields hold paths,
/// next to one real photo so that something is written.
fn hostile_inputs(dir: &Path) -> Vec<PathBuf> {
    let jpeg = [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9];
    let mut raw = String::new();
    for imei in [
        "../../../../tmp/bn407-evil",
        "/tmp/bn407-evil",
        "..\\..\\evil",
        "864180034124375/../../evil",
        "86418003412437.",
        "864180034124375",
    ] {
        raw.push_str(&format!("##,imei:{imei},A;\n"));
        raw.push_str(&format!(
            "imei:{imei},vt2,250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,0.00,0.0;\n"
        ));
        raw.push_str(&photo(imei, 0, &jpeg[..4]));
        raw.push_str(&photo(imei, 1, &jpeg[4..]));
    }
    let raw_path = dir.join("raw.txt");
    std::fs::write(&raw_path, raw).unwrap();
    let log = format!(
        "2024-05-01 10:00:00  INFO: [T1a2b3c4d: ../../../tmp/evil < 203.0.113.5] {}\n\
         2024-05-01 10:00:01  INFO: [T1a2b3c4d: gps103 < /etc/passwd] {}\n",
        photo("864180034124375", 0, &jpeg).trim_end(),
        photo("../../evil", 0, &jpeg).trim_end()
    );
    let log_path = dir.join("server.log");
    std::fs::write(&log_path, log).unwrap();
    vec![raw_path, log_path]
}

fn check_written(out: &Path, parent: &Path, before: &[PathBuf]) {
    let written = files(out);
    assert!(!written.is_empty(), "no photo written");
    for f in &written {
        let name = f.to_string_lossy();
        assert_eq!(
            f.components().count(),
            1,
            "{name}: not directly in the folder"
        );
        let (id, rest) = name.split_once('-').unwrap();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{name}"
        );
        assert!(
            rest.ends_with(".jpg")
                && rest
                    .trim_end_matches(".jpg")
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{name}"
        );
    }
    // Nothing new beside the folder, nothing in /tmp named by a device.
    let mut after: Vec<PathBuf> = files(parent)
        .into_iter()
        .filter(|p| !p.starts_with(out.strip_prefix(parent).unwrap()))
        .collect();
    after.sort();
    assert_eq!(after, before);
    assert!(!Path::new("/tmp/bn407-evil").exists());
    assert!(!std::env::temp_dir().join("bn407-evil").exists());
}

/// Runs `bn407` on [`hostile_inputs`] in a fresh folder `name`, with the arguments `args` adds
/// given the inputs and the photo folder, and checks that it wrote only into that folder.
fn run_on_hostile_inputs(name: &str, args: impl FnOnce(&mut Command, &[PathBuf], &Path)) {
    let parent = scratch(name);
    let inputs = hostile_inputs(&parent);
    let before = files(&parent);
    let out = parent.join("photos");
    let mut cmd = bn407_command();
    args(&mut cmd, &inputs, &out);
    stdout_of(&mut cmd);
    check_written(&out, &parent, &before);
}

#[test]
fn decode_photos_writes_only_into_the_chosen_folder() {
    run_on_hostile_inputs("decode", |cmd, inputs, out| {
        cmd.arg("decode").arg("--photos").arg(out).args(inputs);
    });
}

#[test]
fn export_photos_writes_only_into_the_chosen_folder() {
    run_on_hostile_inputs("export", |cmd, inputs, out| {
        cmd.args(["export", "--to", "photos"])
            .args(inputs)
            .arg("-o")
            .arg(out);
    });
}
