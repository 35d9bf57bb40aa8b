//! Builds captures of whole conversations for the findings tests: TCP connections with their
//! handshake, data acknowledged by the other side and an optional close, UDP datagrams, all at
//! given times; a capture can keep only the devices' side (a mirror port, an inbound filter) or
//! be cut off inside a frame. And BN-407 sentences with a given fix time.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

#[path = "../net_support/mod.rs"]
pub mod net_support;

use std::net::SocketAddr;
use std::sync::Arc;

pub use net_support::addr;
use net_support::{SYN, ack, eth, fin_ack, pcap_file, syn_ack, tcp, udp};

use bn407::model::{SessionFinding, Stats};
use bn407::pipeline::{self, Input, RunOptions};
use pcap_file::Endianness;

/// 2024-05-01T10:00:00Z, seconds.
pub const T0: i64 = 1_714_557_600;
const NS: i64 = 1_000_000_000;

/// Who sends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum From {
    Device,
    Server,
}

/// Packets of a capture being built, with their times and who sent them.
#[derive(Default)]
pub struct Capture {
    packets: Vec<(i64, From, Vec<u8>)>,
}

/// One TCP connection being written into a capture.
pub struct Tcp {
    dev: SocketAddr,
    srv: SocketAddr,
    seq: [u32; 2],
}

impl Capture {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, t: f64, from: From, ip: Vec<u8>) {
        self.packets
            .push(((t * NS as f64) as i64 + T0 * NS, from, ip));
    }

    /// Opens a connection from `dev` to `srv` at `t` seconds after [`T0`].
    pub fn connect(&mut self, t: f64, dev: &str, srv: &str) -> Tcp {
        let (dev, srv) = (addr(dev), addr(srv));
        let c = Tcp {
            dev,
            srv,
            seq: [1000, 5000],
        };
        self.push(t, From::Device, tcp(dev, srv, 999, SYN, b""));
        self.push(t, From::Server, tcp(srv, dev, 4999, syn_ack(1000), b""));
        self.push(t, From::Device, tcp(dev, srv, 1000, ack(5000), b""));
        c
    }

    /// `from` sends `payload` on `c` at `t`; the other side acknowledges it.
    pub fn send(&mut self, c: &mut Tcp, t: f64, from: From, payload: &[u8]) {
        let (i, src, dst) = match from {
            From::Device => (0, c.dev, c.srv),
            From::Server => (1, c.srv, c.dev),
        };
        let seq = c.seq[i];
        let other = c.seq[1 - i];
        self.push(t, from, tcp(src, dst, seq, ack(other), payload));
        c.seq[i] = seq.wrapping_add(payload.len() as u32);
        let back = if from == From::Device {
            From::Server
        } else {
            From::Device
        };
        self.push(t, back, tcp(dst, src, other, ack(c.seq[i]), b""));
    }

    /// Both sides close `c` at `t`.
    pub fn close(&mut self, c: &mut Tcp, t: f64) {
        self.push(
            t,
            From::Device,
            tcp(c.dev, c.srv, c.seq[0], fin_ack(c.seq[1]), b""),
        );
        self.push(
            t,
            From::Server,
            tcp(c.srv, c.dev, c.seq[1], fin_ack(c.seq[0] + 1), b""),
        );
        self.push(
            t,
            From::Device,
            tcp(c.dev, c.srv, c.seq[0] + 1, ack(c.seq[1] + 1), b""),
        );
    }

    /// A UDP datagram at `t`.
    pub fn datagram(&mut self, t: f64, from: From, src: &str, dst: &str, payload: &[u8]) {
        self.push(t, from, udp(addr(src), addr(dst), payload));
    }

    /// The capture as a pcap, in time order; `device_side_only` keeps only the packets the
    /// devices sent.
    pub fn pcap(&self, device_side_only: bool) -> Vec<u8> {
        let mut p: Vec<&(i64, From, Vec<u8>)> = self
            .packets
            .iter()
            .filter(|(_, f, _)| !device_side_only || *f == From::Device)
            .collect();
        p.sort_by_key(|(t, _, _)| *t);
        let packets: Vec<(i64, Vec<u8>)> = p.iter().map(|(t, _, ip)| (*t, eth(ip, &[]))).collect();
        pcap_file(1, &packets, Endianness::Little, false)
    }
}

