//! Findings: for each, a capture that triggers it and one that must not; one-directional and
//! cut-off captures never yield claims about what the capture cannot show.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod conv_support;

use bn407::protocol::Severity;
use conv_support::net_support::hex;
use conv_support::{
    Capture, From, Tcp, cell_report, codes, find, find_saying, findings_of, heartbeat, imei, login,
    report,
};

const SRV: &str = "203.0.113.1:8888";
const LISBON: (f64, f64) = (38.7167, -9.1333);

/// A healthy unit: login answered, heartbeats answered, reports every 30 s with valid fixes
/// taken when they were sent, clock on UTC+1 at Lisbon... (the zone fits longitude -9: 0 or +1).
fn healthy(c: &mut Capture, id: &str, dev: &str, start: f64, reports: i64) {
    let mut t = c.connect(start, dev, SRV);
    c.send(&mut t, start + 0.1, From::Device, &login(id));
    c.send(&mut t, start + 0.2, From::Server, b"LOAD");
    c.send(&mut t, start + 1.0, From::Device, &heartbeat(id));
    c.send(&mut t, start + 1.1, From::Server, b"ON");
    for i in 0..reports {
        let at = start as i64 + 30 * (i + 1);
        c.send(
            &mut t,
            at as f64,
            From::Device,
            &report(id, at, 1, true, LISBON.0, LISBON.1),
        );
    }
    c.close(&mut t, start + 30.0 * (reports as f64 + 1.0));
}

#[test]
fn a_healthy_device_yields_nothing_above_info_from_either_capture() {
    let mut c = Capture::new();
    healthy(&mut c, &imei(1), "198.51.100.7:40001", 0.0, 12);
    for one_sided in [false, true] {
        let f = findings_of(c.pcap(one_sided));
        assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
        assert!(f.iter().any(|x| x.code == "timing.reports"));
        assert_eq!(
            f.iter().any(|x| x.code == "capture.one_sided"),
            one_sided,
            "{f:#?}"
        );
    }
}

#[test]
fn logins_never_answered_only_when_the_capture_shows_the_server() {
    let id = imei(2);
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40002", SRV);
    for i in 0..4 {
        c.send(&mut t, 10.0 * f64::from(i), From::Device, &login(&id));
    }
    let f = findings_of(c.pcap(false));
    let e = find_saying(
        &f,
        "session.login_unanswered",
        &["4 times", "never reported"],
    );
    assert_eq!(e.severity, Severity::Error);
    assert!(
        e.message.contains("LOAD"),
        "the protocol's advice: {}",
        e.message
    );
    assert_eq!(e.evidence.len(), 4);
    // The same capture without the server's packets cannot tell.
    let f = findings_of(c.pcap(true));
    assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
    find(&f, "capture.one_sided");
}

#[test]
fn a_device_that_reports_is_never_said_to_repeat_its_login() {
    // Device side only (a mirror port): hundreds of reports, and no claim about the server.
    let id = imei(3);
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40003", SRV);
    c.send(&mut t, 0.1, From::Device, &login(&id));
    for i in 1..=200 {
        london(&mut c, &mut t, &id, i64::from(i) * 30);
    }
    let f = findings_of(c.pcap(true));
    assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
    assert!(f.iter().all(|x| !x.message.contains("never")), "{f:#?}");
}

#[test]
fn only_heartbeats_means_tracking_is_off() {
    let id = imei(4);
    let mut c = Capture::new();
    let mut t = logged_in(&mut c, "198.51.100.7:40004", &id);
    answered_heartbeats(&mut c, &mut t, &id, 4);
    let f = findings_of(c.pcap(false));
    let w = find(&f, "session.heartbeat_only");
    assert!(
        w.message.contains(&format!("**,imei:{id},C,30s")),
        "{}",
        w.message
    );
    assert!(codes(&f, Severity::Error).is_empty());
    // With a report, nothing of the kind.
    london(&mut c, &mut t, &id, 300);
    let f = findings_of(c.pcap(false));
    assert!(!codes(&f, Severity::Info).contains(&"session.heartbeat_only"));
}

