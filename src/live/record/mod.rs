//! Records live traffic, both directions, to pcapng files that reopen in the analyzer and in
//! Wireshark as the same conversations.
//!
//! The listener calls a [`Recorder`] as things happen on its sockets: a TCP connection is
//! accepted ([`Recorder::tcp_open`]), bytes are read or written ([`Recorder::tcp_data`]), the
//! connection ends ([`Recorder::tcp_close`]), a UDP datagram comes or goes
//! ([`Recorder::udp`]). The sockets hand over bytes, not packets, so the packets are
//! synthesized: a handshake at the open, data segments whose sequence numbers advance by
//! exactly the bytes sent (from a per-side ISN), a bare ACK from the receiver after each
//! segment, FIN/FIN/ACK or RST at the end. Reassembly by sequence numbers, in the analyzer or
//! in Wireshark (`Follow TCP Stream`), gives back exactly the bytes the sockets saw, in order.
//! A write larger than 65,000 bytes becomes several segments, each one IP packet.
//!
//! # Format choices
//!
//! * **Link type raw IP (`LINKTYPE_RAW`, 101)**, not Ethernet: the listener knows addresses
//!   and ports, no MAC addresses, and an Ethernet header would only add invented ones (and 14
//!   bytes a packet). Wireshark dissects raw IP directly as IPv4 or IPv6 by the version
//!   nibble, and the analyzer's reader does the same (`LinkType::RawIp` in `net::link`).
//!   IPv4 peers are recorded as IPv4, IPv6 peers as IPv6; a v4-mapped IPv6 address from a
//!   dual-stack socket is recorded as the IPv4 address it maps.
//! * **Nanosecond timestamps (`if_tsresol` = 9)**: pcap-file writes an enhanced packet
//!   block's timestamp in nanoseconds, and `SystemTime` carries them; the interface says so.
//!   The analyzer and Wireshark both honour `if_tsresol`.
//!
//! # Durability
//!
//! Blocks are encoded into memory and reach the file whole (see `file`), at least every
//! [`RecordConfig::flush_every`] ([`Recorder::tick`], also checked at every event), followed
//! by `sync_data`. A crash or power loss loses at most the last interval, and what is on the
//! disk opens as a complete capture. After an I/O error (a full disk) the recorder writes
//! nothing more and every call returns the error: the file then ends where the failed write
//! left it.
//!
//! # Roll-over
//!
//! A packet that would take the current file past [`RecordConfig::max_bytes`] starts a new
//! file, `name-0001.pcapng`, `name-0002.pcapng`, ..., each with its own section header and
//! interface. Connections keep their sequence numbers across files: a reader of a later file
//! alone sees connections already under way, which the analyzer and Wireshark both handle,
//! and the analyzer given all the files keeps each connection one flow.
//!
//! Memory is bounded: a few numbers per open TCP connection (forgotten at its close) and at
//! most about 256 KiB of encoded blocks between writes.

pub(crate) mod file;
pub(crate) mod packets;

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use file::PcapNgFile;
use packets::{MAX_SEGMENT, Pair, Segment};

/// Default [`RecordConfig::max_bytes`]: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// Default [`RecordConfig::flush_every`]: one second.
pub const DEFAULT_FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Where and how to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordConfig {
    /// The first file; later ones get a number (`name-0001.pcapng`). Its folder is created.
    /// An existing file is overwritten, as `tcpdump -w` does.
    pub path: PathBuf,
    /// A file is closed and the next one started before it would grow past this many bytes
    /// (a file holds at least one packet, so a tiny limit means one packet a file).
    pub max_bytes: u64,
    /// The longest time between flushes.
    pub flush_every: Duration,
}

impl RecordConfig {
    /// A configuration with the default limits ([`DEFAULT_MAX_BYTES`],
    /// [`DEFAULT_FLUSH_EVERY`]).
    pub fn new(path: impl Into<PathBuf>) -> RecordConfig {
        RecordConfig {
            path: path.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            flush_every: DEFAULT_FLUSH_EVERY,
        }
    }
}

