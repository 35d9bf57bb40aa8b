//! pcapng of frames for Wireshark: one raw-IP packet per frame (a frame longer than a segment
//! takes several), with the frame's diagnostics and the findings that cite it as the packet's
//! comment (`opt_comment`), which Wireshark shows in the packet details and lists with
//! `Statistics > Capture File Properties` and the `frame.comment` field.
//!
//! The packets are synthesized with the live recorder's packet building
//! ([`crate::live::record`]): IPv4 or IPv6 by the flow's addresses, TCP segments whose sequence
//! numbers advance by exactly the bytes exported on each side (so Wireshark's and the
//! analyzer's reassembly give back the frames in order, with no missing segment even when the
//! filter left frames out), acknowledgement numbers that follow the other side, UDP datagrams
//! for UDP flows. Only frames become packets: no handshake, no bare acknowledgements, so the
//! packet count is the frame count (plus the extra segments of frames over 65,000 bytes).
//!
//! A flow that has no addresses (a raw device stream, a server log without ports) gets
//! documentation addresses: the device `192.0.2.x` (RFC 5737), port 40000 + the flow number,
//! the server `198.51.100.1:8888`. A frame without a capture time takes the time of the packet
//! before it plus a microsecond.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};

use crate::live::record::Conn;
use crate::live::record::file::{pcap_error, raw_ip_writer};
use crate::live::record::packets::{self, MAX_SEGMENT, Pair, Segment};
use crate::model::SessionFinding;
use crate::model::store::{FrameRef, FrameStore};
use crate::pipeline::FlowMeta;
use crate::protocol::Direction;

/// One frame to write: its place in the store and its number in the run (as `decode` and the
/// findings number frames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Index in the [`FrameStore`].
    pub index: usize,
    /// Frame number in the run, from 0.
    pub number: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PcapCount {
    /// Frames written.
    pub frames: u64,
    /// Packets written.
    pub packets: u64,
    /// Packets with a comment.
    pub commented: u64,
    /// Frames left out because they cannot be one UDP datagram.
    pub skipped: u64,
}

/// `rows` widened to every stored frame of their flows (both directions), in store order.
pub fn rows_of_flows(store: &FrameStore, rows: &[Row], number: impl Fn(usize) -> u64) -> Vec<Row> {
    let flows: std::collections::HashSet<u32> = rows
        .iter()
        .filter_map(|r| store.get(r.index).map(|f| f.flow()))
        .collect();
    store
        .iter()
        .filter(|f| flows.contains(&f.flow()))
        .map(|f| Row {
            index: f.index(),
            number: number(f.index()),
        })
        .collect()
}

/// The comment of a frame: its number, its diagnostics, the findings that cite it.
pub fn comment(f: &FrameRef<'_>, number: u64, findings: &[&SessionFinding]) -> Option<String> {
    let mut lines = Vec::new();
    for d in f.diagnostics() {
        lines.push(format!("{} {}: {}", d.severity.letter(), d.code, d.message));
    }
    for x in findings {
        lines.push(format!(
            "finding {} {}: {}",
            x.severity.letter(),
            x.code,
            x.message
        ));
    }
    if lines.is_empty() {
        return None;
    }
    lines.insert(0, format!("bn407 frame #{number}"));
    Some(lines.join("\n"))
}

/// Addresses of a flow: its own, or documentation addresses when it has none.
fn pair_of(info: Option<&FlowMeta>, flow: u32) -> Pair {
    let device = info.and_then(|i| i.device).unwrap_or_else(|| {
        let host = u8::try_from(flow % 254 + 1).unwrap_or(1);
        let port = u16::try_from(40_000 + flow % 20_000).unwrap_or(40_000);
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, host)), port)
    });
    let server = info.and_then(|i| i.server).unwrap_or(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        8888,
    ));
    Pair::new(device, server)
}

/// Writes `rows` of `store` as pcapng into `out`. `findings` are the run's findings (their
/// evidence frames get them as comments); `note` goes into the section header's comment (what
/// was exported, from what).
pub fn write<W: Write>(
    out: W,
    store: &FrameStore,
    rows: &[Row],
    findings: &[SessionFinding],
    note: &str,
) -> io::Result<PcapCount> {
    let mut cited: HashMap<u64, Vec<&SessionFinding>> = HashMap::new();
    for f in findings {
        for &e in &f.evidence {
            cited.entry(e).or_default().push(f);
        }
    }
    let mut w = raw_ip_writer(
        out,
        "export",
        Some(note.to_string()),
        "bn407-export",
        "packets synthesized from the analyzer's frames",
    )?;
    let mut conns: HashMap<u32, Conn> = HashMap::new();
    let mut count = PcapCount::default();
    let mut last_ts = 0i64;
    let mut packet = Vec::new();
    for r in rows {
        let Some(f) = store.get(r.index) else {
            continue;
        };
        let ts = f.ts().unwrap_or(last_ts.saturating_add(1000));
        last_ts = ts;
        let info = store.flow(f.flow());
        let conn = conns.entry(f.flow()).or_insert_with(|| {
            let pair = pair_of(info, f.flow());
            let seed = u64::from(f.flow());
            Conn::new(pair, packets::isn(seed * 2), packets::isn(seed * 2 + 1))
        });
        let from_device = f.direction() != Direction::ToDevice;
        let note = comment(
            &f,
            r.number,
            cited.get(&r.number).map_or(&[], Vec::as_slice),
        );
        let udp = info.is_some_and(|i| i.transport == "udp");
        let mut first = true;
        if udp {
            if packets::udp(&mut packet, &conn.pair, from_device, &f.bytes()).is_err() {
                count.skipped += 1;
                continue;
            }
            write_packet(&mut w, ts, &packet, note.as_deref(), &mut count)?;
        } else {
            for chunk in f.bytes().chunks(MAX_SEGMENT) {
                let (seq, ack) = conn.next(from_device);
                let seg = Segment {
                    seq,
                    ack: Some(ack),
                    ..Segment::default()
                };
                packets::tcp(&mut packet, &conn.pair, from_device, &seg, chunk)?;
                conn.advance(from_device, u32::try_from(chunk.len()).unwrap_or(0));
                let c = if first { note.as_deref() } else { None };
                write_packet(&mut w, ts, &packet, c, &mut count)?;
                first = false;
            }
        }
        count.frames += 1;
    }
    w.get_mut().flush()?;
    Ok(count)
}

fn write_packet<W: Write>(
    w: &mut pcap_file::pcapng::PcapNgWriter<W>,
    ts_ns: i64,
    data: &[u8],
    comment: Option<&str>,
    count: &mut PcapCount,
) -> io::Result<()> {
    let len = u32::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too long"))?;
    let mut options = Vec::new();
    if let Some(c) = comment {
        options.push(EnhancedPacketOption::Comment(c.into()));
        count.commented += 1;
    }
    let block = EnhancedPacketBlock {
        interface_id: 0,
        timestamp: Duration::from_nanos(u64::try_from(ts_ns).unwrap_or(0)),
        original_len: len,
        data: data.into(),
        options,
    };
    w.write_pcapng_block(block).map_err(pcap_error)?;
    count.packets += 1;
    Ok(())
}