/// `id` reports a valid fix in London taken `at` seconds after the capture's start, sent on
/// `t` at that moment.
fn london(c: &mut Capture, t: &mut Tcp, id: &str, at: i64) {
    c.send(
        t,
        at as f64,
        From::Device,
        &report(id, at, 0, true, 51.5, -0.1),
    );
}

/// A connection from `dev` at 0 s on which `id` logs in (0.1 s) and is answered (0.2 s).
fn logged_in(c: &mut Capture, dev: &str, id: &str) -> Tcp {
    let mut t = c.connect(0.0, dev, SRV);
    c.send(&mut t, 0.1, From::Device, &login(id));
    c.send(&mut t, 0.2, From::Server, b"LOAD");
    t
}

/// `n` heartbeats of `id` on `t`, one a minute from 60 s, each answered 0.1 s later.
fn answered_heartbeats(c: &mut Capture, t: &mut Tcp, id: &str, n: u32) {
    for i in 1..=n {
        c.send(t, f64::from(i) * 60.0, From::Device, &heartbeat(id));
        c.send(t, f64::from(i) * 60.0 + 0.1, From::Server, b"ON");
    }
}

fn reports_of(make: impl Fn(i64) -> Vec<u8>) -> Vec<bn407::model::SessionFinding> {
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40005", SRV);
    for i in 1..=6 {
        c.send(&mut t, (i * 30) as f64, From::Device, &make(i * 30));
    }
    findings_of(c.pcap(false))
}

#[test]
fn no_satellite_fix() {
    let id = imei(5);
    let f = reports_of(|t| cell_report(&id, t));
    find(&f, "fix.cell_only");
    let f = reports_of(|t| report(&id, t, 0, false, 51.5, -0.1));
    find(&f, "fix.never_valid");
    let f = reports_of(|t| report(&id, t, 0, true, 51.5, -0.1));
    assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
}

#[test]
fn clock_zone_late_and_ahead() {
    let id = imei(6);
    // Still on the factory GMT+8 in London.
    let f = reports_of(|t| report(&id, t, 8, true, 51.5, -0.1));
    let w = find_saying(&f, "device.timezone", &["+08:00", "factory"]);
    assert!(w.message.contains("time zone123456 0"), "{}", w.message);
    // Fixes taken three hours before they were captured: buffered.
    let f = reports_of(|t| report(&id, t - 3 * 3600, 0, true, 51.5, -0.1));
    let w = find(&f, "clock.late");
    assert!(w.message.contains("3 h"), "{}", w.message);
    assert_eq!(w.evidence.len(), 6);
    // Fix times in the future.
    let f = reports_of(|t| report(&id, t + 2 * 3600, 0, true, 51.5, -0.1));
    find(&f, "clock.ahead");
    // A zone that fits: info only.
    let f = reports_of(|t| report(&id, t, 0, true, 51.5, -0.1));
    assert_eq!(find(&f, "device.zone").severity, Severity::Info);
    assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
}

#[test]
fn gaps_over_twice_the_report_interval() {
    let id = imei(7);
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40007", SRV);
    let times: Vec<i64> = (1..=10)
        .map(|i| i * 30)
        .chain((1..=5).map(|i| 900 + i * 30))
        .collect();
    for at in &times {
        london(&mut c, &mut t, &id, *at);
    }
    let f = findings_of(c.pcap(false));
    find_saying(&f, "timing.gaps", &["1 gap", "30 s"]);
    assert!(find(&f, "timing.reports").message.contains("30 s"));
}

