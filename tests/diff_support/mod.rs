//! Builds the captures of the firmware-diff tests: a unit of a given firmware (sentence layout,
//! intervals, keywords, handshake, reconnections) talking to a server for a while, as a pcap of
//! whole TCP conversations (through `conv_support`, which the test declares), and runs `bn407 diff` on pairs of them.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub use crate::conv_support::{Capture, From, T0, imei};

pub const SRV: &str = "203.0.113.1:8888";
/// Half an hour, in seconds: how long most test captures last.
pub const HALF_HOUR: f64 = 1800.0;
pub const LISBON: (f64, f64) = (38.7167, -9.1333);
pub const SYDNEY: (f64, f64) = (-33.8688, 151.2093);
pub const NEW_YORK: (f64, f64) = (40.7128, -74.0060);

/// What a firmware sends and when.
#[derive(Clone, Debug)]
pub struct Fw {
    /// Local time with seconds (`YYMMDDhhmmss`).
    pub time12: bool,
    /// Minutes of arc with 5 decimals.
    pub coord5: bool,
    /// Altitude, ACC, door, fuel 1, fuel 2 and temperature after the course.
    pub io: bool,
    /// Altitude in centimetres instead of metres (a changed scale).
    pub altitude_cm: bool,
    /// Hemisphere letters before their numbers.
    pub prefix_hemisphere: bool,
    /// UTC time as `0.0` (a clone's junk).
    pub junk_utc: bool,
    /// Empty keyword on periodic reports.
    pub empty_keyword: bool,
    /// Seconds between heartbeats.
    pub heartbeat_s: f64,
    /// Seconds between periodic reports.
    pub report_s: f64,
    /// Every n-th report carries this keyword instead.
    pub alarm: Option<(usize, &'static str)>,
    /// After the login acknowledgement, a report comes first (else a heartbeat).
    pub report_first: bool,
    /// The connection is closed and opened again this often, seconds.
    pub reconnect_s: Option<f64>,
    /// After the server's command the device sends a heartbeat at once (else the next report).
    pub heartbeat_after_command: bool,
}

impl Fw {
    /// The classic firmware: 10-digit time, 4 decimals, no I/O, heartbeat every 60 s, reports
    /// every 30 s.
    pub fn classic() -> Fw {
        Fw {
            time12: false,
            coord5: false,
            io: false,
            altitude_cm: false,
            prefix_hemisphere: false,
            junk_utc: false,
            empty_keyword: false,
            heartbeat_s: 60.0,
            report_s: 30.0,
            alarm: None,
            report_first: false,
            reconnect_s: None,
            heartbeat_after_command: false,
        }
    }
}

/// A unit on the road: its identity, firmware, position and a jitter source.
pub struct Unit {
    pub imei: String,
    pub fw: Fw,
    pub dev: String,
    pub pos: (f64, f64),
    pub seed: u64,
    /// Send the server command `C` this many seconds in.
    pub command_at: Option<f64>,
}

impl Unit {
    pub fn new(n: u32, fw: Fw, pos: (f64, f64)) -> Unit {
        Unit {
            imei: imei(n),
            fw,
            dev: format!("198.51.100.{}:{}", n % 250 + 1, 40000 + n),
            pos,
            seed: u64::from(n) * 7919 + 13,
            command_at: None,
        }
    }

