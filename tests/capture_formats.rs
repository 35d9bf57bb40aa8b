//! Input formats recognised by content: pcap (both byte orders, micro/nanoseconds), pcapng
//! (several interfaces and sections, unknown blocks), server logs, raw streams; merging.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use std::borrow::Cow;
use std::time::Duration;

use bn407::capture::{self, InputFormat, Item, ItemKind, LinkType, Merged, Source, Timestamp};
use net_support::*;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::{PcapNgWriter, RawBlock};
use pcap_file::{DataLink, Endianness};

fn items(source: &mut dyn Source) -> Vec<Item> {
    let mut out = Vec::new();
    let mut item = Item::new();
    while source.next_into(&mut item).unwrap() {
        out.push(item.clone());
    }
    out
}

const T0: i64 = 1_714_557_600_123_456_789; // 2024-05-01 10:00:00.123456789 UTC

#[test]
fn pcap_in_both_byte_orders_and_resolutions() {
    let frames = vec![(T0, vec![1u8, 2, 3]), (T0 + 1_000, vec![4u8; 70])];
    for (endianness, nanos) in [
        (Endianness::Little, false),
        (Endianness::Big, false),
        (Endianness::Little, true),
        (Endianness::Big, true),
    ] {
        let file = pcap_file(113, &frames, endianness, nanos);
        let len = file.len() as u64;
        let mut src = capture::open_bytes("x.bin", file).unwrap();
        assert_eq!(src.format(), InputFormat::Pcap);
        let got = items(src.as_mut());
        assert_eq!(got.len(), 2);
        let expect0 = if nanos { T0 } else { T0 - 789 };
        assert_eq!(
            got[0].ts,
            Some(Timestamp(expect0)),
            "{endianness:?} {nanos}"
        );
        assert_eq!(got[1].ts.unwrap().0 - got[0].ts.unwrap().0, 1_000);
        assert_eq!(
            got[0].kind,
            ItemKind::Packet {
                link: LinkType::LinuxSll
            }
        );
        assert_eq!(got[1].data, vec![4u8; 70]);
        assert_eq!(src.bytes_read(), len);
        assert_eq!(src.total_bytes(), Some(len));
    }
}

fn idb(link: DataLink, tsresol: Option<u8>) -> InterfaceDescriptionBlock<'static> {
    let options = tsresol
        .map(|r| vec![InterfaceDescriptionOption::IfTsResol(r)])
        .unwrap_or_default();
    InterfaceDescriptionBlock {
        linktype: link,
        snaplen: 65535,
        options,
    }
}

fn epb(interface_id: u32, raw_ts: u64, data: &[u8]) -> EnhancedPacketBlock<'_> {
    // pcap-file carries the raw count of timestamp units in a Duration of nanoseconds.
    EnhancedPacketBlock {
        interface_id,
        timestamp: Duration::from_nanos(raw_ts),
        original_len: data.len() as u32,
        data: Cow::Borrowed(data),
        options: vec![],
    }
}

/// Two sections: little-endian with an Ethernet (ns) and a raw-IP (default µs) interface and an
/// unknown block between packets; then big-endian with an SLL2 interface.
fn two_section_pcapng() -> Vec<u8> {
    let mut w = PcapNgWriter::with_endianness(Vec::new(), Endianness::Little).unwrap();
    w.write_pcapng_block(idb(DataLink::ETHERNET, Some(9)))
        .unwrap();
    w.write_pcapng_block(idb(DataLink::RAW, None)).unwrap();
    w.write_pcapng_block(epb(0, T0 as u64, b"eth-frame"))
        .unwrap();
    let unknown = RawBlock {
        type_: 0x0000_0bad,
        initial_len: 20,
        body: Cow::Borrowed(&[9u8; 8]),
        trailer_len: 20,
    };
    w.write_raw_block(&unknown).unwrap();
    w.write_pcapng_block(epb(1, 1_714_557_601_000_001, b"raw-ip"))
        .unwrap();
    let mut bytes = w.into_inner();
    let mut w = PcapNgWriter::with_endianness(Vec::new(), Endianness::Big).unwrap();
    w.write_pcapng_block(idb(DataLink::LINUX_SLL2, Some(3)))
        .unwrap();
    w.write_pcapng_block(epb(0, 1_714_557_602_500, b"sll2"))
        .unwrap();
    bytes.extend(w.into_inner());
    bytes
}

