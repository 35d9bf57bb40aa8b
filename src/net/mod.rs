//! Link and IP parsing, flows, TCP reassembly.
//!
//! [`Reassembler::feed`] takes the [`Item`]s of any number of sources and emits
//! [`FlowEvent`]s: a flow opens, each side's bytes arrive in order (TCP reassembled,
//! retransmissions removed, holes reported as [`FlowEvent::Gap`]), UDP datagrams and log lines
//! end with [`FlowEvent::UnitEnd`], and the flow closes. Everything here is driven by capture
//! time, never by the clock, so a file gives the same events however fast it is read, and the
//! live mode can feed the same code.
//!
//! Flows of captured packets are keyed by their addresses and ports alone, not by source, so a
//! conversation that continues across rotated capture files stays one flow; server-log
//! connections and raw streams are per source.
//!
//! Memory is bounded: out-of-order bytes per direction ([`NetConfig::max_buffered_per_direction`],
//! past which the first hole becomes a gap), a window of recently delivered bytes per direction
//! (to compare retransmissions), IP fragments (see `defrag`), live flows (idle timeout by
//! capture time and [`NetConfig::max_flows`]). Nothing is dropped silently: a flow that times
//! out or is evicted is flushed (holes become gaps) and closed. One [`FlowInfo`] per flow ever
//! opened is kept so that [`Reassembler::flow`] answers after the flow closed.
//!
//! etherparse types never leave this module. Unlike Suricata's stream engine this one keeps
//! no per-packet list: in-order data is passed on without a copy, which is what a capture of
//! small tracker messages mostly is.

mod batch;
mod defrag;
mod flows;
mod ip;
mod link;
mod tcp;
mod tcpflow;

use std::net::SocketAddr;
use std::time::Duration;

use crate::capture::{Item, ItemKind, Timestamp};
pub use batch::EventBatch;

/// Identifies a flow within one [`Reassembler`]; numbered from 0 in order of opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowId(pub u32);

/// The transport of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// A TCP connection (server-log connections count as TCP).
    Tcp,
    /// A UDP address/port pair.
    Udp,
    /// A raw byte stream.
    Raw,
}

impl Transport {
    /// `"tcp"`, `"udp"` or `"raw"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Raw => "raw",
        }
    }
}

/// Which end of a flow sent some bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Bytes sent by the device (to the server).
    Device,
    /// Bytes sent by the server (to the device).
    Server,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Device => Side::Server,
            Side::Server => Side::Device,
        }
    }
}

/// How the device's side of a flow was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideBy {
    /// The device opened the TCP connection (its SYN, or the server's SYN-ACK, was seen).
    Syn,
    /// The other side uses a known server port ([`NetConfig::server_ports`]).
    Port,
    /// Neither: the sender of the first packet seen is taken as the device.
    FirstPacket,
    /// A server log says which peer is the device.
    Log,
    /// A raw stream: all bytes are the device's.
    Raw,
}

/// What is known about a flow when it opens.
#[derive(Clone, Debug)]
pub struct FlowInfo {
    /// The flow's id.
    pub id: FlowId,
    /// TCP, UDP or raw.
    pub transport: Transport,
    /// The device's address (for a log, as logged; port 0 when the log gives none).
    pub device: Option<SocketAddr>,
    /// The server's address (for a log, `0.0.0.0` with the logged port).
    pub server: Option<SocketAddr>,
    /// How the device side was decided.
    pub side_by: SideBy,
    /// Capture time of the flow's first packet.
    pub first_ts: Option<Timestamp>,
    /// Index of the input the flow's first packet came from.
    pub source: usize,
    /// The protocol a server log named for the connection (`gps103`), a hint detection
    /// confirms or contradicts.
    pub hint: Option<crate::capture::ProtocolHint>,
}

/// What the reassembler reports: the flow's description and the bytes borrowed from it.
pub type FlowEvent<'a> = FlowEventOf<&'a FlowInfo, &'a [u8]>;