#[test]
fn identity_findings() {
    // A wrong check digit.
    let f = reports_of(|t| report("359586015829803", t, 0, true, 51.5, -0.1));
    find(&f, "imei.check_digit");
    // Two IMEIs on one connection.
    let (a, b) = (imei(8), imei(9));
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40008", SRV);
    london(&mut c, &mut t, &a, 30);
    london(&mut c, &mut t, &b, 60);
    let f = findings_of(c.pcap(false));
    find_saying(&f, "imei.changed", &[a.as_str(), b.as_str()]);
    // One IMEI on two connections at once.
    let mut c = Capture::new();
    let mut t1 = c.connect(0.0, "198.51.100.7:40009", SRV);
    let mut t2 = c.connect(10.0, "198.51.100.8:40010", SRV);
    for i in 1..=4 {
        let at = i64::from(i) * 30;
        london(&mut c, &mut t1, &a, at);
        london(&mut c, &mut t2, &a, at + 1);
    }
    let f = findings_of(c.pcap(false));
    find(&f, "imei.concurrent");
    // Resent reports (the same bytes three times).
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40011", SRV);
    let r = report(&a, 30, 0, true, 51.5, -0.1);
    for i in 0..4 {
        c.send(&mut t, 30.0 + f64::from(i), From::Device, &r);
    }
    let f = findings_of(c.pcap(false));
    assert_eq!(find(&f, "frames.resent").evidence.len(), 3);
}

/// `n` connections of one unit from 198.51.100.7, one after another: the `k`th opens at
/// `k * every` seconds from source port `port + k`, carries what `talk` sends (given its start)
/// and closes `open_for` seconds after it opened.
fn one_after_another(
    c: &mut Capture,
    n: u16,
    every: f64,
    port: u16,
    open_for: f64,
    mut talk: impl FnMut(&mut Capture, &mut Tcp, f64),
) {
    for k in 0..n {
        let s = f64::from(k) * every;
        let mut t = c.connect(s, &format!("198.51.100.7:{}", port + k), SRV);
        talk(c, &mut t, s);
        c.close(&mut t, s + open_for);
    }
}

#[test]
fn reconnect_churn_and_mass_disconnects() {
    // One unit reconnecting every 40 s for 10 minutes.
    let id = imei(10);
    let mut c = Capture::new();
    one_after_another(&mut c, 15, 40.0, 41000, 10.0, |c, t, s| {
        c.send(t, s + 1.0, From::Device, &login(&id));
        c.send(t, s + 1.1, From::Server, b"LOAD");
    });
    let f = findings_of(c.pcap(false));
    assert!(find(&f, "connection.churn").message.contains("15 times"));
    // Eight units dropped within a minute, after an hour online.
    let f = fleet(1.0, 120);
    let w = find(&f, "fleet.mass_disconnect");
    assert!(w.message.starts_with("8 of 8 devices"), "{}", w.message);
    assert!(!codes(&f, Severity::Info).contains(&"connection.churn"));
    // The same units leaving hours apart: no such finding.
    let f = fleet(4000.0, 10);
    assert!(
        !codes(&f, Severity::Info).contains(&"fleet.mass_disconnect"),
        "{f:#?}"
    );
}

/// The findings of eight healthy units starting `spacing` seconds apart, each sending
/// `reports` reports and leaving.
fn fleet(spacing: f64, reports: i64) -> Vec<bn407::model::SessionFinding> {
    let mut c = Capture::new();
    for d in 0..8u32 {
        let dev = format!("198.51.100.{}:40000", 10 + d);
        healthy(&mut c, &imei(20 + d), &dev, f64::from(d) * spacing, reports);
    }
    findings_of(c.pcap(false))
}

#[test]
fn commands_without_a_response() {
    let id = imei(11);
    let mut c = Capture::new();
    let mut t = logged_in(&mut c, "198.51.100.7:40012", &id);
    let command = format!("**,imei:{id},C,30s;");
    c.send(&mut t, 1.0, From::Server, command.as_bytes());
    answered_heartbeats(&mut c, &mut t, &id, 10);
    let f = findings_of(c.pcap(false));
    let w = find(&f, "command.no_response");
    assert!(w.message.contains("'C'"), "{}", w.message);
    // The unit answering with reports: nothing.
    london(&mut c, &mut t, &id, 700);
    let mut c2 = Capture::new();
    let mut t2 = c2.connect(0.0, "198.51.100.7:40013", SRV);
    let command = format!("**,imei:{id},B;");
    c2.send(&mut t2, 1.0, From::Server, command.as_bytes());
    london(&mut c2, &mut t2, &id, 20);
    c2.send(&mut t2, 400.0, From::Device, &heartbeat(&id));
    let f = findings_of(c2.pcap(false));
    assert!(
        !codes(&f, Severity::Info).contains(&"command.no_response"),
        "{f:#?}"
    );
}

