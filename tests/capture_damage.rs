//! Damaged and unreadable inputs: every record before the damage is delivered, then one error
//! with its kind and byte offset; never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use std::borrow::Cow;

use bn407::capture::{self, CaptureError, ErrorKind, Item, Source};
use bn407::net::Side;
use net_support::*;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::{DataLink, Endianness};

/// Reads everything: the data of each item, then the error if there was one.
fn drain(mut src: Box<dyn Source>) -> (Vec<Vec<u8>>, Option<CaptureError>) {
    let mut item = Item::new();
    let mut got = Vec::new();
    loop {
        match src.next_into(&mut item) {
            Ok(true) => got.push(item.data.clone()),
            Ok(false) => return (got, None),
            Err(e) => {
                // After an error the source is finished.
                assert!(!src.next_into(&mut item).unwrap());
                return (got, Some(e));
            }
        }
    }
}

fn unreadable(name: &str, bytes: Vec<u8>) -> CaptureError {
    match capture::open_bytes(name, bytes) {
        Ok(src) => panic!("opened as {:?}", src.format()),
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Unreadable, "{e}");
            e
        }
    }
}

/// Three 40-byte records: file header 24, records at 24, 80, 136; 192 bytes in all.
fn three_records(endianness: Endianness) -> Vec<u8> {
    pcap_file(
        1,
        &[(1, vec![1; 40]), (2, vec![2; 40]), (3, vec![3; 40])],
        endianness,
        false,
    )
}

#[test]
fn truncated_last_record() {
    let mut file = three_records(Endianness::Little);
    file.truncate(file.len() - 5);
    let (got, err) = drain(capture::open_bytes("t.pcap", file).unwrap());
    assert_eq!(got, [vec![1; 40], vec![2; 40]]);
    let err = err.unwrap();
    assert_eq!((err.kind, err.offset), (ErrorKind::Damaged, Some(136)));
    assert_eq!(
        err.to_string(),
        "t.pcap: damaged at byte 136: truncated record: 35 of 40 bytes present"
    );
}

#[test]
fn truncated_record_header() {
    let mut file = three_records(Endianness::Big);
    file.truncate(136 + 9);
    let (got, err) = drain(capture::open_bytes("t.pcap", file).unwrap());
    assert_eq!(got.len(), 2);
    let err = err.unwrap();
    assert_eq!((err.kind, err.offset), (ErrorKind::Damaged, Some(136)));
    assert!(err.message.contains("truncated record header"), "{err}");
}

#[test]
fn record_longer_than_the_snapshot_length() {
    let header = PcapHeader {
        snaplen: 100,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    w.write_packet(&PcapPacket::new(Default::default(), 50, &[5; 50]))
        .unwrap();
    let mut file = w.into_writer();
    // A record the writer would refuse: 200 bytes with a snapshot length of 100.
    file.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 200]);
    file.extend_from_slice(&[6; 200]);
    let (got, err) = drain(capture::open_bytes("s.pcap", file).unwrap());
    assert_eq!(got, [vec![5; 50]]);
    let err = err.unwrap();
    assert_eq!(
        err.to_string(),
        "s.pcap: damaged at byte 90: record length 200 exceeds the snapshot length 100"
    );
}

#[test]
fn absurd_record_length() {
    let mut file = three_records(Endianness::Little);
    file[80 + 8..80 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let (got, err) = drain(capture::open_bytes("capture.pcap", file).unwrap());
    assert_eq!(got, [vec![1; 40]]);
    let err = err.unwrap();
    assert_eq!(err.kind, ErrorKind::Damaged);
    assert_eq!(
        err.to_string(),
        "capture.pcap: damaged at byte 80: record length 4294967295 exceeds the snapshot length 262144"
    );
}

#[test]
fn sane_bound_applies_when_the_snapshot_length_is_huge() {
    let header = PcapHeader {
        snaplen: u32::MAX,
        ..PcapHeader::default()
    };
    let mut file = PcapWriter::with_header(Vec::new(), header)
        .unwrap()
        .into_writer();
    file.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0]);
    let (got, err) = drain(capture::open_bytes("h.pcap", file).unwrap());
    assert!(got.is_empty());
    let err = err.unwrap();
    assert_eq!(err.offset, Some(24));
    assert!(
        err.message
            .contains("268435456 exceeds the largest sane record"),
        "{err}"
    );
}

/// A little-endian pcapng: SHB (28 bytes), IDB (20 bytes), then EPBs of 8 data bytes
/// (40 bytes each) at 48, 88, 128.
fn three_epbs() -> Vec<u8> {
    let mut w = PcapNgWriter::with_endianness(Vec::new(), Endianness::Little).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 0,
        options: vec![],
    })
    .unwrap();
    for i in 0..3u8 {
        let data = [i; 8];
        let epb = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Default::default(),
            original_len: 8,
            data: Cow::Borrowed(&data),
            options: vec![],
        };
        w.write_pcapng_block(epb).unwrap();
    }
    let bytes = w.into_inner();
    assert_eq!(bytes.len(), 168);
    bytes
}