/// A recording could not be started: `cannot create recording <file>: <reason>`.
#[derive(Debug, thiserror::Error)]
#[error("cannot create recording {}: {error}", path.display())]
pub struct RecordError {
    /// The file (or its folder) that could not be created.
    pub path: PathBuf,
    /// Why.
    pub error: io::Error,
}

/// How a TCP connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// The device closed: its FIN, the server's FIN/ACK, the device's last ACK.
    FinByDevice,
    /// The server (the listener) closed: its FIN, the device's FIN/ACK, the last ACK.
    FinByServer,
    /// The connection was reset (the listener's read failed with "connection reset by
    /// peer"): an RST from the device.
    Reset,
}

/// A TCP connection being recorded (or exported): its addresses and the next sequence number
/// of each side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conn {
    /// The addresses.
    pub(crate) pair: Pair,
    device_next: u32,
    server_next: u32,
}

impl Conn {
    /// A connection whose next sequence numbers are these.
    pub(crate) fn new(pair: Pair, device_next: u32, server_next: u32) -> Conn {
        Conn {
            pair,
            device_next,
            server_next,
        }
    }

    /// The next sequence number of the sender and of the other side.
    pub(crate) fn next(&self, from_device: bool) -> (u32, u32) {
        if from_device {
            (self.device_next, self.server_next)
        } else {
            (self.server_next, self.device_next)
        }
    }

    /// `by` more bytes (or a SYN or FIN) sent by the device (`true`) or the server.
    pub(crate) fn advance(&mut self, from_device: bool, by: u32) {
        let next = if from_device {
            &mut self.device_next
        } else {
            &mut self.server_next
        };
        *next = next.wrapping_add(by);
    }
}

/// Writes live traffic to pcapng files; see the module documentation.
pub struct Recorder {
    cfg: RecordConfig,
    file: PcapNgFile,
    files: Vec<PathBuf>,
    /// Bytes of the files before the current one.
    bytes_before: u64,
    conns: HashMap<u64, Conn>,
    /// Seeds the ISNs.
    seed: u64,
    last_flush: SystemTime,
    /// The packet being built.
    scratch: Vec<u8>,
    /// Set by the first I/O error on a file; every call then returns it.
    failed: Option<(io::ErrorKind, String)>,
}