#[test]
fn unknown_bytes_and_a_cut_off_end() {
    let mut c = Capture::new();
    let mut t = c.connect(0.0, "198.51.100.7:40014", SRV);
    let junk = b"\x01\x02\x03hello there, not a tracker\x00";
    c.send(&mut t, 1.0, From::Device, junk);
    let mut u = c.connect(5.0, "198.51.100.9:40015", SRV);
    let id = imei(12);
    london(&mut c, &mut u, &id, 6);
    // The capture stops inside the next report: its IMEI is cut to two digits.
    c.send(&mut u, 36.0, From::Device, b"imei:35");
    let f = findings_of(c.pcap(false));
    find(&f, "flow.unknown_protocol");
    assert!(f.iter().all(|x| x.imei.as_deref() != Some("35")), "{f:#?}");
}

#[test]
fn heartbeats_the_server_never_answers() {
    let id = imei(13);
    let mut c = Capture::new();
    let mut t = logged_in(&mut c, "198.51.100.7:40016", &id);
    for i in 1..=3 {
        c.send(&mut t, f64::from(i) * 60.0, From::Device, &heartbeat(&id));
    }
    let f = findings_of(c.pcap(false));
    find(&f, "session.heartbeat_unanswered");
    // Answered: none; and the device side alone cannot tell.
    for i in 1..=3 {
        c.send(&mut t, f64::from(i) * 60.0 + 0.1, From::Server, b"ON");
    }
    let f = findings_of(c.pcap(false));
    assert!(!codes(&f, Severity::Info).contains(&"session.heartbeat_unanswered"));
    let f = findings_of(c.pcap(true));
    assert!(!codes(&f, Severity::Info).contains(&"session.heartbeat_unanswered"));
}

/// The findings of a GT06 unit on `dev` logging in (the notes' login, serial 0x0009) and the
/// server answering `ack` (hex).
fn gt06_login(dev: &str, ack: &str) -> Vec<bn407::model::SessionFinding> {
    let mut c = Capture::new();
    let mut t = c.connect(0.0, dev, SRV);
    let login = hex("78780d01086471700328358100093f040d0a");
    c.send(&mut t, 0.1, From::Device, &login);
    c.send(&mut t, 0.2, From::Server, &hex(ack));
    findings_of(c.pcap(false))
}

#[test]
fn a_healthy_gt06_unit_is_named_but_not_blamed() {
    // The acknowledgement with the same serial.
    let f = gt06_login("198.51.100.7:40017", "78780501000955940d0a");
    let other = find_saying(&f, "flow.other_protocol", &["GT06", "not the BN-407"]);
    assert_eq!(other.severity, Severity::Info);
    assert!(codes(&f, Severity::Warning).is_empty(), "{f:#?}");
    // The wrong serial in the acknowledgement: the unit logs in forever. Serial 0x000a
    // instead of 0x0009, with a checksum that does not match either: every answer carries an
    // error.
    let f = gt06_login("198.51.100.7:40018", "78780501000a67d20d0a");
    let e = find(&f, "session.login_unanswered");
    assert!(e.message.contains("error"), "{}", e.message);
}

#[test]
fn distinct_reports_and_sequential_connections_are_not_findings() {
    let id = imei(14);
    let mut c = Capture::new();
    one_after_another(&mut c, 3, 1000.0, 42000, 200.0, |c, t, s| {
        for i in 1..=4 {
            let at = s as i64 + i64::from(i) * 30;
            c.send(
                t,
                at as f64,
                From::Device,
                &report(&id, at, 0, true, 51.5, -0.1 + f64::from(i) * 0.001),
            );
        }
    });
    let f = findings_of(c.pcap(false));
    for code in [
        "frames.resent",
        "imei.concurrent",
        "connection.churn",
        "imei.changed",
    ] {
        assert!(!codes(&f, Severity::Info).contains(&code), "{code}: {f:#?}");
    }
}
