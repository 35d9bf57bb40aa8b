//! The live engine: one thread owning the analyzer, the recording and the limits. It turns
//! socket events into flows of the pipeline, answers device frames through their protocol's
//! `reply` hook (server mode), sends commands (at once over TCP, after the device's next
//! datagram over UDP, where carrier NAT would drop anything sent earlier), and closes
//! connections that flood without a frame or fall silent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

mod control;

use super::record::{Close, Recorder};
use super::sockets::{Closer, NetEvent, Out, Queued, Sockets, UdpOut};
use super::{Control, Counters, LiveConfig, LiveEvent, LiveSink, Mode};
use crate::net::EndReason;
use crate::pipeline::{Analyzer, Decoded, FlowMeta};
use crate::protocol::{Diagnostic, Direction, Imei, Kind, Protocol, ReplyOptions, Severity, Span};

/// How often the engine looks at the clock (idle connections, recording flush, sink tick).
const TICK: Duration = Duration::from_millis(100);
/// Closed connections and UDP peers whose summaries are kept (for the flows and findings
/// views); older ones are forgotten, counted in [`Counters::flows_forgotten`].
pub const MAX_CLOSED_FLOWS: usize = 50_000;
/// Commands queued per UDP device.
const MAX_QUEUED: usize = 16;

/// A connection's state, for the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    /// Open (TCP) or heard from recently (UDP).
    Open,
    /// Closed.
    Closed,
}

/// What the engine knows of a device's link: for the device panel and the commands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceLink {
    /// The device.
    pub imei: String,
    /// Its latest flow.
    pub flow: u32,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// Its address.
    pub peer: SocketAddr,
    /// Open or closed.
    pub state: ConnState,
    /// Seconds since its last frame.
    pub idle_s: u64,
    /// Commands waiting for its next datagram (UDP).
    pub queued: usize,
    /// The protocol it speaks.
    pub protocol: &'static str,
}

/// One TCP connection or UDP peer.
struct Conn {
    flow: u32,
    udp: Option<usize>,
    device: SocketAddr,
    server: SocketAddr,
    out: Option<UnboundedSender<Out>>,
    last: Instant,
    /// Device bytes since the last frame the protocol recognised.
    unframed: usize,
    packets: [u64; 2],
    imei: Option<Imei>,
    protocol: Option<&'static Protocol>,
    open: bool,
    /// The analyzer asked the socket to close (a limit, silence); waiting for it.
    closing: bool,
    queued: Vec<Vec<u8>>,
}

/// The engine's state.
pub(super) struct Engine {
    cfg: LiveConfig,
    recorder: Option<Recorder>,
    sink: Box<dyn LiveSink>,
    sockets: Sockets,
    an: Analyzer,
    conns: HashMap<u64, Conn>,
    udp_peers: HashMap<(usize, SocketAddr), u64>,
    /// UDP peers by their last datagram, oldest first (the one forgotten when a new peer
    /// comes past [`LiveConfig::max_udp_peers`], found without a scan under a flood).
    udp_lru: std::collections::BTreeSet<(Instant, u64)>,
    next_flow: u32,
    next_udp: u64,
    counters: Counters,
    last_tick: Instant,
    last_flows: Instant,
    listening: Option<LiveEvent>,
}

