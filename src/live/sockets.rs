//! The sockets of a live session, on a tokio runtime in a thread of their own: TCP listeners
//! (IPv4 and IPv6), one task per connection, UDP sockets, and in relay mode the connections (and
//! UDP sockets) to the platform. Nothing here decodes or decides: every byte received goes to
//! the engine as a [`NetEvent`], and the engine answers through each connection's [`Out`]
//! channel. In relay mode the bytes are passed on here, unchanged, before the engine sees them,
//! so the platform's conversation never waits on the analysis.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};

use super::kernel_drops::KernelDrops;
pub(super) use super::queue::{Gauge, Queue, Queued};
use super::{LiveConfig, LiveError, Mode};

/// Bytes read from a socket at once.
const READ_CHUNK: usize = 16 * 1024;
/// How long a broken connection's unread bytes are read after a write to it failed.
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// How long the relay tries to reach the platform.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The receive buffer asked for each UDP socket: a burst of datagrams waits there while the
/// tasks are busy instead of being dropped by the kernel (the system may grant less; Linux
/// caps it at `net.core.rmem_max` and reports twice what it keeps for its own bookkeeping).
pub(super) const UDP_RECV_BUFFER: usize = 4 << 20;
/// UDP relay sockets kept at most (one per device address).
const MAX_UDP_RELAYS: usize = 10_000;
/// A UDP relay socket silent this long is dropped.
const UDP_RELAY_IDLE: Duration = Duration::from_secs(30 * 60);

/// What the engine tells a connection to do.
#[derive(Debug)]
pub(super) enum Out {
    /// Write these bytes to the device.
    Send(Vec<u8>),
    /// Close the connection.
    Close,
}

/// Who ended a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closer {
    /// The device closed it (FIN).
    Device,
    /// The analyzer closed it (a limit, the end of the session).
    Analyzer,
    /// It broke (reset, or an error).
    Reset,
    /// The platform closed its side (relay).
    Platform,
}

/// What the sockets tell the engine.
#[derive(Debug)]
pub(super) enum NetEvent {
    /// A connection was accepted; the engine answers through `out`.
    TcpOpen {
        conn: u64,
        device: SocketAddr,
        server: SocketAddr,
        ts: SystemTime,
        out: mpsc::UnboundedSender<Out>,
    },
    /// Bytes on a connection: from the device, or (relay) from the platform.
    TcpData {
        conn: u64,
        from_device: bool,
        bytes: Vec<u8>,
        ts: SystemTime,
    },
    /// The connection ended.
    TcpClosed {
        conn: u64,
        by: Closer,
        ts: SystemTime,
    },
    /// A connection was refused (too many open).
    TcpRefused { device: SocketAddr },
    /// A datagram: from a device, or (relay) from the platform to that device.
    Udp {
        socket: usize,
        peer: SocketAddr,
        local: SocketAddr,
        from_device: bool,
        bytes: Vec<u8>,
        ts: SystemTime,
    },
    /// The relay could not reach the platform for this connection (or UDP peer).
    PlatformUnreachable { conn: Option<u64>, reason: String },
}

/// A datagram for the engine to send.
#[derive(Debug)]
pub(super) struct UdpOut {
    /// Destination (the device's address and port).
    pub(super) peer: SocketAddr,
    /// Bytes.
    pub(super) bytes: Vec<u8>,
}

/// What the engine holds of the sockets.
pub(super) struct Sockets {
    /// One sender per UDP socket (index as in [`NetEvent::Udp::socket`]).
    pub(super) udp: Vec<mpsc::UnboundedSender<UdpOut>>,
    /// Dropping it (or sending `true`) stops every task and the runtime.
    pub(super) shutdown: watch::Sender<bool>,
    /// The way to the engine: its fill and its drops.
    pub(super) queue: Gauge,
    /// What the kernel dropped on the UDP sockets.
    pub(super) kernel: KernelDrops,
}

