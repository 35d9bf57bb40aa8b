//! Recording of live traffic to pcapng (placeholder until the recorder lands: same API, writes
//! nothing yet).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How a TCP connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// The device sent FIN.
    FinByDevice,
    /// The server side sent FIN.
    FinByServer,
    /// Reset.
    Reset,
}

/// Where and how to record.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    /// The first file.
    pub path: PathBuf,
    /// Roll over past this many bytes.
    pub max_bytes: u64,
    /// Flush at least this often.
    pub flush_every: Duration,
}

/// Why a recording could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecordError(pub String);

/// Writes live traffic to pcapng.
pub struct Recorder {
    path: PathBuf,
}

impl Recorder {
    /// Creates the first file.
    pub fn create(cfg: RecordConfig) -> Result<Recorder, RecordError> {
        Ok(Recorder { path: cfg.path })
    }
    /// A TCP connection was accepted.
    pub fn tcp_open(
        &mut self,
        _conn: u64,
        _device: SocketAddr,
        _server: SocketAddr,
        _ts: SystemTime,
    ) -> io::Result<()> {
        Ok(())
    }
    /// Bytes on a TCP connection.
    pub fn tcp_data(
        &mut self,
        _conn: u64,
        _from_device: bool,
        _bytes: &[u8],
        _ts: SystemTime,
    ) -> io::Result<()> {
        Ok(())
    }
    /// A TCP connection ended.
    pub fn tcp_close(&mut self, _conn: u64, _how: Close, _ts: SystemTime) -> io::Result<()> {
        Ok(())
    }
    /// A UDP datagram.
    pub fn udp(
        &mut self,
        _device: SocketAddr,
        _server: SocketAddr,
        _from_device: bool,
        _bytes: &[u8],
        _ts: SystemTime,
    ) -> io::Result<()> {
        Ok(())
    }
    /// Flushes when due.
    pub fn tick(&mut self, _now: SystemTime) -> io::Result<()> {
        Ok(())
    }
    /// Flushes now.
    pub fn flush_now(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Finishes; the files written.
    pub fn finish(self) -> io::Result<Vec<PathBuf>> {
        Ok(vec![self.path])
    }
}

/// The default recording path.
pub fn default_path(_now: SystemTime) -> PathBuf {
    PathBuf::from("live.pcapng")
}
