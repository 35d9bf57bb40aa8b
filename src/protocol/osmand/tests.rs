//! OsmAnd: probe, framing of requests (with and without bodies) under any cutting, the id and
//! the position, the JSON body, and the 200 answer.
//!
//! Requests written here from the parameters in the module notes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{Direction, Kind, ReplyOptions};

const GET: &[u8] = b"GET /?id=864251020001234&lat=-33.427136&lon=-70.619301&timestamp=1710497561&speed=24.3&bearing=90&altitude=110&batt=87 HTTP/1.1\r\nHost: tracker.example:8888\r\nUser-Agent: OsmAnd\r\n\r\n";
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn post_form() -> Vec<u8> {
    let body =
        "deviceid=356307042441013&lat=54.6872&lon=25.2794&timestamp=2024-03-15T10%3A12%3A41Z";
    format!("POST /?id=356307042441013 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn post_json() -> Vec<u8> {
    let body = r#"{"location":{"timestamp":"2024-03-15T10:12:41.000Z","coords":{"latitude":54.6872,"longitude":25.2794,"speed":12.5,"heading":90,"altitude":110}},"device_id":"48241179"}"#;
    format!(
        "POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[
            (GET, 92),
            (b"GET /?lat=1&lon=2&id=5 HTTP/1.1", 85),
            (&post_json(), 60),
        ],
        &[(GET, 12)],
        &[
            &b"GET /index.html HTTP/1.1"[..],
            b"GET /?imei:359586015829802,tracker HTTP/1.1",
            b"imei:359586015829802,tracker",
            b"POST /api/positions HTTP/1.1",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, OK), Direction::ToDevice);
}

#[test]
fn query_form_and_json() {
    let (m, t) = decode_clean(&PROTOCOL, GET, Direction::ToServer);
    let f = assert_report_fix(
        &m,
        "864251020001234",
        (-33.427136, -70.619301),
        1_710_497_561_000,
    );
    assert!((f64::from(f.speed_kmh.unwrap()) - 24.3 * 1.852).abs() < 1e-3);
    assert_eq!(t.find("imei").map(|n| n.span.pair()), Some([9, 24]));
    let r = (PROTOCOL.hooks.reply.unwrap())(&m, GET, &ReplyOptions::default());
    assert_eq!(r.as_deref(), Some(OK));
    let (m, _) = decode_clean(&PROTOCOL, &post_form(), Direction::ToServer);
    assert_eq!(m.fix.unwrap().time, Some(1_710_497_561_000));
    let (m, _) = decode_clean(&PROTOCOL, &post_json(), Direction::ToServer);
    assert_eq!(m.imei.unwrap().as_str(), "48241179");
    let f = m.fix.unwrap();
    assert!((f.lat - 54.6872).abs() < 1e-9);
    assert!((f64::from(f.speed_kmh.unwrap()) - 45.0).abs() < 1e-3); // 12.5 m/s
    let (m, _) = decode(&PROTOCOL, OK, Direction::ToDevice);
    assert_eq!(m.kind, Kind::Ack);
}

#[test]
fn frames_follow_content_length() {
    let s = stream(&[GET, &post_form(), &post_json()]);
    assert_frames(
        &PROTOCOL,
        Direction::ToServer,
        &s,
        &[GET, &post_form(), &post_json()],
    );
    let s = stream(&[OK, OK]);
    assert_frames(&PROTOCOL, Direction::ToDevice, &s, &[OK, OK]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(&PROTOCOL, &[GET, &post_json(), &post_form()], 700, Some(3));
}
