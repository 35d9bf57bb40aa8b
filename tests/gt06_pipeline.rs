//! The whole path for GT06: a pcap of a TCP connection to port 8888 carrying GT06 frames both
//! ways, decoded by the real binary (`decode --format jsonl`): the protocol is detected, the
//! login's IMEI is attributed to every frame, positions come out, both directions are decoded.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod cli_support;
mod gt06_support;
mod net_support;

use cli_support::{bn407_command, json_lines};

use bn407::protocol::gt06::crc::build;
use gt06_support::{LOGIN, unhex};
use net_support::{DEV, SRV, SYN, ack, addr, eth_pcap, syn_ack, tcp};

const GPS_NE: &str = "18 05 01 0A 14 1E C9 0269FB20 0C385B60 3C 147B 01CC 00 2866 000EEE";

#[test]
fn decode_a_gt06_tcp_conversation() {
    let login = unhex(LOGIN);
    let report = build(false, 0x12, &unhex(GPS_NE), 0x000a);
    let status = build(false, 0x13, &unhex("46 04 03 00 02"), 0x000b);
    let alarm = build(
        false,
        0x16,
        &unhex(
            "18 05 01 0A 14 1E C9 01499700 085099E0 00 390E 09 01CC 00 2866 000EEE 01 06 04 01 02",
        ),
        0x000c,
    );
    let acks: Vec<Vec<u8>> = [
        (0x01, 0x0009),
        (0x12, 0x000a),
        (0x13, 0x000b),
        (0x16, 0x000c),
    ]
    .into_iter()
    .map(|(t, s)| build(false, t, &[], s))
    .collect();
    let (d, s) = (addr(DEV), addr(SRV));
    let mut dev_seq = 101u32;
    let mut srv_seq = 1u32;
    let mut packets = vec![
        tcp(d, s, 100, SYN, b""),
        tcp(s, d, 0, syn_ack(101), b""),
        tcp(d, s, 101, ack(1), b""),
    ];
    let mut dev = |p: &[u8], packets: &mut Vec<Vec<u8>>| {
        packets.push(tcp(d, s, dev_seq, ack(1), p));
        dev_seq += p.len() as u32;
    };
    // The login split across two segments.
    dev(&login[..7], &mut packets);
    dev(&login[7..], &mut packets);
    let mut srv = |p: &[u8], packets: &mut Vec<Vec<u8>>| {
        packets.push(tcp(s, d, srv_seq, ack(101), p));
        srv_seq += p.len() as u32;
    };
    srv(&acks[0], &mut packets);
    dev(&report, &mut packets);
    srv(&acks[1], &mut packets);
    // Two frames in one segment.
    let mut both = status.clone();
    both.extend_from_slice(&alarm);
    dev(&both, &mut packets);
    let mut answers = acks[2].clone();
    answers.extend_from_slice(&acks[3]);
    srv(&answers, &mut packets);

    let path = std::env::temp_dir().join(format!("bn407-gt06-{}.pcap", std::process::id()));
    std::fs::write(&path, eth_pcap(&packets)).unwrap();
    let out = bn407_command()
        .args(["decode", "--format", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out.stdout);
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "login",
            "login_ack",
            "report",
            "ack",
            "heartbeat",
            "report",
            "heartbeat_ack",
            "ack"
        ]
    );
    for l in &lines {
        assert_eq!(l["protocol"], "gt06", "{l}");
        assert_eq!(l["imei"], "864717003283581", "{l}");
        assert_eq!(l["severity"], serde_json::Value::Null, "{l}");
        assert_eq!(l["transport"], "tcp");
    }
    let dirs: Vec<&str> = lines
        .iter()
        .map(|l| l["direction"].as_str().unwrap())
        .collect();
    assert_eq!(dirs[0], "to_server");
    assert_eq!(dirs[1], "to_device");
    let fix = &lines[2]["fix"];
    assert!((fix["lat"].as_f64().unwrap() - 22.5).abs() < 1e-9);
    assert!((fix["lon"].as_f64().unwrap() - 113.9).abs() < 1e-9);
    assert_eq!(fix["time"], "2024-05-01T10:20:30Z");
    assert_eq!(fix["speed_kmh"], 60.0);
    let alarm = &lines[5];
    assert_eq!(alarm["alarm"], true);
    assert_eq!(alarm["keyword"], "sos");
    assert!((alarm["fix"]["lat"].as_f64().unwrap() + 12.0).abs() < 1e-9);
    assert!((alarm["fix"]["lon"].as_f64().unwrap() + 77.5).abs() < 1e-9);
    // The field tree travels with each frame.
    let names: Vec<&str> = lines[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"gt06.serial") && names.contains(&"gt06.crc"),
        "{names:?}"
    );
}