impl Recorder {
    /// Creates the first file (and its folder) and writes its headers.
    pub fn create(cfg: RecordConfig) -> Result<Recorder, RecordError> {
        if let Some(dir) = cfg.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| RecordError {
                path: cfg.path.clone(),
                error,
            })?;
        }
        let file = PcapNgFile::create(&cfg.path).map_err(|error| RecordError {
            path: cfg.path.clone(),
            error,
        })?;
        let now = SystemTime::now();
        let nanos = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(Recorder {
            files: vec![cfg.path.clone()],
            cfg,
            file,
            bytes_before: 0,
            conns: HashMap::new(),
            seed: nanos ^ (u64::from(std::process::id()) << 32),
            last_flush: now,
            scratch: Vec::new(),
            failed: None,
        })
    }

    /// A TCP connection from `device` to `server` was accepted at `ts`: writes SYN, SYN-ACK,
    /// ACK. A `conn` already open is an `InvalidInput` error and writes nothing.
    pub fn tcp_open(
        &mut self,
        conn: u64,
        device: SocketAddr,
        server: SocketAddr,
        ts: SystemTime,
    ) -> io::Result<()> {
        self.check()?;
        if self.conns.contains_key(&conn) {
            return Err(invalid(format!("TCP connection {conn} is already open")));
        }
        let pair = Pair::new(device, server);
        let device_isn = packets::isn(self.seed ^ conn.wrapping_mul(2));
        let server_isn = packets::isn(self.seed ^ conn.wrapping_mul(2).wrapping_add(1));
        let (d1, s1) = (device_isn.wrapping_add(1), server_isn.wrapping_add(1));
        let syn = Segment {
            seq: device_isn,
            syn: true,
            ..Segment::default()
        };
        let syn_ack = Segment {
            seq: server_isn,
            ack: Some(d1),
            syn: true,
            ..Segment::default()
        };
        self.tcp_packet(&pair, true, &syn, &[], ts)?;
        self.tcp_packet(&pair, false, &syn_ack, &[], ts)?;
        self.tcp_packet(&pair, true, &ack(d1, s1), &[], ts)?;
        self.conns.insert(conn, Conn::new(pair, d1, s1));
        self.tick(ts)
    }

    /// Bytes on a TCP connection: one data segment (or several, each at most 65,000 bytes of
    /// payload) with sequence and acknowledgement numbers following everything before, each
    /// acknowledged by the other side. No bytes, nothing written; a `conn` not open is an
    /// `InvalidInput` error.
    pub fn tcp_data(
        &mut self,
        conn: u64,
        from_device: bool,
        bytes: &[u8],
        ts: SystemTime,
    ) -> io::Result<()> {
        self.check()?;
        let mut c = self.open_conn(conn)?;
        for chunk in bytes.chunks(MAX_SEGMENT) {
            let (seq, other) = c.next(from_device);
            self.tcp_packet(&c.pair, from_device, &ack(seq, other), chunk, ts)?;
            // A chunk is at most MAX_SEGMENT long.
            c.advance(from_device, chunk.len() as u32);
            let (sent, other) = c.next(from_device);
            self.tcp_packet(&c.pair, !from_device, &ack(other, sent), &[], ts)?;
            self.conns.insert(conn, c);
        }
        self.tick(ts)
    }

    /// The connection ended: FIN from the side that closed, the answering FIN/ACK and the last
    /// ACK; or RST (see [`Close`]). The connection is forgotten; a `conn` not open is an
    /// `InvalidInput` error.
    pub fn tcp_close(&mut self, conn: u64, how: Close, ts: SystemTime) -> io::Result<()> {
        self.check()?;
        let c = self.open_conn(conn)?;
        self.conns.remove(&conn);
        let by_device = how != Close::FinByServer;
        let (seq, other) = c.next(by_device);
        let first = Segment {
            fin: how != Close::Reset,
            rst: how == Close::Reset,
            ..ack(seq, other)
        };
        self.tcp_packet(&c.pair, by_device, &first, &[], ts)?;
        if how != Close::Reset {
            let answer = Segment {
                fin: true,
                ..ack(other, seq.wrapping_add(1))
            };
            self.tcp_packet(&c.pair, !by_device, &answer, &[], ts)?;
            let last = ack(seq.wrapping_add(1), other.wrapping_add(1));
            self.tcp_packet(&c.pair, by_device, &last, &[], ts)?;
        }
        self.tick(ts)
    }

    /// One UDP datagram between a device and the server. A payload too long for one IP packet
    /// (which no socket delivers) is an `InvalidInput` error and writes nothing.
    pub fn udp(
        &mut self,
        device: SocketAddr,
        server: SocketAddr,
        from_device: bool,
        bytes: &[u8],
        ts: SystemTime,
    ) -> io::Result<()> {
        self.check()?;
        let pair = Pair::new(device, server);
        let mut scratch = std::mem::take(&mut self.scratch);
        let built = packets::udp(&mut scratch, &pair, from_device, bytes);
        let written = built.and_then(|()| self.packet(&scratch, ts));
        self.scratch = scratch;
        written?;
        self.tick(ts)
    }

    /// Flushes if [`RecordConfig::flush_every`] has passed since the last flush (the listener
    /// calls this at least every second). A clock that went back restarts the interval.
    pub fn tick(&mut self, now: SystemTime) -> io::Result<()> {
        match now.duration_since(self.last_flush) {
            Ok(since) if since >= self.cfg.flush_every => self.flush_at(now),
            Ok(_) => Ok(()),
            Err(_) => {
                self.last_flush = now;
                Ok(())
            }
        }
    }

    /// Writes everything recorded so far to the file and syncs it to the disk.
    pub fn flush_now(&mut self) -> io::Result<()> {
        self.flush_at(SystemTime::now())
    }

    /// Flushes and closes; returns the files written, in order. Connections still open stay
    /// open in the recording (no FIN): a reader sees them end with the capture. After an
    /// earlier I/O error this returns that error ([`Recorder::files`] still lists the files).
    pub fn finish(mut self) -> io::Result<Vec<PathBuf>> {
        self.flush_now()?;
        Ok(std::mem::take(&mut self.files))
    }

    /// The file being written now.
    pub fn current_file(&self) -> &Path {
        self.file.path()
    }

    /// Bytes recorded so far, all files together (including what is not flushed yet).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_before + self.file.len()
    }

    /// The files so far, in order (the current one last).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// TCP connections open in the recording.
    pub fn open_connections(&self) -> usize {
        self.conns.len()
    }

    fn check(&self) -> io::Result<()> {
        match &self.failed {
            None => Ok(()),
            Some((kind, msg)) => Err(io::Error::new(
                *kind,
                format!("recording stopped after an error: {msg}"),
            )),
        }
    }

    fn open_conn(&self, conn: u64) -> io::Result<Conn> {
        self.conns
            .get(&conn)
            .copied()
            .ok_or_else(|| invalid(format!("TCP connection {conn} is not open")))
    }

    fn flush_at(&mut self, now: SystemTime) -> io::Result<()> {
        self.check()?;
        let result = self.file.flush();
        self.failed_on(result)?;
        self.last_flush = now;
        Ok(())
    }

    fn tcp_packet(
        &mut self,
        pair: &Pair,
        from_device: bool,
        seg: &Segment,
        payload: &[u8],
        ts: SystemTime,
    ) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let built = packets::tcp(&mut scratch, pair, from_device, seg, payload);
        let written = built.and_then(|()| self.packet(&scratch, ts));
        self.scratch = scratch;
        written
    }

    /// Writes one IP packet, starting the next file first when this one would grow past the
    /// limit.
    fn packet(&mut self, data: &[u8], ts: SystemTime) -> io::Result<()> {
        let grown = self.file.len() + file::packet_block_len(data.len());
        if self.file.packets() > 0 && grown > self.cfg.max_bytes {
            let rolled = self.roll();
            self.failed_on(rolled)?;
        }
        let written = self.file.packet(ts, data);
        self.failed_on(written)
    }

    fn roll(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let n = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        let path = file::numbered(&self.cfg.path, n);
        let next = PcapNgFile::create(&path)?;
        self.bytes_before += self.file.len();
        self.file = next;
        self.files.push(path);
        Ok(())
    }

    /// Remembers a file error (naming the file) so that nothing more is written.
    fn failed_on<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        result.map_err(|e| {
            let msg = format!("{}: {e}", self.file.path().display());
            self.failed = Some((e.kind(), msg.clone()));
            io::Error::new(e.kind(), msg)
        })
    }
}

