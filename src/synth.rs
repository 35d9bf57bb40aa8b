//! Writes a large synthetic fleet capture for throughput and memory measurements, shaped like a
//! busy platform port: 2,000 devices (or `DEVICES`) on TCP port 8888, each opening with a
//! three-way handshake and a login answered by `LOAD`; reports of three firmware generations,
//! heartbeats answered by `ON`, alarms now and then (SOS, low battery, power cut) and the
//! platform's SOS acknowledgement, a position request and its answer; devices that buffer their
//! reports and send them in bursts, cut into segments of up to 1,448 bytes with frames crossing
//! segment boundaries; delayed bare ACKs from the platform; reconnections (FIN both ways, then a new
//! connection from a new port and a new login). Deterministic: the same arguments give the same
//! bytes.
//!
//! Used by `examples/synth_capture.rs` (`cargo run --release --example synth_capture -- OUT.pcap
//! MEGABYTES [DEVICES]`) and the benchmarks; not part of the analyzer.

use std::io::Write;
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

/// Largest TCP payload of one segment (an Ethernet MSS).
const MSS: usize = 1448;

/// A small deterministic generator (xorshift64*), so runs are reproducible without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Device {
    id: String,
    client: [u8; 4],
    port: u16,
    seq_c: u32,
    seq_s: u32,
    /// Frames written by the device but not sent yet (a burst after a blind zone).
    pending: Vec<u8>,
    generation: usize,
    /// A data segment the platform has not acknowledged yet (it acknowledges every second one).
    unacked: bool,
}

struct Out<W: Write> {
    w: PcapWriter<W>,
    written: usize,
    t: u64,
    failed: bool,
}

impl<W: Write> Out<W> {
    /// One TCP segment; `flags` is a combination of `S` (SYN), `F` (FIN), `A` (ACK).
    fn segment(&mut self, d: &mut Device, to_server: bool, flags: &str, payload: &[u8]) {
        let server = [10, 0, 0, 1];
        let (seq, ack) = if to_server {
            (d.seq_c, d.seq_s)
        } else {
            (d.seq_s, d.seq_c)
        };
        let b = if to_server {
            PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                .ipv4(d.client, server, 64)
                .tcp(d.port, 8888, seq, 65535)
        } else {
            PacketBuilder::ethernet2([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1])
                .ipv4(server, d.client, 64)
                .tcp(8888, d.port, seq, 65535)
        };
        let mut b = b;
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('F') {
            b = b.fin();
        }
        if flags.contains('A') {
            b = b.ack(ack);
        }
        if !payload.is_empty() {
            b = b.psh();
        }
        let mut buf = Vec::with_capacity(payload.len() + 64);
        if b.write(&mut buf, payload).is_err() {
            return;
        }
        let advance = payload.len() as u32 + u32::from(flags.contains('S') || flags.contains('F'));
        if to_server {
            d.seq_c = d.seq_c.wrapping_add(advance);
        } else {
            d.seq_s = d.seq_s.wrapping_add(advance);
        }
        self.t += 7;
        let packet = PcapPacket::new(Duration::from_micros(self.t), buf.len() as u32, &buf);
        if self.w.write_packet(&packet).is_err() {
            self.failed = true;
        }
        self.written += buf.len() + 16;
    }

    /// Sends what the device holds, in segments of at most [`MSS`] bytes (frames cross them),
    /// acknowledged by the platform every second segment (delayed ACKs).
    fn flush(&mut self, d: &mut Device) {
        let pending = std::mem::take(&mut d.pending);
        for chunk in pending.chunks(MSS) {
            self.segment(d, true, "A", chunk);
            if d.unacked {
                self.segment(d, false, "A", b"");
            }
            d.unacked = !d.unacked;
        }
    }

    fn connect(&mut self, d: &mut Device) {
        self.segment(d, true, "S", b"");
        self.segment(d, false, "SA", b"");
        self.segment(d, true, "A", b"");
        let login = format!("##,imei:{},A;", d.id);
        self.segment(d, true, "A", login.as_bytes());
        self.segment(d, false, "A", b"LOAD");
    }

    fn disconnect(&mut self, d: &mut Device, rng: &mut Rng) {
        self.flush(d);
        self.segment(d, true, "FA", b"");
        self.segment(d, false, "FA", b"");
        self.segment(d, true, "A", b"");
        d.port = 10_000 + rng.below(50_000) as u16;
        d.seq_c = rng.next() as u32;
        d.seq_s = rng.next() as u32;
    }
}

