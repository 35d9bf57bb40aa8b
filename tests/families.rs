//! The protocol families of the shared port, end to end: for each family a capture built here
//! (a TCP conversation to port 8888, or UDP where the family uses it; the server's side made
//! with the family's own reply hook) run through the real binary. The flow must be named after
//! the family with a reason, the device identifier extracted, and no frame taken for BN-407.
//! Then the impostors: bytes that merely contain `imei:` are not claimed by any family.
//!
//! Every message here is written from the families' public documentation (see each protocol
//! folder's notes): ids, positions and checksums are made up for these tests.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod cli_support;
mod net_support;

use cli_support::{bn407_command, stdout_of};

use bn407::protocol::{self, Builder, Direction, ProbeResult, ReplyOptions};
use net_support::*;

/// A family's conversation: what the device sends, each message one TCP segment (or datagram).
struct Case {
    family: &'static str,
    udp: bool,
    device: Vec<Vec<u8>>,
    /// The identifier the decoder must find.
    id: Option<&'static str>,
    /// True when a frame must carry a position.
    fix: bool,
}

fn with_sum(body: &str) -> Vec<u8> {
    let x = body.bytes().fold(0u8, |a, c| a ^ c);
    format!("${body}*{x:02X}\r\n").into_bytes()
}

fn meitrack(rest: &str) -> Vec<u8> {
    let mut v = format!("$$Q{},{rest}*", rest.len() + 6).into_bytes();
    let sum = v.iter().fold(0u8, |a, &c| a.wrapping_add(c));
    v.extend(format!("{sum:02X}\r\n").into_bytes());
    v
}

