//! Real captures made on this project's machine (`tcpdump -i any`, Linux cooked v2, IPv4 and
//! IPv6 loopback, and the same converted to pcapng by editcap): our reassembled TCP streams
//! must equal what tshark's `follow,tcp,raw` gave for them, recorded in
//! `tests/crosscheck/loopback-any.tshark.txt` by `tests/crosscheck/tshark-follow.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod net_support;

use std::fmt::Write as _;
use std::path::PathBuf;

use bn407::capture::{self, InputFormat, Item, ItemKind, LinkType};
use bn407::net::{NetConfig, Side, SideBy, Transport};
use net_support::*;

fn crosscheck(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/crosscheck")
        .join(name)
}

/// Our streams as tshark-follow.sh writes them: "tcp SRC DST HEX", sorted.
fn our_lines(run: &Run) -> Vec<String> {
    let mut lines = Vec::new();
    for info in run.flows(Transport::Tcp) {
        let (dev, srv) = (
            info.device.unwrap().to_string(),
            info.server.unwrap().to_string(),
        );
        for (side, from, to) in [(Side::Device, &dev, &srv), (Side::Server, &srv, &dev)] {
            let bytes = run.stream(info.id.0, side);
            if !bytes.is_empty() {
                let mut hex = String::new();
                for b in bytes {
                    write!(hex, "{b:02x}").unwrap();
                }
                lines.push(format!("tcp {from} {to} {hex}"));
            }
        }
    }
    lines.sort();
    lines
}

fn check(file: &str, format: InputFormat) {
    let bytes = std::fs::read(crosscheck(file)).unwrap();
    let mut src = capture::open_bytes(file, bytes.clone()).unwrap();
    assert_eq!(src.format(), format);
    let mut item = Item::new();
    assert!(src.next_into(&mut item).unwrap());
    assert_eq!(
        item.kind,
        ItemKind::Packet {
            link: LinkType::LinuxSll2
        }
    );

    let run = run_sources(vec![(file, bytes)], NetConfig::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let expected = std::fs::read_to_string(crosscheck("loopback-any.tshark.txt")).unwrap();
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(expected.len(), 4);
    assert_eq!(our_lines(&run), expected);
    assert_eq!(run.count("gap"), 0);
    assert_eq!(run.count("note"), 0);

    // Both TCP connections were seen from their SYN; the UDP exchange is one flow by port.
    let tcp = run.flows(Transport::Tcp);
    assert_eq!(tcp.len(), 2);
    assert!(tcp.iter().all(|i| i.side_by == SideBy::Syn));
    let udp = run.flows(Transport::Udp);
    assert_eq!(udp.len(), 1);
    assert_eq!(udp[0].side_by, SideBy::Port);
    assert_eq!(udp[0].device, Some(addr("127.0.0.1:40123")));
    assert_eq!(
        run.stream(udp[0].id.0, Side::Device),
        b"imei:359586015829802,tracker,;"
    );
    assert_eq!(run.stream(udp[0].id.0, Side::Server), b"ON");
}

#[test]
fn tcpdump_any_pcap_matches_tshark() {
    check("loopback-any.pcap", InputFormat::Pcap);
}

#[test]
fn editcap_pcapng_matches_tshark() {
    check("loopback-any.pcapng", InputFormat::PcapNg);
}
