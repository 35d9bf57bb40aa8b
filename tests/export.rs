//! `bn407 export`: every format written from a sample and read back by the tool its users would
//! open it with, or an independent reader: GPX validated by `xmllint` against the GPX 1.1 schema
//! (`tests/data/gpx-1.1.xsd`), KML by `xmllint`'s XPath, GeoJSON by serde_json, pcapng by
//! `tshark`, CSV by the `csv` crate, PNG by the `image` decoder, JSON lines against `decode`.
//!
//! The map formats are also opened by GDAL's `ogrinfo` (the reader QGIS uses) and by GPSBabel
//! (what GPS tools convert with).
//!
//! Tools: `xmllint` (Debian `libxml2-utils`), `tshark` (Debian `tshark`), `ogrinfo` (Debian
//! `gdal-bin`) and `gpsbabel`; a missing one fails the test with the package to install
//! (`.ci/run` installs them).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/bike-ride.pcapng");
const MULTI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/multi-device.pcap");
const FIRST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/first-report.pcapng");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bn407-text.txt");
const GPX_XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gpx-1.1.xsd");

fn bn407(args: &[&str]) -> Output {
    cli_support::bn407_command().args(args).output().unwrap()
}

/// A fresh folder for one test.
fn dir(name: &str) -> PathBuf {
    cli_support::scratch_dir("export", name)
}

/// A fresh folder for one test holding one input file, `file`, of `text`; the folder and the file.
fn dir_with(name: &str, file: &str, text: &str) -> (PathBuf, PathBuf) {
    let d = dir(name);
    let input = d.join(file);
    std::fs::write(&input, text).unwrap();
    (d, input)
}

/// Runs `export`, which must succeed; returns the output path and the stderr line.
fn export(format: &str, extra: &[&str], inputs: &[&str], out: &Path) -> String {
    let o = out.to_str().unwrap();
    let mut args = vec!["export", "--to", format];
    args.extend_from_slice(extra);
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["-o", o]);
    let r = bn407(&args);
    let err = String::from_utf8_lossy(&r.stderr).into_owned();
    assert!(r.status.success(), "export {format} failed: {err}");
    err
}

/// The number in `exported N ...` on stderr.
fn exported(stderr: &str) -> u64 {
    let after = stderr.split("exported ").nth(1).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

/// Runs a system tool, failing with the Debian package to install when it is missing.
fn tool(name: &str, package: &str, args: &[&str]) -> Output {
    match Command::new(name).args(args).output() {
        Ok(o) => o,
        Err(e) => {
            panic!("{name} is needed for this test ({e}): install the Debian package {package}")
        }
    }
}

/// Runs `xmllint` with `args` then `file`; the test fails with its errors when it fails.
fn xmllint(args: &[&str], file: &Path) -> Output {
    let mut all = args.to_vec();
    all.push(file.to_str().unwrap());
    let o = tool("xmllint", "libxml2-utils", &all);
    assert!(
        o.status.success(),
        "xmllint {all:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn xpath_count(file: &Path, expr: &str) -> usize {
    let o = xmllint(&["--xpath", expr], file);
    String::from_utf8_lossy(&o.stdout)
        .trim()
        .parse::<f64>()
        .unwrap() as usize
}

#[test]
fn jsonl_is_the_decode_contract() {
    let d = dir("jsonl");
    let out = d.join("f.jsonl");
    let err = export("jsonl", &[], &[FIRST], &out);
    let decode = bn407(&["decode", "--format", "jsonl", FIRST]);
    assert_eq!(std::fs::read(&out).unwrap(), decode.stdout);
    assert_eq!(
        exported(&err),
        decode
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64
    );
    // A filter keeps the lines it matches, unchanged.
    let out = d.join("reports.jsonl");
    export(
        "jsonl",
        &["--filter", "kind == report && fix.valid"],
        &[FIRST],
        &out,
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let all: Vec<&str> = std::str::from_utf8(&decode.stdout)
        .unwrap()
        .lines()
        .collect();
    let kept: Vec<&str> = text.lines().collect();
    assert!(!kept.is_empty());
    for line in &kept {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["kind"], "report");
        assert_eq!(v["fix"]["valid"], true);
        assert!(all.contains(line));
    }
    let expected = all
        .iter()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["kind"] == "report" && v["fix"]["valid"] == true
        })
        .count();
    assert_eq!(kept.len(), expected);
}