/// A flow event whose flow description is an `I` and whose bytes are a `B`: borrowed in a
/// [`FlowEvent`], held as indices into a batch's own storage in an [`EventBatch`].
#[derive(Debug, Clone)]
pub enum FlowEventOf<I, B> {
    /// A new flow; its other events follow.
    Open(I),
    /// Bytes one side sent, in order.
    Data {
        /// The flow.
        flow: FlowId,
        /// Who sent the bytes.
        side: Side,
        /// Capture time of the packet that completed them.
        ts: Option<Timestamp>,
        /// The bytes.
        bytes: B,
    },
    /// The end of a UDP datagram or of a log line's message.
    UnitEnd {
        /// The flow.
        flow: FlowId,
        /// Who sent the unit.
        side: Side,
    },
    /// Bytes one side sent that the capture does not hold.
    Gap {
        /// The flow.
        flow: FlowId,
        /// Who sent the missing bytes.
        side: Side,
        /// Capture time at which the gap was declared.
        ts: Option<Timestamp>,
        /// How many bytes are missing.
        missing: u64,
    },
    /// Something worth telling about the stream (e.g. `tcp.overlap_mismatch`).
    Note {
        /// The flow.
        flow: FlowId,
        /// The side concerned.
        side: Side,
        /// Capture time of the packet concerned.
        ts: Option<Timestamp>,
        /// A stable code.
        code: &'static str,
        /// The same in words.
        message: String,
    },
    /// The flow ended: FIN or RST, a new connection on the same addresses, idle timeout,
    /// eviction, or the end of the input.
    Close {
        /// The flow.
        flow: FlowId,
        /// Packets (log lines, datagrams, segments including bare acknowledgements) seen from
        /// `[device, server]`: zero from the server means the capture may hold one direction.
        packets: [u64; 2],
        /// Why the flow ended.
        end: EndReason,
    },
}

/// Why a flow ended, so findings can tell a connection that closed from a capture that stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Both sides sent FIN.
    Fin,
    /// A side sent RST.
    Rst,
    /// A new connection reused the addresses.
    Replaced,
    /// No packet for the idle timeout.
    Timeout,
    /// Closed to keep the number of open flows bounded.
    Evicted,
    /// The server log says the connection ended (`disconnected`).
    Disconnected,
    /// The input ended with the flow still open: the capture cannot tell how it ended.
    EndOfInput,
}

impl EndReason {
    /// Name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Replaced => "replaced",
            EndReason::Timeout => "timeout",
            EndReason::Evicted => "evicted",
            EndReason::Disconnected => "disconnected",
            EndReason::EndOfInput => "end_of_input",
        }
    }
    /// True when the connection really ended (not merely the capture).
    pub fn closed(self) -> bool {
        matches!(
            self,
            EndReason::Fin | EndReason::Rst | EndReason::Replaced | EndReason::Disconnected
        )
    }
}

/// Settings of the reassembler.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Ports on which servers listen: the side not on one of them is the device when no SYN
    /// was seen. Default `[8888]`.
    pub server_ports: Vec<u16>,
    /// Out-of-order bytes buffered per direction before the first hole is declared a gap.
    /// Default 1 MiB.
    pub max_buffered_per_direction: usize,
    /// A flow with no packet for this long (capture time) is closed. Default 30 minutes.
    pub idle_timeout: Duration,
    /// The most flows kept open at once; past it the least recently active are closed.
    /// Default 100 000.
    pub max_flows: usize,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            server_ports: vec![8888],
            max_buffered_per_direction: 1024 * 1024,
            idle_timeout: Duration::from_secs(30 * 60),
            max_flows: 100_000,
        }
    }
}

/// Counters of what the reassembler saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NetStats {
    /// Captured packets fed.
    pub packets: u64,
    /// Captured bytes of those packets.
    pub bytes: u64,
    /// Packets without IP (ARP, LLDP, ...) or of an unsupported link type.
    pub non_ip: u64,
    /// IP packets that are neither TCP nor UDP (ICMP, ...).
    pub ignored: u64,
    /// Packets whose headers do not parse.
    pub malformed: u64,
    /// Packets cut short by the snapshot length.
    pub truncated: u64,
    /// IP fragments seen.
    pub ip_fragments: u64,
    /// Datagrams reassembled from fragments.
    pub ip_reassembled: u64,
    /// Fragments given up (never completed, timed out, over the memory bound, unusable).
    pub ip_fragments_dropped: u64,
    /// TCP segments seen.
    pub tcp_segments: u64,
    /// TCP segments carrying only data already seen.
    pub tcp_retransmissions: u64,
    /// TCP segments carrying partly seen, partly new data.
    pub tcp_overlaps: u64,
    /// Retransmitted bytes that differ from the first copy.
    pub tcp_overlap_mismatches: u64,
    /// TCP keep-alive probes.
    pub tcp_keepalives: u64,
    /// UDP datagrams seen.
    pub udp_datagrams: u64,
    /// Server-log messages seen.
    pub log_lines: u64,
    /// Raw chunks seen.
    pub raw_chunks: u64,
    /// Gaps declared.
    pub gaps: u64,
    /// Bytes missing in those gaps.
    pub gap_bytes: u64,
    /// Flows opened.
    pub flows: u64,
    /// Flows closed by the idle timeout.
    pub flows_timed_out: u64,
    /// Flows closed because too many were open.
    pub flows_evicted: u64,
    /// Stream bytes delivered from devices.
    pub bytes_device: u64,
    /// Stream bytes delivered from servers.
    pub bytes_server: u64,
}

