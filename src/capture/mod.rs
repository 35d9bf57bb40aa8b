//! Sources of bytes: capture files, server logs, raw streams (and later live sockets).
//!
//! Every input is recognised by its content, never by its file name: a pcap or pcapng magic
//! number makes a capture, a text whose lines carry a connection id and an arrow (and the data
//! as text, bare hex or after `HEX:`) makes a tracking server's log, and anything else is a raw byte stream from one device. A [`Source`]
//! then delivers [`Item`]s one at a time into a buffer the caller owns, so reading a gigabyte
//! capture allocates nothing per packet once the buffers have grown.
//!
//! Damage is reported, never hidden and never fatal to what came before it: a source delivers
//! every record before the damage, then one [`CaptureError`] of kind [`ErrorKind::Damaged`]
//! naming the byte offset, then ends. No length field read from a file ever sizes an
//! allocation before it has been checked against a fixed bound ([`MAX_RECORD`]).
//!
//! pcap-file types stay in this module: link types are converted to [`LinkType`] at the edge.
//! Where this module parts from the model codebases: sniffnet trusts the reader's errors as
//! they come; here each record's framing is checked first (offsets, bounds) and pcap-file only
//! decodes records already known to be whole.

mod detect;
mod input;
mod log;
pub(crate) mod logline;
mod merge;
mod pcap;
mod pcapng;
mod raw;

use std::fmt;
use std::path::Path;

pub use merge::Merged;

use input::Input;

/// The largest packet record accepted (256 KiB, as Wireshark); a longer one is damage.
pub const MAX_RECORD: u32 = 256 * 1024;

/// Nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// A timestamp from whole seconds and nanoseconds; `None` for a time nanoseconds in an
    /// `i64` cannot hold (before 1677-09-21 or after 2262-04-11). A capture that says such a
    /// time gets no time rather than a clamped one, which would show a date it never said.
    pub fn from_parts(secs: i64, nanos: i64) -> Option<Self> {
        secs.checked_mul(1_000_000_000)?
            .checked_add(nanos)
            .map(Timestamp)
    }

    /// Whole seconds since the epoch (rounded towards minus infinity).
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }
}

/// The link layer of a captured packet (converted from pcap-file's `DataLink` at the edge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II, possibly with 802.1Q / 802.1ad tags (LINKTYPE 1).
    Ethernet,
    /// BSD loopback, address family in the capturing host's byte order (LINKTYPE 0).
    Null,
    /// OpenBSD loopback, address family in network byte order (LINKTYPE 108).
    Loop,
    /// Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10, LINKTYPE 113).
    LinuxSll,
    /// Linux cooked capture v2 (LINKTYPE 276).
    LinuxSll2,
    /// Raw IP, version from the first nibble (LINKTYPE 101).
    RawIp,
    /// Raw IPv4 (LINKTYPE 228).
    Ipv4,
    /// Raw IPv6 (LINKTYPE 229).
    Ipv6,
    /// Any other link type, by its LINKTYPE number; such packets are counted and ignored.
    Other(u32),
}

impl LinkType {
    /// The link type for a LINKTYPE number from a capture file.
    pub fn from_linktype(value: u32) -> Self {
        match value {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            101 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Other(other),
        }
    }
}

impl From<pcap_file::DataLink> for LinkType {
    fn from(value: pcap_file::DataLink) -> Self {
        LinkType::from_linktype(u32::from(value))
    }
}

/// What an [`Item`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// One captured packet, starting at its link-layer header.
    Packet {
        /// The link layer of the packet.
        link: LinkType,
    },
    /// One message of a tracking server's log.
    Log {
        /// The connection id the log gives (hexadecimal ids parsed, others hashed).
        conn: u64,
        /// `true` for a message the server sent to the device (`>`), `false` for one received.
        to_device: bool,
        /// The device's address as logged (port 0 when the log gives none).
        peer: Option<std::net::SocketAddr>,
        /// The server's port when the log gives a number rather than a protocol name.
        local_port: Option<u16>,
        /// True for a UDP connection (each line one datagram); TCP lines are pieces of a
        /// byte stream, since servers log what each read returned, before framing.
        udp: bool,
        /// Data, or the connection opening or closing.
        event: LogEvent,
        /// The protocol the server took the connection for, when it logged a name.
        hint: Option<ProtocolHint>,
    },
    /// A chunk of a raw byte stream from one device.
    Raw,
}