#[test]
fn csv_reads_back_with_fixed_columns_and_formulas_neutralised() {
    let (d, input) = dir_with(
        "csv",
        "formula.txt",
        "=cmd|' /C calc'!A0\n\
         imei:359586015829802,@SUM(1+1),0809231929,,F,055403.000,A,2232.0753,N,11354.3277,W,-0.01,;\n\
         +1,\"a,b\"\n\
         -2+3\n\
         \tTAB\n",
    );
    let out = d.join("f.csv");
    let err = export("csv", &[], &[input.to_str().unwrap(), BIKE], &out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "UTF-8 byte-order mark"
    );
    let mut r = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, bn407::export::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, exported(&err));
    let numeric = [
        "frame",
        "flow",
        "lat",
        "lon",
        "speed_kmh",
        "course",
        "battery",
    ];
    for row in &rows {
        assert_eq!(row.len(), header.len());
        for (name, cell) in header.iter().zip(row.iter()) {
            if numeric.contains(&name.as_str()) {
                assert!(
                    cell.is_empty() || cell.parse::<f64>().is_ok(),
                    "{name}: {cell}"
                );
            } else {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name} runs as a formula: {cell:?}"
                );
            }
        }
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| &r[col("text")]).collect();
    assert!(texts.contains(&"'=cmd|' /C calc'!A0"));
    assert!(texts.contains(&"'+1,\"a,b\""));
    assert!(texts.contains(&"'-2+3"));
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("imei:359586015829802,@SUM"))
    );
    assert!(rows.iter().any(|r| &r[col("keyword")] == "'@SUM(1+1)"));
    // The bike ride: one row per frame, positions as numbers.
    let reports = rows
        .iter()
        .filter(|r| &r[col("imei")] == "864035052277564" && !r[col("lat")].is_empty())
        .count();
    assert_eq!(reports, 150);
}

#[test]
fn gpx_validates_against_the_gpx_1_1_schema_with_every_point() {
    let d = dir("gpx");
    let out = d.join("ride.gpx");
    let err = export("gpx", &[], &[BIKE], &out);
    xmllint(&["--noout", "--schema", GPX_XSD], &out);
    // 145 valid and 5 invalid fixes, one alarm with a position.
    assert_eq!(xpath_count(&out, "count(//*[local-name()='trkpt'])"), 150);
    assert_eq!(exported(&err), 150);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='trk'])"), 1);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='wpt'])"), 1);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='fix'])"), 5);
    assert_eq!(
        xpath_count(
            &out,
            "count(//*[local-name()='trkpt'][*[local-name()='time']])"
        ),
        150
    );
    assert!(xpath_count(&out, "count(//*[local-name()='speed'])") > 100);
    // Three devices: three tracks; a silence of 1 s cuts every track into one-point segments.
    let out = d.join("multi.gpx");
    export("gpx", &["--silence", "1"], &[MULTI], &out);
    xmllint(&["--noout", "--schema", GPX_XSD], &out);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='trk'])"), 3);
    let points = xpath_count(&out, "count(//*[local-name()='trkpt'])");
    assert_eq!(
        xpath_count(&out, "count(//*[local-name()='trkseg'])"),
        points
    );
    // --imei keeps one device.
    let out = d.join("one.gpx");
    export("gpx", &["--imei", "864035052411882"], &[MULTI], &out);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='trk'])"), 1);
}