/// The bound sockets, and the addresses for people.
pub(super) struct Bound {
    pub(super) addrs: Vec<(&'static str, SocketAddr)>,
    pub(super) sockets: Sockets,
    /// The smallest receive buffer the UDP sockets got, in bytes (as the system reports it).
    pub(super) udp_buffer: Option<usize>,
}

fn bind_error(addr: SocketAddr, e: &std::io::Error) -> LiveError {
    let reason = match e.kind() {
        std::io::ErrorKind::AddrInUse => "the port is in use by another program".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need privileges; try 8888)".to_string()
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "no interface of this machine has that address".to_string()
        }
        _ => e.to_string(),
    };
    LiveError::Bind { addr, reason }
}

/// An IPv4 address a dual-stack IPv6 socket reports as `::ffff:a.b.c.d`, as plain IPv4.
pub(super) fn unmapped(a: SocketAddr) -> SocketAddr {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => a,
        },
        v4 => v4,
    }
}

/// A destination as the socket at `local` needs it: IPv4 mapped into IPv6 for an IPv6 socket.
fn mapped_like(dest: SocketAddr, local: Option<SocketAddr>) -> SocketAddr {
    match (dest, local) {
        (SocketAddr::V4(v4), Some(SocketAddr::V6(_))) => {
            SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
        }
        _ => dest,
    }
}

/// Asks for a receive buffer of `want` bytes on a UDP socket; what the system granted (it may
/// refuse or cap the size; the socket then keeps its default, which is no error).
fn recv_buffer(s: &std::net::UdpSocket, want: usize) -> usize {
    let sock = socket2::SockRef::from(s);
    let _ = sock.set_recv_buffer_size(want);
    sock.recv_buffer_size().unwrap_or(0)
}

/// Binds a socket with std (so errors are known before anything starts), dual-stack off for
/// IPv6 so that an IPv4 socket on the same port can be bound beside it.
fn std_tcp(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// What binding a socket at `at` gave: the socket and its address (the port the system chose
/// for port 0; `at` when it cannot say), `None` when the failure is `covered` (not an error),
/// else the error to show.
fn bound<S>(
    r: std::io::Result<S>,
    at: SocketAddr,
    covered: impl Fn(&std::io::Error) -> bool,
    local_addr: impl Fn(&S) -> std::io::Result<SocketAddr>,
) -> Result<Option<(S, SocketAddr)>, LiveError> {
    match r {
        Ok(s) => {
            let local = local_addr(&s).unwrap_or(at);
            Ok(Some((s, local)))
        }
        Err(e) if covered(&e) => Ok(None),
        Err(e) => Err(bind_error(at, &e)),
    }
}

/// Binds every socket, then starts the runtime thread with the tasks.
pub(super) fn spawn(
    cfg: &LiveConfig,
    forward: Option<SocketAddr>,
    tx: Sender<Queued>,
) -> Result<Bound, LiveError> {
    let tx = Queue::new(tx, cfg.max_queued_bytes);
    let mut udp_buffer: Option<usize> = None;
    let mut addrs = Vec::new();
    let mut tcp = Vec::new();
    let mut udp = Vec::new();
    let wanted = cfg.bind_addrs();
    let every = cfg.bind.is_empty();
    // Port 0 asks the system for a port: the first socket's, then the same one for the rest.
    let mut port = cfg.port;
    for addr in wanted {
        let addr = SocketAddr::new(addr.ip(), port);
        // On every interface the IPv6 socket may already cover IPv4 (dual stack): an IPv4
        // bind that then fails with "in use" is covered, not an error.
        let covered = |e: &std::io::Error| {
            every && addr.is_ipv4() && e.kind() == std::io::ErrorKind::AddrInUse
        };
        if cfg.tcp
            && let Some((l, local)) = bound(std_tcp(addr), addr, covered, |l| l.local_addr())?
        {
            port = local.port();
            addrs.push(("tcp", local));
            tcp.push(l);
        }
        if cfg.udp {
            let at = SocketAddr::new(addr.ip(), port);
            let s = std::net::UdpSocket::bind(at).and_then(|s| s.set_nonblocking(true).map(|()| s));
            if let Some((s, local)) = bound(s, at, covered, |s| s.local_addr())? {
                let got = recv_buffer(&s, UDP_RECV_BUFFER);
                udp_buffer = Some(udp_buffer.map_or(got, |b| b.min(got)));
                port = local.port();
                addrs.push(("udp", local));
                udp.push(s);
            }
        }
    }
    let kernel = KernelDrops::new(&udp);
    let (shutdown, stop) = watch::channel(false);
    let mut udp_out = Vec::new();
    let mut udp_rx = Vec::new();
    for _ in &udp {
        let (t, r) = mpsc::unbounded_channel();
        udp_out.push(t);
        udp_rx.push(r);
    }
    let max = cfg.max_connections;
    let relay = matches!(cfg.mode, Mode::Relay(_))
        .then_some(forward)
        .flatten();
    let queue = tx.gauge();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Record(format!("cannot start the network runtime: {e}")))?;
    std::thread::Builder::new()
        .name("bn407-sockets".into())
        .spawn(move || {
            runtime.block_on(async move {
                let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let mut next_conn = 0u64;
                let mut tasks = Vec::new();
                for l in tcp {
                    let Ok(l) = TcpListener::from_std(l) else {
                        continue;
                    };
                    let first = next_conn;
                    next_conn += 1 << 40;
                    tasks.push(tokio::spawn(accept(
                        l,
                        first,
                        tx.clone(),
                        stop.clone(),
                        relay,
                        max,
                        open.clone(),
                    )));
                }
                for (i, (s, rx)) in udp.into_iter().zip(udp_rx).enumerate() {
                    let Ok(s) = UdpSocket::from_std(s) else {
                        continue;
                    };
                    tasks.push(tokio::spawn(datagrams(
                        Arc::new(s),
                        i,
                        rx,
                        tx.clone(),
                        stop.clone(),
                        relay,
                    )));
                }
                drop(tx);
                let mut stop = stop;
                let _ = stop.wait_for(|s| *s).await;
                for t in tasks {
                    t.abort();
                }
            });
        })
        .map_err(|e| LiveError::Record(format!("cannot start the network thread: {e}")))?;
    Ok(Bound {
        addrs,
        sockets: Sockets {
            udp: udp_out,
            shutdown,
            queue,
            kernel,
        },
        udp_buffer,
    })
}

