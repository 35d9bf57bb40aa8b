//! `bn407 diagnose` on every bundled sample: the findings a support engineer would expect, and
//! nothing above info for the healthy sessions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod cli_support;

use cli_support::{bn407_command, stdout_of};

fn diagnose(file: &str, format: &str) -> (serde_json::Value, String) {
    let out = stdout_of(bn407_command().args(["diagnose", "--format", format, file]));
    let text = String::from_utf8(out).unwrap();
    let json = if format == "json" {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_json::Value::Null
    };
    (json, text)
}

/// Codes of the findings at warning or error.
fn serious(j: &serde_json::Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_sample_gets_the_findings_it_shows() {
    for healthy in [
        "samples/first-report.pcapng",
        "samples/first-report-any-sll2.pcap",
        "samples/server.log",
        "samples/multi-device.pcap",
    ] {
        let (j, _) = diagnose(healthy, "json");
        assert!(serious(&j).is_empty(), "{healthy}: {j:#}");
    }
    let (j, _) = diagnose("samples/heartbeat-only.pcap", "json");
    assert_eq!(serious(&j), ["session.heartbeat_only"]);
    let (j, _) = diagnose("samples/no-answer.pcap", "json");
    assert_eq!(serious(&j), ["session.login_unanswered"]);
    assert_eq!(j["errors"], 1);
    // The ride was uploaded in one go after it happened: its reports arrived long after their fixes.
    let (j, _) = diagnose("samples/bike-ride.pcapng", "json");
    assert_eq!(serious(&j), ["clock.late"]);
    let evidence = j["findings"][0]["evidence"].as_array().unwrap();
    assert!(!evidence.is_empty() && evidence.len() <= 20);
    // The text form groups by device and lists the evidence frames as decode numbers them.
    let (_, t) = diagnose("samples/no-answer.pcap", "text");
    assert!(t.starts_with("1 findings: 1 error"), "{t}");
    assert!(t.contains("device 864035052304178"), "{t}");
    assert!(
        t.contains("E session.login_unanswered") && t.contains("frames: #0 #1"),
        "{t}"
    );
}

#[test]
fn an_unreadable_input_is_one_line_and_status_2() {
    let out = bn407_command()
        .args(["diagnose", "no-such-file.pcap"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("no-such-file.pcap"));
}
