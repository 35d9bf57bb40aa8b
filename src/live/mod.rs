//! Live traffic: the analyzer as the devices' server (answering as a platform would), as a relay
//! between the devices and their real platform, recording every byte both ways.
//!
//! Live mode drives the same pipeline as a file: each TCP connection and each UDP peer is a flow
//! of the [`crate::pipeline::Analyzer`], fed as the bytes arrive, so framing, detection,
//! decoding, findings, the list, the map and the plots are the ones a capture gets. Answers come
//! from each protocol's descriptor (its `reply` hook), never from a protocol named here, so a
//! protocol registered later is answered with no change to this module.
//!
//! The sockets run on a tokio runtime in a thread of their own ([`sockets`]); everything they
//! see goes over one channel to the engine thread ([`engine`]), which owns the analyzer, the
//! recording and the limits, and answers by sending bytes back to the socket tasks. The engine
//! hands each decoded frame to a [`LiveSink`] (the `listen` command prints it, the window
//! batches it), so the network never waits on a consumer and a consumer never blocks the
//! network. Sniffnet's capture thread works the same way.

mod engine;
mod kernel_drops;
mod queue;
pub mod record;
mod sockets;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use crate::pipeline::Decoded;
use crate::protocol::{Action, Imei};

pub use engine::{ConnState, DeviceLink, MAX_CLOSED_FLOWS};

/// How the analyzer takes part in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Answer as the devices' platform would (login, heartbeat, SOS acknowledgement, ...).
    Server,
    /// Listen and record, answer nothing.
    Passive,
    /// Pass every byte both ways to the platform at this address (`host:port`).
    Relay(String),
}

/// Settings of a live session.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Port to listen on (8888 like the reference platform).
    pub port: u16,
    /// Addresses to bind; empty: every interface (IPv4 and IPv6).
    pub bind: Vec<IpAddr>,
    /// Listen on TCP.
    pub tcp: bool,
    /// Listen on UDP.
    pub udp: bool,
    /// Server, passive or relay.
    pub mode: Mode,
    /// Acknowledge SOS alarms in server mode (BN-407 `E`).
    pub sos_ack: bool,
    /// Where to record, `None` for no recording.
    pub record: Option<record::RecordConfig>,
    /// Simultaneous TCP connections accepted; further ones are refused (counted).
    pub max_connections: usize,
    /// Bytes a connection may send without a frame the protocol recognises before it is
    /// closed (a flood with no terminator).
    pub max_unframed: usize,
    /// UDP peers (source address and port) tracked at once; past it the one heard from
    /// longest ago is forgotten (counted in [`Counters::udp_expired`]).
    pub max_udp_peers: usize,
    /// A connection or UDP peer silent this long is closed (tracking servers use 30 min).
    pub idle: Duration,
    /// Build each frame's field tree (for JSON output with fields).
    pub trees: bool,
    /// Bytes received and not yet analysed, at most (each event counts 128 bytes besides its
    /// own). When the analyzer falls behind, a TCP connection finding the queue full waits and
    /// is not read meanwhile (TCP flow control slows its device); a datagram finding it full is
    /// dropped and counted ([`Counters::datagrams_dropped`]).
    pub max_queued_bytes: usize,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            port: 8888,
            bind: Vec::new(),
            tcp: true,
            udp: true,
            mode: Mode::Server,
            sos_ack: true,
            record: None,
            max_connections: 10_000,
            max_unframed: 64 * 1024,
            max_udp_peers: 100_000,
            idle: Duration::from_secs(30 * 60),
            trees: false,
            max_queued_bytes: 16 << 20,
        }
    }
}

impl LiveConfig {
    /// The addresses to bind: the chosen ones, or every interface.
    pub fn bind_addrs(&self) -> Vec<SocketAddr> {
        if self.bind.is_empty() {
            vec![
                SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), self.port),
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), self.port),
            ]
        } else {
            self.bind
                .iter()
                .map(|ip| SocketAddr::new(*ip, self.port))
                .collect()
        }
    }

    /// True when listening on every interface (the window warns about it).
    pub fn every_interface(&self) -> bool {
        self.bind.is_empty() || self.bind.iter().any(IpAddr::is_unspecified)
    }
}

/// Why a live session could not start: one line naming the problem.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said, in words.
        reason: String,
    },
    /// The relay's platform address does not resolve.
    #[error("cannot relay to {target}: {reason}")]
    Forward {
        /// The `host:port` given.
        target: String,
        /// What went wrong.
        reason: String,
    },
    /// The recording could not be created.
    #[error("cannot record: {0}")]
    Record(String),
    /// Nothing to listen on.
    #[error("nothing to listen on: both TCP and UDP are off")]
    Nothing,
}

