//! One pcapng file of a recording: a section header, one raw-IP interface with nanosecond
//! timestamps, then enhanced packet blocks.
//!
//! pcap-file encodes each block into a buffer in memory, field by field; the buffer reaches
//! the file only in whole blocks (when it grows past [`SPILL`] and at every flush), so the file
//! never ends in half a block unless the system itself stops in the middle of a write.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{DataLink, Endianness};

/// Buffered blocks are written to the file once they pass this many bytes.
const SPILL: usize = 256 * 1024;

/// `if_tsresol` 9: timestamps count nanoseconds, which is what pcap-file writes.
const TSRESOL_NANOS: u8 = 9;

/// An enhanced packet block's size besides its data: type, length, interface, timestamp (2),
/// captured and original length, trailing length.
const EPB_OVERHEAD: u64 = 32;

/// The size of the enhanced packet block that carries `len` bytes.
pub(super) fn packet_block_len(len: usize) -> u64 {
    EPB_OVERHEAD + (len as u64).div_ceil(4) * 4
}

/// A pcapng file being written.
pub(super) struct PcapNgFile {
    path: PathBuf,
    file: File,
    /// Encodes blocks into memory; `get_mut` drains it.
    encoder: PcapNgWriter<Vec<u8>>,
    /// Bytes already handed to the file.
    written: u64,
    /// True when bytes were handed to the file since the last `sync_data`.
    unsynced: bool,
    packets: u64,
}

impl PcapNgFile {
    /// Creates (or truncates) the file and encodes its section header and interface.
    pub(super) fn create(path: &Path) -> io::Result<PcapNgFile> {
        let file = File::create(path)?;
        let encoder = raw_ip_writer(
            Vec::new(),
            "listen",
            None,
            "bn407-listen",
            "packets synthesized from the listener's sockets",
        )?;
        Ok(PcapNgFile {
            path: path.to_owned(),
            file,
            encoder,
            written: 0,
            unsynced: false,
            packets: 0,
        })
    }

    /// The file's path.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length once everything buffered is written.
    pub(super) fn len(&self) -> u64 {
        self.written + self.encoder.get_ref().len() as u64
    }

    /// Packets in the file.
    pub(super) fn packets(&self) -> u64 {
        self.packets
    }

    /// Adds one packet (a raw IP packet) captured at `ts`.
    pub(super) fn packet(&mut self, ts: SystemTime, data: &[u8]) -> io::Result<()> {
        let len = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too long"))?;
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: ts
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or(Duration::ZERO),
            original_len: len,
            data: data.into(),
            options: Vec::new(),
        };
        self.encoder.write_pcapng_block(block).map_err(pcap_error)?;
        self.packets += 1;
        if self.encoder.get_ref().len() >= SPILL {
            self.spill()?;
        }
        Ok(())
    }

    /// Hands the buffered blocks to the file.
    fn spill(&mut self) -> io::Result<()> {
        let buf = self.encoder.get_mut();
        if buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(buf)?;
        self.written += buf.len() as u64;
        buf.clear();
        if buf.capacity() > 2 * SPILL {
            buf.shrink_to(SPILL);
        }
        self.unsynced = true;
        Ok(())
    }

    /// Writes everything buffered and asks the system to put it on the disk (`sync_data`), so
    /// that a power loss keeps it too.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.spill()?;
        if self.unsynced {
            self.file.sync_data()?;
            self.unsynced = false;
        }
        Ok(())
    }
}

/// A pcapng writer into `out` with its section header (the application `bn407 VERSION (what)`
/// and `comment`, if any) and one raw-IP interface with nanosecond timestamps (interface 0):
/// the start of every file the analyzer writes, recordings and exports alike.
pub(crate) fn raw_ip_writer<W: Write>(
    out: W,
    what: &str,
    comment: Option<String>,
    if_name: &str,
    if_description: &str,
) -> io::Result<PcapNgWriter<W>> {
    let mut options = vec![SectionHeaderOption::UserApplication(
        format!("bn407 {} ({what})", env!("CARGO_PKG_VERSION")).into(),
    )];
    if let Some(c) = comment {
        options.push(SectionHeaderOption::Comment(c.into()));
    }
    let section = SectionHeaderBlock {
        endianness: Endianness::native(),
        options,
        ..SectionHeaderBlock::default()
    };
    let mut encoder = PcapNgWriter::with_section_header(out, section).map_err(pcap_error)?;
    let iface = InterfaceDescriptionBlock {
        linktype: DataLink::RAW,
        snaplen: 0,
        options: vec![
            InterfaceDescriptionOption::IfName(if_name.to_owned().into()),
            InterfaceDescriptionOption::IfDescription(if_description.to_owned().into()),
            InterfaceDescriptionOption::IfTsResol(TSRESOL_NANOS),
        ],
    };
    encoder.write_pcapng_block(iface).map_err(pcap_error)?;
    Ok(encoder)
}

/// A pcap-file error as an I/O error.
pub(crate) fn pcap_error(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// The path of file number `n` (from 1) after `first`: `name.pcapng` -> `name-0001.pcapng`.
pub(super) fn numbered(first: &Path, n: u32) -> PathBuf {
    let stem = first.file_stem().unwrap_or_default().to_string_lossy();
    let name = match first.extension() {
        Some(ext) => format!("{stem}-{n:04}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n:04}"),
    };
    first.with_file_name(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn numbered_names_keep_the_folder_and_extension() {
        let p = Path::new("/data/rec/live-20250101-120000.pcapng");
        assert_eq!(
            numbered(p, 1),
            Path::new("/data/rec/live-20250101-120000-0001.pcapng")
        );
        assert_eq!(numbered(Path::new("out"), 12), Path::new("out-0012"));
        assert_eq!(
            numbered(Path::new("a.b.pcapng"), 3),
            Path::new("a.b-0003.pcapng")
        );
    }

    #[test]
    fn block_length_is_predicted_and_only_whole_blocks_reach_the_file() {
        let dir = std::env::temp_dir().join(format!("bn407-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("blocks.pcapng");
        let mut f = PcapNgFile::create(&path).unwrap();
        let header = f.len();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        for n in [0usize, 1, 2, 3, 4, 5, 1000] {
            let before = f.len();
            f.packet(SystemTime::UNIX_EPOCH, &vec![0x45; n]).unwrap();
            assert_eq!(f.len() - before, packet_block_len(n), "{n} bytes");
        }
        f.flush().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), f.len());
        assert!(header > 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
