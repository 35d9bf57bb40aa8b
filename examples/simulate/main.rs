//! Simulated Coban BN-407 trackers and a platform server on loopback, to record sample captures.
//!
//! `cargo run --release --example simulate -- <scenario> [--port N] [--log FILE]`
//!
//! One process plays both sides. The listener takes TCP and UDP on 127.0.0.1:<port> (default
//! 8888) and TCP on [::1]:<port>, and answers like a platform server: `LOAD` to a login, `ON` to
//! a heartbeat, `**,imei:<IMEI>,E;` to an SOS, and `**,imei:<IMEI>,C,30s;` to a unit that has
//! sent four heartbeats and no report. `--log FILE` writes what it receives and sends as a
//! Traccar-style debug log (one line per read or write, in hex).
//!
//! Scenarios: `first-report`, `multi-device`, `heartbeat-only`, `bike-ride`, `no-answer` (the
//! listener never answers), and `serve` (the listener alone, until killed). Time is compressed:
//! real pauses are tens of milliseconds while the clocks inside frames advance as on the road
//! and end at the real time, in the unit's zone (Amsterdam or Lisbon, EU summer-time rules).
//! Loopback only: nothing here talks to any other address.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod server;
use server::Server;

const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// A bicycle loop in Amsterdam: Centraal, Damrak, Dam, Rokin, Muntplein, Vijzelstraat,
/// Weteringcircuit, the cycle passage under the Rijksmuseum (points 7-8), Museumplein, Vondelpark,
/// Leidseplein, Prinsengracht, Westerkerk, Brouwersgracht, back to Centraal.
#[rustfmt::skip]
const AMSTERDAM: &[(f64, f64)] = &[
    (52.3780, 4.8999), (52.3755, 4.8963), (52.3730, 4.8932), (52.3700, 4.8920), (52.3672, 4.8935),
    (52.3645, 4.8915), (52.3604, 4.8876), (52.3612, 4.8852), (52.3594, 4.8847), (52.3578, 4.8830),
    (52.3590, 4.8805), (52.3585, 4.8745), (52.3572, 4.8680), (52.3560, 4.8600), (52.3590, 4.8700),
    (52.3620, 4.8810), (52.3641, 4.8826), (52.3666, 4.8843), (52.3705, 4.8833), (52.3745, 4.8840),
    (52.3805, 4.8870), (52.3790, 4.8960), (52.3780, 4.8999),
];
/// The segment of [`AMSTERDAM`] under the Rijksmuseum, where the fix is lost.
const PASSAGE: usize = 7;
/// Lisbon: a van from Cais do Sodré along Avenida 24 de Julho to Belém.
#[rustfmt::skip]
const LISBON_VAN: &[(f64, f64)] = &[
    (38.7060, -9.1445), (38.7055, -9.1540), (38.7060, -9.1580), (38.7035, -9.1760),
    (38.6990, -9.1900), (38.6975, -9.2030),
];
/// Lisbon: a scooter from Praça do Comércio up Rua Augusta, Rossio, Avenida da Liberdade.
#[rustfmt::skip]
const LISBON_SCOOTER: &[(f64, f64)] = &[
    (38.7077, -9.1365), (38.7105, -9.1377), (38.7139, -9.1394), (38.7155, -9.1413),
    (38.7200, -9.1455), (38.7253, -9.1500),
];
/// Lisbon: a delivery car from Saldanha by Avenida da República and Campo Grande to the airport.
#[rustfmt::skip]
const LISBON_CAR: &[(f64, f64)] = &[
    (38.7345, -9.1450), (38.7420, -9.1460), (38.7560, -9.1480), (38.7640, -9.1390),
    (38.7700, -9.1290),
];

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn pause(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
}

/// Days since 1970-01-01 of a Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let (era, mp) = (y.div_euclid(400), (m + 9) % 12);
    let yoe = y - era * 400;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + (153 * mp + 2) / 5 + d - 1 - 719_468
}

/// `[year, month, day, hour, minute, second]` of a Unix time.
fn civil(secs: i64) -> [i64; 6] {
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let d = doy - (153 * mp + 2) / 5 + 1;
    [y, m, d, sod / 3600, sod / 60 % 60, sod % 60]
}