/// Every finding of a capture (bytes of any input format).
pub fn findings_of(bytes: Vec<u8>) -> Vec<SessionFinding> {
    let mut stats = Stats::default();
    let input = Input::Bytes {
        name: "test.pcap".into(),
        data: Arc::new(bytes),
    };
    let out = pipeline::run_all(&[input], &mut RunOptions::default(), &mut |d| stats.add(&d));
    assert_eq!(out.error, None);
    stats.finish(out.flows);
    stats.diagnosis
}

/// The codes of findings at or above `min`.
pub fn codes(f: &[SessionFinding], min: bn407::protocol::Severity) -> Vec<&'static str> {
    f.iter()
        .filter(|x| x.severity >= min)
        .map(|x| x.code)
        .collect()
}

/// The finding with `code`, or a panic listing what there is.
pub fn find<'f>(f: &'f [SessionFinding], code: &str) -> &'f SessionFinding {
    f.iter()
        .find(|x| x.code == code)
        .unwrap_or_else(|| panic!("no {code} among {f:#?}"))
}

/// The finding with `code` ([`find`]), whose message must say each of `parts`.
pub fn find_saying<'f>(f: &'f [SessionFinding], code: &str, parts: &[&str]) -> &'f SessionFinding {
    let x = find(f, code);
    assert!(parts.iter().all(|p| x.message.contains(p)), "{}", x.message);
    x
}

/// `ddmm.mmmm` of a coordinate's absolute value.
fn nmea(v: f64, deg_digits: usize) -> String {
    let a = v.abs();
    let d = a.trunc();
    format!("{:0w$}{:07.4}", d as u32, (a - d) * 60.0, w = deg_digits)
}

/// A BN-407 report of `imei` with a fix taken at `fix_t` seconds after [`T0`] (UTC), the
/// device clock set `tz_h` hours from UTC; `valid` false for `V`.
pub fn report(imei: &str, fix_t: i64, tz_h: i64, valid: bool, lat: f64, lon: f64) -> Vec<u8> {
    let utc = chrono::DateTime::from_timestamp(T0 + fix_t, 0).unwrap();
    let local = chrono::DateTime::from_timestamp(T0 + fix_t + tz_h * 3600, 0).unwrap();
    format!(
        "imei:{imei},tracker,{},,F,{}.000,{},{},{},{},{},0.00,0;",
        local.format("%y%m%d%H%M"),
        utc.format("%H%M%S"),
        if valid { 'A' } else { 'V' },
        nmea(lat, 2),
        if lat < 0.0 { 'S' } else { 'N' },
        nmea(lon, 3),
        if lon < 0.0 { 'W' } else { 'E' },
    )
    .into_bytes()
}

/// A BN-407 report with cell data only (no fix).
pub fn cell_report(imei: &str, t: i64) -> Vec<u8> {
    let local = chrono::DateTime::from_timestamp(T0 + t, 0).unwrap();
    format!(
        "imei:{imei},tracker,{},,L,,,1a2b,,3c4d,,,;",
        local.format("%y%m%d%H%M")
    )
    .into_bytes()
}

pub fn login(imei: &str) -> Vec<u8> {
    format!("##,imei:{imei},A;").into_bytes()
}

pub fn heartbeat(imei: &str) -> Vec<u8> {
    format!("{imei};").into_bytes()
}

/// A valid 15-digit IMEI (Luhn check digit) numbered `n`.
pub fn imei(n: u32) -> String {
    let body = format!("35958601{:06}", n % 1_000_000);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}