/// Turns items into flows and ordered per-side byte streams.
pub struct Reassembler {
    defrag: defrag::Defrag,
    flows: flows::Flows,
}

impl Reassembler {
    /// A reassembler with the given settings.
    pub fn new(config: NetConfig) -> Self {
        Reassembler {
            defrag: defrag::Defrag::default(),
            flows: flows::Flows::new(config),
        }
    }

    /// Feeds one item from input number `source`; events go to `out`.
    pub fn feed(&mut self, source: usize, item: &Item, out: &mut dyn FnMut(FlowEvent<'_>)) {
        self.flows.tick(item.ts, out);
        match item.kind {
            ItemKind::Packet { link } => self.packet(source, link, item, out),
            ItemKind::Log {
                conn,
                to_device,
                peer,
                local_port,
                udp,
                event,
                hint,
            } => {
                let side = if to_device {
                    Side::Server
                } else {
                    Side::Device
                };
                let line = flows::LogMeta {
                    conn,
                    side,
                    peer,
                    local_port,
                    udp,
                    event,
                    hint,
                };
                self.flows.log(source, &line, item, out);
            }
            ItemKind::Raw => self.flows.raw(source, item, out),
        }
    }

    fn packet(
        &mut self,
        source: usize,
        link: crate::capture::LinkType,
        item: &Item,
        out: &mut dyn FnMut(FlowEvent<'_>),
    ) {
        let stats = &mut self.flows.stats;
        stats.packets += 1;
        stats.bytes += item.data.len() as u64;
        let ip = match link::ip_payload(link, &item.data) {
            Ok(ip) => ip,
            Err(link::NotIp::Other) => {
                stats.non_ip += 1;
                return;
            }
            Err(link::NotIp::Malformed) => {
                stats.malformed += 1;
                return;
            }
        };
        let dropped_before = self.defrag.dropped;
        self.defrag.maintain(item.ts);
        stats.ip_fragments_dropped += self.defrag.dropped - dropped_before;
        let outcome = ip::parse(ip, item.ts, &mut self.defrag);
        let datagram = match outcome {
            ip::IpOutcome::Datagram(d) => d,
            ip::IpOutcome::Fragment => {
                stats.ip_fragments += 1;
                return;
            }
            ip::IpOutcome::BadFragment => {
                stats.ip_fragments += 1;
                stats.ip_fragments_dropped += 1;
                return;
            }
            ip::IpOutcome::Malformed => {
                stats.malformed += 1;
                return;
            }
        };
        if datagram.reassembled {
            stats.ip_fragments += 1;
            stats.ip_reassembled += 1;
        }
        if datagram.missing > 0 {
            stats.truncated += 1;
        }
        match ip::transport(&datagram) {
            ip::Transport::Tcp(seg) => self.flows.tcp(source, item.ts, &seg, out),
            ip::Transport::Udp(d) => self.flows.udp(source, item.ts, &d, out),
            ip::Transport::Other => stats.ignored += 1,
            ip::Transport::Malformed => stats.malformed += 1,
        }
    }

    /// Ends the input: holes become gaps, every open flow closes.
    pub fn finish(&mut self, out: &mut dyn FnMut(FlowEvent<'_>)) {
        self.flows.finish(out);
        let before = self.defrag.dropped;
        self.flows.stats.ip_fragments_dropped += self.defrag.clear() - before;
    }

    /// What is known about a flow (also after it closed).
    pub fn flow(&self, id: FlowId) -> Option<&FlowInfo> {
        self.flows.info(id)
    }

    /// Counters so far.
    pub fn stats(&self) -> &NetStats {
        &self.flows.stats
    }
}