/// The UTC offset in seconds of a zone `base` hours east that keeps EU summer time
/// (last Sunday of March to last Sunday of October, 01:00 UTC).
fn eu_offset(utc: i64, base: i64) -> i64 {
    let year = civil(utc)[0];
    let last_sunday = |m| {
        let d = days_from_civil(year, m, 31);
        (d - (d + 4).rem_euclid(7)) * 86_400 + 3600
    };
    let summer = (last_sunday(3)..last_sunday(10)).contains(&utc);
    (base + i64::from(summer)) * 3600
}

/// A 15-digit IMEI: the 14 digits given and their Luhn check digit.
fn imei(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// `ddmm.mmmm` (or `dddmm.mmmmm`) and the hemisphere letter.
fn nmea(v: f64, deg_digits: usize, dec: usize, pos: char, neg: char) -> String {
    let scale = 10f64.powi(dec as i32);
    let mut deg = v.abs().trunc();
    let mut min = ((v.abs() - deg) * 60.0 * scale).round() / scale;
    if min >= 60.0 {
        (deg, min) = (deg + 1.0, min - 60.0);
    }
    let hemi = if v < 0.0 { neg } else { pos };
    let (deg, width) = (deg as u32, dec + 3);
    format!("{deg:0deg_digits$}{min:0width$.dec$},{hemi}")
}

/// The firmware generation, which decides the report layout.
#[derive(Clone, Copy, PartialEq)]
enum Gen {
    /// 2G TK103-style: `YYMMDDhhmm`, `hhmmss.sss`, 4-decimal minutes.
    Classic,
    /// BN-407 4G: `YYMMDDhhmmss`, battery in field 3, `hhmmss`, 5-decimal minutes.
    G4,
    /// Extended I/O: `YYMMDDhhmmss`, then altitude, ACC, door, fuel, temperature.
    Extended,
}

/// A position along a polyline, moved by metres.
struct Route {
    pts: &'static [(f64, f64)],
    seg: usize,
    along: f64,
}

impl Route {
    /// Moves `m` metres on; returns the new position and course in degrees.
    fn advance(&mut self, mut m: f64) -> (f64, f64, f64) {
        loop {
            let (Some(&a), Some(&b)) = (self.pts.get(self.seg), self.pts.get(self.seg + 1)) else {
                let last = self.pts.last().copied().unwrap_or((0.0, 0.0));
                return (last.0, last.1, 0.0);
            };
            let (dn, de) = (
                (b.0 - a.0) * 111_320.0,
                (b.1 - a.1) * 111_320.0 * a.0.to_radians().cos(),
            );
            let len = dn.hypot(de);
            if self.along + m <= len {
                self.along += m;
                let f = self.along / len;
                let course = de.atan2(dn).to_degrees().rem_euclid(360.0);
                return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, course);
            }
            m -= len - self.along;
            (self.seg, self.along) = (self.seg + 1, 0.0);
        }
    }
}

enum Link {
    Tcp(TcpStream),
    Udp(UdpSocket),
}

/// One tracker: its identity, connection, clock (UTC ms), route and last reported fix.
struct Device {
    imei: String,
    fw: Gen,
    tz: i64,
    link: Link,
    inbox: String,
    t: i64,
    route: Route,
    lat: f64,
    lon: f64,
    knots: f64,
    course: f64,
    valid: bool,
    seed: u64,
    battery: u32,
    fuel: f64,
    acc: bool,
    door: bool,
}

impl Device {
    /// A unit at the start of `pts`, its clock at `now - span` seconds, zone `tz` hours east.
    fn new(
        body: &str,
        fw: Gen,
        tz: i64,
        udp: bool,
        server: SocketAddr,
        pts: &'static [(f64, f64)],
        span: i64,
    ) -> Device {
        let link = if udp {
            let sock =
                UdpSocket::bind((server.ip(), 0)).expect("cannot bind a UDP socket on loopback");
            sock.connect(server).expect("cannot set the UDP peer");
            Link::Udp(sock)
        } else {
            let sock = TcpStream::connect(server)
                .unwrap_or_else(|e| panic!("cannot connect to {server}: {e}"));
            sock.set_nodelay(true).expect("cannot set TCP_NODELAY");
            Link::Tcp(sock)
        };
        let (lat, lon) = pts.first().copied().unwrap_or((0.0, 0.0));
        let imei = imei(body);
        let seed = imei.parse().unwrap_or(1);
        let route = Route {
            pts,
            seg: 0,
            along: 0.0,
        };
        let t = (now_ms() / 1000 - span) * 1000;
        Device {
            imei,
            fw,
            tz,
            link,
            inbox: String::new(),
            t,
            route,
            lat,
            lon,
            knots: 0.0,
            course: 0.0,
            valid: true,
            seed,
            battery: 87,
            fuel: 62.4,
            acc: true,
            door: false,
        }
    }