#[test]
fn kml_is_xml_with_a_styled_track_per_device_and_alarm_placemarks() {
    let d = dir("kml");
    let out = d.join("multi.kml");
    export("kml", &[], &[MULTI], &out);
    xmllint(&["--noout"], &out);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='Folder'])"), 3);
    assert_eq!(xpath_count(&out, "count(//*[local-name()='Style'])"), 3);
    assert_eq!(
        xpath_count(&out, "count(//*[local-name()='LineString'])"),
        3
    );
    // A `speed` alarm and a `door alarm` carry positions.
    let alarms = xpath_count(
        &out,
        "count(//*[local-name()='Placemark'][*[local-name()='Point']])",
    );
    assert!(alarms >= 2, "{alarms} alarm placemarks");
    let first_coordinates = "string((//*[local-name()='coordinates'])[1])";
    let o = xmllint(&["--xpath", first_coordinates], &out);
    let first = String::from_utf8_lossy(&o.stdout);
    let lon_lat: Vec<f64> = first
        .split_whitespace()
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    // Lisbon: longitude about -9.1, latitude about 38.7, in KML's lon,lat order.
    assert!(
        (-10.0..-8.0).contains(&lon_lat[0]) && (38.0..39.5).contains(&lon_lat[1]),
        "{lon_lat:?}"
    );
}