/// Accepts connections; each gets a task, up to `max` at once.
async fn accept(
    l: TcpListener,
    mut conn: u64,
    tx: Queue,
    stop: watch::Receiver<bool>,
    relay: Option<SocketAddr>,
    max: usize,
    open: Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::Ordering;
    let server = l.local_addr().ok();
    loop {
        let Ok((stream, device)) = l.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if open.load(Ordering::Relaxed) >= max {
            drop(stream);
            tx.send(NetEvent::TcpRefused { device }).await;
            continue;
        }
        open.fetch_add(1, Ordering::Relaxed);
        let device = unmapped(device);
        let server = unmapped(stream.local_addr().ok().or(server).unwrap_or(device));
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        tx.send(NetEvent::TcpOpen {
            conn,
            device,
            server,
            ts: SystemTime::now(),
            out: out_tx,
        })
        .await;
        let (tx, stop, open) = (tx.clone(), stop.clone(), open.clone());
        let id = conn;
        tokio::spawn(async move {
            let by = match relay {
                Some(platform) => relay_conn(id, stream, platform, out_rx, &tx, stop).await,
                None => serve_conn(id, stream, out_rx, &tx, stop).await,
            };
            open.fetch_sub(1, Ordering::Relaxed);
            tx.send(NetEvent::TcpClosed {
                conn: id,
                by,
                ts: SystemTime::now(),
            })
            .await;
        });
        conn += 1;
    }
}

/// A connection the analyzer serves (or only listens to): device bytes to the engine, the
/// engine's answers to the device.
async fn serve_conn(
    conn: u64,
    stream: TcpStream,
    mut out: mpsc::UnboundedReceiver<Out>,
    tx: &Queue,
    mut stop: watch::Receiver<bool>,
) -> Closer {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) => return Closer::Device,
                Ok(n) => {
                    // Waits while the engine is behind: this connection is not read meanwhile.
                    let bytes = buf.get(..n).unwrap_or(&[]).to_vec();
                    tx.send(NetEvent::TcpData { conn, from_device: true, bytes, ts: SystemTime::now() }).await;
                }
                Err(_) => return Closer::Reset,
            },
            o = out.recv() => match o {
                Some(Out::Send(b)) => {
                    if wr.write_all(&b).await.is_err() {
                        return drain(conn, &mut rd, &mut buf, None, tx).await;
                    }
                }
                Some(Out::Close) | None => {
                    let _ = wr.shutdown().await;
                    return Closer::Analyzer;
                }
            },
            _ = stop.changed() => {
                let _ = wr.shutdown().await;
                return Closer::Analyzer;
            }
        }
    }
}

