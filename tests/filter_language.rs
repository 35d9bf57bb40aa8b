//! The window's filter language: parsing (errors with column and reason, never a panic) and
//! evaluation on the stored frames of the shared corpus, checked against the decoder's own
//! messages.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use bn407::model::filter::{Matcher, parse};
use bn407::model::store::{FrameStore, RECORD_SIZE, StoreBuilder};
use bn407::pipeline::{Input, RunOptions, run};
use bn407::protocol::{Direction, Kind, Message, Severity};
use proptest::prelude::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bn407-text.txt");

/// The corpus as stored frames, and as the decoder's messages (with bytes) for comparison.
fn corpus() -> (FrameStore, Vec<(Message, Vec<u8>, Direction)>) {
    let mut b = StoreBuilder::new();
    let mut msgs = Vec::new();
    run(
        &[Input::Path(SAMPLE.into())],
        &mut RunOptions::default(),
        &mut |d| {
            b.add(&d);
            msgs.push((d.message.clone(), d.bytes.to_vec(), d.direction));
        },
    )
    .unwrap();
    let mut store = FrameStore::new();
    store.append(b.take());
    (store, msgs)
}

fn count(store: &FrameStore, expr: &str) -> usize {
    let f = parse(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .unwrap();
    let mut m = Matcher::new(f);
    store.iter().filter(|f| m.matches(f)).count()
}

fn expect(
    msgs: &[(Message, Vec<u8>, Direction)],
    p: impl Fn(&Message, &[u8], Direction) -> bool,
) -> usize {
    msgs.iter().filter(|(m, b, d)| p(m, b, *d)).count()
}

fn error(expr: &str) -> (usize, String) {
    let e = parse(expr).expect_err(expr);
    (e.column, e.message)
}

#[test]
#[allow(clippy::assertions_on_constants)]
fn a_record_is_at_most_48_bytes() {
    assert!(RECORD_SIZE <= 48, "{RECORD_SIZE}");
}

#[test]
fn the_store_keeps_every_frame_and_its_bytes() {
    let (store, msgs) = corpus();
    assert_eq!(store.len(), msgs.len());
    for (f, (m, b, d)) in store.iter().zip(&msgs) {
        assert_eq!(f.bytes(), b.as_slice());
        assert_eq!(f.kind(), m.kind);
        assert_eq!(f.direction(), *d);
        assert_eq!(f.diagnostics(), m.diagnostics.as_slice());
        assert_eq!(f.severity(), m.max_severity());
        assert_eq!(f.firmware(), m.firmware);
        assert_eq!(f.keyword(), m.keyword_text(b));
        if let Some(i) = m.imei {
            assert_eq!(f.imei(), Some(&i));
        }
    }
}

#[test]
fn empty_means_everything() {
    assert_eq!(parse("").unwrap(), None);
    assert_eq!(parse("   ").unwrap(), None);
}

#[test]
fn field_comparisons_match_the_decoder() {
    let (s, msgs) = corpus();
    let m = &msgs;
    let n = count(&s, "kind == report");
    assert!(n > 0);
    assert_eq!(n, expect(m, |m, _, _| m.kind == Kind::Report));
    assert_eq!(count(&s, "kind != report"), m.len() - n);
    assert_eq!(count(&s, "imei == 864180034124375"), 1);
    assert_eq!(
        count(&s, "keyword == \"help me\""),
        expect(m, |m, b, _| m.keyword_text(b) == Some("help me"))
    );
    assert_eq!(count(&s, "keyword == \"help me\""), 2);
    assert_eq!(
        count(&s, "fix.valid == false"),
        expect(m, |m, _, _| m.fix.is_some_and(|f| !f.valid))
    );
    assert_eq!(
        count(&s, "fix.valid"),
        expect(m, |m, _, _| m.fix.is_some_and(|f| f.valid))
    );
    let fast = count(&s, "speed_kmh > 80");
    assert_eq!(
        fast,
        expect(m, |m, _, _| m
            .fix
            .and_then(|f| f.speed_kmh)
            .is_some_and(|v| v > 80.0))
    );
    assert!(fast > 0);
    assert_eq!(
        count(&s, "severity >= warning"),
        expect(m, |m, _, _| m.max_severity() >= Some(Severity::Warning))
    );
    assert_eq!(
        count(&s, "severity == none"),
        expect(m, |m, _, _| m.max_severity().is_none())
    );
    assert_eq!(count(&s, "protocol == bn407"), m.len());
    assert_eq!(
        count(&s, "direction == to_device"),
        expect(m, |_, _, d| d == Direction::ToDevice)
    );
    assert_eq!(
        count(&s, "firmware == 4g"),
        expect(m, |m, _, _| m.firmware_name() == "4g")
    );
    assert!(count(&s, "firmware == 4g") > 0);
    assert_eq!(count(&s, "alarm"), expect(m, |m, _, _| m.alarm));
    assert_eq!(count(&s, "frame <= 10"), 10);
    assert_eq!(count(&s, "frame == 1"), 1);
    assert_eq!(count(&s, "len > 1000"), expect(m, |_, b, _| b.len() > 1000));
}

#[test]
fn diagnostic_codes_and_tags() {
    let (s, msgs) = corpus();
    let code = msgs
        .iter()
        .flat_map(|(m, _, _)| m.diagnostics.iter().map(|d| d.code))
        .next()
        .expect("the corpus has a diagnostic");
    assert_eq!(
        count(&s, &format!("code == {code}")),
        expect(&msgs, |m, _, _| m
            .diagnostics
            .iter()
            .any(|d| d.code == code))
    );
    assert_eq!(
        count(&s, &format!("!(code == {code})")),
        expect(&msgs, |m, _, _| !m
            .diagnostics
            .iter()
            .any(|d| d.code == code))
    );
    assert_eq!(
        count(&s, "tag == coord5"),
        expect(&msgs, |m, _, _| m.tags
            & bn407::protocol::bn407::firmware::COORD5.bit
            != 0)
    );
}

#[test]
fn decoded_fields_are_asked_by_name() {
    let (s, msgs) = corpus();
    let north = count(&s, "report.latitude > 50");
    assert_eq!(
        north,
        expect(&msgs, |m, _, _| m.kind == Kind::Report
            && m.fix.is_some_and(|f| f.lat > 50.0))
    );
    let rpm = count(&s, "obd.rpm > 3000");
    assert!(rpm <= expect(&msgs, |m, _, _| m.kind == Kind::Obd));
    assert!(parse("obd.rpm > 3000").unwrap().unwrap().needs_tree());
    assert!(!parse("kind == obd").unwrap().unwrap().needs_tree());
    // A field named alone: present.
    assert!(count(&s, "report.altitude") > 0);
    assert!(count(&s, "report.altitude") < s.len());
}

#[test]
fn plain_words_search_the_text() {
    let (s, msgs) = corpus();
    let text = |w: &str| {
        expect(&msgs, |_, b, _| {
            String::from_utf8_lossy(b).to_lowercase().contains(w)
        })
    };
    assert_eq!(count(&s, "tracker"), text("tracker"));
    assert_eq!(count(&s, "TRACKER"), text("tracker"));
    assert_eq!(count(&s, "\"help me\""), text("help me"));
    // Words side by side: both.
    assert_eq!(
        count(&s, "help me"),
        expect(&msgs, |_, b, _| {
            let t = String::from_utf8_lossy(b).to_lowercase();
            t.contains("help") && t.contains("me")
        })
    );
    assert_eq!(count(&s, "text contains OBD"), text("obd"));
}

#[test]
fn and_or_not_and_parentheses() {
    let (s, _) = corpus();
    let r = count(&s, "kind == report");
    let o = count(&s, "kind == obd");
    assert_eq!(count(&s, "kind == report || kind == obd"), r + o);
    assert_eq!(count(&s, "kind == report or kind == obd"), r + o);
    assert_eq!(count(&s, "kind == report && kind == obd"), 0);
    assert_eq!(
        count(&s, "!(kind == report || kind == obd)"),
        s.len() - r - o
    );
    assert_eq!(count(&s, "not kind == report"), s.len() - r);
    let a = count(&s, "kind == report && (fix.valid == true || alarm)");
    let b = count(
        &s,
        "(kind == report && fix.valid == true) || (kind == report && alarm)",
    );
    assert_eq!(a, b);
    // `&&` binds tighter than `||`.
    assert_eq!(
        count(&s, "kind == obd || kind == report && alarm"),
        count(&s, "kind == obd || (kind == report && alarm)")
    );
    assert_eq!(count(&s, "keyword contains HELP"), 2);
    assert_eq!(
        count(&s, "imei contains 86418003412437"),
        count(&s, "imei == 864180034124375")
    );
}

#[test]
fn wrong_expressions_say_where_and_what() {
    // Each expression, the column of the error (when the test pins it) and what the message
    // says (every part).
    let deep = format!("{}kind == report{}", "(".repeat(500), ")".repeat(500));
    let cases: &[(&str, Option<usize>, &[&str])] = &[
        ("speed_kmh >", Some(12), &["expected a value after `>`"]),
        (
            "kind == reprt",
            Some(9),
            &["unknown kind `reprt`", "report"],
        ),
        ("(kind == report", Some(16), &["expected `)`"]),
        ("speed > fast", Some(9), &["expected a number"]),
        (
            "bogus.field == 3",
            Some(1),
            &["unknown field `bogus.field`"],
        ),
        ("kind == report & alarm", None, &["expected `&&`"]),
        ("keyword == \"help me", Some(12), &["never closed"]),
        ("kind < report", None, &["use `==` or `!=`"]),
        ("speed_kmh contains 3", None, &["contains"]),
        ("severity >= bad", None, &["unknown severity"]),
        ("firmware == 5g", None, &["4g"]),
        ("tag == nope", None, &["coord5"]),
        ("kind == report)", Some(15), &["closes nothing"]),
        ("== 3", None, &["expected a field"]),
        ("kind == report &&", None, &["found the end"]),
        (&deep, None, &["nested too deeply"]),
        // Columns count characters, not bytes.
        ("keyword == \"é\" &&", Some(18), &[]),
    ];
    for &(expr, column, says) in cases {
        let (c, m) = error(expr);
        if let Some(column) = column {
            assert_eq!(c, column, "column of the error in {expr:?}");
        }
        for part in says {
            assert!(m.contains(part), "{expr:?}: {m:?} does not say {part:?}");
        }
    }
}

proptest! {
    #[test]
    fn parsing_never_panics(src in "[ -~]{0,60}") {
        let _ = parse(&src);
    }

    #[test]
    fn parsing_tokens_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("kind"), Just("=="), Just("!="), Just("<"), Just(">="), Just("&&"), Just("||"),
            Just("!"), Just("("), Just(")"), Just("report"), Just("\""), Just("speed_kmh"),
            Just("80"), Just("contains"), Just("report.latitude"), Just("-1.5"), Just("x"),
        ], 0..20)) {
        let src = parts.join(" ");
        if let Ok(Some(f)) = parse(&src) {
            let (store, _) = corpus_small();
            let mut m = Matcher::new(f);
            for fr in store.iter() {
                let _ = m.matches(&fr);
            }
        }
    }
}

fn corpus_small() -> (FrameStore, ()) {
    use std::sync::OnceLock;
    static STORE: OnceLock<FrameStore> = OnceLock::new();
    (STORE.get_or_init(|| corpus().0).clone(), ())
}