#[test]
fn pcapng_with_interfaces_sections_and_an_unknown_block() {
    let mut src = capture::open_bytes("capture", two_section_pcapng()).unwrap();
    assert_eq!(src.format(), InputFormat::PcapNg);
    let got = items(src.as_mut());
    assert_eq!(got.len(), 3);
    // Each packet's link, time and (where checked) bytes.
    let want: [(LinkType, i64, Option<&[u8]>); 3] = [
        (LinkType::Ethernet, T0, Some(b"eth-frame")),
        (LinkType::RawIp, 1_714_557_601_000_001_000, Some(b"raw-ip")),
        (LinkType::LinuxSll2, 1_714_557_602_500_000_000, None),
    ];
    for (item, (link, ts, data)) in got.iter().zip(want) {
        assert_eq!(item.kind, ItemKind::Packet { link });
        assert_eq!(item.ts, Some(Timestamp(ts)));
        if let Some(data) = data {
            assert_eq!(item.data, data);
        }
    }
    assert_eq!(src.ignored(), 1);
}

const LOG: &str = "\
2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] HEX: 2323
2024-05-01 10:00:00  INFO: Starting server on port 5001
2024-05-01 10:00:01.250  INFO: [1a2b3c4d: 5001 > 203.0.113.5:40000] HEX: 4c 4f 41 44
10:00:02 DEBUG conn 99 <- 198.51.100.7 HEX: 6f6e

2024-05-01 10:00:03  WARN: [T1a2b3c4d: gps103 < 203.0.113.5] HEX: zz
";

#[test]
fn server_log_lines_in_both_directions() {
    let mut src = capture::open_bytes("server.log", LOG.as_bytes().to_vec()).unwrap();
    assert_eq!(src.format(), InputFormat::ServerLog);
    let got = items(src.as_mut());
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].data, b"##");
    assert_eq!(got[0].ts, Some(Timestamp(1_714_557_600_000_000_000)));
    let ItemKind::Log {
        conn,
        to_device,
        peer,
        local_port,
        udp,
        ..
    } = got[0].kind
    else {
        panic!()
    };
    assert_eq!(
        (conn, to_device, local_port, udp),
        (0x1a2b3c4d, false, None, false)
    );
    assert_eq!(peer, Some(addr("203.0.113.5:0")));
    assert_eq!(got[1].data, b"LOAD");
    assert_eq!(got[1].ts, Some(Timestamp(1_714_557_601_250_000_000)));
    assert_eq!(
        got[1].kind,
        ItemKind::Log {
            conn: 0x1a2b3c4d,
            to_device: true,
            peer: Some(addr("203.0.113.5:40000")),
            local_port: Some(5001),
            udp: false,
            event: bn407::capture::LogEvent::Data,
            hint: None,
        }
    );
    // Another layout: no brackets, no date, an arrow written `<-`.
    assert_eq!(got[2].data, b"on");
    assert_eq!(got[2].ts, None);
    let ItemKind::Log {
        conn, to_device, ..
    } = got[2].kind
    else {
        panic!()
    };
    assert_eq!((conn, to_device), (0x99, false));
    // The "Starting server" line and the bad hex line; blank lines are not counted.
    assert_eq!(src.ignored(), 2);

    // Through the reassembler: one flow for T1a2b3c4d / 1a2b3c4d, one for 99.
    let run = run_sources(
        vec![("server.log", LOG.as_bytes().to_vec())],
        Default::default(),
    );
    assert_eq!(run.infos.len(), 2);
    assert_eq!(run.stream(0, bn407::net::Side::Device), b"##");
    assert_eq!(run.stream(0, bn407::net::Side::Server), b"LOAD");
}

