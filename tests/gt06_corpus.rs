//! Every line of the GT06 corpus (real frames, in hex) framed and decoded: no error-severity
//! diagnostic except on the frames that are truly broken (listed, with why), wrong CRCs as
//! warnings, the IMEI from logins, positions in range, every byte in a field.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gt06_support;

use bn407::protocol::gt06::frame::Layout;
use bn407::protocol::{Kind, Severity};
use gt06_support::{CORPUS, assert_covered, decode, errors, frames, unhex};

/// Lines (0-based) whose frame is broken as sent, and the error each must carry.
const BROKEN: &[(usize, &str, &str)] = &[
    (
        19,
        "gt06.length",
        "length 0x15, but 22 bytes lie between the length and 0d 0a",
    ),
    (
        35,
        "gt06.stop",
        "the stream ended one byte short: 0d without 0a",
    ),
    (
        52,
        "gt06.length",
        "length 0x12, but 19 bytes follow it and there is no room for serial and CRC",
    ),
];

#[test]
fn every_corpus_line_decodes_without_error_except_the_broken_ones() {
    let lines: Vec<&str> = CORPUS.lines().collect();
    assert!(lines.len() >= 90);
    let mut crc_warnings = 0;
    let mut logins = 0;
    let mut fixes = 0;
    for (i, line) in lines.iter().enumerate() {
        let bytes = unhex(line);
        let framed = frames(&bytes);
        assert_eq!(framed.concat(), bytes, "line {i}: bytes lost by the framer");
        for f in &framed {
            let (m, tree) = decode(f);
            assert_covered(f, &tree);
            let errors: Vec<_> = errors(&m).iter().map(|d| d.code).collect();
            match BROKEN.iter().find(|(l, _, _)| *l == i) {
                Some((_, code, why)) => {
                    assert!(errors.contains(code), "line {i} ({why}): {errors:?}")
                }
                None => assert!(errors.is_empty(), "line {i} {line}: {:#?}", m.diagnostics),
            }
            let lay = Layout::of(f).unwrap();
            if lay.crc_ok(f) == Some(false) {
                crc_warnings += 1;
                assert!(
                    m.diagnostics
                        .iter()
                        .any(|d| d.code == "gt06.crc" && d.severity == Severity::Warning),
                    "line {i}"
                );
            }
            if m.kind == Kind::Login {
                logins += 1;
                let imei = m.imei.unwrap();
                assert_eq!(imei.as_str().len(), 15, "line {i}");
            } else {
                assert!(m.imei.is_none(), "line {i}: only logins carry the IMEI");
            }
            if let Some(fix) = m.fix {
                fixes += 1;
                assert!(fix.lat.abs() <= 90.0 && fix.lon.abs() <= 180.0, "line {i}");
                assert!(fix.lat != 0.0 || fix.lon != 0.0, "line {i}");
            }
            // Every GPS block read gives a fix unless its position is all zeros.
            if let Some(lat) = tree.find("gt06.gps.latitude")
                && let Some(lon) = tree.find("gt06.gps.longitude")
            {
                let zero = |n: &bn407::protocol::Node| {
                    n.value == bn407::protocol::Value::Coord(0.0)
                        || n.value == bn407::protocol::Value::Coord(-0.0)
                };
                assert_eq!(m.fix.is_some(), !(zero(lat) && zero(lon)), "line {i}");
            }
        }
    }
    assert!(crc_warnings >= 5, "{crc_warnings} wrong CRCs");
    assert!(logins >= 2);
    assert!(fixes > 0);
}