/// A write to the device failed: it closed, or reset, while an answer was on its way (a device
/// that closes with an answer unread resets the connection). What it sent before that may still
/// wait in the kernel's buffer: it goes to the engine, and in relay mode on to the `platform`
/// first, as every device byte does, so none of it is lost; then the connection ends as broken
/// (the platform's side closed). Bounded in time, in case the device goes on sending to a
/// half-broken socket.
async fn drain(
    conn: u64,
    rd: &mut tokio::net::tcp::OwnedReadHalf,
    buf: &mut [u8],
    mut platform: Option<&mut tokio::net::tcp::OwnedWriteHalf>,
    tx: &Queue,
) -> Closer {
    let until = tokio::time::Instant::now() + DRAIN_TIME;
    while let Ok(Ok(n @ 1..)) = tokio::time::timeout_at(until, rd.read(buf)).await {
        let bytes = buf.get(..n).unwrap_or(&[]);
        if let Some(up) = platform.as_mut()
            && up.write_all(bytes).await.is_err()
        {
            platform = None;
        }
        tx.send(NetEvent::TcpData {
            conn,
            from_device: true,
            bytes: bytes.to_vec(),
            ts: SystemTime::now(),
        })
        .await;
    }
    if let Some(up) = platform {
        let _ = up.shutdown().await;
    }
    Closer::Reset
}

/// A relayed connection: every byte passed on unchanged both ways, and a copy to the engine.
/// When the platform cannot be reached, the device's bytes are still received and analysed.
async fn relay_conn(
    conn: u64,
    stream: TcpStream,
    platform: SocketAddr,
    mut out: mpsc::UnboundedReceiver<Out>,
    tx: &Queue,
    mut stop: watch::Receiver<bool>,
) -> Closer {
    let up = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(platform)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tx.send(NetEvent::PlatformUnreachable {
                conn: Some(conn),
                reason: format!("{platform}: {e}"),
            })
            .await;
            return serve_conn(conn, stream, out, tx, stop).await;
        }
        Err(_) => {
            tx.send(NetEvent::PlatformUnreachable {
                conn: Some(conn),
                reason: format!(
                    "{platform}: no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ),
            })
            .await;
            return serve_conn(conn, stream, out, tx, stop).await;
        }
    };
    let _ = stream.set_nodelay(true);
    let _ = up.set_nodelay(true);
    let (mut drd, mut dwr) = stream.into_split();
    let (mut urd, mut uwr) = up.into_split();
    let mut dbuf = vec![0u8; READ_CHUNK];
    let mut ubuf = vec![0u8; READ_CHUNK];
    loop {
        tokio::select! {
            r = drd.read(&mut dbuf) => match r {
                Ok(0) => {
                    let _ = uwr.shutdown().await;
                    return Closer::Device;
                }
                Ok(n) => {
                    let bytes = dbuf.get(..n).unwrap_or(&[]);
                    let failed = uwr.write_all(bytes).await.is_err();
                    tx.send(NetEvent::TcpData { conn, from_device: true, bytes: bytes.to_vec(), ts: SystemTime::now() }).await;
                    if failed {
                        return Closer::Platform;
                    }
                }
                Err(_) => return Closer::Reset,
            },
            r = urd.read(&mut ubuf) => match r {
                Ok(0) | Err(_) => {
                    let _ = dwr.shutdown().await;
                    return Closer::Platform;
                }
                Ok(n) => {
                    let bytes = ubuf.get(..n).unwrap_or(&[]);
                    tx.send(NetEvent::TcpData { conn, from_device: false, bytes: bytes.to_vec(), ts: SystemTime::now() }).await;
                    if dwr.write_all(bytes).await.is_err() {
                        return drain(conn, &mut drd, &mut dbuf, Some(&mut uwr), tx).await;
                    }
                }
            },
            o = out.recv() => match o {
                Some(Out::Send(b)) => {
                    if dwr.write_all(&b).await.is_err() {
                        return drain(conn, &mut drd, &mut dbuf, Some(&mut uwr), tx).await;
                    }
                }
                Some(Out::Close) | None => {
                    let _ = dwr.shutdown().await;
                    let _ = uwr.shutdown().await;
                    return Closer::Analyzer;
                }
            },
            _ = stop.changed() => {
                let _ = dwr.shutdown().await;
                let _ = uwr.shutdown().await;
                return Closer::Analyzer;
            }
        }
    }
}