#[test]
fn raw_stream_is_delivered_in_chunks() {
    let text: Vec<u8> = b"imei:359586015829802,tracker,;\n"
        .iter()
        .copied()
        .cycle()
        .take(150_000)
        .collect();
    let mut src = capture::open_bytes("frames.txt", text.clone()).unwrap();
    assert_eq!(src.format(), InputFormat::Raw);
    let got = items(src.as_mut());
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|i| i.kind == ItemKind::Raw && i.ts.is_none())
    );
    assert_eq!(
        got.iter().flat_map(|i| i.data.clone()).collect::<Vec<u8>>(),
        text
    );
}

#[test]
fn content_decides_not_the_name() {
    let pcap = pcap_file(1, &[(0, vec![0; 20])], Endianness::Little, false);
    assert_eq!(
        capture::open_bytes("notes.txt", pcap).unwrap().format(),
        InputFormat::Pcap
    );
    assert_eq!(
        capture::open_bytes("cap.pcap", LOG.as_bytes().to_vec())
            .unwrap()
            .format(),
        InputFormat::ServerLog
    );
    assert_eq!(
        capture::open_bytes("trace.pcapng", b"##,imei:1,A;".to_vec())
            .unwrap()
            .format(),
        InputFormat::Raw
    );
    assert_eq!(
        capture::open_bytes("x", two_section_pcapng())
            .unwrap()
            .format(),
        InputFormat::PcapNg
    );
}