    /// A BN-407 4G on TCP in Amsterdam (CET/CEST).
    fn amsterdam(body: &str, port: u16, span: i64) -> Device {
        Device::new(
            body,
            Gen::G4,
            1,
            false,
            SocketAddr::new(V4, port),
            AMSTERDAM,
            span,
        )
    }

    fn rnd(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }

    fn write(&mut self, bytes: &[u8]) {
        let res = match &mut self.link {
            Link::Tcp(s) => s.write_all(bytes),
            Link::Udp(s) => s.send(bytes).map(|_| ()),
        };
        res.unwrap_or_else(|e| panic!("device {}: cannot send: {e}", self.imei));
    }

    /// Sends frames in one TCP write (one datagram each over UDP).
    fn send(&mut self, frames: &[String]) {
        if matches!(self.link, Link::Udp(_)) {
            frames.iter().for_each(|f| self.write(f.as_bytes()));
        } else {
            self.write(frames.concat().as_bytes());
        }
    }

    /// Sends one frame in two TCP writes, cut `at` bytes in.
    fn send_split(&mut self, frame: &str, at: usize) {
        let (a, b) = frame.split_at(at.min(frame.len() - 1));
        self.write(a.as_bytes());
        pause(15);
        self.write(b.as_bytes());
    }

    /// Waits up to `ms` for `word` from the server; false when it does not come.
    fn expect(&mut self, word: &str, ms: u64) -> bool {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let mut buf = [0u8; 1024];
        loop {
            if let Some(p) = self.inbox.find(word) {
                self.inbox.drain(..p + word.len());
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let res = match &mut self.link {
                Link::Tcp(s) => s
                    .set_read_timeout(Some(left))
                    .and_then(|()| s.read(&mut buf)),
                Link::Udp(s) => s
                    .set_read_timeout(Some(left))
                    .and_then(|()| s.recv(&mut buf)),
            };
            match res {
                Ok(0) => return false,
                Ok(n) => self.inbox.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return false;
                }
                Err(e) => panic!("device {}: cannot read: {e}", self.imei),
            }
        }
    }

    fn login(&mut self) -> bool {
        self.send(&[format!("##,imei:{},A;", self.imei)]);
        self.expect("LOAD", 700)
    }

    fn heartbeat(&mut self) {
        self.send(&[format!("{};", self.imei)]);
        if !self.expect("ON", 1000) {
            eprintln!("device {}: no ON", self.imei);
        }
    }

    /// `secs` later, having ridden at about `kmh`: a valid fix (or the last one, marked `V`).
    fn ride(&mut self, secs: i64, kmh: f64, fix: bool) {
        let kmh = if kmh > 0.0 {
            kmh * (0.85 + 0.3 * self.rnd())
        } else {
            0.0
        };
        self.t += secs * 1000;
        let (lat, lon, course) = self.route.advance(kmh / 3.6 * secs as f64);
        self.valid = fix;
        if fix {
            (self.lat, self.lon, self.course, self.knots) = (lat, lon, course, kmh / 1.852);
        } else {
            self.knots = 0.0;
        }
        if self.fw == Gen::Extended {
            self.fuel -= 0.02 * kmh * secs as f64 / 60.0;
        }
    }

