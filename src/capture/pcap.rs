//! Classic libpcap files: both byte orders, micro- and nanosecond timestamps.
//!
//! Each record's 16-byte header is checked here (length against the snapshot length and
//! [`MAX_RECORD`], presence of the whole record) before pcap-file's `PcapParser` decodes it, so
//! damage is reported with the record's offset and no untrusted length sizes a buffer.

use pcap_file::pcap::PcapParser;
use pcap_file::{Endianness, TsResolution};

use super::{
    CaptureError, InputFormat, Item, ItemKind, LinkType, MAX_RECORD, Position, Source, Timestamp,
};
use crate::capture::input::Input;

/// Size of the file header.
const FILE_HEADER: usize = 24;
/// Size of a record header.
const RECORD_HEADER: usize = 16;

/// A classic pcap file.
pub(crate) struct PcapSource {
    name: String,
    input: Input,
    parser: PcapParser,
    link: LinkType,
    nanos: bool,
    /// Records longer than this are damage.
    limit: u32,
    done: bool,
}

impl PcapSource {
    /// Reads and checks the file header.
    pub(crate) fn new(name: String, mut input: Input) -> Result<Self, CaptureError> {
        let unreadable = |msg: String| CaptureError::unreadable(&name, Some(0), msg);
        if !input
            .fill(FILE_HEADER)
            .map_err(|e| unreadable(format!("cannot read: {e}")))?
        {
            return Err(unreadable(format!(
                "pcap file header truncated: {} of {FILE_HEADER} bytes",
                input.available().len()
            )));
        }
        let (_, parser) = PcapParser::new(input.available())
            .map_err(|e| unreadable(format!("bad pcap file header: {e}")))?;
        let header = parser.header();
        if header.version_major != 2 {
            return Err(unreadable(format!(
                "bad pcap file header: version {}.{} (expected 2.x)",
                header.version_major, header.version_minor
            )));
        }
        input.consume(FILE_HEADER);
        // A snapshot length of 0 (some writers) means "no limit".
        let limit = if header.snaplen == 0 {
            MAX_RECORD
        } else {
            header.snaplen.min(MAX_RECORD)
        };
        Ok(PcapSource {
            name,
            input,
            link: LinkType::from(header.datalink),
            nanos: header.ts_resolution == TsResolution::NanoSecond,
            limit,
            parser,
            done: false,
        })
    }

    fn damaged(&mut self, offset: u64, message: String) -> CaptureError {
        self.done = true;
        CaptureError::damaged(&self.name, offset, message)
    }

    fn read_u32(&self, at: usize) -> u32 {
        let bytes: [u8; 4] = self
            .input
            .available()
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 4]);
        match self.parser.header().endianness {
            Endianness::Big => u32::from_be_bytes(bytes),
            Endianness::Little => u32::from_le_bytes(bytes),
        }
    }
}

impl Source for PcapSource {
    fn format(&self) -> InputFormat {
        InputFormat::Pcap
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        if self.done {
            return Ok(false);
        }
        let at = self.input.offset();
        let io = |e: std::io::Error| format!("read error: {e}");
        let header = match self.input.fill(RECORD_HEADER) {
            Ok(full) => full,
            Err(e) => return Err(self.damaged(at, io(e))),
        };
        if !header {
            let have = self.input.available().len();
            if have == 0 {
                self.done = true;
                return Ok(false);
            }
            return Err(self.damaged(
                at,
                format!("truncated record header: {have} of {RECORD_HEADER} bytes"),
            ));
        }
        let incl_len = self.read_u32(8);
        if incl_len > self.limit {
            let what =
                if incl_len > self.parser.header().snaplen && self.parser.header().snaplen != 0 {
                    format!("the snapshot length {}", self.parser.header().snaplen)
                } else {
                    format!("the largest sane record ({MAX_RECORD} bytes)")
                };
            return Err(self.damaged(at, format!("record length {incl_len} exceeds {what}")));
        }
        let whole = RECORD_HEADER + incl_len as usize;
        let complete = match self.input.fill(whole) {
            Ok(full) => full,
            Err(e) => return Err(self.damaged(at, io(e))),
        };
        if !complete {
            let have = self.input.available().len().saturating_sub(RECORD_HEADER);
            return Err(self.damaged(
                at,
                format!("truncated record: {have} of {incl_len} bytes present"),
            ));
        }
        let raw = match self.parser.next_raw_packet(self.input.available()) {
            Ok((_, raw)) => raw,
            Err(e) => return Err(self.damaged(at, format!("bad record: {e}"))),
        };
        let frac = i64::from(raw.ts_frac);
        let nanos = if self.nanos {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        item.ts = Timestamp::from_parts(i64::from(raw.ts_sec), nanos);
        item.kind = ItemKind::Packet { link: self.link };
        item.data.clear();
        item.data.extend_from_slice(&raw.data);
        self.input.consume(whole);
        Ok(true)
    }

    fn position(&self) -> Position<'_> {
        self.input.position(&self.name)
    }
}
