//! Every real frame of the corpus decodes without an error, with the IMEI, kind, fix validity
//! and position an independent reading of the protocol notes gives, and with every byte in a field.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use common::{assert_covered, decode, errors};

const CORPUS: &str = include_str!("data/bn407-text.txt");
const EXPECTED: &str = include_str!("data/bn407-expected.txt");

#[test]
fn every_corpus_frame_decodes_without_error_and_matches_the_notes() {
    let expected: Vec<&str> = EXPECTED.lines().filter(|l| !l.starts_with('#')).collect();
    let frames: Vec<&str> = CORPUS.lines().collect();
    assert_eq!(frames.len(), expected.len());
    assert!(frames.len() >= 40);
    for (frame, exp) in frames.iter().zip(expected) {
        let (m, tree) = decode(frame);
        let errors = errors(&m);
        assert!(errors.is_empty(), "{frame}: {errors:?}");
        let e: Vec<&str> = exp.split(' ').collect();
        assert_eq!(
            m.imei.map(|i| i.to_string()).as_deref(),
            Some(e[0]),
            "{frame}"
        );
        assert_eq!(m.kind.as_str(), e[1], "{frame}");
        match e[2] {
            "-" => assert!(m.fix.is_none(), "{frame}: unexpected fix {:?}", m.fix),
            v => {
                let fix = m.fix.unwrap_or_else(|| panic!("{frame}: no fix"));
                assert_eq!(fix.valid.to_string(), v, "{frame}");
                let (lat, lon): (f64, f64) = (e[3].parse().unwrap(), e[4].parse().unwrap());
                assert!(
                    (fix.lat - lat).abs() < 1e-6,
                    "{frame}: lat {} != {lat}",
                    fix.lat
                );
                assert!(
                    (fix.lon - lon).abs() < 1e-6,
                    "{frame}: lon {} != {lon}",
                    fix.lon
                );
            }
        }
        assert_covered(frame, &tree);
        if matches!(e[1], "report" | "obd") {
            assert_ne!(m.firmware_name(), "unknown", "{frame}: no firmware guess");
        }
    }
}

#[test]
fn every_corpus_frame_has_spans_inside_the_frame_and_children_inside_parents() {
    for frame in CORPUS.lines() {
        let (_, tree) = decode(frame);
        for (i, n) in tree.nodes.iter().enumerate() {
            assert!(
                n.span.end as usize <= frame.len(),
                "{frame}: {} out of range",
                n.def.name
            );
            for c in tree.descendants(i) {
                let child = &tree.nodes[c];
                assert!(
                    child.generated
                        || (child.span.start >= n.span.start && child.span.end <= n.span.end),
                    "{frame}: child {} outside parent {}",
                    child.def.name,
                    n.def.name
                );
            }
        }
    }
}

#[test]
fn summary_decode_equals_tree_decode() {
    use bn407::protocol::bn407::PROTOCOL;
    use bn407::protocol::{Builder, Direction};
    for frame in CORPUS.lines() {
        let (with_tree, _) = decode(frame);
        let mut b = Builder::new(None);
        let without = (PROTOCOL.decode)(frame.as_bytes(), Direction::Unknown, &mut b);
        assert_eq!(format!("{with_tree:?}"), format!("{without:?}"), "{frame}");
    }
}