/// What the engine tells its sink besides frames.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LiveEvent {
    /// Listening.
    Listening {
        /// Bound addresses, with `tcp` or `udp`.
        on: Vec<String>,
        /// The receive buffer the UDP sockets got, in bytes as the system reports it (Linux
        /// reports twice what it keeps for datagrams); `None` without UDP.
        udp_receive_buffer: Option<usize>,
    },
    /// A TCP connection was accepted, or a UDP peer sent its first datagram.
    Connected {
        /// Flow number.
        flow: u32,
        /// `tcp` or `udp`.
        transport: &'static str,
        /// The device's address.
        peer: SocketAddr,
    },
    /// A connection was refused.
    Refused {
        /// The device's address.
        peer: SocketAddr,
        /// Why.
        why: String,
    },
    /// A connection or UDP peer ended.
    Closed {
        /// Flow number.
        flow: u32,
        /// Why, in words.
        why: String,
    },
    /// The relay could not reach the platform for this connection.
    PlatformUnreachable {
        /// Flow number.
        flow: u32,
        /// What went wrong.
        reason: String,
    },
    /// A command was sent (or queued for a UDP device's next datagram).
    CommandSent {
        /// The device.
        imei: String,
        /// What it asks.
        what: String,
        /// True when it waits for the device's next datagram.
        queued: bool,
    },
    /// A command could not be sent.
    CommandFailed {
        /// The device.
        imei: String,
        /// Why.
        reason: String,
    },
    /// The recording rolled over or ended: the files written so far.
    Recording {
        /// The file being written (or the last one).
        file: String,
    },
    /// The session stopped: what it counted.
    Stopped {
        /// The counters at the end.
        counters: Counters,
    },
}

/// The words for a [`LiveEvent::Listening`]: the addresses, and the UDP sockets' receive buffer.
pub fn listening_text(on: &[String], udp_receive_buffer: Option<usize>) -> String {
    let mut s = format!("listening on {}", on.join(", "));
    if let Some(b) = udp_receive_buffer {
        s.push_str(&format!(" (UDP receive buffer {} KiB)", b / 1024));
    }
    s
}

impl LiveEvent {
    /// The event in words, as the command line and the window both say it (`None` for the
    /// events each says its own way: commands sent, recordings, the stop).
    pub fn words(&self) -> Option<String> {
        Some(match self {
            Self::Listening {
                on,
                udp_receive_buffer,
            } => listening_text(on, *udp_receive_buffer),
            Self::Connected {
                flow,
                transport,
                peer,
            } => format!("flow {flow}: {transport} from {peer}"),
            Self::Refused { peer, why } => format!("refused {peer}: {why}"),
            Self::Closed { flow, why } => format!("flow {flow} {why}"),
            Self::PlatformUnreachable { flow, reason } => {
                format!("flow {flow}: platform unreachable ({reason})")
            }
            Self::CommandFailed { imei, reason } => {
                format!("command to {imei} not sent: {reason}")
            }
            Self::CommandSent { .. } | Self::Recording { .. } | Self::Stopped { .. } => {
                return None;
            }
        })
    }
}

/// What the listener counted: connections, refusals, closures (shown in the window's Live
/// panel and printed by `listen` when it stops).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// TCP connections accepted.
    pub accepted: u64,
    /// TCP connections refused because the limit was reached.
    pub refused_limit: u64,
    /// TCP connections open now.
    pub open: u64,
    /// Connections closed by the device.
    pub closed_by_device: u64,
    /// Connections closed for sending too much without a frame.
    pub closed_unframed: u64,
    /// Connections and UDP peers closed for silence.
    pub closed_idle: u64,
    /// UDP peers seen.
    pub udp_peers: u64,
    /// UDP peers forgotten after silence.
    pub udp_expired: u64,
    /// UDP datagrams received.
    pub datagrams: u64,
    /// Frames decoded.
    pub frames: u64,
    /// Answers sent as the server.
    pub replies: u64,
    /// Commands sent.
    pub commands: u64,
    /// Relay connections whose platform could not be reached.
    pub platform_unreachable: u64,
    /// Bytes received from devices.
    pub bytes_in: u64,
    /// Bytes sent to devices.
    pub bytes_out: u64,
    /// Closed connections and UDP peers forgotten by the flows and findings views (only the
    /// latest 50,000 are kept).
    pub flows_forgotten: u64,
    /// UDP datagrams dropped because the analyzer was behind (its queue full).
    pub datagrams_dropped: u64,
    /// UDP datagrams the kernel dropped before the listener read them (a burst past the
    /// socket's receive buffer); `None` where the system does not say (not Linux).
    pub datagrams_dropped_kernel: Option<u64>,
    /// The most bytes seen waiting for the analyzer at once (at most
    /// [`LiveConfig::max_queued_bytes`]).
    pub queued_peak: u64,
}

