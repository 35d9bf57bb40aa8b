//! Server logs as the most widely deployed open-source tracking server writes them by default:
//! data as text (line ends escaped) or bare hex, connection lifetimes, the protocol it took each
//! connection for, and UDP datagrams of many devices on one channel.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::Arc;

use bn407::model::Stats;
use bn407::net::EndReason;
use bn407::pipeline::{self, Input, RunOptions};

const LOG: &str = r"2024-05-01 10:00:00  INFO: [T1a2b3c4d] connected
2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] ##,imei:359586015829802,A;
2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 > 203.0.113.5] LOAD
2024-05-01 10:00:01  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] imei:359586015829802,tracker,2405011000,,F,100001.000,A,5130.0000,N,00006.0000,W,0.00,0;\r\n
2024-05-01 10:00:01  INFO: [T1a2b3c4d] id: 359586015829802, time: 2024-05-01 10:00:01, lat: 51.50000, lon: -0.10000
2024-05-01 10:00:05  INFO: [T1a2b3c4d] disconnected
2024-05-01 10:00:06  WARN: logging throttled
2024-05-01 10:01:00  INFO: [T9c8d7e6f] connected
2024-05-01 10:01:00  INFO: [T9c8d7e6f: gps103 < 198.51.100.9] 78780d01086471700328358100093f040d0a
2024-05-01 10:01:05  INFO: [T9c8d7e6f] disconnected
2024-05-01 10:02:00  INFO: [U5e6f7a8b: gps103 < 198.51.100.7] 359586015829802;
2024-05-01 10:02:00  INFO: [U5e6f7a8b: gps103 > 198.51.100.7] ON
2024-05-01 10:02:01  INFO: [U5e6f7a8b: gps103 < 198.51.100.8] 868683027793045;
";

/// `(flow, protocol, kind, bytes)` of a frame.
type Frame = (u32, String, String, Vec<u8>);

fn run(log: &str) -> (Stats, Vec<Frame>) {
    let mut stats = Stats::default();
    let mut frames = Vec::new();
    let input = Input::Bytes {
        name: "tracker-server.log".into(),
        data: Arc::new(log.as_bytes().to_vec()),
    };
    let out = pipeline::run_all(&[input], &mut RunOptions::default(), &mut |d| {
        stats.add(&d);
        frames.push((
            d.flow.id,
            d.protocol.name.to_string(),
            d.message.kind.as_str().to_string(),
            d.bytes.to_vec(),
        ));
    });
    assert_eq!(out.error, None);
    stats.finish(out.flows);
    (stats, frames)
}

#[test]
fn text_and_hex_lines_lifetimes_and_hints() {
    let (st, frames) = run(LOG);
    assert_eq!(st.flows.len(), 4, "{:#?}", st.flows);
    let f0 = &st.flows[0];
    assert_eq!(f0.protocol, "bn407");
    assert_eq!(f0.end, EndReason::Disconnected);
    assert_eq!(f0.meta.hint.unwrap().as_str(), "gps103");
    // The report's escaped line end is put back: a real CRLF follows its `;` in the stream
    // (two bytes of whitespace between frames), not the four characters `\r\n`.
    let report = frames.iter().find(|f| f.2 == "report").unwrap();
    assert!(
        report.3.ends_with(b",0;"),
        "{:?}",
        String::from_utf8_lossy(&report.3)
    );
    assert_eq!(f0.skipped, 2);
    assert!(frames.iter().any(|f| f.0 == 0 && f.2 == "login_ack"));
    // The bare hex line is GT06, which the server took for gps103.
    let f1 = &st.flows[1];
    assert_eq!(f1.protocol, "gt06");
    let mismatch = st
        .diagnosis
        .iter()
        .find(|f| f.code == "flow.protocol_mismatch")
        .unwrap_or_else(|| panic!("{:#?}", st.diagnosis));
    assert_eq!(mismatch.flow, Some(1));
    assert!(
        mismatch.message.contains("gps103") && mismatch.message.contains("GT06"),
        "{}",
        mismatch.message
    );
    // The log shows what the server sent, so the unanswered GT06 login is a real finding.
    assert!(
        st.diagnosis
            .iter()
            .any(|f| f.code == "session.login_unanswered"
                && f.imei.as_deref() == Some("864717003283581"))
    );
    // UDP datagrams of two devices on one channel are two flows.
    let udp: Vec<_> = st
        .flows
        .iter()
        .filter(|f| f.meta.transport == "udp")
        .collect();
    assert_eq!(udp.len(), 2);
    assert_eq!(st.devices.len(), 3);
}

#[test]
fn a_log_of_reads_only_makes_no_claim_about_answers() {
    let reads: String = LOG
        .lines()
        .filter(|l| !l.contains(" > "))
        .map(|l| format!("{l}\n"))
        .collect();
    let (st, _) = run(&reads);
    assert!(
        st.diagnosis
            .iter()
            .all(|f| f.code != "session.login_unanswered"),
        "{:#?}",
        st.diagnosis
    );
    assert!(st.diagnosis.iter().any(|f| f.code == "capture.one_sided"));
}