#[test]
fn open_reads_a_file_from_disk() {
    let dir = std::env::temp_dir().join(format!("bn407-capture-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.pcap");
    std::fs::write(
        &path,
        pcap_file(
            1,
            &[(0, vec![1; 10]), (1, vec![2; 10])],
            Endianness::Big,
            true,
        ),
    )
    .unwrap();
    let mut src = capture::open(&path).unwrap();
    assert_eq!(items(src.as_mut()).len(), 2);
    assert_eq!(src.name(), path.to_string_lossy());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merged_sources_follow_capture_time() {
    let a = pcap_file(
        1,
        &[(10, vec![0xa1]), (30, vec![0xa2]), (50, vec![0xa3])],
        Endianness::Little,
        true,
    );
    let b = pcap_file(
        1,
        &[(20, vec![0xb1]), (30, vec![0xb2]), (60, vec![0xb3])],
        Endianness::Big,
        true,
    );
    let raw = b"raw bytes".to_vec();
    let sources = vec![
        capture::open_bytes("a", a).unwrap(),
        capture::open_bytes("b", b).unwrap(),
        capture::open_bytes("c", raw).unwrap(),
    ];
    let mut merged = Merged::new(sources);
    let mut item = Item::new();
    let mut order = Vec::new();
    while let Some(src) = merged.next_into(&mut item).unwrap() {
        order.push((src, item.data[0]));
    }
    // The untimestamped raw source sorts before everything; ties go to the first source.
    assert_eq!(
        order,
        [
            (2, b'r'),
            (0, 0xa1),
            (1, 0xb1),
            (0, 0xa2),
            (1, 0xb2),
            (0, 0xa3),
            (1, 0xb3)
        ]
    );
    assert_eq!(merged.total_bytes(), Some(merged.bytes_read()));
}

/// A little-endian pcapng block of `kind` around `body` (padded to 4 bytes).
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let len = (body.len() + 12) as u32;
    let mut b = kind.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn option(code: u16, value: &[u8]) -> Vec<u8> {
    let mut o = code.to_le_bytes().to_vec();
    o.extend_from_slice(&(value.len() as u16).to_le_bytes());
    o.extend_from_slice(value);
    while !o.len().is_multiple_of(4) {
        o.push(0);
    }
    o
}

#[test]
fn pcapng_options_that_pcap_file_rejects_do_not_lose_packets() {
    // SHB with a non-UTF-8 shb_os, IDB with a 4-byte if_tzone (as the spec has it) and
    // if_tsresol 3 (milliseconds), then an EPB with a non-UTF-8 comment.
    let mut shb = vec![0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    shb.extend(option(3, &[0xff, 0xfe]));
    shb.extend(option(0, &[]));
    let mut idb = vec![1, 0, 0, 0, 0, 0, 1, 0];
    idb.extend(option(10, &[0, 0, 0, 0]));
    idb.extend(option(9, &[3]));
    idb.extend(option(0, &[]));
    let data = b"frame!";
    let mut epb = 0u32.to_le_bytes().to_vec();
    let ms: u64 = 1_714_557_600_250;
    epb.extend_from_slice(&((ms >> 32) as u32).to_le_bytes());
    epb.extend_from_slice(&(ms as u32).to_le_bytes());
    epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
    epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
    epb.extend_from_slice(data);
    epb.extend_from_slice(&[0, 0]);
    epb.extend(option(1, &[0xc3, 0x28]));
    epb.extend(option(0, &[]));
    let mut file = block(0x0a0d_0d0a, &shb);
    file.extend(block(1, &idb));
    file.extend(block(6, &epb));
    let mut src = capture::open_bytes("odd.pcapng", file).unwrap();
    let got = items(src.as_mut());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, data);
    assert_eq!(got[0].ts, Some(Timestamp(1_714_557_600_250_000_000)));
    assert_eq!(
        got[0].kind,
        ItemKind::Packet {
            link: LinkType::Ethernet
        }
    );
}

#[test]
fn server_log_peers_in_every_spelling() {
    let log = "\
2024-05-01 10:00:00 [main] INFO: [U00ff: 5001 > [2001:db8::7]:40000] HEX: 4f4e
2024-05-01 10:00:00 INFO: [abc: 5001 < [2001:db8::7]] HEX: 4f4e
2024-05-01 10:00:00 INFO: [abd: 5001 < /198.51.100.9:1234] HEX: 4f4e
2024-05-01 10:00:00 INFO: [abe: h02 < some.host.name] HEX: 4f4e
";
    let mut src = capture::open_bytes("l", log.as_bytes().to_vec()).unwrap();
    let got = items(src.as_mut());
    let peers: Vec<_> = got
        .iter()
        .map(|i| match i.kind {
            ItemKind::Log {
                conn,
                to_device,
                peer,
                local_port,
                ..
            } => (conn, to_device, peer, local_port),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        peers,
        [
            (0xff, true, Some(addr("[2001:db8::7]:40000")), Some(5001)),
            (0xabc, false, Some(addr("[2001:db8::7]:0")), Some(5001)),
            (0xabd, false, Some(addr("198.51.100.9:1234")), Some(5001)),
            (0xabe, false, None, None),
        ]
    );
}

#[test]
fn pcapng_binary_timestamp_resolution_and_offset() {
    let mut shb = vec![0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    // if_tsresol 2^-20 s, if_tsoffset 1000 s.
    let mut idb = vec![101, 0, 0, 0, 0, 0, 0, 0];
    idb.extend(option(9, &[0x80 | 20]));
    idb.extend(option(14, &1000u64.to_le_bytes()));
    idb.extend(option(0, &[]));
    let raw: u64 = (5 << 20) | (1 << 19); // 5.5 s
    let mut epb = 0u32.to_le_bytes().to_vec();
    epb.extend_from_slice(&((raw >> 32) as u32).to_le_bytes());
    epb.extend_from_slice(&(raw as u32).to_le_bytes());
    epb.extend_from_slice(&4u32.to_le_bytes());
    epb.extend_from_slice(&4u32.to_le_bytes());
    epb.extend_from_slice(&[0x45, 0, 0, 0]);
    let mut file = block(0x0a0d_0d0a, &shb);
    file.extend(block(1, &idb));
    file.extend(block(6, &epb));
    let got = items(capture::open_bytes("r.pcapng", file).unwrap().as_mut());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].ts, Some(Timestamp(1_005_500_000_000)));
    assert_eq!(
        got[0].kind,
        ItemKind::Packet {
            link: LinkType::RawIp
        }
    );
}
