//! Writes a large synthetic pcap for throughput measurements: many devices, each a TCP
//! connection to port 8888 with a login, heartbeats and reports of several firmware
//! generations, answered by `LOAD` and `ON`; segments carry one or several frames.
//!
//! `cargo run --release --example synth_capture -- OUT.pcap MEGABYTES`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::BufWriter;
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

struct Conn {
    client: [u8; 4],
    port: u16,
    seq_c: u32,
    seq_s: u32,
}

fn packet(
    w: &mut PcapWriter<BufWriter<std::fs::File>>,
    t: u64,
    c: &mut Conn,
    to_server: bool,
    payload: &[u8],
) -> usize {
    let server = [10, 0, 0, 1];
    let b = if to_server {
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(c.client, server, 64)
            .tcp(c.port, 8888, c.seq_c, 65535)
    } else {
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1])
            .ipv4(server, c.client, 64)
            .tcp(8888, c.port, c.seq_s, 65535)
    };
    let b = b.ack(if to_server { c.seq_s } else { c.seq_c }).psh();
    let mut buf = Vec::with_capacity(payload.len() + 64);
    b.write(&mut buf, payload).unwrap();
    if to_server {
        c.seq_c = c.seq_c.wrapping_add(payload.len() as u32);
    } else {
        c.seq_s = c.seq_s.wrapping_add(payload.len() as u32);
    }
    w.write_packet(&PcapPacket::new(
        Duration::from_micros(t),
        buf.len() as u32,
        &buf,
    ))
    .unwrap();
    buf.len() + 16
}

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .expect("usage: synth_capture OUT.pcap MEGABYTES");
    let megabytes: usize = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(100);
    let file = BufWriter::new(std::fs::File::create(out).expect("cannot create output"));
    let mut w = PcapWriter::with_header(file, PcapHeader::default()).unwrap();
    let devices = 2000u64;
    let mut conns: Vec<Conn> = (0..devices)
        .map(|i| Conn {
            client: [10, 1, (i / 250) as u8, (i % 250) as u8 + 2],
            port: 40000 + (i % 20000) as u16,
            seq_c: 1000,
            seq_s: 5000,
        })
        .collect();
    let mut written = 0usize;
    let mut t = 1_700_000_000_000_000u64;
    for (i, c) in conns.iter_mut().enumerate() {
        let id = imei(i as u64);
        written += packet(&mut w, t, c, true, format!("##,imei:{id},A;").as_bytes());
        written += packet(&mut w, t + 50, c, false, b"LOAD");
        t += 100;
    }
    let mut round = 0u64;
    while written < megabytes << 20 {
        for (i, c) in conns.iter_mut().enumerate() {
            let id = imei(i as u64);
            let m = (round % 60) as u32;
            let lat = 52.0 + (i as f64) * 0.001 + round as f64 * 0.0001;
            let deg = lat.trunc();
            let min = (lat - deg) * 60.0;
            let report = match i % 3 {
                0 => format!(
                    "imei:{id},tracker,2401011{:03},,F,10{m:02}00.000,A,{deg:02}{min:07.4},N,00452.1234,E,12.50,90.0;",
                    m
                ),
                1 => format!(
                    "imei:{id},,2401011200{m:02},87%,F,1200{m:02},A,{deg:02}{min:08.5},N,00452.12345,E,10.5,180;"
                ),
                _ => format!(
                    "imei:{id},tracker,2401011200{m:02},,F,1200{m:02}.000,A,{deg:02}{min:07.4},N,00452.1234,E,0.00,0,12.5,1,0,51.93%,0,+22;"
                ),
            };
            if round % 5 == 4 {
                written += packet(&mut w, t, c, true, format!("{id};").as_bytes());
                written += packet(&mut w, t + 20, c, false, b"ON");
            }
            written += packet(&mut w, t + 40, c, true, report.as_bytes());
            t += 100;
        }
        round += 1;
    }
    eprintln!(
        "wrote {out}: about {} MB, {devices} devices, {round} rounds",
        written >> 20
    );
}
