//! Telling protocols apart: what the BN-407 probe accepts and refuses, and re-detection when a
//! frame does not fit its flow's protocol (garbage first, a unit re-flashed mid-stream).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::Arc;

use bn407::pipeline::{self, Input, RunOptions};
use bn407::protocol::{self, ProbeResult};

/// `(protocol, kind, imei, bytes)` of every frame of a raw stream.
fn frames(bytes: &[u8]) -> Vec<(String, String, Option<String>, Vec<u8>)> {
    let input = Input::Bytes {
        name: "t.raw".into(),
        data: Arc::new(bytes.to_vec()),
    };
    let mut out = Vec::new();
    pipeline::run(&[input], &mut RunOptions::default(), &mut |d| {
        out.push((
            d.protocol.name.to_string(),
            d.message.kind.as_str().to_string(),
            d.device.map(|i| i.to_string()),
            d.bytes.to_vec(),
        ))
    })
    .unwrap();
    out
}

fn bn407_probe(b: &[u8]) -> ProbeResult {
    (protocol::by_name("bn407").unwrap().probe)(b)
}

#[test]
fn bn407_probe_wants_imei_digits_then_a_comma() {
    let yes: &[&[u8]] = &[
        b"##,imei:359586015829802,A;",
        b"imei:359586015829802,tracker,",
        b"**,imei:359586015829802,B",
        b"359586015829802;",
        b"359586015829802imei:359586015829802,tracker",
    ];
    for b in yes {
        assert!(
            matches!(bn407_probe(b), ProbeResult::Match(v) if v.confidence >= 90),
            "{}",
            String::from_utf8_lossy(b)
        );
    }
    // A 14-digit IMEI in the right form is still BN-407, less surely (the decoder flags it).
    assert!(
        matches!(bn407_probe(b"imei:35958601582980,tracker,"), ProbeResult::Match(v) if v.confidence < 90)
    );
    let no: &[&[u8]] = &[
        b"imei:abc,tracker,",
        b"imei:359586015829802 tracker",
        b"imei: 359586015829802,",
        b"IMEI:359586015829802;",
        b"GPRMC,032430.000,A,3843.1234,N,imei:359586015829802,",
        b"xx imei:359586015829802,tracker,",
        b"GET /?imei:359586015829802,",
    ];
    for b in no {
        assert_eq!(
            bn407_probe(b),
            ProbeResult::No,
            "{}",
            String::from_utf8_lossy(b)
        );
    }
    for b in [&b"imei:3595"[..], b"##,im", b"imei:359586015829802"] {
        assert_eq!(
            bn407_probe(b),
            ProbeResult::NeedMore,
            "{}",
            String::from_utf8_lossy(b)
        );
    }
}

#[test]
fn garbage_before_the_first_message_is_kept_and_detection_resumes() {
    let stream = b"hello\x01\x02 garbage\r\n##,imei:359586015829802,A;imei:359586015829802,tracker,2411240324,,F,032430.000,A,3843.1234,N,00908.5678,W,0.00,0;";
    let got = frames(stream);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].0, "unknown");
    assert_eq!(got[0].3, b"hello\x01\x02 garbage\r\n");
    assert_eq!((got[1].0.as_str(), got[1].1.as_str()), ("bn407", "login"));
    assert_eq!((got[2].0.as_str(), got[2].1.as_str()), ("bn407", "report"));
    assert_eq!(got[2].2.as_deref(), Some("359586015829802"));
    // Nothing lost: the frames put back together are the stream.
    let all: Vec<u8> = got.iter().flat_map(|f| f.3.clone()).collect();
    assert_eq!(all, stream);
}

#[test]
fn imei_inside_another_sentence_is_not_bn407() {
    let stream = b"GPRMC,032430.000,A,3843.1234,N,00908.5678,W,0.00,0,241124,,,A*6F,imei:359586015829802,x;\n";
    let got = frames(stream);
    assert!(got.iter().all(|f| f.0 != "bn407"), "{got:?}");
    // It is what Xexun units send: that family claims it, with its IMEI.
    assert!(got.iter().all(|f| f.0 == "xexun"), "{got:?}");
}

#[test]
fn an_odd_frame_mid_stream_stays_a_frame_and_the_flow_goes_on() {
    // A BN-407 unit, then bytes of no protocol, then BN-407 again after a line end: the odd
    // frame stays as it came, the rest decodes.
    let stream = b"359586015829802;\x00\x01\x02\x03;\n##,imei:359586015829802,A;359586015829802;";
    let got = frames(stream);
    let kinds: Vec<&str> = got.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(
        kinds,
        ["heartbeat", "unknown", "login", "heartbeat"],
        "{got:?}"
    );
    let all: Vec<u8> = got.iter().flat_map(|f| f.3.clone()).collect();
    assert_eq!(
        all,
        stream
            .iter()
            .copied()
            .filter(|b| *b != b'\n')
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_cut_off_frame_names_no_device() {
    // The capture ends inside the second report: its two IMEI digits are not a device.
    let got = frames(b"imei:359586015829802,tracker,2411240324,,L,,,1a2b,,3c4d,,,;imei:35");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].2.as_deref(), Some("359586015829802"));
    let got = frames(b"imei:35");
    assert_eq!(got[0].2, None);
}