/// What a server-log line says about its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// Bytes received or sent (in [`Item::data`]).
    Data,
    /// The connection opened (`connected`).
    Connected,
    /// The connection closed (`disconnected`).
    Disconnected,
}

/// A protocol name a server log gives a connection (`gps103`), kept inline (at most 15 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtocolHint {
    len: u8,
    bytes: [u8; 15],
}

impl ProtocolHint {
    /// A hint from a name of 1 to 15 ASCII letters, digits, `-` or `_`.
    pub fn new(name: &str) -> Option<Self> {
        let b = name.as_bytes();
        if b.is_empty()
            || b.len() > 15
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        {
            return None;
        }
        let mut bytes = [0u8; 15];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Self {
            len: b.len() as u8,
            bytes,
        })
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        std::str::from_utf8(b).unwrap_or("")
    }
}

impl fmt::Debug for ProtocolHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProtocolHint({})", self.as_str())
    }
}

/// One unit from a [`Source`]. `data` is reused between calls: pass the same `Item` again.
#[derive(Clone, Debug)]
pub struct Item {
    /// Capture time, when the input has one.
    pub ts: Option<Timestamp>,
    /// What the bytes are.
    pub kind: ItemKind,
    /// The bytes: a packet from its link header, a log message's decoded hex, a raw chunk.
    pub data: Vec<u8>,
}

impl Item {
    /// An empty item, ready to be filled by [`Source::next_into`].
    pub fn new() -> Self {
        Item {
            ts: None,
            kind: ItemKind::Raw,
            data: Vec::new(),
        }
    }
}

impl Default for Item {
    fn default() -> Self {
        Item::new()
    }
}

/// The formats an input can be recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Classic libpcap, either byte order, micro- or nanosecond timestamps.
    Pcap,
    /// pcapng, any number of sections and interfaces.
    PcapNg,
    /// A tracking server's log with hex dumps (Traccar style).
    ServerLog,
    /// Anything else: the bytes a device sent.
    Raw,
}

impl InputFormat {
    /// A short lowercase name: `pcap`, `pcapng`, `log`, `raw`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Pcap => "pcap",
            InputFormat::PcapNg => "pcapng",
            InputFormat::ServerLog => "log",
            InputFormat::Raw => "raw",
        }
    }
}

/// How bad a [`CaptureError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing could be read: missing, empty, or not the capture its start claims.
    Unreadable,
    /// Readable up to `offset`; everything before it was delivered.
    Damaged,
}

/// An input that could not be read, or could be read only up to a point.
#[derive(Debug, thiserror::Error)]
pub struct CaptureError {
    /// The input's name as given (`-` for standard input).
    pub path: String,
    /// Byte offset of the damage (of the record or block that is damaged), when known.
    pub offset: Option<u64>,
    /// Unreadable or damaged.
    pub kind: ErrorKind,
    /// What is wrong, in words.
    pub message: String,
}

impl CaptureError {
    pub(crate) fn unreadable(path: &str, offset: Option<u64>, message: impl Into<String>) -> Self {
        CaptureError {
            path: path.to_owned(),
            offset,
            kind: ErrorKind::Unreadable,
            message: message.into(),
        }
    }