impl Drop for Recorder {
    /// Writes what is buffered, as [`Recorder::finish`] would (errors cannot be reported here).
    fn drop(&mut self) {
        if self.failed.is_none() {
            let _ = self.file.flush();
        }
    }
}

/// A segment with only the ACK bit set.
fn ack(seq: u32, ack: u32) -> Segment {
    Segment {
        seq,
        ack: Some(ack),
        ..Segment::default()
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The default recording file for a recording started at `now`:
/// `live-YYYYMMDD-HHMMSS.pcapng` (UTC) in the user's data folder, `$XDG_DATA_HOME/bn407/
/// recordings`, else `~/.local/share/bn407/recordings` (`%LOCALAPPDATA%\bn407\recordings` on
/// Windows); in the current folder when none is known. [`Recorder::create`] creates the folder.
pub fn default_path(now: SystemTime) -> PathBuf {
    let name = chrono::DateTime::<chrono::Utc>::from(now)
        .format("live-%Y%m%d-%H%M%S.pcapng")
        .to_string();
    match recordings_dir(|var| std::env::var_os(var)) {
        Some(dir) => dir.join(name),
        None => PathBuf::from(name),
    }
}

/// The recordings folder, from environment variables read through `var`.
fn recordings_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        set("LOCALAPPDATA")?
    } else {
        set("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| set("HOME").map(|h| h.join(".local").join("share")))?
    };
    Some(base.join("bn407").join("recordings"))
}

#[cfg(test)]
mod tests;
