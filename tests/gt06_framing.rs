//! GT06 framing: frames across and within reads, garbage before a frame, wrong lengths, the
//! size bound, gaps, datagram ends, truncation; and properties: any cutting of the corpus
//! stream gives the same frames, random bytes never panic and lose nothing.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gt06_support;

use bn407::protocol::gt06::PROTOCOL;
use bn407::protocol::gt06::frame::MAX_FRAME;
use bn407::protocol::{Direction, FrameFlags, Framer, Kind, RawFrame};
use gt06_support::{
    CORPUS, LOGIN, LOGIN_ACK, codes, cut_at, decode, decode_framed, frames, frames_of,
    spans_within, unhex,
};
use proptest::prelude::*;

fn corpus_stream() -> Vec<u8> {
    CORPUS.lines().flat_map(unhex).collect()
}

fn flagged(
    pieces: &[&[u8]],
    end: impl FnOnce(&mut dyn Framer, &mut dyn FnMut(RawFrame<'_>)),
) -> Vec<(Vec<u8>, FrameFlags)> {
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags));
    for p in pieces {
        f.push(p, &mut sink);
    }
    end(f.as_mut(), &mut sink);
    out
}

#[test]
fn corpus_lines_frame_into_whole_frames() {
    // Each line is one frame, except the lines holding several (they split where each ends).
    for line in CORPUS.lines() {
        let bytes = unhex(line);
        let v = frames(&bytes);
        assert_eq!(v.concat(), bytes);
        for f in &v {
            assert!(
                f.starts_with(&[0x78, 0x78]) || f.starts_with(&[0x79, 0x79]),
                "{line}"
            );
        }
    }
    // The whole corpus as one stream gives the same frames as line by line.
    let by_line: Vec<Vec<u8>> = CORPUS.lines().flat_map(|l| frames(&unhex(l))).collect();
    assert_eq!(frames(&corpus_stream()), by_line);
}

#[test]
fn garbage_before_a_frame_is_its_own_frame() {
    // 0 "GET / HTTP" | 10 login
    let mut s = b"GET / HTTP".to_vec();
    s.extend(unhex(LOGIN));
    let v = frames(&s);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0], b"GET / HTTP");
    let (m, _) = decode(&v[0]);
    assert!(m.diagnostics.iter().any(|d| d.code == "gt06.garbage"));
    let (m, _) = decode(&v[1]);
    assert_eq!(m.kind, Kind::Login);
    assert!(m.diagnostics.is_empty());
    // Also when the start is split across reads after the garbage.
    let v = frames_of(&[&s[..11], &s[11..12], &s[12..]]);
    assert_eq!(v, frames(&s));
}

#[test]
fn wrong_length_resynchronises_at_the_next_frame() {
    // A frame whose length byte is wrong (0x40) and has no 0D 0A before the next frame.
    let mut s = unhex("78 78 40 13 46 04 03 00 02 00 01");
    s.extend(unhex(LOGIN_ACK));
    s.extend(unhex(LOGIN));
    let v = frames(&s);
    assert_eq!(v.len(), 3, "{v:?}");
    assert_eq!(v[1], unhex(LOGIN_ACK));
    assert_eq!(v[2], unhex(LOGIN));
}

#[test]
fn frames_inside_one_push_are_not_copied() {
    let mut s = unhex(LOGIN);
    s.extend(unhex(LOGIN_ACK));
    let range = s.as_ptr_range();
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut inside = Vec::new();
    f.push(&s, &mut |r| inside.push(range.contains(&r.bytes.as_ptr())));
    assert_eq!(inside, vec![true, true]);
    // After a frame split across pushes, the following frames again borrow the input.
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    f.push(&s[..5], &mut |_| panic!("nothing whole yet"));
    let rest = &s[5..];
    let range = rest.as_ptr_range();
    let mut inside = Vec::new();
    f.push(rest, &mut |r| {
        inside.push(range.contains(&r.bytes.as_ptr()))
    });
    assert_eq!(inside, vec![false, true]);
}

#[test]
fn over_long_untrusted_length_is_bounded() {
    // 79 79 FF FF: a length past any real frame, and no 0D 0A for 5000 bytes.
    let mut s = unhex("79 79 FF FF 94");
    s.resize(5000, 0x11);
    s.extend(unhex(LOGIN));
    let v = flagged(&[&s], |f, o| f.finish(o));
    assert_eq!(v[0].0.len(), MAX_FRAME);
    assert!(v[0].1.too_long);
    assert!(v.iter().all(|(b, _)| b.len() <= MAX_FRAME));
    assert_eq!(v.last().unwrap().0, unhex(LOGIN));
    assert_eq!(v.iter().map(|(b, _)| b.len()).sum::<usize>(), s.len());
}