    /// Up to a second and a half either way.
    fn jitter(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        ((self.seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 3.0
    }

    /// A report at `t` seconds after [`T0`], the `n`-th.
    pub fn report(&self, t: f64, n: usize, keyword: &str) -> Vec<u8> {
        let fw = &self.fw;
        let secs = T0 + t as i64;
        let utc = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        // The clock set to the zone of the unit's place.
        let zone = (self.pos.1 / 15.0).round() as i64 * 3600;
        let local = chrono::DateTime::from_timestamp(secs + zone, 0).unwrap();
        let lt = if fw.time12 {
            local.format("%y%m%d%H%M%S").to_string()
        } else {
            local.format("%y%m%d%H%M").to_string()
        };
        let ut = if fw.junk_utc {
            "0.0".to_string()
        } else {
            utc.format("%H%M%S.000").to_string()
        };
        let (lat, lon) = (
            self.pos.0 + n as f64 * 0.0003,
            self.pos.1 + n as f64 * 0.0004,
        );
        let dec = if fw.coord5 { 5 } else { 4 };
        let c = |v: f64, w: usize| {
            let a = v.abs();
            let d = a.trunc();
            format!("{:0w$}{:0p$.dec$}", d as u32, (a - d) * 60.0, p = dec + 3)
        };
        let (ns, ew) = (
            if lat < 0.0 { "S" } else { "N" },
            if lon < 0.0 { "W" } else { "E" },
        );
        let pos = if fw.prefix_hemisphere {
            format!("{ns},{},{ew},{}", c(lat, 2), c(lon, 3))
        } else {
            format!("{},{ns},{},{ew}", c(lat, 2), c(lon, 3))
        };
        let kw = if fw.empty_keyword && keyword == "tracker" {
            ""
        } else {
            keyword
        };
        let speed = (n % 7) as f64 * 3.5;
        let mut s = format!(
            "imei:{},{kw},{lt},,F,{ut},A,{pos},{speed:.2},{}.00",
            self.imei,
            (n * 37) % 360
        );
        if fw.io {
            let alt = 40.0 + (n % 5) as f64 * 4.5;
            let alt = if fw.altitude_cm { alt * 100.0 } else { alt };
            s.push_str(&format!(
                ",{alt:.1},{},0,{:.2}%,0,+17",
                n % 2,
                60.0 - n as f64 * 0.1
            ));
        }
        s.push(';');
        s.into_bytes()
    }

    /// The unit's conversation from `start` for `secs` seconds, into `c`.
    pub fn play(&mut self, c: &mut Capture, start: f64, secs: f64) {
        let end = start + secs;
        let mut t0 = start;
        let mut n = 0usize;
        while t0 < end {
            let until = self.fw.reconnect_s.map_or(end, |r| (t0 + r).min(end));
            let mut tcp = c.connect(t0, &self.dev, SRV);
            c.send(
                &mut tcp,
                t0 + 0.1,
                From::Device,
                format!("##,imei:{},A;", self.imei).as_bytes(),
            );
            c.send(&mut tcp, t0 + 0.2, From::Server, b"LOAD");
            let mut events: Vec<(f64, u8)> = Vec::new();
            let (hb, rep) = (self.fw.heartbeat_s, self.fw.report_s);
            let (mut th, mut tr) = if self.fw.report_first {
                (t0 + 1.0 + hb, t0 + 1.0)
            } else {
                (t0 + 1.0, t0 + 1.0 + rep)
            };
            while th < until {
                events.push((th, 0));
                th += hb + self.jitter();
            }
            while tr < until {
                events.push((tr, 1));
                tr += rep + self.jitter();
            }
            if let Some(at) = self
                .command_at
                .filter(|a| (t0..until).contains(&(start + a)))
            {
                events.push((start + at, 2));
                if self.fw.heartbeat_after_command {
                    events.push((start + at + 0.5, 0));
                }
            }
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (t, what) in events {
                match what {
                    0 => {
                        c.send(
                            &mut tcp,
                            t,
                            From::Device,
                            format!("{};", self.imei).as_bytes(),
                        );
                        c.send(&mut tcp, t + 0.1, From::Server, b"ON");
                    }
                    1 => {
                        n += 1;
                        let kw = match self.fw.alarm {
                            Some((every, kw)) if n.is_multiple_of(every) => kw,
                            _ => "tracker",
                        };
                        let r = self.report(t, n, kw);
                        c.send(&mut tcp, t, From::Device, &r);
                    }
                    _ => {
                        let cmd = format!("**,imei:{},C,30s;", self.imei);
                        c.send(&mut tcp, t, From::Server, cmd.as_bytes());
                    }
                }
            }
            c.close(&mut tcp, until);
            t0 = until + 1.0;
        }
    }
}

/// One unit of `fw` at `pos`, played for `secs`, as a pcap.
/// The firmware B of the done criterion: 12-digit time, 5 decimals, I/O fields, heartbeat
/// every 180 s, a sensor alarm now and then.
pub fn firmware_b() -> Fw {
    Fw {
        time12: true,
        coord5: true,
        io: true,
        heartbeat_s: 180.0,
        alarm: Some((10, "sensor alarm")),
        ..Fw::classic()
    }
}

pub fn capture_of(n: u32, fw: Fw, pos: (f64, f64), secs: f64) -> Vec<u8> {
    let mut c = Capture::new();
    Unit::new(n, fw, pos).play(&mut c, 0.0, secs);
    c.pcap(false)
}

/// [`capture_of`] written to a temporary file named after the test ([`file`]).
pub fn capture_file(name: &str, n: u32, fw: Fw, pos: (f64, f64), secs: f64) -> PathBuf {
    file(name, &capture_of(n, fw, pos, secs))
}

/// Writes a capture to a temporary file named after the test.
pub fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("bn407-diff-{name}-{}.pcap", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// What `bn407 diff` said.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bn407 diff` with these arguments.
pub fn bn407(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_bn407"))
        .arg("diff")
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `bn407 diff A --against B --format json`: exit status and the JSON.
pub fn diff_json(name: &str, a: &[u8], b: &[u8]) -> (i32, serde_json::Value) {
    let (pa, pb) = (file(&format!("{name}-a"), a), file(&format!("{name}-b"), b));
    let o = bn407(&[
        pa.to_str().unwrap(),
        "--against",
        pb.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_file(pa);
    let _ = std::fs::remove_file(pb);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    (o.code, serde_json::from_str(&o.stdout).unwrap())
}

/// The lines of the first comparison's differences.
pub fn lines(v: &serde_json::Value) -> Vec<String> {
    v["comparisons"][0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_str().unwrap().to_string())
        .collect()
}
