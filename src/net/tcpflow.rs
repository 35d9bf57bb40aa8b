//! TCP connections: which flow a segment belongs to (a reused 4-tuple after FIN/RST, or a new
//! SYN with another ISN, is a new flow), the device side, and FIN/RST handling. The byte
//! stream of each direction is `tcp::Stream`.

use super::flows::{Flow, Flows, Key, close, pair, sink};
use super::ip::TcpSeg;
use super::{EndReason, FlowEvent, Side, SideBy, Transport};
use crate::capture::Timestamp;

/// What to do with a segment given the flow its addresses name.
enum Fate {
    /// Part of that flow (or no flow yet).
    Continue,
    /// Belongs to the closed flow and adds nothing: drop (counted).
    Absorb { retransmission: bool },
    /// A new connection: the old flow (closed here if still open) is replaced.
    Replace,
}

fn index(side: Side) -> usize {
    match side {
        Side::Device => 0,
        Side::Server => 1,
    }
}

/// Decides whether `seg` continues `flow`.
fn fate(flow: &Flow, seg: &TcpSeg<'_>) -> Fate {
    let Some(conn) = flow.tcp.as_ref() else {
        return Fate::Replace;
    };
    let side = flow.side_of(seg.src);
    let stream = conn.streams.get(index(side));
    let client_syn = seg.syn && seg.ack.is_none();
    if flow.closed {
        if client_syn {
            return Fate::Replace;
        }
        let len = seg.payload.len() as u64;
        let old = stream
            .and_then(|s| s.offset(seg.seq).map(|o| o + len <= s.next_offset()))
            .unwrap_or(false);
        if seg.payload.is_empty() || old || seg.rst {
            return Fate::Absorb {
                retransmission: !seg.payload.is_empty(),
            };
        }
        return Fate::Replace;
    }
    if let Some(stream) = stream.filter(|_| client_syn) {
        match stream.isn() {
            Some(isn) if isn != seg.seq => return Fate::Replace,
            None if stream.started() => return Fate::Replace,
            _ => {}
        }
    }
    Fate::Continue
}

impl Flows {
    /// A TCP segment.
    pub(crate) fn tcp(
        &mut self,
        source: usize,
        ts: Option<Timestamp>,
        seg: &TcpSeg<'_>,
        out: &mut dyn FnMut(FlowEvent<'_>),
    ) {
        self.stats.tcp_segments += 1;
        let (a, b) = pair(seg.src, seg.dst);
        let key = Key::Tcp(a, b);
        let fate = self
            .table
            .get(&key)
            .map_or(Fate::Continue, |flow| fate(flow, seg));
        match fate {
            Fate::Continue => {}
            Fate::Absorb { retransmission } => {
                if retransmission {
                    self.stats.tcp_retransmissions += 1;
                }
                if let Some(flow) = self.table.get_mut(&key) {
                    flow.last_ts = ts.or(flow.last_ts);
                    flow.count(flow.side_of(seg.src));
                }
                return;
            }
            Fate::Replace => {
                if let Some(mut old) = self.table.remove(&key) {
                    close(&mut old, ts, EndReason::Replaced, &mut self.stats, out);
                }
            }
        }
        self.open_packet_flow(key, Transport::Tcp, ts, source, out, |f| {
            match (seg.syn, seg.ack.is_some()) {
                (true, false) => (seg.src, seg.dst, SideBy::Syn),
                (true, true) => (seg.dst, seg.src, SideBy::Syn),
                _ => f.side_by_port(seg.src, seg.dst),
            }
        });
        let cap = self.config.max_buffered_per_direction;
        let Some(flow) = self.table.get_mut(&key) else {
            return;
        };
        flow.last_ts = ts.or(flow.last_ts);
        flow.last_activity = self.activity;
        let side = flow.side_of(seg.src);
        flow.count(side);
        let id = flow.id;
        let Some(conn) = flow.tcp.as_mut() else {
            return;
        };
        let [device, server] = &mut conn.streams;
        let (mine, theirs) = match side {
            Side::Device => (device, server),
            Side::Server => (server, device),
        };
        if seg.syn {
            mine.syn(seg.seq);
            if let Some(ack) = seg.ack {
                theirs.start_at(ack);
            }
        }
        if seg.rst {
            close(flow, ts, EndReason::Rst, &mut self.stats, out);
            return;
        }
        let seq = if seg.syn {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        if !seg.payload.is_empty() {
            let mut emit = sink(id, side, ts, &mut self.stats, out);
            let outcome = mine.data(seq, seg.payload, cap, &mut emit);
            if seg.missing > 0 {
                let end = seq.wrapping_add(seg.payload.len() as u32);
                mine.lost(end, seg.missing as u64, &mut emit);
            }
            drop(emit);
            self.stats.tcp_retransmissions += u64::from(outcome.retransmission);
            self.stats.tcp_overlaps += u64::from(outcome.overlap);
            self.stats.tcp_keepalives += u64::from(outcome.keepalive);
        }
        if let Some(ack) = seg.ack {
            theirs.ack(ack);
        }
        if seg.fin {
            let end = seq.wrapping_add((seg.payload.len() + seg.missing) as u32);
            mine.start_at(end);
            mine.fin(end);
        }
        if mine.finished() && theirs.finished() {
            close(flow, ts, EndReason::Fin, &mut self.stats, out);
        }
    }
}
