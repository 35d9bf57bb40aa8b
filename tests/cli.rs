//! The headless commands as a script sees them: JSON keys and values, exit statuses, errors.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bn407(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bn407"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// The top-level keys README.md documents for `decode --format jsonl`: the quoted names of its
/// sentence "prints one JSON object per frame with the keys … and more.", less those in
/// parentheses (the keys of nested objects).
fn documented_jsonl_keys() -> Vec<String> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("prints one JSON object per frame with the keys")
        .unwrap();
    let end = start + readme[start..].find(" and more.").unwrap();
    let mut depth = 0;
    let mut keys = Vec::new();
    // Between backquotes (odd pieces) a name; outside them, prose with its parentheses.
    for (i, piece) in readme[start..end].split('`').enumerate() {
        if i % 2 == 1 {
            if depth == 0 {
                keys.push(piece.to_owned());
            }
        } else {
            depth += piece.matches('(').count();
            depth -= piece.matches(')').count();
        }
    }
    keys
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bn407-text.txt");

#[test]
fn decode_jsonl_has_the_documented_keys_for_every_frame() {
    let out = bn407(&["decode", "--format", "jsonl", CORPUS], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        include_str!("data/bn407-text.txt").lines().count()
    );
    let keys = documented_jsonl_keys();
    // README.md names 15 (`frame` … `raw`): fewer found means the sentence changed form.
    assert_eq!(keys.len(), 15, "{keys:?}");
    for (i, v) in lines.iter().enumerate() {
        for key in &keys {
            assert!(v.get(key).is_some(), "frame {i} lacks {key}");
        }
        assert_eq!(v["frame"], i);
        assert_eq!(v["transport"], "raw");
        assert_eq!(v["protocol"], "bn407");
        let fields = v["fields"].as_array().unwrap();
        assert!(!fields.is_empty());
        for f in fields {
            for key in ["name", "value", "span", "tags", "children"] {
                assert!(f.get(key).is_some(), "field lacks {key}: {f}");
            }
        }
    }
    // Frame 2: a classic report with a fix.
    let f = &lines[2];
    assert_eq!(f["imei"], "868683023212255");
    assert_eq!(f["kind"], "report");
    assert_eq!(f["keyword"], "tracker");
    assert_eq!(f["direction"], "to_server");
    assert_eq!(f["fix"]["valid"], true);
    assert!((f["fix"]["lat"].as_f64().unwrap() - 49.252035).abs() < 1e-6);
    assert!((f["fix"]["speed_kmh"].as_f64().unwrap() - 3.91 * 1.852).abs() < 1e-3);
    assert_eq!(f["fix"]["time"], "2019-02-05T06:44:59Z");
    // The raw hex is the frame.
    let raw = f["raw"].as_str().unwrap();
    assert!(raw.starts_with("696d65693a")); // "imei:"
}

#[test]
fn stats_json_totals() {
    let out = bn407(&["stats", "--format", "json", CORPUS], None);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = include_str!("data/bn407-text.txt").lines().count() as u64;
    assert_eq!(v["frames"], n);
    assert_eq!(v["truncated"], 0);
    assert_eq!(v["by_protocol"]["bn407"], n);
    assert_eq!(v["by_kind"]["obd"], 7);
    assert_eq!(v["by_kind"]["login"], 1);
    assert_eq!(v["errors"], 0);
    assert!(v["warnings"].as_u64().unwrap() > 0);
    assert_eq!(v["devices"], 33);
    assert_eq!(v["flows"], 1);
    assert!(v["bytes"].as_u64().unwrap() > 4000);
}

#[test]
fn stdin_truncated_frame_and_server_side() {
    let input = b"##,imei:359586015829802,A;\nLOAD\n359586015829802;\nimei:359586015829802,tracker,0809231429,,F,0629";
    let out = bn407(&["decode", "--format", "jsonl", "-"], Some(input));
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["login", "login_ack", "heartbeat", "report"]);
    assert_eq!(lines[1]["direction"], "to_device");
    let last = &lines[3];
    assert!(
        last["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "frame.truncated" && d["severity"] == "error")
    );
    let out = bn407(&["stats", "--format", "json", "-"], Some(input));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["frames"], 3);
    assert_eq!(v["truncated"], 1);
}

#[test]
fn unreadable_input_is_one_line_naming_the_file_with_status_2() {
    let out = bn407(&["decode", "/nonexistent/capture.pcap"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/capture.pcap"), "{err}");
}

#[test]
fn garbage_input_is_decoded_as_findings_not_a_failure() {
    let junk: Vec<u8> = (0..20000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let out = bn407(&["stats", "--format", "json", "-"], Some(&junk));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        v["by_protocol"]["unknown"].as_u64().unwrap(),
        v["frames"].as_u64().unwrap() + v["truncated"].as_u64().unwrap()
    );
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"protocol.unknown"), "{codes:?}");
    assert!(
        !codes.contains(&"frame.too_long"),
        "unknown bytes are cut in pieces, not flagged: {codes:?}"
    );
    assert_eq!(v["flow_list"][0]["protocol"], "unknown");
}