fn cases() -> Vec<Case> {
    // Teltonika codec 8, one record (2024-03-15T10:12:41Z, 54.6872 N 25.2794 E, 45 km/h),
    // CRC-16/IBM 508c; the IMEI login before it.
    let avl = hex(
        "00000000 00000026 08 01 0000018e419979a8 01 0f115490 20989ac0 006e 005a 09 002d
         00 02 01 ef01 01 423a98 00 00 01 0000508c",
    );
    let mut udp = hex("003b 0102 01 07 000f");
    udp.extend_from_slice(b"352093081429150");
    udp.extend_from_slice(&avl[8..avl.len() - 4]);
    vec![
        Case {
            family: "tk103",
            udp: false,
            device: vec![
                b"(027044702512BP05352093081429150240315A2234.0297N11405.9101E000.1101241323.8700000000L0000ABCD)".to_vec(),
                b"(027044702512BR00240315A2234.0297N11405.9101E031.5101311323.8700000000L0000ABCD)".to_vec(),
            ],
            id: Some("027044702512"),
            fix: true,
        },
        Case {
            family: "h02",
            udp: false,
            device: vec![
                b"*HQ,4210209006,V1,101241,A,2234.0297,N,11405.9101,E,012.00,090,150324,FFFFFBFF#".to_vec(),
                b"*HQ,4210209006,HTBT#".to_vec(),
            ],
            id: Some("4210209006"),
            fix: true,
        },
        Case {
            family: "teltonika",
            udp: false,
            device: vec![b"\x00\x0f352093081429150".to_vec(), avl.clone(), avl],
            id: Some("352093081429150"),
            fix: true,
        },
        Case {
            family: "teltonika",
            udp: true,
            device: vec![udp],
            id: Some("352093081429150"),
            fix: true,
        },
        Case {
            family: "meitrack",
            udp: false,
            device: vec![meitrack(
                "352093081429150,AAA,35,22.567162,114.098502,240315101241,A,9,23,31,90,0.9,110,1234,5678,460|0|27A3|0E2F,0000,0000|0000|0000|018D|04CB",
            )],
            id: Some("352093081429150"),
            fix: true,
        },
        Case {
            family: "queclink",
            udp: false,
            device: vec![
                b"+RESP:GTFRI,270B01,352093081429150,gv300,,10,1,1,2,31.5,90,110.2,114.098502,22.567162,20240315101241,0460,0000,27A3,0E2F,00,1234.5,,,,100,210100,,,,20240315101243,0001$".to_vec(),
                b"+ACK:GTHBD,270B01,352093081429150,gv300,20240315101400,0002$".to_vec(),
            ],
            id: Some("352093081429150"),
            fix: true,
        },
        Case {
            family: "osmand",
            udp: false,
            device: vec![
                b"GET /?id=352093081429150&lat=22.567162&lon=114.098502&timestamp=1710497561&speed=17.0 HTTP/1.1\r\nHost: gps.example:8888\r\n\r\n".to_vec(),
            ],
            id: Some("352093081429150"),
            fix: true,
        },
        Case {
            family: "xexun",
            udp: false,
            device: vec![
                // Serial, phone, RMC without '$' (checksum 6B for these bytes), signal, event,
                // the IMEI after 'imei:', then satellites, altitude, battery, cell.
                b"150324101241,+34600000000,GPRMC,101241.000,A,2234.0297,N,11405.9101,E,0.00,0.00,150324,,,A*6B,F,, imei:359586015829802,05,110.0,F:4.12V,0,140,1234,460,00,27A3,0E2F\r\n".to_vec(),
            ],
            id: Some("359586015829802"),
            fix: true,
        },
        Case {
            family: "watch",
            udp: false,
            device: vec![
                // Link: steps, tumbles, battery; then a position (decimal degrees, km/h).
                b"[3G*8800000015*000C*LK,1000,0,67]".to_vec(),
                b"[3G*8800000015*0048*UD,150324,101241,A,22.567162,N,114.098502,E,12.5,90.0,110.0,9,80,67,1000]".to_vec(),
            ],
            id: Some("8800000015"),
            fix: true,
        },
        Case {
            family: "suntech",
            udp: false,
            device: vec![
                // Model form: id, model, firmware, date, time, cell, lat, lon, km/h, course,
                // satellites, fix, odometer, power, inputs, mode, message number.
                b"ST300STT;205589913;05;527;20240315;10:12:41;be139;22.567162;114.098502;031.500;090.00;9;1;427;12.57;100000;1;0172\r".to_vec(),
                b"ST300ALV;205589913\r".to_vec(),
            ],
            id: Some("205589913"),
            fix: true,
        },
        Case {
            family: "nmea",
            udp: false,
            device: vec![
                with_sum("GPRMC,101241.00,A,2234.0297,N,11405.9101,E,017.0,090.0,150324,,,A"),
                with_sum("GPGGA,101242.00,2234.0297,N,11405.9101,E,1,09,0.9,110.0,M,,M,,"),
            ],
            id: None,
            fix: true,
        },
    ]
}

/// What the family's platform answers to `msg` (its reply hook), if anything.
fn answer(family: &str, msg: &[u8]) -> Option<Vec<u8>> {
    let p = protocol::by_name(family).unwrap();
    let reply = p.hooks.reply?;
    let m = (p.decode)(msg, Direction::ToServer, &mut Builder::new(None));
    reply(&m, msg, &ReplyOptions::default())
}