    pub(crate) fn damaged(path: &str, offset: u64, message: impl Into<String>) -> Self {
        CaptureError {
            path: path.to_owned(),
            offset: Some(offset),
            kind: ErrorKind::Damaged,
            message: message.into(),
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.offset) {
            (ErrorKind::Damaged, Some(off)) => {
                write!(f, "{}: damaged at byte {off}: {}", self.path, self.message)
            }
            (ErrorKind::Damaged, None) => write!(f, "{}: damaged: {}", self.path, self.message),
            (ErrorKind::Unreadable, Some(off)) => {
                write!(
                    f,
                    "{}: unreadable (at byte {off}): {}",
                    self.path, self.message
                )
            }
            (ErrorKind::Unreadable, None) => {
                write!(f, "{}: unreadable: {}", self.path, self.message)
            }
        }
    }
}

/// Where a [`Source`] is in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position<'a> {
    /// The input's name as given.
    pub name: &'a str,
    /// Bytes of the input consumed so far.
    pub read: u64,
    /// The input's size, when known (files; not standard input).
    pub size: Option<u64>,
    /// Bytes read from the input but not consumed yet: when few, the next item probably waits
    /// for the input (a pipe being written).
    pub buffered: usize,
}

/// A stream of [`Item`]s read from one input.
///
/// After an error the source is finished: later calls return `Ok(false)`.
pub trait Source: Send {
    /// The format the input was recognised as.
    fn format(&self) -> InputFormat;
    /// Fills `item` with the next unit; `Ok(false)` at the end of the input.
    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError>;
    /// Where the source is in its input: its name, what was consumed, its size.
    fn position(&self) -> Position<'_>;
    /// Bytes of the input consumed so far (for progress).
    fn bytes_read(&self) -> u64 {
        self.position().read
    }
    /// The input's size, when known (files; not standard input).
    fn total_bytes(&self) -> Option<u64> {
        self.position().size
    }
    /// The input's name as given.
    fn name(&self) -> &str {
        self.position().name
    }
    /// Units skipped as not data: log lines that do not match, pcapng blocks of unknown or
    /// unused types.
    fn ignored(&self) -> u64 {
        0
    }
}

/// Opens a file (or standard input for `-`) and recognises its format from its first bytes.
pub fn open(path: &Path) -> Result<Box<dyn Source>, CaptureError> {
    let name = path.to_string_lossy().into_owned();
    let input = if path.as_os_str() == "-" {
        Input::new(Box::new(std::io::stdin()), None)
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CaptureError::unreadable(&name, None, format!("cannot open: {e}")))?;
        // A named pipe or a device has no size: it is read as a stream.
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        Input::new(Box::new(file), size)
    };
    build(name, input)
}

/// True when `path` names something read as a stream (standard input, a pipe, a device), whose
/// frames are shown as they arrive rather than after the end.
pub fn is_stream(path: &Path) -> bool {
    path.as_os_str() == "-" || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Reads an input held in memory (tests, pasted data, the window's drop target).
pub fn open_bytes(name: &str, bytes: Vec<u8>) -> Result<Box<dyn Source>, CaptureError> {
    let size = u64::try_from(bytes.len()).ok();
    build(
        name.to_owned(),
        Input::new(Box::new(std::io::Cursor::new(bytes)), size),
    )
}

/// Reads an input from any reader, as a stream of unknown size (a pipe, a socket): what
/// [`open`] does with standard input, for a reader of the caller's (the fuzz targets feed a
/// capture this way in small pieces, as a capture still being written arrives).
pub fn open_reader(
    name: &str,
    reader: Box<dyn std::io::Read + Send>,
) -> Result<Box<dyn Source>, CaptureError> {
    build(name.to_owned(), Input::new(reader, None))
}

/// Recognises the format of `input` and builds the matching source.
fn build(name: String, mut input: Input) -> Result<Box<dyn Source>, CaptureError> {
    let format = detect::detect(&name, &mut input)?;
    Ok(match format {
        InputFormat::Pcap => Box::new(pcap::PcapSource::new(name, input)?),
        InputFormat::PcapNg => Box::new(pcapng::PcapNgSource::new(name, input)?),
        InputFormat::ServerLog => Box::new(log::LogSource::new(name, input)),
        InputFormat::Raw => Box::new(raw::RawSource::new(name, input)),
    })
}
