//! The flow table: keys, the device side, UDP / log / raw flows, timeouts and eviction.
//! TCP's own state machine is in `tcpflow`.

/// Flow tables are keyed by addresses from the capture: a fast hasher, randomly seeded.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::{Ipv4Addr, SocketAddr};

use super::ip::UdpDgram;
use super::tcp::{Stream, StreamEvent};
use super::{EndReason, FlowEvent, FlowId, FlowInfo, NetConfig, NetStats, Side, SideBy, Transport};
use crate::capture::{Item, LogEvent, Timestamp};

/// How often (capture time) flows are checked for the idle timeout.
const SWEEP_EVERY_NS: i64 = 10_000_000_000;
/// How long a closed TCP flow is remembered, to absorb late ACKs and retransmissions.
pub(crate) const CLOSED_LINGER_NS: i64 = 120_000_000_000;

/// What identifies a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// TCP endpoints, the smaller first.
    Tcp(SocketAddr, SocketAddr),
    /// UDP endpoints, the smaller first.
    Udp(SocketAddr, SocketAddr),
    /// A server log's connection: (source, connection id).
    Log(usize, u64),
    /// A raw stream: its source.
    Raw(usize),
}

/// Orders two endpoints so both directions give the same key.
pub(crate) fn pair(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

/// What a server-log line says about its connection.
pub(crate) struct LogMeta {
    pub(crate) conn: u64,
    pub(crate) side: Side,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) local_port: Option<u16>,
    pub(crate) udp: bool,
    pub(crate) event: LogEvent,
    pub(crate) hint: Option<crate::capture::ProtocolHint>,
}

/// The flow key of a log line's connection. A server serves every UDP device through one
/// channel (one id in its log): its datagrams are told apart by their source address.
fn log_key(line: &LogMeta) -> u64 {
    match (line.udp, line.peer) {
        (true, Some(peer)) => {
            let text = peer.to_string();
            line.conn
                .to_le_bytes()
                .iter()
                .chain(text.as_bytes())
                .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
                })
        }
        _ => line.conn,
    }
}

/// The two directions of a TCP connection: `[device, server]`.
#[derive(Debug, Default)]
pub(crate) struct TcpConn {
    pub(crate) streams: [Stream; 2],
}

/// A live flow.
#[derive(Debug)]
pub(crate) struct Flow {
    pub(crate) id: FlowId,
    pub(crate) device: Option<SocketAddr>,
    pub(crate) last_ts: Option<Timestamp>,
    pub(crate) last_activity: u64,
    /// Closed (Close emitted) but remembered for a while.
    pub(crate) closed: bool,
    pub(crate) tcp: Option<Box<TcpConn>>,
    /// Packets seen from `[device, server]`.
    pub(crate) packets: [u64; 2],
}

impl Flow {
    /// Which side sent a packet from `src`.
    pub(crate) fn side_of(&self, src: SocketAddr) -> Side {
        if self.device == Some(src) {
            Side::Device
        } else {
            Side::Server
        }
    }

    /// Counts one packet (or log line, datagram) from `side`.
    pub(crate) fn count(&mut self, side: Side) {
        let i = match side {
            Side::Device => 0,
            Side::Server => 1,
        };
        if let Some(n) = self.packets.get_mut(i) {
            *n += 1;
        }
    }
}

/// All flows and the counters.
pub(crate) struct Flows {
    pub(crate) config: NetConfig,
    pub(crate) table: HashMap<Key, Flow>,
    pub(crate) infos: Vec<FlowInfo>,
    pub(crate) stats: NetStats,
    pub(crate) activity: u64,
    now: Option<i64>,
    last_sweep: Option<i64>,
    /// The protocol hint for the next flow opened (a server log's connection).
    next_hint: Option<crate::capture::ProtocolHint>,
    /// Server-log connections announced (`connected`) but not opened yet: their time.
    log_connects: HashMap<Key, Option<Timestamp>>,
}