#[test]
fn geojson_has_lon_lat_linestrings_per_device_and_alarm_points() {
    let d = dir("geojson");
    let out = d.join("ride.geojson");
    export("geojson", &[], &[BIKE], &out);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    let features = v["features"].as_array().unwrap();
    let mut positions = 0;
    let mut alarms = 0;
    for f in features {
        assert_eq!(f["type"], "Feature");
        let g = &f["geometry"];
        let coords: Vec<&serde_json::Value> = match g["type"].as_str().unwrap() {
            "LineString" => g["coordinates"].as_array().unwrap().iter().collect(),
            "Point" => vec![&g["coordinates"]],
            other => panic!("unexpected geometry {other}"),
        };
        for c in &coords {
            // Amsterdam: longitude about 4.9 first, latitude about 52.37 second.
            let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            assert!(
                (4.0..6.0).contains(&lon) && (52.0..53.0).contains(&lat),
                "{c}"
            );
        }
        match f["properties"]["kind"].as_str().unwrap() {
            "track" => {
                positions += coords.len();
                assert_eq!(f["properties"]["imei"], "864035052277564");
            }
            "alarm" => {
                alarms += 1;
                assert_eq!(f["properties"]["keyword"], "sensor alarm");
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    assert_eq!(positions, 150);
    assert_eq!(alarms, 1);
}

fn tshark_fields(file: &Path, fields: &[&str]) -> Vec<String> {
    let mut args = vec!["-r", file.to_str().unwrap(), "-T", "fields"];
    for f in fields {
        args.extend_from_slice(&["-e", f]);
    }
    let o = tool("tshark", "tshark", &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn pcapng_opens_in_tshark_with_every_packet_and_the_comments() {
    let d = dir("pcapng");
    let out = d.join("ride.pcapng");
    let err = export("pcapng", &[], &[BIKE], &out);
    let packets = tshark_fields(&out, &["frame.number", "tcp.len"]);
    assert_eq!(packets.len() as u64, exported(&err));
    let decoded = bn407(&["decode", BIKE]);
    let frames = String::from_utf8_lossy(&decoded.stdout).lines().count();
    assert_eq!(packets.len(), frames, "one packet per frame");
    let comments = tshark_fields(&out, &["frame.comment"]);
    let commented: Vec<&String> = comments.iter().filter(|c| !c.is_empty()).collect();
    assert!(!commented.is_empty());
    assert!(
        commented.iter().any(|c| c.contains("clock.late")),
        "findings as comments"
    );
    assert!(commented.iter().all(|c| c.starts_with("bn407 frame #")));
    // Wireshark reassembles the stream without a missing segment.
    let lost = tshark_fields(&out, &["tcp.analysis.lost_segment"]);
    assert!(lost.iter().all(String::is_empty));
    // The analyzer reads its own export back to the same frames.
    let again = bn407(&["decode", out.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).lines().count(),
        frames
    );
}

#[test]
fn pcapng_of_kept_frames_or_of_their_flows() {
    let d = dir("pcapng-flows");
    // Only the UDP device's reports: its packets alone.
    let only = d.join("kept.pcapng");
    let err = export(
        "pcapng",
        &[
            "--filter",
            "kind == report",
            "--imei",
            "864035052411882",
            "--kept-only",
        ],
        &[MULTI],
        &only,
    );
    let kept = exported(&err);
    assert!(kept > 0);
    let rows = tshark_fields(&only, &["udp.srcport", "ip.src"]);
    assert_eq!(rows.len() as u64, kept);
    assert!(
        rows.iter()
            .all(|r| !r.split('\t').next().unwrap().is_empty()),
        "UDP datagrams"
    );
    // The same filter over flows: both directions of that device's flow.
    let flows = d.join("flows.pcapng");
    let err = export(
        "pcapng",
        &["--filter", "kind == report", "--imei", "864035052411882"],
        &[MULTI],
        &flows,
    );
    let all = tshark_fields(&flows, &["udp.dstport"]);
    assert_eq!(all.len() as u64, exported(&err));
    assert!(all.len() as u64 > kept);
    assert!(all.iter().any(|p| p == "8888") && all.iter().any(|p| p != "8888"));
    // IPv6 and TCP survive too: the whole capture back through the analyzer.
    let whole = d.join("whole.pcapng");
    export("pcapng", &[], &[MULTI], &whole);
    let before = bn407(&["stats", "--format", "json", MULTI]);
    let after = bn407(&["stats", "--format", "json", whole.to_str().unwrap()]);
    let (b, a): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&before.stdout).unwrap(),
        serde_json::from_slice(&after.stdout).unwrap(),
    );
    for key in ["frames", "devices", "flows", "by_kind", "errors"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

#[test]
fn photos_are_named_by_imei_and_time_by_export_and_decode() {
    // A `vt2` report announces two packets; they come in order and make a tiny JPEG.
    let (d, input) = dir_with(
        "photos",
        "photo.txt",
        "imei:864180034124375,vt2,0809231929,,F,055403.000,A,2232.0753,N,11354.3277,E,0.00,;\n\
         imei:864180034124375,vr,00000400ffd8aabb1d00;\n\
         imei:864180034124375,vr,01000400ccddffd91d00;\n",
    );
    let input = input.to_str().unwrap();
    let out = d.join("photos");
    let err = export("photos", &[], &[input, CORPUS], &out);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len() as u64, exported(&err));
    assert!(!names.is_empty());
    let whole = [0xff, 0xd8, 0xaa, 0xbb, 0xcc, 0xdd, 0xff, 0xd9];
    let jpegs: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(out.join(n)).unwrap())
        .collect();
    assert!(
        jpegs.contains(&whole.to_vec()),
        "the announced photo, whole"
    );
    for n in &names {
        let parts: Vec<&str> = n.trim_end_matches(".jpg").split('-').collect();
        assert!(parts[0].bytes().all(|b| b.is_ascii_digit()), "{n}");
        assert_eq!(parts[1], "notime", "a raw stream has no capture time");
    }
    // decode --photos names them the same way.
    let dec = d.join("decoded");
    let r = bn407(&["decode", "--photos", dec.to_str().unwrap(), input, CORPUS]);
    assert!(r.status.success());
    let mut again: Vec<String> = std::fs::read_dir(&dec)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    again.sort();
    assert_eq!(names, again);
}

#[test]
fn markdown_findings_are_a_ticket_ready_table() {
    let d = dir("markdown");
    let out = d.join("ride.md");
    export("markdown", &[], &[BIKE], &out);
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("## BN-407 Analyzer findings:"), "{md}");
    assert!(md.contains("### Device 864035052277564"));
    assert!(md.contains("| Severity | Code | What is wrong and what to do | Frames |"));
    assert!(md.contains("| Warning | `clock.late` |"), "{md}");
    // Every table row has the same number of cells.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "{line}");
    }
    // A device's findings only.
    let out = d.join("none.md");
    export("markdown", &["--imei", "359586015829802"], &[BIKE], &out);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("0 findings")
    );
}