fn ns(t: SystemTime) -> Option<i64> {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// A frame the engine must act on after the analyzer is done with it.
struct Seen {
    reply: Option<Vec<u8>>,
    recognised: bool,
    imei: Option<Imei>,
    protocol: &'static Protocol,
}

impl Engine {
    pub(super) fn new(
        cfg: LiveConfig,
        recorder: Option<Recorder>,
        sink: Box<dyn LiveSink>,
        sockets: Sockets,
        listening: LiveEvent,
    ) -> Self {
        let trees = cfg.trees;
        let kernel_drops = sockets.kernel.read();
        Self {
            cfg,
            recorder,
            sink,
            sockets,
            an: {
                let mut an = Analyzer::new(trees);
                an.bound_closed(MAX_CLOSED_FLOWS);
                an
            },
            conns: HashMap::new(),
            udp_peers: HashMap::new(),
            udp_lru: std::collections::BTreeSet::new(),
            next_flow: 0,
            next_udp: 1 << 62,
            counters: Counters {
                datagrams_dropped_kernel: kernel_drops,
                ..Counters::default()
            },
            last_tick: Instant::now(),
            last_flows: Instant::now(),
            listening: Some(listening),
        }
    }

    /// Runs until stopped; returns the recording's files.
    pub(super) fn run(
        mut self,
        net: Receiver<Queued>,
        control: Receiver<Control>,
    ) -> Result<Vec<std::path::PathBuf>, String> {
        if let Some(e) = self.listening.take() {
            self.sink.event(&e);
        }
        loop {
            match net.recv_timeout(TICK) {
                Ok(q) => {
                    self.take(q);
                    // Take what queued up before looking at the clock again, but look at it
                    // at least every tick: an analyzer behind a flood still ticks (counters,
                    // silent connections, the recording's flush) and still hears Stop.
                    for q in net.try_iter().take(10_000) {
                        self.take(q);
                        if self.last_tick.elapsed() >= TICK {
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let mut stop = false;
            for c in control.try_iter() {
                match c {
                    Control::Stop => stop = true,
                    Control::Command { imei, action } => self.command(imei, &action),
                }
            }
            if stop {
                break;
            }
            if self.last_tick.elapsed() >= TICK {
                self.tick();
            }
        }
        self.shutdown()
    }

    fn shutdown(mut self) -> Result<Vec<std::path::PathBuf>, String> {
        let now = SystemTime::now();
        // While the sockets are still open (the kernel's table lists open sockets only).
        self.counters.datagrams_dropped_kernel = self.sockets.kernel.read();
        let ids: Vec<u64> = self.conns.keys().copied().collect();
        for id in ids {
            self.end(id, Closer::Analyzer, now);
        }
        let _ = self.sockets.shutdown.send(true);
        let sink = &mut self.sink;
        let counters = &mut self.counters;
        self.an.finish(&mut |d| {
            counters.frames += 1;
            sink.frame(&d);
        });
        self.counters.flows_forgotten = self.an.forgotten();
        self.counters.datagrams_dropped = self.sockets.queue.dropped();
        self.sink.tick(&self.counters, &[]);
        self.sink.event(&LiveEvent::Stopped {
            counters: self.counters,
        });
        match self.recorder.take() {
            Some(r) => {
                let files = r.finish().map_err(|e| format!("recording: {e}"))?;
                if let Some(f) = files.last() {
                    self.sink.event(&LiveEvent::Recording {
                        file: f.display().to_string(),
                    });
                }
                Ok(files)
            }
            None => Ok(Vec::new()),
        }
    }

    /// One queued event: noted in the queue's peak, handled, and its room in the queue given
    /// back.
    fn take(&mut self, q: Queued) {
        let queued = self.sockets.queue.queued() as u64;
        self.counters.queued_peak = self.counters.queued_peak.max(queued);
        self.net(q.ev);
    }

    fn open_flow(
        &mut self,
        transport: &'static str,
        device: SocketAddr,
        server: SocketAddr,
    ) -> u32 {
        let id = self.next_flow;
        self.next_flow = self.next_flow.wrapping_add(1);
        self.an.open_flow(FlowMeta {
            id,
            transport,
            device: Some(device),
            server: Some(server),
            certain: true,
            source: 0,
            hint: None,
            from_log: false,
        });
        self.sink.event(&LiveEvent::Connected {
            flow: id,
            transport,
            peer: device,
        });
        id
    }

    fn net(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::TcpOpen {
                conn,
                device,
                server,
                ts,
                out,
            } => {
                self.counters.accepted += 1;
                self.counters.open += 1;
                let flow = self.open_flow("tcp", device, server);
                if let Some(r) = self.recorder.as_mut() {
                    let _ = r.tcp_open(conn, device, server, ts);
                }
                self.conns.insert(
                    conn,
                    Conn {
                        flow,
                        udp: None,
                        device,
                        server,
                        out: Some(out),
                        last: Instant::now(),
                        unframed: 0,
                        packets: [1, 1],
                        imei: None,
                        protocol: None,
                        open: true,
                        closing: false,
                        queued: Vec::new(),
                    },
                );
            }
            NetEvent::TcpData {
                conn,
                from_device,
                bytes,
                ts,
            } => {
                if let Some(r) = self.recorder.as_mut() {
                    let _ = r.tcp_data(conn, from_device, &bytes, ts);
                }
                self.data(conn, from_device, &bytes, ts, false);
            }
            NetEvent::TcpClosed { conn, by, ts } => {
                if self.conns.get(&conn).is_some_and(|c| c.open) {
                    if by == Closer::Device {
                        self.counters.closed_by_device += 1;
                    }
                    self.end(conn, by, ts);
                }
            }
            NetEvent::TcpRefused { device } => {
                self.counters.refused_limit += 1;
                self.sink.event(&LiveEvent::Refused {
                    peer: device,
                    why: format!(
                        "{} connections are open (the limit)",
                        self.cfg.max_connections
                    ),
                });
            }
            NetEvent::Udp {
                socket,
                peer,
                local,
                from_device,
                bytes,
                ts,
            } => self.datagram(socket, peer, local, from_device, &bytes, ts),
            NetEvent::PlatformUnreachable { conn, reason } => {
                self.counters.platform_unreachable += 1;
                let flow = conn.and_then(|c| self.conns.get(&c)).map(|c| c.flow);
                if let Some(flow) = flow {
                    self.an.note(
                        flow,
                        0,
                        Diagnostic::new(
                            Severity::Error,
                            "live.platform_unreachable",
                            format!("the relay could not reach the platform ({reason}): the device's bytes are decoded and recorded, but nothing reaches the platform"),
                            Span::new(0, 0),
                        ),
                    );
                    self.sink
                        .event(&LiveEvent::PlatformUnreachable { flow, reason });
                }
            }
        }
    }

    fn datagram(
        &mut self,
        socket: usize,
        peer: SocketAddr,
        local: SocketAddr,
        from_device: bool,
        bytes: &[u8],
        ts: SystemTime,
    ) {
        self.counters.datagrams += u64::from(from_device);
        let key = (socket, peer);
        let id = match self.udp_peers.get(&key) {
            Some(id) => *id,
            None => {
                while self.udp_peers.len() >= self.cfg.max_udp_peers.max(1)
                    && self.expire_oldest_udp()
                {}
                let id = self.next_udp;
                self.next_udp += 1;
                self.counters.udp_peers += 1;
                let flow = self.open_flow("udp", peer, local);
                self.udp_peers.insert(key, id);
                let now = Instant::now();
                self.udp_lru.insert((now, id));
                self.conns.insert(
                    id,
                    Conn {
                        flow,
                        udp: Some(socket),
                        device: peer,
                        server: local,
                        out: None,
                        last: now,
                        unframed: 0,
                        packets: [0, 0],
                        imei: None,
                        protocol: None,
                        open: true,
                        closing: false,
                        queued: Vec::new(),
                    },
                );
                id
            }
        };
        if let Some(r) = self.recorder.as_mut() {
            let _ = r.udp(peer, local, from_device, bytes, ts);
        }
        self.data(id, from_device, bytes, ts, true);
    }

    /// Bytes from one side of a connection: decoded, answered, and checked against the limits.
    fn data(&mut self, id: u64, from_device: bool, bytes: &[u8], ts: SystemTime, unit: bool) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let side = usize::from(!from_device);
        if let Some(p) = c.packets.get_mut(side) {
            *p += 1;
        }
        let now = Instant::now();
        if c.udp.is_some() && self.udp_lru.remove(&(c.last, id)) {
            self.udp_lru.insert((now, id));
        }
        c.last = now;
        if from_device {
            self.counters.bytes_in += bytes.len() as u64;
            c.unframed = c.unframed.saturating_add(bytes.len());
        }
        let flow = c.flow;
        let answer = self.cfg.mode == Mode::Server;
        let opts = ReplyOptions {
            sos_ack: self.cfg.sos_ack,
            now_ms: ns(ts).unwrap_or(0) / 1_000_000,
        };
        let mut seen: Vec<Seen> = Vec::new();
        let sink = &mut self.sink;
        let counters = &mut self.counters;
        let mut on_frame = |d: Decoded<'_>| {
            counters.frames += 1;
            sink.frame(&d);
            if d.direction == Direction::ToDevice {
                return;
            }
            let reply = if answer {
                d.protocol
                    .hooks
                    .reply
                    .and_then(|f| f(&d.message, d.bytes, &opts))
            } else {
                None
            };
            seen.push(Seen {
                reply,
                recognised: d.message.kind != Kind::Unknown
                    && !d.flags.too_long
                    && d.protocol.name != "unknown",
                imei: d.message.imei,
                protocol: d.protocol,
            });
        };
        self.an.data(flow, side, ns(ts), bytes, &mut on_frame);
        if unit {
            self.an.end_unit(flow, side, &mut on_frame);
        }
        let mut replies = Vec::new();
        if let Some(c) = self.conns.get_mut(&id) {
            for s in seen {
                if s.recognised {
                    c.unframed = 0;
                }
                c.imei = s.imei.or(c.imei);
                c.protocol = Some(s.protocol);
                replies.extend(s.reply);
            }
            if from_device && c.udp.is_some() {
                // The device's mapping is open now: what waited for it goes out after the answers.
                replies.append(&mut c.queued);
            }
        }
        for r in replies {
            self.counters.replies += 1;
            self.send(id, r);
        }
        let over = self
            .conns
            .get(&id)
            .is_some_and(|c| c.unframed > self.cfg.max_unframed && c.open && !c.closing);
        if over {
            self.counters.closed_unframed += 1;
            let limit = self.cfg.max_unframed;
            self.an.note(
                flow,
                0,
                Diagnostic::new(
                    Severity::Error,
                    "live.unframed",
                    format!("more than {limit} bytes without a frame any protocol recognises (no terminator): the analyzer closed the connection"),
                    Span::new(0, 0),
                ),
            );
            self.close(id);
        }
    }

    /// Sends bytes to a device as the server side: written to its socket, recorded, and fed to
    /// the analyzer as the server's direction.
    fn send(&mut self, id: u64, bytes: Vec<u8>) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let ts = SystemTime::now();
        self.counters.bytes_out += bytes.len() as u64;
        if let Some(p) = c.packets.get_mut(1) {
            *p += 1;
        }
        let (flow, udp, device, server) = (c.flow, c.udp, c.device, c.server);
        match (udp, c.out.as_ref()) {
            (Some(socket), _) => {
                if let Some(tx) = self.sockets.udp.get(socket) {
                    let _ = tx.send(UdpOut {
                        peer: device,
                        bytes: bytes.clone(),
                    });
                }
                if let Some(r) = self.recorder.as_mut() {
                    let _ = r.udp(device, server, false, &bytes, ts);
                }
            }
            (None, Some(out)) => {
                let _ = out.send(Out::Send(bytes.clone()));
                if let Some(r) = self.recorder.as_mut() {
                    let _ = r.tcp_data(id, false, &bytes, ts);
                }
            }
            (None, None) => return,
        }
        let sink = &mut self.sink;
        let counters = &mut self.counters;
        let mut on_frame = |d: Decoded<'_>| {
            counters.frames += 1;
            sink.frame(&d);
        };
        self.an.data(flow, 1, ns(ts), &bytes, &mut on_frame);
        self.an.end_unit(flow, 1, &mut on_frame);
    }

    /// Closes a connection from the analyzer's side (a limit, silence).
    fn close(&mut self, id: u64) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.closing {
            return;
        }
        c.closing = true;
        match &c.out {
            // The socket task reports the close; the flow ends then.
            Some(out) => {
                let _ = out.send(Out::Close);
            }
            None => self.end(id, Closer::Analyzer, SystemTime::now()),
        }
    }

    /// The connection (or UDP peer) ended: its flow is finished and its recording closed.
    fn end(&mut self, id: u64, by: Closer, ts: SystemTime) {
        let Some(mut c) = self.conns.remove(&id) else {
            return;
        };
        if let Some(out) = c.out.take() {
            let _ = out.send(Out::Close);
            self.counters.open = self.counters.open.saturating_sub(1);
            if let Some(r) = self.recorder.as_mut() {
                let how = match by {
                    Closer::Device => Close::FinByDevice,
                    Closer::Reset => Close::Reset,
                    Closer::Analyzer | Closer::Platform => Close::FinByServer,
                };
                let _ = r.tcp_close(id, how, ts);
            }
        }
        if let Some(socket) = c.udp {
            self.udp_peers.remove(&(socket, c.device));
            self.udp_lru.remove(&(c.last, id));
        }
        c.open = false;
        let end = match by {
            Closer::Reset => EndReason::Rst,
            _ if c.udp.is_some() => EndReason::Timeout,
            _ => EndReason::Fin,
        };
        let why = match by {
            Closer::Device => "closed by the device",
            Closer::Analyzer => "closed by the analyzer",
            Closer::Reset => "reset",
            Closer::Platform => "closed by the platform",
        };
        let sink = &mut self.sink;
        let counters = &mut self.counters;
        self.an.close(c.flow, ns(ts), c.packets, end, &mut |d| {
            counters.frames += 1;
            sink.frame(&d);
        });
        self.sink.event(&LiveEvent::Closed {
            flow: c.flow,
            why: why.to_string(),
        });
    }

    /// Forgets the UDP peer heard from longest ago; false when there is none.
    fn expire_oldest_udp(&mut self) -> bool {
        let Some((_, id)) = self.udp_lru.pop_first() else {
            return false;
        };
        self.counters.udp_expired += 1;
        if self.conns.contains_key(&id) {
            self.end(id, Closer::Analyzer, SystemTime::now());
        } else {
            // Not a live peer any more: its key must not hold the table full.
            self.udp_peers.retain(|_, v| *v != id);
        }
        true
    }
}
