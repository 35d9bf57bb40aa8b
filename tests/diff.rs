//! The firmware diff: pairs of captures built here with known differences of each kind, and
//! pairs with none (jitter, other positions, other devices of the same firmware); the report in
//! text, JSON and Markdown, the exit status, `--imei`, `--by firmware`, bad input, and what the
//! window gets from the model (representative frames, fields aligned by name).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod conv_support;
mod diff_support;

use std::sync::Arc;

use bn407::model::diff::{Category, Profile, Rank, Which, compare};
use bn407::pipeline::{self, Input, RunOptions};
use bn407::protocol::Kind;
use diff_support::{
    Capture, From, Fw, HALF_HOUR, LISBON, NEW_YORK, SYDNEY, Unit, bn407, capture_file, capture_of,
    diff_json, file, firmware_b, lines,
};

#[test]
fn the_five_differences_and_nothing_else_in_text_json_and_markdown() {
    let a = capture_file("five-a", 1, Fw::classic(), LISBON, HALF_HOUR);
    let b = capture_file("five-b", 2, firmware_b(), LISBON, HALF_HOUR);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let text = bn407(&[a, "--against", b]);
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    println!("{}", text.stdout);
    let diff_lines: Vec<&str> = text
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .collect();
    let expected = [
        "report: new fields altitude, ACC (ignition), door, fuel 1, fuel 2 / odometer, temperature (in 100% of reports); 19 comma-separated fields (13 in A)",
        "report: latitude, longitude now 5 decimals (4 in A)",
        "report: local time now 12 digits (10 in A)",
        "heartbeat every 3 min (60 s in A)",
        "new keyword `sensor alarm` (5 reports)",
    ];
    assert_eq!(diff_lines.len(), expected.len(), "{}", text.stdout);
    for (got, want) in diff_lines.iter().zip(expected) {
        assert_eq!(got.trim(), want);
    }
    // Parser-breaking first, behaviour after; each line with an example frame of each side.
    let parser = text.stdout.find("would break a parser:").unwrap();
    let behaviour = text.stdout.find("behaviour:").unwrap();
    assert!(parser < behaviour);
    assert!(text.stdout.contains("A #"), "{}", text.stdout);
    assert!(text.stdout.contains("`dddddddddddd` [tag time12]: imei:"));
    assert!(text.stdout.contains("`dddddddddd` [tag time10]: imei:"));

    let json = bn407(&[a, "--against", b, "--format", "json"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["same"], false);
    assert_eq!(v["differences"], 5);
    let got: Vec<String> = lines(&v);
    assert_eq!(got, expected);
    let d = &v["comparisons"][0]["differences"];
    let categories: Vec<&str> = (0..5).map(|i| d[i]["category"].as_str().unwrap()).collect();
    assert_eq!(
        categories,
        ["fields", "format", "format", "timing", "keyword"]
    );
    assert_eq!(d[0]["rank"], "parser");
    assert_eq!(d[3]["rank"], "behaviour");
    assert_eq!(d[2]["fields"], serde_json::json!(["report.local_time"]));
    assert_eq!(d[2]["a"]["value"], "`dddddddddd` [tag time10]");
    assert!(
        d[2]["b"]["example"]["text"]
            .as_str()
            .unwrap()
            .starts_with("imei:")
    );
    assert!(
        d[3]["a"]["value"]
            .as_str()
            .unwrap()
            .starts_with("every 60 s")
    );
    assert!(
        d[3]["b"]["value"]
            .as_str()
            .unwrap()
            .starts_with("every 3 min")
    );
    for i in 0..5 {
        assert!(d[i]["b"]["example"]["frame"].is_u64(), "{}", d[i]);
    }
    let c = &v["comparisons"][0];
    assert_eq!(c["a"]["heartbeat_interval"], 60);
    assert_eq!(c["b"]["heartbeat_interval"], 180);
    assert_eq!(
        c["a"]["firmware"]["classic"],
        c["a"]["frames"].as_u64().unwrap() - 31
    );

    let md = bn407(&[a, "--against", b, "--format", "markdown"]);
    assert_eq!(md.code, 1);
    assert!(md.stdout.starts_with("## Firmware diff: B against A"));
    let items: Vec<&str> = md
        .stdout
        .lines()
        .filter(|l| l.starts_with("- **"))
        .collect();
    assert_eq!(items.len(), 5, "{}", md.stdout);
    for (got, want) in items.iter().zip(expected) {
        assert_eq!(*got, format!("- **{want}**"));
    }
    assert!(md.stdout.contains("### Would break a parser"));
    assert!(md.stdout.contains("| heartbeat interval | 60 s | 3 min |"));
}

#[test]
fn jitter_other_positions_and_other_devices_of_the_same_firmware_are_no_differences() {
    for fw in [Fw::classic(), firmware_b()] {
        let a = capture_of(1, fw.clone(), LISBON, HALF_HOUR);
        // Two other units of the same firmware far away (other hemispheres, 2- and 3-digit
        // longitudes), over a longer capture with their own jitter.
        let mut c = Capture::new();
        Unit::new(7, fw.clone(), SYDNEY).play(&mut c, 0.0, 2.0 * HALF_HOUR);
        Unit::new(8, fw.clone(), NEW_YORK).play(&mut c, 5.0, 2.0 * HALF_HOUR);
        let (code, v) = diff_json("same", &a, &c.pcap(false));
        assert_eq!(lines(&v), Vec::<String>::new());
        assert_eq!(code, 0);
        assert_eq!(v["same"], true);
    }
    // The text form says so.
    let a = capture_file("same-text-a", 3, Fw::classic(), LISBON, HALF_HOUR);
    let b = capture_file("same-text-b", 4, Fw::classic(), SYDNEY, HALF_HOUR);
    let o = bn407(&[a.to_str().unwrap(), "--against", b.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert!(
        o.stdout.contains("no differences: B behaves as A"),
        "{}",
        o.stdout
    );
}

/// The differences of B (the classic firmware with `change` made to it) against a classic unit,
/// as lines.
fn against_classic(name: &str, change: impl FnOnce(&mut Fw)) -> Vec<String> {
    let mut fw = Fw::classic();
    change(&mut fw);
    let a = capture_of(1, Fw::classic(), LISBON, HALF_HOUR);
    let b = capture_of(2, fw, LISBON, HALF_HOUR);
    let (code, v) = diff_json(name, &a, &b);
    let l = lines(&v);
    assert_eq!(code, i32::from(!l.is_empty()));
    l
}

#[test]
fn hemisphere_placement_is_a_changed_field_order() {
    let l = against_classic("hemisphere", |f| f.prefix_hemisphere = true);
    assert_eq!(
        l,
        [
            "report: field order now N/S, latitude; E/W, longitude (latitude, N/S; longitude, E/W in A)"
        ]
    );
}

#[test]
fn report_interval_and_reconnections() {
    assert_eq!(
        against_classic("interval", |f| f.report_s = 60.0),
        ["reports every 60 s (30 s in A)"]
    );
    // Reconnecting every 5 min also leaves a gap in the reports each time (a finding).
    let l = against_classic("reconnect", |f| f.reconnect_s = Some(300.0));
    assert_eq!(l.len(), 2, "{l:#?}");
    assert!(l[0].starts_with("reconnects 10."), "{l:#?}");
    assert!(l[0].ends_with(" per hour (0 per hour in A)"), "{l:#?}");
    assert!(
        l[1].starts_with("new finding `timing.gaps` (warning)"),
        "{l:#?}"
    );
}

#[test]
fn a_changed_handshake() {
    assert_eq!(
        against_classic("handshake", |f| f.report_first = true),
        ["after the login acknowledgement the device now sends report first (heartbeat in A)"]
    );
}

#[test]
fn new_and_missing_fields_keywords_and_tags() {
    // The reverse of the done criterion: B has fewer fields and no sensor alarm.
    let a = capture_of(1, firmware_b(), LISBON, HALF_HOUR);
    let b = capture_of(2, Fw::classic(), LISBON, HALF_HOUR);
    let (code, v) = diff_json("reverse", &a, &b);
    assert_eq!(code, 1);
    let l = lines(&v);
    assert!(
        l[0].starts_with("report: fields altitude, ACC (ignition), door"),
        "{l:#?}"
    );
    assert!(l[0].contains(" gone (in 100% of reports in A); 13 comma-separated fields (19 in A)"));
    assert!(l.contains(&"keyword `sensor alarm` gone (5 reports in A)".to_string()));
    // An empty keyword on periodic reports: a new keyword, the old one gone.
    assert_eq!(
        against_classic("empty-keyword", |f| f.empty_keyword = true),
        [
            "new empty keyword (59 reports)",
            "keyword `tracker` gone (59 reports in A)"
        ]
    );
}

#[test]
fn a_changed_scale_and_new_diagnostics() {
    let io = Fw {
        io: true,
        ..Fw::classic()
    };
    let a = capture_of(1, io.clone(), LISBON, HALF_HOUR);
    let b = capture_of(
        2,
        Fw {
            altitude_cm: true,
            ..io
        },
        LISBON,
        HALF_HOUR,
    );
    let (_, v) = diff_json("scale", &a, &b);
    assert_eq!(
        lines(&v),
        ["report: altitude values now 4000..5800 (40..58 in A)"]
    );
    // A clone's junk UTC time: its format, and a new warning.
    let l = against_classic("junk", |f| f.junk_utc = true);
    assert_eq!(l.len(), 2, "{l:#?}");
    assert_eq!(l[0], "report: UTC time now `d.d` (`dddddd.ddd` in A)");
    assert!(
        l[1].starts_with("new warning `fix.utc_junk` in 59 of 91 frames: UTC time '0.0'"),
        "{l:#?}"
    );
}

#[test]
fn answers_to_commands() {
    let play = |n, fw: Fw| {
        let mut c = Capture::new();
        let mut u = Unit::new(n, fw, LISBON);
        u.command_at = Some(315.0);
        u.play(&mut c, 0.0, HALF_HOUR);
        c.pcap(false)
    };
    let a = play(1, Fw::classic());
    let b = play(
        2,
        Fw {
            heartbeat_after_command: true,
            ..Fw::classic()
        },
    );
    let (code, v) = diff_json("command", &a, &b);
    assert_eq!(code, 1);
    assert_eq!(
        lines(&v),
        ["after command `C` the device now sends heartbeat (report in A)"]
    );
}

/// A GT06 unit: login, then a GPS report every 30 s from `lat`, `lon` (raw units of 1/1800000
/// minute), moving a little each time.
fn gt06(n: u8, lat: u32, lon: u32) -> Vec<u8> {
    use bn407::protocol::gt06::crc::build;
    let mut c = Capture::new();
    let dev = format!("198.51.100.{n}:41000");
    let mut t = c.connect(0.0, &dev, diff_support::SRV);
    // The terminal id: a valid IMEI in BCD, a leading zero first.
    let digits: Vec<u8> = format!("0{}", diff_support::imei(u32::from(n)))
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let id: Vec<u8> = digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect();
    c.send(&mut t, 0.1, From::Device, &build(false, 0x01, &id, 1));
    c.send(&mut t, 0.2, From::Server, &build(false, 0x01, &[], 1));
    for i in 0..40u16 {
        let step = u32::from(i) * 900;
        let mut gps = vec![
            0x18,
            0x05,
            0x01,
            0x0A,
            (i / 2) as u8,
            (i % 2 * 30) as u8,
            0xC9,
        ];
        gps.extend((lat + step).to_be_bytes());
        gps.extend((lon + step).to_be_bytes());
        gps.extend([
            (i % 9) as u8 * 7,
            0x14,
            0x7B,
            0x01,
            0xCC,
            0x00,
            0x28,
            0x66,
            0x00,
            0x0E,
            0xEE,
        ]);
        let f = build(false, 0x12, &gps, i + 2);
        c.send(&mut t, 30.0 * f64::from(i + 1), From::Device, &f);
        c.send(
            &mut t,
            30.0 * f64::from(i + 1) + 0.1,
            From::Server,
            &build(false, 0x12, &[], i + 2),
        );
    }
    c.close(&mut t, 1300.0);
    c.pcap(false)
}

#[test]
fn a_switch_of_protocol_is_the_first_line() {
    let a = capture_of(1, Fw::classic(), LISBON, HALF_HOUR);
    let (code, v) = diff_json("protocol", &a, &gt06(9, 0x0269_FB20, 0x0C38_5B60));
    assert_eq!(code, 1);
    let l = lines(&v);
    assert_eq!(l[0], "protocol now gt06 (bn407 in A)", "{l:#?}");
    assert_eq!(v["comparisons"][0]["differences"][0]["rank"], "parser");
}

#[test]
fn other_protocols_go_through_the_same_trees() {
    // Two GT06 units elsewhere (binary fields: their lengths are their formats).
    let (code, v) = diff_json(
        "gt06-same",
        &gt06(9, 0x0269_FB20, 0x0C38_5B60),
        &gt06(10, 0x0149_9700, 0x0850_99E0),
    );
    assert_eq!(lines(&v), Vec::<String>::new());
    assert_eq!(code, 0);
    let kinds = v["comparisons"][0]["kinds"].as_array().unwrap();
    assert!(
        kinds
            .iter()
            .any(|k| k["protocol"] == "gt06" && k["kind"] == "report")
    );
}

#[test]
fn by_firmware_compares_the_generations_of_one_capture() {
    let mut c = Capture::new();
    Unit::new(1, Fw::classic(), LISBON).play(&mut c, 0.0, HALF_HOUR);
    Unit::new(2, Fw::classic(), SYDNEY).play(&mut c, 3.0, HALF_HOUR);
    let ext = Fw {
        time12: true,
        io: true,
        ..Fw::classic()
    };
    Unit::new(3, ext, LISBON).play(&mut c, 7.0, HALF_HOUR);
    let p = file("by-firmware", &c.pcap(false));
    let o = bn407(&[p.to_str().unwrap(), "--by", "firmware", "--format", "json"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let cmp = &v["comparisons"][0];
    assert_eq!(v["comparisons"].as_array().unwrap().len(), 1);
    assert_eq!(cmp["a"]["label"], "classic");
    assert_eq!(cmp["b"]["label"], "extended");
    // The heartbeats of each unit went with its connection's generation.
    assert_eq!(cmp["b"]["heartbeat_interval"], 60);
    assert_eq!(cmp["a"]["devices"], 2);
    let l = lines(&v);
    assert_eq!(l.len(), 2, "{l:#?}");
    assert!(l[0].starts_with("report: new fields altitude"), "{l:#?}");
    assert_eq!(l[1], "report: local time now 12 digits (10 in classic)");

    // Narrowed to the two classic units: one generation, nothing to compare.
    let (i1, i2) = (diff_support::imei(1), diff_support::imei(2));
    let o = bn407(&[
        p.to_str().unwrap(),
        "--by",
        "firmware",
        "--imei",
        &i1,
        "--imei",
        &i2,
    ]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert!(o.stdout.contains("one firmware generation only"));
}

#[test]
fn imei_narrows_both_sides() {
    let ext = Fw {
        io: true,
        ..Fw::classic()
    };
    let mut c = Capture::new();
    Unit::new(1, Fw::classic(), LISBON).play(&mut c, 0.0, HALF_HOUR);
    Unit::new(2, ext, LISBON).play(&mut c, 3.0, HALF_HOUR);
    let a = file("imei-a", &c.pcap(false));
    let b = capture_file("imei-b", 1, Fw::classic(), SYDNEY, HALF_HOUR);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    assert_eq!(bn407(&[a, "--against", b]).code, 1);
    let one = diff_support::imei(1);
    let o = bn407(&[a, "--against", b, "--imei", &one]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    // An IMEI a side does not hold is bad input.
    let o = bn407(&[a, "--against", b, "--imei", &diff_support::imei(2)]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(b) && o.stderr.contains("no messages of"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_input_is_status_2_with_one_line_naming_the_file() {
    let a = capture_file("bad-a", 1, Fw::classic(), LISBON, 300.0);
    let missing = std::env::temp_dir().join("bn407-diff-no-such-file.pcap");
    let o = bn407(&[a.to_str().unwrap(), "--against", missing.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("bn407-diff-no-such-file.pcap"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
    let o = bn407(&[a.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--against"));
}

/// What the window needs: a representative frame of each kind on each side, its fields aligned
/// by name with the differing ones marked, and every line's frames.
#[test]
fn the_model_gives_representatives_aligned_fields_and_evidence() {
    let profile = |label: &str, bytes: Vec<u8>| {
        let mut p = Profile::new(label);
        let input = Input::Bytes {
            name: label.into(),
            data: Arc::new(bytes),
        };
        let mut opts = RunOptions {
            tree: true,
            ..Default::default()
        };
        let out = pipeline::run_all(&[input], &mut opts, &mut |d| p.add(&d));
        p.finish(&out.flows);
        p
    };
    let a = profile("A", capture_of(1, Fw::classic(), LISBON, HALF_HOUR));
    let b = profile("B", capture_of(2, firmware_b(), LISBON, HALF_HOUR));
    let c = compare(&a, &b);
    assert!(!c.same());
    assert_eq!(c.differences[0].rank, Rank::Parser);
    assert_eq!(c.differences[0].category, Category::Fields);
    let rep = c.representative("bn407", Kind::Report).unwrap();
    let fa = c.frame(Which::A, rep.a.unwrap()).unwrap();
    assert!(fa.bytes.starts_with(b"imei:"));
    let fields = c.aligned(rep);
    let get = |n: &str| fields.iter().find(|f| f.name == n).unwrap();
    assert!(get("report.local_time").differs);
    assert_eq!(
        get("report.local_time").a.as_deref().map(str::len),
        Some(10)
    );
    assert_eq!(
        get("report.local_time").b.as_deref().map(str::len),
        Some(12)
    );
    assert!(get("report.altitude").differs && get("report.altitude").a.is_none());
    assert!(!get("report.speed").differs);
    assert!(!get("imei").differs);
    // Every line's example frames are kept on both sides where the side has one.
    for d in &c.differences {
        for (which, f) in [(Which::A, &d.a), (Which::B, &d.b)] {
            if let Some(i) = f.example() {
                assert!(c.frame(which, i).is_some(), "{d:?}");
            }
        }
    }
    assert!(
        c.kinds
            .iter()
            .any(|k| k.kind == Kind::Heartbeat && k.a > k.b)
    );
}