/// Maps a stream's events to flow events, counting as it goes.
pub(crate) fn sink<'o>(
    flow: FlowId,
    side: Side,
    ts: Option<Timestamp>,
    stats: &'o mut NetStats,
    out: &'o mut dyn FnMut(FlowEvent<'_>),
) -> impl FnMut(StreamEvent<'_>) + 'o {
    move |event| match event {
        StreamEvent::Data(bytes) => {
            count_bytes(stats, side, bytes.len());
            out(FlowEvent::Data {
                flow,
                side,
                ts,
                bytes,
            });
        }
        StreamEvent::Gap(missing) => {
            stats.gaps += 1;
            stats.gap_bytes += missing;
            out(FlowEvent::Gap {
                flow,
                side,
                ts,
                missing,
            });
        }
        StreamEvent::Mismatch(offset) => {
            stats.tcp_overlap_mismatches += 1;
            let message = format!(
                "retransmitted bytes at stream offset {offset} differ from the first copy; the first copy is kept"
            );
            out(FlowEvent::Note {
                flow,
                side,
                ts,
                code: "tcp.overlap_mismatch",
                message,
            });
        }
    }
}

fn count_bytes(stats: &mut NetStats, side: Side, n: usize) {
    match side {
        Side::Device => stats.bytes_device += n as u64,
        Side::Server => stats.bytes_server += n as u64,
    }
}

/// Flushes (holes become gaps) and closes a flow, unless it is closed already.
pub(crate) fn close(
    flow: &mut Flow,
    ts: Option<Timestamp>,
    end: EndReason,
    stats: &mut NetStats,
    out: &mut dyn FnMut(FlowEvent<'_>),
) {
    if flow.closed {
        return;
    }
    if let Some(conn) = flow.tcp.as_mut() {
        for (stream, side) in conn.streams.iter_mut().zip([Side::Device, Side::Server]) {
            stream.flush(&mut sink(flow.id, side, ts.or(flow.last_ts), stats, out));
            stream.release();
        }
    }
    flow.closed = true;
    out(FlowEvent::Close {
        flow: flow.id,
        packets: flow.packets,
        end,
    });
}

impl Flows {
    pub(crate) fn new(config: NetConfig) -> Self {
        Flows {
            config,
            table: HashMap::default(),
            infos: Vec::new(),
            stats: NetStats::default(),
            activity: 0,
            now: None,
            last_sweep: None,
            next_hint: None,
            log_connects: HashMap::default(),
        }
    }

    pub(crate) fn info(&self, id: FlowId) -> Option<&FlowInfo> {
        self.infos.get(id.0 as usize)
    }

    /// Decides the device side from the ports: the side not on a server port.
    pub(crate) fn side_by_port(
        &self,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> (SocketAddr, SocketAddr, SideBy) {
        let server = |a: SocketAddr| self.config.server_ports.contains(&a.port());
        match (server(src), server(dst)) {
            (false, true) => (src, dst, SideBy::Port),
            (true, false) => (dst, src, SideBy::Port),
            _ => (src, dst, SideBy::FirstPacket),
        }
    }

    /// Opens a flow and emits `Open`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open(
        &mut self,
        key: Key,
        transport: Transport,
        ends: Option<(Option<SocketAddr>, Option<SocketAddr>)>,
        side_by: SideBy,
        ts: Option<Timestamp>,
        source: usize,
        out: &mut dyn FnMut(FlowEvent<'_>),
    ) {
        if self.table.len() >= self.config.max_flows.max(1) {
            self.evict(ts, out);
        }
        let id = FlowId(u32::try_from(self.infos.len()).unwrap_or(u32::MAX));
        let (device, server) = ends.unwrap_or((None, None));
        self.infos.push(FlowInfo {
            id,
            transport,
            device,
            server,
            side_by,
            first_ts: ts,
            source,
            hint: self.next_hint.take(),
        });
        let tcp = (transport == Transport::Tcp && !matches!(key, Key::Log(..))).then(Box::default);
        let flow = Flow {
            id,
            device,
            last_ts: ts,
            last_activity: self.activity,
            closed: false,
            tcp,
            packets: [0, 0],
        };
        self.table.insert(key, flow);
        self.stats.flows += 1;
        if let Some(info) = self.infos.last() {
            out(FlowEvent::Open(info));
        }
    }

    /// Opens the flow of a TCP segment or UDP datagram unless `key` is open: `sides` tells its
    /// device end, its server end and how they were told apart.
    pub(crate) fn open_packet_flow(
        &mut self,
        key: Key,
        transport: Transport,
        ts: Option<Timestamp>,
        source: usize,
        out: &mut dyn FnMut(FlowEvent<'_>),
        sides: impl FnOnce(&Self) -> (SocketAddr, SocketAddr, SideBy),
    ) {
        if self.table.contains_key(&key) {
            return;
        }
        let (device, server, by) = sides(self);
        let ends = Some((Some(device), Some(server)));
        self.open(key, transport, ends, by, ts, source, out);
    }

    /// Closes the least recently active eighth of the flows.
    fn evict(&mut self, ts: Option<Timestamp>, out: &mut dyn FnMut(FlowEvent<'_>)) {
        let mut by_age: Vec<(u64, FlowId, Key)> = self
            .table
            .iter()
            .map(|(k, f)| (f.last_activity, f.id, *k))
            .collect();
        let n = (by_age.len() / 8).max(1).min(by_age.len());
        by_age.sort_unstable_by_key(|&(a, id, _)| (a, id));
        let mut victims: Vec<(FlowId, Key)> = by_age
            .into_iter()
            .take(n)
            .map(|(_, id, k)| (id, k))
            .collect();
        victims.sort_unstable_by_key(|&(id, _)| id);
        for (_, key) in victims {
            if let Some(mut flow) = self.table.remove(&key) {
                if !flow.closed {
                    self.stats.flows_evicted += 1;
                }
                close(&mut flow, ts, EndReason::Evicted, &mut self.stats, out);
            }
        }
    }

    /// Advances capture time; closes packet flows idle past the timeout (log connections are
    /// named by the log and stay open until the end or eviction).
    pub(crate) fn tick(&mut self, ts: Option<Timestamp>, out: &mut dyn FnMut(FlowEvent<'_>)) {
        self.activity += 1;
        let Some(ts) = ts else {
            return;
        };
        let now = self.now.map_or(ts.0, |n| n.max(ts.0));
        self.now = Some(now);
        if self
            .last_sweep
            .is_some_and(|last| now.saturating_sub(last) < SWEEP_EVERY_NS)
        {
            return;
        }
        self.last_sweep = Some(now);
        let idle = i64::try_from(self.config.idle_timeout.as_nanos()).unwrap_or(i64::MAX);
        let mut expired: Vec<(FlowId, Key)> = self
            .table
            .iter()
            // A log names its connections: an idle one is still the same connection.
            .filter(|(k, _)| !matches!(k, Key::Log(..)))
            .filter(|(_, f)| {
                let limit = if f.closed { CLOSED_LINGER_NS } else { idle };
                f.last_ts.is_some_and(|t| now.saturating_sub(t.0) > limit)
            })
            .map(|(k, f)| (f.id, *k))
            .collect();
        expired.sort_unstable_by_key(|&(id, _)| id);
        for (_, key) in expired {
            if let Some(mut flow) = self.table.remove(&key) {
                if !flow.closed {
                    self.stats.flows_timed_out += 1;
                }
                close(
                    &mut flow,
                    Some(ts),
                    EndReason::Timeout,
                    &mut self.stats,
                    out,
                );
            }
        }
    }

    /// A UDP datagram: one unit.
    pub(crate) fn udp(
        &mut self,
        source: usize,
        ts: Option<Timestamp>,
        d: &UdpDgram<'_>,
        out: &mut dyn FnMut(FlowEvent<'_>),
    ) {
        self.stats.udp_datagrams += 1;
        let (a, b) = pair(d.src, d.dst);
        let key = Key::Udp(a, b);
        self.open_packet_flow(key, Transport::Udp, ts, source, out, |f| {
            f.side_by_port(d.src, d.dst)
        });
        self.unit(key, None, ts, d.payload, true, out, |f| f.side_of(d.src));
    }

    /// A server-log line of connection `conn`: data (one datagram for UDP, the next piece of
    /// the byte stream for TCP: servers log each read before framing, so a line may hold part
    /// of a frame or several frames), or the connection opening or closing.
    pub(crate) fn log(
        &mut self,
        source: usize,
        line: &LogMeta,
        item: &Item,
        out: &mut dyn FnMut(FlowEvent<'_>),
    ) {
        self.stats.log_lines += 1;
        let key = Key::Log(source, log_key(line));
        if line.event == LogEvent::Connected {
            // Opened at its first data line, which names the protocol; remember when.
            if !self.table.contains_key(&key) && self.log_connects.len() < self.config.max_flows {
                self.log_connects.insert(key, item.ts);
            }
            return;
        }
        let server = line
            .local_port
            .map(|p| SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), p));
        if !self.table.contains_key(&key) {
            let connected = self.log_connects.remove(&key);
            self.next_hint = line.hint;
            self.open(
                key,
                if line.udp {
                    Transport::Udp
                } else {
                    Transport::Tcp
                },
                Some((line.peer, server)),
                SideBy::Log,
                connected.flatten().or(item.ts),
                source,
                out,
            );
        }
        if line.event == LogEvent::Disconnected {
            if let Some(mut flow) = self.table.remove(&key) {
                close(
                    &mut flow,
                    item.ts,
                    EndReason::Disconnected,
                    &mut self.stats,
                    out,
                );
            }
            return;
        }
        let side = line.side;
        self.unit(
            key,
            Some((line.peer, server)),
            item.ts,
            &item.data,
            line.udp,
            out,
            |_| side,
        );
    }

    /// A raw chunk: more bytes from the device.
    pub(crate) fn raw(&mut self, source: usize, item: &Item, out: &mut dyn FnMut(FlowEvent<'_>)) {
        self.stats.raw_chunks += 1;
        let key = Key::Raw(source);
        if !self.table.contains_key(&key) {
            self.open(key, Transport::Raw, None, SideBy::Raw, item.ts, source, out);
        }
        self.unit(key, None, item.ts, &item.data, false, out, |_| Side::Device);
    }

    /// Emits one unit's bytes (and `UnitEnd` when `unit`), filling in addresses a log gives
    /// late.
    #[allow(clippy::too_many_arguments)]
    fn unit(
        &mut self,
        key: Key,
        ends: Option<(Option<SocketAddr>, Option<SocketAddr>)>,
        ts: Option<Timestamp>,
        bytes: &[u8],
        unit: bool,
        out: &mut dyn FnMut(FlowEvent<'_>),
        side_of: impl Fn(&Flow) -> Side,
    ) {
        let Some(flow) = self.table.get_mut(&key) else {
            return;
        };
        flow.last_ts = ts.or(flow.last_ts);
        flow.last_activity = self.activity;
        if let (Some((device, server)), Some(info)) = (ends, self.infos.get_mut(flow.id.0 as usize))
        {
            info.device = info.device.or(device);
            info.server = info.server.or(server);
        }
        let side = side_of(flow);
        flow.count(side);
        if !bytes.is_empty() {
            count_bytes(&mut self.stats, side, bytes.len());
            out(FlowEvent::Data {
                flow: flow.id,
                side,
                ts,
                bytes,
            });
        }
        if unit {
            out(FlowEvent::UnitEnd {
                flow: flow.id,
                side,
            });
        }
    }

    /// Ends the input: every open flow is flushed and closed, in order of id.
    pub(crate) fn finish(&mut self, out: &mut dyn FnMut(FlowEvent<'_>)) {
        let mut all: Vec<(FlowId, Key)> = self.table.iter().map(|(k, f)| (f.id, *k)).collect();
        all.sort_unstable_by_key(|&(id, _)| id);
        for (_, key) in all {
            if let Some(mut flow) = self.table.remove(&key) {
                close(&mut flow, None, EndReason::EndOfInput, &mut self.stats, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times more than `i64::MAX` ns apart (a server log dated 1626 beside one dated 2326, as a
    /// fuzzer found) still sweep: the idle packet flow times out instead of the sweep being
    /// skipped by a wrapped difference (or panicking where overflow is checked).
    #[test]
    fn sweeps_across_times_further_apart_than_i64() {
        let mut flows = Flows::new(NetConfig::default());
        let (a, b) = pair(
            SocketAddr::from(([10, 0, 0, 1], 40000)),
            SocketAddr::from(([10, 0, 0, 2], 8888)),
        );
        let early = Some(Timestamp(-6_000_000_000_000_000_000));
        let late = Some(Timestamp(6_000_000_000_000_000_000));
        let mut out = |_: FlowEvent<'_>| {};
        flows.open(
            Key::Udp(a, b),
            Transport::Udp,
            None,
            SideBy::Port,
            early,
            0,
            &mut out,
        );
        flows.tick(early, &mut out);
        assert_eq!(flows.table.len(), 1, "a flow was swept at its own time");
        flows.tick(late, &mut out);
        assert!(flows.table.is_empty(), "the idle flow was not swept");
        assert_eq!(flows.stats.flows_timed_out, 1);
    }
}