#[test]
fn gap_unit_end_and_finish() {
    let login = unhex(LOGIN);
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags, r.offset));
    f.push(&login[..7], &mut sink);
    f.gap(100, &mut sink);
    f.push(&login[7..], &mut sink);
    f.push(&login, &mut sink);
    f.push(&login[..4], &mut sink);
    f.end_unit(&mut sink);
    f.push(&login[..9], &mut sink);
    f.finish(&mut sink);
    let lens: Vec<usize> = out.iter().map(|(b, _, _)| b.len()).collect();
    assert_eq!(lens, vec![7, 11, 18, 4, 9]);
    assert_eq!(out[0].1.gap_after, 100);
    assert_eq!(out[1].1.gap_before, 100);
    assert_eq!(out[1].2, 107);
    assert_eq!(out[2].1, FrameFlags::default());
    assert!(out[3].1.unit_end);
    assert!(out[4].1.truncated);
    let (m, _) = decode_framed(&PROTOCOL, &out[4].0, 0, out[4].1, Direction::ToServer);
    assert!(codes(&m).contains(&"frame.truncated"));
}

#[test]
fn take_pending_hands_back_what_is_held() {
    let login = unhex(LOGIN);
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    f.push(&login[..6], &mut |_| panic!("nothing whole"));
    assert_eq!(f.take_pending(), login[..6].to_vec());
    let mut n = 0;
    f.finish(&mut |_| n += 1);
    assert_eq!(n, 0);
}

#[test]
fn every_framed_corpus_frame_fits_the_probe() {
    use bn407::protocol::ProbeResult;
    for f in frames(&corpus_stream()) {
        // Well-formed frames (wrong CRCs included) fit; so do the Wi-Fi reports that count
        // access points where the length goes.
        let lay = bn407::protocol::gt06::frame::Layout::of(&f).unwrap();
        let r = (PROTOCOL.probe)(&f);
        if lay.length_ok && lay.stop == Some((f.len() - 2, 2)) {
            assert!(
                matches!(r, ProbeResult::Match(_)),
                "{}",
                bn407::protocol::hex(&f)
            );
        }
    }
    assert_eq!((PROTOCOL.probe)(b"garbage bytes"), ProbeResult::No);
}

proptest! {
    #[test]
    fn any_cutting_of_the_corpus_gives_the_same_frames(cuts in proptest::collection::vec(0usize..6000, 0..40)) {
        let stream = corpus_stream();
        let whole = frames(&stream);
        let cuts: Vec<usize> = cuts.into_iter().map(|c| c % stream.len()).collect();
        prop_assert_eq!(frames_of(&cut_at(&stream, &cuts)), whole);
    }

    #[test]
    fn random_bytes_never_panic_and_lose_nothing(data in proptest::collection::vec(any::<u8>(), 0..6000), split in 0usize..6000, marks in any::<bool>()) {
        let mut data = data;
        if marks {
            // Sprinkle starts and stop bytes so the interesting paths run.
            for i in (0..data.len()).step_by(37) {
                data[i] = [0x78, 0x79, 0x0d, 0x0a][i % 4];
            }
        }
        let split = split.min(data.len());
        let v = flagged(&[&data[..split], &data[split..]], |f, o| f.finish(o));
        let joined: Vec<u8> = v.iter().flat_map(|(b, _)| b.clone()).collect();
        prop_assert_eq!(&joined, &data);
        for (b, flags) in &v {
            prop_assert!(!b.is_empty() && b.len() <= MAX_FRAME);
            let (m, tree) = decode_framed(&PROTOCOL, b, 0, *flags, Direction::Unknown);
            prop_assert!(spans_within(&m, &tree, b.len()));
        }
    }

    #[test]
    fn mutated_corpus_frames_never_panic(line in 0usize..92, pos in 0usize..300, byte in any::<u8>()) {
        let lines: Vec<&str> = CORPUS.lines().collect();
        let mut f = unhex(lines[line % lines.len()]);
        let p = pos % f.len();
        f[p] = byte;
        let (_, tree) = decode(&f);
        for n in &tree.nodes {
            prop_assert!(n.span.end as usize <= f.len());
        }
        let _ = (PROTOCOL.probe)(&f);
    }
}