/// How a case damages [`three_epbs`].
enum Damage {
    /// The 32-bit little-endian value at this offset replaced.
    Put(usize, u32),
    /// The file cut to this length.
    Cut(usize),
}

#[test]
fn damaged_pcapng_blocks_end_the_file_where_they_start() {
    // Each case: the damage, the frames read before it, where the error points (the damaged
    // block) and what it says (`None`: not pinned here).
    let cases = [
        (
            "block trailer length wrong",
            Damage::Put(88 + 36, 44),
            1,
            88,
            Some("block length mismatch: header says 40, trailer says 44"),
        ),
        (
            "block length not a multiple of four",
            Damage::Put(128 + 4, 41),
            2,
            128,
            None,
        ),
        (
            "block length past the end",
            Damage::Put(88 + 4, 0xffff_fff0),
            1,
            88,
            Some("runs past the end of the file (168 bytes)"),
        ),
        ("truncated block", Damage::Cut(150), 2, 128, None),
    ];
    for (name, damage, frames, offset, says) in cases {
        let mut file = three_epbs();
        match damage {
            Damage::Put(at, v) => file[at..at + 4].copy_from_slice(&v.to_le_bytes()),
            Damage::Cut(len) => file.truncate(len),
        }
        let (got, err) = drain(capture::open_bytes("n.pcapng", file).unwrap());
        let want: Vec<Vec<u8>> = (0..frames).map(|i| vec![i; 8]).collect();
        assert_eq!(got, want, "{name}: the frames before the damage");
        let err = err.unwrap_or_else(|| panic!("{name}: no error"));
        assert_eq!(err.offset, Some(offset), "{name}: {err}");
        if let Damage::Put(..) = damage {
            assert_eq!(err.kind, ErrorKind::Damaged, "{name}: {err}");
        }
        if let Some(says) = says {
            assert!(err.message.contains(says), "{name}: {err}");
        }
    }
}

#[test]
fn empty_missing_and_bad_headers_are_unreadable() {
    let e = unreadable("empty.pcap", Vec::new());
    assert!(e.message.contains("empty"), "{e}");
    let missing = capture::open(std::path::Path::new("/nonexistent/dir/x.pcap"))
        .err()
        .unwrap();
    assert_eq!(missing.kind, ErrorKind::Unreadable);
    assert!(
        missing
            .to_string()
            .starts_with("/nonexistent/dir/x.pcap: unreadable: cannot open"),
        "{missing}"
    );

    // A magic number one byte off from a pcap's.
    let mut bad = three_records(Endianness::Little);
    bad[3] = 0xa0;
    let e = unreadable("whatever", bad);
    assert_eq!(e.offset, Some(0));
    assert!(e.message.contains("bad magic number 0xd4c3b2a0"), "{e}");

    // A binary file named like a capture, without a capture header.
    unreadable("trace.pcap", vec![0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0]);
    // A pcap magic with a truncated file header, and with a wrong version.
    unreadable("x", three_records(Endianness::Big)[..10].to_vec());
    let mut version = three_records(Endianness::Big);
    version[5] = 9;
    let e = unreadable("x", version);
    assert!(e.message.contains("version"), "{e}");
    // A pcapng section header with a bad byte-order magic.
    let mut ng = three_epbs();
    ng[8] = 0x11;
    unreadable("x", ng);
    // Compressed.
    unreadable("x.pcap.gz", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    // A map file given where a capture is expected says what it is.
    let map = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/lisbon-synthetic.pmtiles"
    ))
    .unwrap();
    let e = unreadable("lisbon.pmtiles", map);
    assert!(e.message.contains("a map file (PMTiles)"), "{e}");
}

#[test]
fn everything_before_the_damage_reaches_the_streams() {
    let dev = addr("10.0.0.2:40000");
    let srv = addr("10.0.0.1:8888");
    let ips = [
        tcp(dev, srv, 10, SYN, b""),
        tcp(dev, srv, 11, ack(1), b"first;"),
        tcp(dev, srv, 17, ack(1), b"second;"),
        tcp(dev, srv, 24, ack(1), b"third;"),
    ];
    let mut file = eth_pcap(&ips);
    file.truncate(file.len() - 3);
    let run = run_bytes(file);
    assert_eq!(run.errors.len(), 1);
    assert_eq!(run.errors[0].kind, ErrorKind::Damaged);
    assert_eq!(run.stream(0, Side::Device), b"first;second;");
    assert_eq!(run.count("close"), 1);
}

#[test]
fn random_garbage_never_panics() {
    // Valid starts followed by every truncation and a sweep of corrupted bytes.
    let files = [three_records(Endianness::Little), three_epbs()];
    for file in files {
        for cut in 0..file.len() {
            let _ = capture::open_bytes("g", file[..cut].to_vec()).map(drain);
        }
        for at in 0..file.len() {
            for value in [0x00, 0xff, 0x7f, 0x0b] {
                let mut f = file.clone();
                f[at] = value;
                let _ = capture::open_bytes("g", f).map(drain);
            }
        }
    }
}
