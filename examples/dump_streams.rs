//! Prints each flow's reassembled bytes per side as hex, one line per direction:
//!
//! ```text
//! # flow 0 tcp device 10.0.0.2:40000 server 10.0.0.1:8888 (side by Syn)
//! tcp 10.0.0.2:40000 10.0.0.1:8888 23232c696d65693a...
//! tcp 10.0.0.1:8888 10.0.0.2:40000 4c4f4144
//! # gap flow 0 device 13 bytes
//! ```
//!
//! Usage: `cargo run --example dump_streams -- FILE...` (`-` for standard input). Used by
//! `tests/crosscheck/tshark-follow.sh` to compare with Wireshark's TCP reassembly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use bn407::capture::{self, Item, Merged};
use bn407::net::{FlowEvent, FlowInfo, NetConfig, Reassembler, Side};

fn main() -> anyhow::Result<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        anyhow::bail!("usage: dump_streams FILE...");
    }
    let mut sources = Vec::new();
    for p in &paths {
        sources.push(capture::open(Path::new(p))?);
    }
    let mut merged = Merged::new(sources);
    let mut re = Reassembler::new(NetConfig::default());
    let mut infos: Vec<FlowInfo> = Vec::new();
    let mut streams: BTreeMap<(u32, u8), Vec<u8>> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let mut item = Item::new();
    let mut on_event = |e: FlowEvent<'_>| match e {
        FlowEvent::Open(info) => infos.push(info.clone()),
        FlowEvent::Data {
            flow, side, bytes, ..
        } => {
            streams
                .entry((flow.0, side as u8))
                .or_default()
                .extend_from_slice(bytes);
        }
        FlowEvent::Gap {
            flow,
            side,
            missing,
            ..
        } => {
            notes.push(format!("# gap flow {} {side:?} {missing} bytes", flow.0));
        }
        FlowEvent::Note {
            flow,
            code,
            message,
            ..
        } => notes.push(format!("# note flow {} {code}: {message}", flow.0)),
        FlowEvent::UnitEnd { .. } | FlowEvent::Close { .. } => {}
    };
    loop {
        match merged.next_into(&mut item) {
            Ok(Some(source)) => re.feed(source, &item, &mut on_event),
            Ok(None) => break,
            Err(e) => eprintln!("{e}"),
        }
    }
    re.finish(&mut on_event);
    for info in &infos {
        let show = |a: Option<std::net::SocketAddr>| a.map_or("-".to_owned(), |a| a.to_string());
        let (device, server) = (show(info.device), show(info.server));
        let t = info.transport.as_str();
        println!(
            "# flow {} {t} device {device} server {server} (side by {:?})",
            info.id.0, info.side_by
        );
        for (side, from, to) in [
            (Side::Device, &device, &server),
            (Side::Server, &server, &device),
        ] {
            if let Some(bytes) = streams.get(&(info.id.0, side as u8)) {
                let mut hex = String::with_capacity(bytes.len() * 2);
                for b in bytes {
                    let _ = write!(hex, "{b:02x}");
                }
                println!("{t} {from} {to} {hex}");
            }
        }
    }
    for n in notes {
        println!("{n}");
    }
    eprintln!("{:?}", re.stats());
    Ok(())
}