/// One UDP socket: datagrams to the engine, the engine's datagrams out; in relay mode one
/// socket toward the platform per device address.
async fn datagrams(
    s: Arc<UdpSocket>,
    index: usize,
    mut out: mpsc::UnboundedReceiver<UdpOut>,
    tx: Queue,
    mut stop: watch::Receiver<bool>,
    relay: Option<SocketAddr>,
) {
    let local = s.local_addr().ok();
    let mut buf = vec![0u8; 65_536];
    let mut relays: HashMap<SocketAddr, Relay> = HashMap::new();
    let mut sweep = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            r = s.recv_from(&mut buf) => {
                let Ok((n, peer)) = r else { continue };
                let bytes = buf.get(..n).unwrap_or(&[]).to_vec();
                let (peer, local) = (unmapped(peer), local.map(unmapped));
                if let Some(platform) = relay {
                    forward_datagram(&s, index, peer, platform, &bytes, &mut relays, &tx).await;
                }
                tx.offer(NetEvent::Udp {
                    socket: index,
                    peer,
                    local: local.unwrap_or(peer),
                    from_device: true,
                    bytes,
                    ts: SystemTime::now(),
                });
            }
            o = out.recv() => match o {
                Some(d) => { let _ = s.send_to(&d.bytes, mapped_like(d.peer, local)).await; }
                None => return,
            },
            _ = sweep.tick() => {
                relays.retain(|_, r| {
                    let keep = r.last.elapsed() < UDP_RELAY_IDLE;
                    if !keep {
                        r.task.abort();
                    }
                    keep
                });
            }
            _ = stop.changed() => {
                for r in relays.values() {
                    r.task.abort();
                }
                return;
            }
        }
    }
}

/// One device's socket toward the platform (relay mode, UDP).
struct Relay {
    socket: Arc<UdpSocket>,
    last: tokio::time::Instant,
    task: tokio::task::JoinHandle<()>,
}

/// Passes a device's datagram to the platform through that device's relay socket (created on
/// its first datagram, with a task passing the platform's answers back to the device).
async fn forward_datagram(
    s: &Arc<UdpSocket>,
    index: usize,
    peer: SocketAddr,
    platform: SocketAddr,
    bytes: &[u8],
    relays: &mut HashMap<SocketAddr, Relay>,
    tx: &Queue,
) {
    if !relays.contains_key(&peer) {
        if relays.len() >= MAX_UDP_RELAYS {
            return;
        }
        let any: SocketAddr = if platform.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        let up = match UdpSocket::bind(any).await {
            Ok(u) => Arc::new(u),
            Err(e) => {
                tx.send(NetEvent::PlatformUnreachable {
                    conn: None,
                    reason: format!("{platform}: {e}"),
                })
                .await;
                return;
            }
        };
        let (back, up2, tx2) = (s.clone(), up.clone(), tx.clone());
        let local = s.local_addr().ok();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok((n, from)) = up2.recv_from(&mut buf).await {
                if from != platform {
                    continue;
                }
                let bytes = buf.get(..n).unwrap_or(&[]).to_vec();
                let _ = back.send_to(&bytes, mapped_like(peer, local)).await;
                tx2.offer(NetEvent::Udp {
                    socket: index,
                    peer,
                    local: local.unwrap_or(peer),
                    from_device: false,
                    bytes,
                    ts: SystemTime::now(),
                });
            }
        });
        relays.insert(
            peer,
            Relay {
                socket: up,
                last: tokio::time::Instant::now(),
                task,
            },
        );
    }
    if let Some(r) = relays.get_mut(&peer) {
        r.last = tokio::time::Instant::now();
        if let Err(e) = r.socket.send_to(bytes, platform).await {
            tx.send(NetEvent::PlatformUnreachable {
                conn: None,
                reason: format!("{platform}: {e}"),
            })
            .await;
        }
    }
}