#[test]
fn png_map_has_the_tracks_in_their_colours_and_the_alarms() {
    let d = dir("png");
    let out = d.join("multi.png");
    export("png", &["--size", "800x600"], &[MULTI], &out);
    let img = image::open(&out).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (800, 600));
    let count = |rgb: [u8; 3]| {
        img.pixels()
            .filter(|p| p.0[..3] == rgb && p.0[3] == 255)
            .count()
    };
    for i in 0..3 {
        let c = bn407::model::tracks::device_rgb(i);
        assert!(
            count(c) > 50,
            "device {i} colour {c:?}: {} pixels",
            count(c)
        );
    }
    assert!(count([0xe0, 0x1b, 0x24]) > 20, "alarm markers");
}

#[test]
fn a_wrong_filter_or_input_writes_nothing() {
    let d = dir("errors");
    let out = d.join("x.csv");
    let r = bn407(&[
        "export",
        "--to",
        "csv",
        "--filter",
        "kind ==",
        BIKE,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--filter"));
    assert!(!out.exists());
    let missing = d.join("missing.pcap");
    let r = bn407(&[
        "export",
        "--to",
        "gpx",
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(!out.exists());
}

/// The number after `label` in a tool's output (`Feature Count: 150`).
fn count_after(text: &str, label: &str) -> u64 {
    let after = text
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label} in {text}"));
    after
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn gdal_and_gpsbabel_read_the_tracks_point_for_point() {
    let d = dir("readers");
    let (gpx, kml, geojson) = (d.join("r.gpx"), d.join("r.kml"), d.join("r.geojson"));
    let n = exported(&export("gpx", &[], &[BIKE], &gpx));
    assert!(n > 100, "{n}");
    assert_eq!(exported(&export("kml", &[], &[BIKE], &kml)), n);
    assert_eq!(exported(&export("geojson", &[], &[BIKE], &geojson)), n);
    // GDAL: every track point of the GPX, and the GeoJSON's extent in lon,lat order (the ride is
    // in Amsterdam: x about 4.9, y about 52.4).
    let o = tool(
        "ogrinfo",
        "gdal-bin",
        &["-ro", "-so", "-al", gpx.to_str().unwrap(), "track_points"],
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(count_after(&text, "Feature Count:"), n, "{text}");
    let o = tool(
        "ogrinfo",
        "gdal-bin",
        &["-ro", "-so", "-al", geojson.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let extent = text.split("Extent: (").nth(1).unwrap();
    let x: f64 = extent.split(',').next().unwrap().trim().parse().unwrap();
    let y: f64 = extent
        .split(',')
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        (4.0..6.0).contains(&x) && (52.0..53.0).contains(&y),
        "{extent}"
    );
    let o = tool(
        "ogrinfo",
        "gdal-bin",
        &["-ro", "-so", "-al", kml.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // GPSBabel: the tracks of the GPX and of the KML, one CSV line per point after the heading.
    for (format, file) in [("gpx", &gpx), ("kml", &kml)] {
        let o = tool(
            "gpsbabel",
            "gpsbabel",
            &[
                "-t",
                "-i",
                format,
                "-f",
                file.to_str().unwrap(),
                "-o",
                "unicsv",
                "-F",
                "-",
            ],
        );
        let lines = String::from_utf8_lossy(&o.stdout).lines().count() as u64;
        assert_eq!(lines, n + 1, "{format}");
    }
}