/// A capture of the case's conversation to port 8888: TCP with handshake and close, or one
/// datagram per message; the platform's answers go the other way.
fn capture(c: &Case) -> Vec<u8> {
    let dev = addr("10.20.30.40:40001");
    let srv = addr("192.0.2.1:8888");
    let mut ips = Vec::new();
    if c.udp {
        for m in &c.device {
            ips.push(udp(dev, srv, m));
            if let Some(a) = answer(c.family, m) {
                ips.push(udp(srv, dev, &a));
            }
        }
        return eth_pcap(&ips);
    }
    let (mut ds, mut ss) = (1000u32, 5000u32);
    ips.push(tcp(dev, srv, ds, SYN, b""));
    ips.push(tcp(srv, dev, ss, syn_ack(ds + 1), b""));
    ds += 1;
    ss += 1;
    ips.push(tcp(dev, srv, ds, ack(ss), b""));
    for m in &c.device {
        ips.push(tcp(dev, srv, ds, ack(ss), m));
        ds += m.len() as u32;
        if let Some(a) = answer(c.family, m) {
            ips.push(tcp(srv, dev, ss, ack(ds), &a));
            ss += a.len() as u32;
        }
    }
    ips.push(tcp(dev, srv, ds, fin_ack(ss), b""));
    ips.push(tcp(srv, dev, ss, fin_ack(ds + 1), b""));
    eth_pcap(&ips)
}

fn run(args: &[&str], file: &std::path::Path) -> Vec<u8> {
    stdout_of(bn407_command().args(args).arg(file))
}

fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("bn407-family-{name}-{}.pcap", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_family_is_named_framed_and_identified_through_the_binary() {
    for (i, c) in cases().iter().enumerate() {
        let path = write(&format!("{}-{i}", c.family), &capture(c));
        let stats: serde_json::Value =
            serde_json::from_slice(&run(&["stats", "--format", "json"], &path)).unwrap();
        let flows = stats["flow_list"].as_array().unwrap();
        assert_eq!(flows.len(), 1, "{}: {stats}", c.family);
        let flow = &flows[0];
        assert_eq!(flow["protocol"], c.family, "{}: {flow}", c.family);
        let reason = flow["reason"].as_str().unwrap_or("");
        assert!(!reason.is_empty(), "{}: no reason", c.family);
        assert_eq!(stats["errors"], 0, "{}: {stats}", c.family);
        let text = String::from_utf8(run(&["decode", "--format", "jsonl"], &path)).unwrap();
        let frames: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let sent: usize = c.device.len();
        let answers = c
            .device
            .iter()
            .filter(|m| answer(c.family, m).is_some())
            .count();
        assert_eq!(frames.len(), sent + answers, "{}: {text}", c.family);
        for f in &frames {
            assert_ne!(f["protocol"], "bn407", "{}: {f}", c.family);
            assert_eq!(f["protocol"], c.family, "{}: {f}", c.family);
        }
        let to_device = frames
            .iter()
            .filter(|f| f["direction"] == "to_device")
            .count();
        assert_eq!(
            to_device, answers,
            "{}: answers decoded as the server side",
            c.family
        );
        if let Some(id) = c.id {
            assert!(
                frames.iter().any(|f| f["imei"] == id),
                "{}: {text}",
                c.family
            );
        }
        if c.fix {
            assert!(
                frames
                    .iter()
                    .any(|f| f["fix"]["lat"].as_f64().is_some_and(|v| v.abs() > 1.0)),
                "{}: no position in {text}",
                c.family
            );
        }
        std::fs::remove_file(&path).ok();
    }
}

/// Bytes that merely contain `imei:` somewhere (the Xexun line that does so is a family of its
/// own, tested above).
const IMPOSTORS: [&[u8]; 4] = [
    // A Xexun line cut before its RMC sentence: only the tail, with the IMEI.
    b",+48606717068,,L,, imei:012207005047292,,,F:4.28V,1,52,11565,247,01,000E,1FC5\r\n",
    // An HTTP request that carries an IMEI in its query.
    b"GET /track?imei:359586015829802,tracker HTTP/1.1\r\nHost: x\r\n\r\n",
    // Anything else with the marker inside.
    b"xx imei:123,tracker,1503241012,,F,101241.000,A,2234.0297,N,11405.9101,E,0.00,;",
    b"$GPRMC imei:359586015829802,tracker;",
];

#[test]
fn no_family_claims_an_impostor() {
    for b in IMPOSTORS {
        for p in protocol::REGISTRY.iter().filter(|p| !p.is_home()) {
            for n in [b.len().min(64), b.len()] {
                if let ProbeResult::Match(v) = (p.probe)(&b[..n]) {
                    panic!(
                        "{} claims {:?}: {}",
                        p.name,
                        String::from_utf8_lossy(b),
                        v.reason
                    );
                }
            }
        }
    }
}

/// The home protocol is not fooled either: neither its probe at the start of a flow nor the
/// re-detection scan inside a frame of no protocol takes a message that merely contains
/// `imei:`.
#[test]
fn the_home_protocol_takes_no_impostor_end_to_end() {
    let mut taken = Vec::new();
    for (i, b) in IMPOSTORS.iter().enumerate() {
        let dev = addr("10.20.30.41:40002");
        let srv = addr("192.0.2.1:8888");
        let pcap = eth_pcap(&[
            tcp(dev, srv, 1000, SYN, b""),
            tcp(dev, srv, 1001, ack(1), b),
        ]);
        let path = write(&format!("impostor-{i}"), &pcap);
        let text = String::from_utf8(run(&["decode", "--format", "jsonl"], &path)).unwrap();
        std::fs::remove_file(&path).ok();
        if text.contains("\"protocol\":\"bn407\"") {
            taken.push(String::from_utf8_lossy(b).into_owned());
        }
    }
    assert!(taken.is_empty(), "taken for BN-407: {taken:#?}");
}

mod random {
    //! Any bytes, cut anywhere, through every family's framer and decoder: no panic, and every
    //! byte fed ends up in exactly one frame or is counted as whitespace.
    use super::*;
    use bn407::protocol::{Framer, RawFrame, decode_frame};
    use proptest::prelude::*;

    /// Bytes that look like the families' starts, mixed with noise.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::sample::select(vec![
                b"(027044702512BR00".to_vec(),
                b"*HQ,4210209006,V1,".to_vec(),
                b"\x24\x41\x06\x01\x27\x36\x09\x22\x33\x15\x03\x24".to_vec(),
                b"\x00\x0f352093081429150".to_vec(),
                b"\x00\x00\x00\x00\x00\x00\x00\x26\x08\x01".to_vec(),
                b"$$Q160,352093081429150,AAA,".to_vec(),
                b"+RESP:GTFRI,".to_vec(),
                b"GET /?id=1&lat=1.5 HTTP/1.1\r\nContent-Length: 9\r\n\r\n".to_vec(),
                b"$GPRMC,".to_vec(),
                b"[3G*8800000015*0048*UD,".to_vec(),
                b"ST300STT;".to_vec(),
                b"1503241012,+34,GPRMC,".to_vec(),
                b"#\r\n)]$;".to_vec(),
            ]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_byte_in_one_frame(pieces in proptest::collection::vec(piece(), 0..24)) {
            let stream: Vec<u8> = pieces.concat();
            for p in protocol::REGISTRY.iter().filter(|p| !p.is_home()) {
                for dir in [Direction::ToServer, Direction::ToDevice] {
                    let mut f: Box<dyn Framer> = (p.framer)(dir);
                    let mut total = 0u64;
                    let mut next = 0u64;
                    let mut sink = |r: RawFrame<'_>| {
                        // In order and never overlapping (whitespace between frames is skipped).
                        assert!(r.offset >= next, "{}: frames overlap", p.name);
                        assert!(!r.bytes.is_empty(), "{}: empty frame", p.name);
                        next = r.offset + r.bytes.len() as u64;
                        total += r.bytes.len() as u64;
                        let _ = decode_frame(p, &r, dir, None);
                        let _ = (p.probe)(r.bytes);
                    };
                    for piece in &pieces {
                        f.push(piece, &mut sink);
                    }
                    f.finish(&mut sink);
                    prop_assert_eq!(total + f.skipped(), stream.len() as u64, "{}", p.name);
                }
            }
        }
    }
}
