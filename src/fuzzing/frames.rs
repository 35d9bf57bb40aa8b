//! Target `protocol`: one protocol's framer, decoder and hooks, and the detection path.

use super::{Bytes, check_decoded, check_tree};
use crate::pipeline::{Analyzer, Decoded, FlowMeta};
use crate::protocol::{self, Direction, RawFrame, ReplyOptions, Tree};

/// Target `protocol`: one protocol's framer and decoder, and the detection path. The first
/// byte picks the protocol (every registered one and the fallback), the second the direction
/// and the mode, the third the size of the pieces the rest arrives in. Every frame is decoded
/// with a tree, checked, summarised, probed, answered (the listener's reply rules) and given
/// to the protocol's session checker and media assembly. Then the same bytes go through a
/// conversation (detection, re-detection, framing) as a TCP or UDP flow of uncertain sides.
pub fn protocol(data: &[u8]) {
    let mut d = Bytes { d: data };
    let all: Vec<&'static protocol::Protocol> = protocol::all().collect();
    let Some(p) = all.get(usize::from(d.u8()) % all.len()).copied() else {
        return;
    };
    let mode = d.u8();
    let dir = *Direction::ALL
        .get(usize::from(mode % 3))
        .unwrap_or(&Direction::ToServer);
    let piece = usize::from(d.u8()) + 1;
    let body = d.d;
    let mut framer = (p.framer)(dir);
    let mut session = p.hooks.session.map(|f| f());
    let mut media = p.hooks.media.map(|f| f());
    let mut tree = Tree::default();
    let mut on_frame = |f: RawFrame<'_>| {
        tree.nodes.clear();
        let mut msg = protocol::decode_frame(p, &f, dir, Some(&mut tree));
        check_tree(&tree, f.bytes.len());
        let bare = protocol::decode_frame(p, &f, dir, None);
        assert_eq!(
            bare.kind, msg.kind,
            "a decode with a tree and one without disagree"
        );
        let _ = crate::present::summary(&msg, f.bytes);
        let _ = (p.probe)(f.bytes);
        let _ = protocol::detect(f.bytes);
        if let Some(reply) = p.hooks.reply {
            let _ = reply(&msg, f.bytes, &ReplyOptions::default());
        }
        if let Some(s) = session.as_mut() {
            s.observe(dir, f.bytes, &mut msg);
        }
        if let (Some(m), Some(imei)) = (media.as_mut(), msg.imei) {
            for item in m.frame(imei, &msg, f.bytes) {
                assert!(
                    item.missing.len() <= 4096,
                    "missing packets listed without bound"
                );
            }
        }
    };
    for (i, chunk) in body.chunks(piece).enumerate() {
        framer.push(chunk, &mut on_frame);
        if mode & 0x08 != 0 {
            framer.end_unit(&mut on_frame);
        }
        if mode & 0x10 != 0 && i == 1 {
            framer.gap(u64::from(mode), &mut on_frame);
        }
    }
    framer.finish(&mut on_frame);
    if let Some(m) = media.as_mut() {
        let _ = m.finish();
    }
    // The detection path: a flow whose sides the network layer guessed.
    let mut an = Analyzer::new(mode & 0x20 != 0);
    let meta = FlowMeta {
        id: 0,
        transport: if mode & 0x08 != 0 { "udp" } else { "tcp" },
        device: None,
        server: None,
        certain: mode & 0x40 != 0,
        source: 0,
        hint: None,
        from_log: false,
    };
    an.open_flow(meta);
    let sink = &mut |d: Decoded<'_>| {
        check_decoded(&d);
        let _ = crate::present::frame_line(&d);
    };
    for (i, chunk) in body.chunks(piece).enumerate() {
        let side = if mode & 0x80 != 0 { i % 2 } else { 0 };
        an.data(0, side, None, chunk, sink);
        if mode & 0x08 != 0 {
            an.end_unit(0, side, sink);
        }
    }
    let _ = an.finish(sink);
}