    /// The local time field and field 3 of a report.
    fn head(&self) -> String {
        let [y, mo, d, h, mi, s] = civil(self.t / 1000 + eu_offset(self.t / 1000, self.tz));
        let mut out = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}", y % 100);
        if self.fw != Gen::Classic {
            let _ = write!(out, "{s:02}");
        }
        out.push(',');
        if self.fw == Gen::G4 {
            let _ = write!(out, "{}%", self.battery);
        }
        out
    }

    /// A report with a fix (`F`).
    fn report(&self, keyword: &str) -> String {
        let [.., h, m, s] = civil(self.t / 1000);
        let dec = if self.fw == Gen::G4 { 5 } else { 4 };
        let utc = if self.fw == Gen::G4 {
            format!("{h:02}{m:02}{s:02}")
        } else {
            format!("{h:02}{m:02}{s:02}.000")
        };
        let (lat, lon) = (
            nmea(self.lat, 2, dec, 'N', 'S'),
            nmea(self.lon, 3, dec, 'E', 'W'),
        );
        let v = if self.valid { 'A' } else { 'V' };
        let mut out = format!(
            "imei:{},{keyword},{},F,{utc},{v},{lat},{lon},{:.2},{:.2}",
            self.imei,
            self.head(),
            self.knots,
            self.course
        );
        if self.fw == Gen::Extended {
            let alt = 40.0 + (self.lat - 38.7) * 2000.0;
            let _ = write!(
                out,
                ",{alt:.1},{},{},{:.2}%,0,+17",
                u8::from(self.acc),
                u8::from(self.door),
                self.fuel
            );
        }
        out + ";"
    }

    /// A report without a fix (`L`, cell data).
    fn lbs(&self, keyword: &str) -> String {
        format!(
            "imei:{},{keyword},{},L,,,2B5C,,7D1E,,,;",
            self.imei,
            self.head()
        )
    }

    /// Closes a TCP link cleanly: FIN, then reads to the server's FIN (no reset).
    fn close(mut self) {
        if let Link::Tcp(s) = &mut self.link {
            let _ = s.shutdown(Shutdown::Write);
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = s.read_to_end(&mut Vec::new());
        }
    }
}

/// Installer's first session: login, heartbeats, a cold start (LBS, then `V`), fixes, an SOS.
fn first_report(port: u16) {
    let mut d = Device::amsterdam("86403505218734", port, 15 * 30);
    if !d.login() {
        eprintln!("first-report: no LOAD");
    }
    for _ in 0..2 {
        pause(60);
        d.heartbeat();
    }
    d.ride(30, 0.0, false);
    d.send(&[d.lbs("tracker")]);
    pause(80);
    d.ride(30, 0.0, false);
    d.send(&[d.report("tracker")]);
    for i in 0..10 {
        pause(70);
        d.ride(30, if i == 4 { 0.0 } else { 16.0 }, true);
        match i {
            2 | 8 => d.send_split(&d.report("tracker"), 37 + i * 5),
            6 => {
                let first = d.report("tracker");
                d.ride(30, 16.0, true);
                d.send(&[first, d.report("tracker")]);
            }
            7 => d.heartbeat(),
            _ => d.send(&[d.report("tracker")]),
        }
    }
    d.ride(30, 0.0, true);
    d.send(&[d.report("help me")]);
    if !d.expect(&format!("**,imei:{},E;", d.imei), 1000) {
        eprintln!("first-report: no SOS acknowledgement");
    }
    pause(80);
    d.ride(30, 0.0, true);
    d.send(&[d.report("tracker")]);
    pause(60);
    d.close();
}

/// Three units of different generations in Lisbon at once; the 4G one on UDP, one over IPv6.
fn multi_device(port: u16) {
    let units = [
        ("35958601604117", Gen::Classic, false, V4, LISBON_VAN, 38.0),
        ("86403505241188", Gen::G4, true, V4, LISBON_SCOOTER, 18.0),
        ("86868302779304", Gen::Extended, false, V6, LISBON_CAR, 32.0),
    ];
    let threads: Vec<_> = units
        .into_iter()
        .enumerate()
        .map(|(n, (body, fw, udp, ip, pts, kmh))| {
            thread::spawn(move || {
                pause(n as u64 * 35);
                let mut d = Device::new(body, fw, 0, udp, SocketAddr::new(ip, port), pts, 16 * 30);
                if !d.login() {
                    eprintln!("multi-device: {} got no LOAD", d.imei);
                }
                d.heartbeat();
                for i in 0..16u32 {
                    pause(90 + n as u64 * 23);
                    let v = match i {
                        7..=9 if fw == Gen::Extended => 0.0,  // a delivery: door open
                        5 if fw == Gen::Classic => 2.0 * kmh, // speeding on the avenue
                        _ => kmh,
                    };
                    d.ride(30, v, true);
                    (d.acc, d.door) = (i < 15, v == 0.0);
                    d.battery = 87 - i / 6;
                    let keyword = match (fw, i) {
                        (Gen::Extended, 0) => "acc on",
                        (Gen::Extended, 8) => "door alarm",
                        (Gen::Extended, 15) => "acc off",
                        (Gen::Classic, 5) => "speed",
                        _ => "tracker",
                    };
                    match i {
                        10 => d.heartbeat(),
                        3 | 12 if !udp => d.send_split(&d.report(keyword), 20 + 9 * n),
                        _ => d.send(&[d.report(keyword)]),
                    }
                }
                pause(100);
                d.close();
            })
        })
        .collect();
    threads
        .into_iter()
        .for_each(|t| t.join().expect("a device thread panicked"));
}