/// An IMEI with its Luhn check digit.
fn imei(n: u64) -> String {
    let body = format!("{:014}", 86403505000000u64 + n);
    let mut sum = 0;
    for (i, d) in body.bytes().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// One report of the device's firmware generation at `round` (a minute apart, from 1 January
/// 2024 00:00 UTC, local time = UTC).
fn report(d: &Device, i: usize, round: u64, keyword: &str) -> String {
    let id = &d.id;
    let (day, h, m) = (1 + (round / 1440) % 28, (round / 60) % 24, round % 60);
    let lat = 52.0 + (i as f64) * 0.001 + round as f64 * 0.0001;
    let deg = lat.trunc();
    let min = (lat - deg) * 60.0;
    match d.generation {
        0 => format!(
            "imei:{id},{keyword},2401{day:02}{h:02}{m:02},,F,{h:02}{m:02}00.000,A,{deg:02}{min:07.4},N,00452.1234,E,12.50,90.0;"
        ),
        1 => format!(
            "imei:{id},{keyword},2401{day:02}{h:02}{m:02}00,87%,F,{h:02}{m:02}00,A,{deg:02}{min:08.5},N,00452.12345,E,10.5,180;"
        ),
        _ => format!(
            "imei:{id},{keyword},2401{day:02}{h:02}{m:02},,F,{h:02}{m:02}00.000,A,{deg:02}{min:07.4},N,00452.1234,E,0.00,0,12.5,1,0,51.93%,0,+22;"
        ),
    }
}

/// What [`fleet`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes of the pcap.
    pub bytes: usize,
    /// Frames of the protocol, both directions.
    pub frames: u64,
    /// Rounds of reports (a minute each).
    pub rounds: u64,
    /// Reconnections.
    pub reconnects: u64,
}

/// Writes a fleet capture of about `megabytes` MiB for `count` devices to `out` (a pcap).
pub fn fleet<W: Write>(out: W, megabytes: usize, count: u64) -> std::io::Result<Written> {
    let mut o = Out {
        w: PcapWriter::with_header(out, PcapHeader::default()).map_err(std::io::Error::other)?,
        written: 24,
        t: 1_704_067_200_000_000,
        failed: false,
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut devices: Vec<Device> = (0..count)
        .map(|i| Device {
            id: imei(i),
            client: [
                10,
                1 + (i / 62_500) as u8,
                (i / 250 % 250) as u8,
                (i % 250) as u8 + 2,
            ],
            port: 40_000 + (i % 20_000) as u16,
            seq_c: 1000,
            seq_s: 5000,
            pending: Vec::new(),
            generation: (i % 3) as usize,
            unacked: false,
        })
        .collect();
    for d in devices.iter_mut() {
        o.connect(d);
    }
    let mut round = 0u64;
    let (mut frames, mut reconnects) = (count * 2, 0u64);
    while o.written < megabytes << 20 {
        for (i, d) in devices.iter_mut().enumerate() {
            let roll = rng.below(1000);
            let keyword = match roll {
                0..=2 => "help me",
                3..=5 => "low battery",
                6 => "ac alarm",
                _ => "tracker",
            };
            d.pending
                .extend_from_slice(report(d, i, round, keyword).as_bytes());
            frames += 1;
            // One device in eight is in a blind zone and sends its reports in bursts.
            let buffered = i % 8 == 0 && round % 16 != 15;
            if !buffered || d.pending.len() > 4 * MSS {
                o.flush(d);
            }
            if keyword == "help me" {
                let ack = format!("**,imei:{},E;", d.id);
                o.segment(d, false, "A", ack.as_bytes());
                frames += 1;
            }
            if round % 5 == 4 && d.pending.is_empty() {
                let hb = format!("{};", d.id);
                o.segment(d, true, "A", hb.as_bytes());
                o.segment(d, false, "A", b"ON");
                frames += 2;
            }
            if rng.below(2000) == 0 {
                let cmd = format!("**,imei:{},B;", d.id);
                o.segment(d, false, "A", cmd.as_bytes());
                o.flush(d);
                let answer = report(d, i, round, "tracker");
                o.segment(d, true, "A", answer.as_bytes());
                frames += 2;
            }
            if rng.below(500) == 0 {
                o.disconnect(d, &mut rng);
                o.connect(d);
                reconnects += 1;
                frames += 2;
            }
            o.t += 60_000_000 / count.max(1);
        }
        round += 1;
    }
    for d in devices.iter_mut() {
        o.flush(d);
    }
    if o.failed {
        return Err(std::io::Error::other("cannot write the capture"));
    }
    Ok(Written {
        bytes: o.written,
        frames,
        rounds: round,
        reconnects,
    })
}