#[test]
fn text_output_names_frames_devices_and_problems() {
    let out = bn407(&["decode", CORPUS], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("help me") && l.contains("ALARM"))
    );
    assert!(text.lines().any(|l| l.contains("W:imei.luhn")));
    let out = bn407(&["stats", CORPUS], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("devices     33"), "{text}");
    assert!(text.contains("imei.luhn"));
}

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/first-report.pcapng");
const MULTI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/multi-device.pcap");

#[test]
fn captures_decode_with_addresses_times_and_both_directions() {
    let out = bn407(&["decode", "--format", "jsonl", SAMPLE, MULTI], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 50);
    let ts: Vec<&str> = lines.iter().map(|l| l["ts"].as_str().unwrap()).collect();
    assert!(
        ts.windows(2).all(|w| w[0] <= w[1]),
        "frames of several inputs come in capture-time order"
    );
    assert!(lines.iter().any(|l| l["transport"] == "udp"));
    let load = lines.iter().find(|l| l["kind"] == "login_ack").unwrap();
    assert_eq!(load["direction"], "to_device");
    assert!(load["src"].as_str().unwrap().ends_with(":8888"));
    assert!(
        load["imei"].is_string(),
        "server answers carry the flow's device"
    );
    let login = lines.iter().find(|l| l["kind"] == "login").unwrap();
    assert_eq!(login["direction"], "to_server");
    assert!(login["dst"].as_str().unwrap().ends_with(":8888"));
}

#[test]
fn damaged_capture_decodes_what_precedes_the_damage_then_exits_3() {
    let bytes = std::fs::read(MULTI).unwrap();
    let cut = &bytes[..bytes.len() - 7];
    let path = std::env::temp_dir().join(format!("bn407-cut-{}.pcap", std::process::id()));
    std::fs::write(&path, cut).unwrap();
    let out = bn407(&["stats", "--format", "json", path.to_str().unwrap()], None);
    std::fs::remove_file(&path).ok();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bn407-cut-") && err.contains("byte"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["frames"].as_u64().unwrap() > 50,
        "frames before the damage are decoded"
    );
    // Not a capture at all although it starts like one: unreadable.
    let path = std::env::temp_dir().join(format!("bn407-bad-{}.pcap", std::process::id()));
    std::fs::write(&path, &bytes[..10]).unwrap();
    let out = bn407(&["decode", path.to_str().unwrap()], None);
    std::fs::remove_file(&path).ok();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stats_counts_flows_by_protocol_and_bytes_by_direction() {
    let out = bn407(&["stats", "--format", "json", MULTI], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["flows"], 3);
    assert_eq!(v["flows_by_protocol"]["bn407"], 3);
    assert_eq!(v["devices"], 3);
    assert!(
        v["bytes_by_direction"]["to_server"].as_u64().unwrap()
            > v["bytes_by_direction"]["to_device"].as_u64().unwrap()
    );
    assert_eq!(v["errors"], 0);
}

#[test]
fn every_stream_byte_is_in_a_frame_or_whitespace() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The notes, and the map file (not a capture: refused with exit 2, tested elsewhere).
        if path
            .extension()
            .is_some_and(|e| e == "md" || e == "pmtiles")
        {
            continue;
        }
        let out = bn407(&["stats", "--format", "json", path.to_str().unwrap()], None);
        assert!(out.status.success(), "{}", path.display());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let stream = v["stream_bytes"].as_u64().unwrap();
        assert!(stream > 0);
        assert_eq!(
            stream,
            v["bytes"].as_u64().unwrap() + v["whitespace"].as_u64().unwrap(),
            "{}",
            path.display()
        );
        assert_eq!(v["errors"], 0, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 7);
}

#[test]
fn a_flood_of_made_up_identities_is_counted_not_kept() {
    let limit = bn407::model::MAX_DEVICES;
    let mut input = Vec::with_capacity((limit + 10) * 17);
    for i in 0..limit + 10 {
        input.extend_from_slice(format!("{:015};", 100_000_000_000_000u64 + i as u64).as_bytes());
    }
    let out = bn407(&["stats", "--format", "json", "-"], Some(&input));
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["frames"], (limit + 10) as u64);
    assert_eq!(v["devices"], limit as u64);
    assert_eq!(v["devices_over_limit"], 10);
}