/// "Installed but never shows up": login, then heartbeats only; the server sends `C,30s`.
fn heartbeat_only(port: u16) {
    let mut d = Device::amsterdam("86403505219021", port, 0);
    if !d.login() {
        eprintln!("heartbeat-only: no LOAD");
    }
    for _ in 0..4 {
        pause(250);
        d.heartbeat();
    }
    if !d.expect(&format!("**,imei:{},C,30s;", d.imei), 1000) {
        eprintln!("heartbeat-only: no C command");
    }
    pause(100);
    d.close();
}

/// One bicycle, 150 reports every 10 s around Amsterdam: stops, a `V` stretch, a sensor alarm.
fn bike_ride(port: u16) {
    let mut d = Device::amsterdam("86403505227756", port, 150 * 10);
    if !d.login() {
        eprintln!("bike-ride: no LOAD");
    }
    d.heartbeat();
    let (mut dark, mut passed, mut held) = (0u32, false, Vec::new());
    for i in 0..150usize {
        pause(20 + (i % 3) as u64 * 5);
        if d.route.seg == PASSAGE && !passed {
            (dark, passed) = (5, true);
        }
        let stopped = matches!(i, 12..=13 | 40..=41 | 70..=81 | 96..=97);
        d.ride(10, if stopped { 0.0 } else { 17.0 }, dark == 0);
        dark = dark.saturating_sub(1);
        d.battery = 96 - (i / 12) as u32;
        held.push(d.report(if i == 76 { "sensor alarm" } else { "tracker" }));
        if i % 25 == 23 || i % 25 == 24 {
            continue; // the unit is between cells: these go out together with the next one
        }
        match held.pop() {
            Some(frame) if held.is_empty() && i % 7 == 3 => d.send_split(&frame, 11 + i % 60),
            Some(frame) => {
                held.push(frame);
                d.send(&std::mem::take(&mut held));
            }
            None => {}
        }
        if i % 30 == 29 {
            d.heartbeat();
        }
    }
    d.send(&held);
    pause(60);
    d.close();
}

/// A listener that never answers: the unit repeats its login, reconnects, repeats again.
fn no_answer(port: u16) {
    for _ in 0..2 {
        let mut d = Device::amsterdam("86403505230417", port, 0);
        for _ in 0..3 {
            if d.login() {
                eprintln!("no-answer: unexpected LOAD");
            }
        }
        d.close();
        pause(300);
    }
}

fn usage(msg: &str) -> ! {
    eprintln!("simulate: {msg}");
    eprintln!(
        "usage: simulate <first-report|multi-device|heartbeat-only|bike-ride|no-answer|serve> [--port N] [--log FILE]"
    );
    std::process::exit(2)
}

fn main() {
    let (mut scenario, mut port, mut log) = (None, 8888u16, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a port number"))
            }
            "--log" => {
                log = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--log needs a file name")),
                )
            }
            s if scenario.is_none() && !s.starts_with('-') => scenario = Some(arg.clone()),
            other => usage(&format!("unexpected argument {other}")),
        }
    }
    let scenario = scenario.unwrap_or_else(|| usage("no scenario given"));
    let log = log
        .map(|p| Mutex::new(File::create(&p).unwrap_or_else(|e| panic!("cannot create {p}: {e}"))));
    let server = Arc::new(Server {
        answer: scenario != "no-answer",
        log,
        ids: AtomicU32::new(0),
    });
    let run: fn(u16) = match scenario.as_str() {
        "first-report" => first_report,
        "multi-device" => multi_device,
        "heartbeat-only" => heartbeat_only,
        "bike-ride" => bike_ride,
        "no-answer" => no_answer,
        "serve" => |_| loop {
            pause(60_000)
        },
        other => usage(&format!("unknown scenario {other}")),
    };
    server.start(port);
    run(port);
    pause(150);
}
