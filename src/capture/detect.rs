//! Recognising an input's format from its first bytes.
//!
//! Order: capture magic numbers, then near misses that must not be mistaken for a device's
//! bytes (a damaged magic, a compressed capture, a binary file named like a capture), then a
//! look at the first lines for a server log, then raw.

use super::{CaptureError, InputFormat, input::Input, logline};

/// How much of the input is looked at to recognise it.
const SAMPLE: usize = 64 * 1024;
/// How many lines of the sample are tried as server-log lines.
const SAMPLE_LINES: usize = 200;

/// The pcap magic numbers as their first four bytes in the file (both byte orders, micro- and
/// nanosecond resolution).
const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x4d, 0x3c, 0xb2, 0xa1],
];
/// The "modified" (Kuznetzov) pcap magic, both byte orders: a different record header.
const PCAP_MODIFIED: [[u8; 4]; 2] = [[0xa1, 0xb2, 0xcd, 0x34], [0x34, 0xcd, 0xb2, 0xa1]];
/// The pcapng section header block type, the same in both byte orders.
pub(crate) const PCAPNG_SHB: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Decides what `input` holds without consuming anything.
pub(crate) fn detect(name: &str, input: &mut Input) -> Result<InputFormat, CaptureError> {
    // A capture's magic number decides at once: a capture still being written (a pipe from
    // `tcpdump -U -w -`) is read as it arrives instead of waiting for a whole sample.
    input
        .fill(4)
        .map_err(|e| CaptureError::unreadable(name, None, format!("cannot read: {e}")))?;
    let magic: Option<[u8; 4]> = input.available().get(..4).and_then(|b| b.try_into().ok());
    if let Some(m) = magic {
        if PCAP_MAGICS.contains(&m) {
            return Ok(InputFormat::Pcap);
        }
        if m == PCAPNG_SHB {
            return Ok(InputFormat::PcapNg);
        }
    }
    input
        .fill(SAMPLE)
        .map_err(|e| CaptureError::unreadable(name, None, format!("cannot read: {e}")))?;
    let head = input.available();
    if head.is_empty() {
        return Err(CaptureError::unreadable(name, None, "the input is empty"));
    }
    let first4: Option<[u8; 4]> = head.get(..4).and_then(|b| b.try_into().ok());
    if let Some(magic) = first4 {
        if PCAP_MAGICS.contains(&magic) {
            return Ok(InputFormat::Pcap);
        }
        if magic == PCAPNG_SHB {
            return Ok(InputFormat::PcapNg);
        }
        if PCAP_MODIFIED.contains(&magic) {
            return Err(CaptureError::unreadable(
                name,
                Some(0),
                "a \"modified\" pcap (Kuznetzov format) is not supported: convert it with editcap",
            ));
        }
        if PCAP_MAGICS.iter().any(|m| near_miss(m, &magic)) {
            return Err(CaptureError::unreadable(
                name,
                Some(0),
                format!(
                    "bad magic number {}: looks like a damaged pcap header",
                    hex4(&magic)
                ),
            ));
        }
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Err(CaptureError::unreadable(
            name,
            Some(0),
            "gzip-compressed: decompress it first",
        ));
    }
    if head.starts_with(b"PMTiles") {
        return Err(CaptureError::unreadable(
            name,
            Some(0),
            "a map file (PMTiles), not a capture: open it in the window to show it under the tracks",
        ));
    }
    let text = looks_like_text(head);
    if text && has_log_line(head) {
        return Ok(InputFormat::ServerLog);
    }
    if !text && named_like_capture(name) {
        let magic = first4
            .map(|m| hex4(&m))
            .unwrap_or_else(|| "(too short)".to_owned());
        return Err(CaptureError::unreadable(
            name,
            Some(0),
            format!(
                "named like a capture but has no pcap or pcapng header (bad magic number {magic})"
            ),
        ));
    }
    Ok(InputFormat::Raw)
}

/// Three of four bytes equal, in place: a damaged magic number rather than other data.
fn near_miss(known: &[u8; 4], seen: &[u8; 4]) -> bool {
    known.iter().zip(seen).filter(|(a, b)| a == b).count() == 3
}

fn hex4(b: &[u8; 4]) -> String {
    format!("0x{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

/// Whether the name ends like a capture file's.
fn named_like_capture(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pcap", ".pcapng", ".cap", ".ntar"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Mostly printable ASCII or UTF-8 text with line breaks: at most 1 % control bytes.
fn looks_like_text(head: &[u8]) -> bool {
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && b != b'\n' && b != b'\r' && b != b'\t')
        .count();
    control * 100 <= head.len()
}

/// Whether one of the first lines is a server-log line with a hex dump.
fn has_log_line(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .take(SAMPLE_LINES)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .any(|line| logline::parse_line(line).is_some())
}