impl Counters {
    /// The datagrams the kernel dropped, for people: the number, or "an unknown number" where
    /// the system does not say.
    pub fn kernel_drops(&self) -> String {
        self.datagrams_dropped_kernel
            .map_or_else(|| "an unknown number".to_string(), |n| n.to_string())
    }
}

/// Receives what the engine decodes and notices, on the engine thread. Must not block.
pub trait LiveSink: Send {
    /// A decoded frame (either direction).
    fn frame(&mut self, d: &Decoded<'_>);
    /// Something happened.
    fn event(&mut self, e: &LiveEvent);
    /// Called about ten times a second with the counters and the devices' links.
    fn tick(&mut self, counters: &Counters, links: &[DeviceLink]);
    /// Called about once a second with every flow so far (for views of findings and flows).
    fn flows(&mut self, _flows: Vec<crate::pipeline::FlowSummary>) {}
}

/// Asks the engine to do something.
#[derive(Debug, Clone)]
pub enum Control {
    /// Send a command to a device (now over TCP; after its next datagram over UDP).
    Command {
        /// The device.
        imei: Imei,
        /// What to send.
        action: Action,
    },
    /// Stop listening, close everything, finish the recording.
    Stop,
}

/// A running live session.
pub struct LiveHandle {
    control: mpsc::Sender<Control>,
    engine: Option<JoinHandle<Result<Vec<std::path::PathBuf>, String>>>,
    /// The addresses actually bound (with the port chosen when 0 was asked).
    pub bound: Vec<(&'static str, SocketAddr)>,
}

impl LiveHandle {
    /// A sender of controls (for a window's buttons).
    pub fn control(&self) -> mpsc::Sender<Control> {
        self.control.clone()
    }

    /// Stops the session and waits for the recording to be finished; returns its files.
    pub fn stop(mut self) -> Result<Vec<std::path::PathBuf>, String> {
        self.finish()
    }

    fn finish(&mut self) -> Result<Vec<std::path::PathBuf>, String> {
        let _ = self.control.send(Control::Stop);
        match self.engine.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err("the live engine stopped unexpectedly".into())),
            None => Ok(Vec::new()),
        }
    }
}

impl Drop for LiveHandle {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Resolves a relay target `host:port` to its first address.
pub fn resolve_forward(target: &str) -> Result<SocketAddr, LiveError> {
    let err = |reason: String| LiveError::Forward {
        target: target.to_string(),
        reason,
    };
    let mut addrs = target
        .to_socket_addrs()
        .map_err(|e| err(format!("{e} (expected host:port)")))?;
    addrs
        .next()
        .ok_or_else(|| err("the name has no address".into()))
}

/// Starts a live session: binds every socket first (so a port in use is an error here), then
/// runs the sockets and the engine in threads of their own until [`LiveHandle::stop`].
pub fn start(cfg: LiveConfig, sink: Box<dyn LiveSink>) -> Result<LiveHandle, LiveError> {
    if !cfg.tcp && !cfg.udp {
        return Err(LiveError::Nothing);
    }
    let forward = match &cfg.mode {
        Mode::Relay(target) => Some(resolve_forward(target)?),
        _ => None,
    };
    let recorder = match &cfg.record {
        Some(rc) => Some(
            record::Recorder::create(rc.clone()).map_err(|e| LiveError::Record(e.to_string()))?,
        ),
        None => None,
    };
    let (net_tx, net_rx) = mpsc::channel();
    let (control_tx, control_rx) = mpsc::channel();
    let bound = sockets::spawn(&cfg, forward, net_tx)?;
    let on = bound
        .addrs
        .iter()
        .map(|(t, a)| format!("{t} {a}"))
        .collect();
    let listening = LiveEvent::Listening {
        on,
        udp_receive_buffer: bound.udp_buffer,
    };
    let engine = engine::Engine::new(cfg, recorder, sink, bound.sockets, listening);
    let thread = std::thread::Builder::new()
        .name("bn407-live".into())
        .spawn(move || engine.run(net_rx, control_rx))
        .map_err(|e| LiveError::Record(format!("cannot start the engine thread: {e}")))?;
    Ok(LiveHandle {
        control: control_tx,
        engine: Some(thread),
        bound: bound.addrs,
    })
}
