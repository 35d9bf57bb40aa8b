//! The photo bounds past which bytes are counted, not kept, each fed past and checked in the
//! totals `stats` shows (text and JSON): a photo of more than 4 MiB (`tests/caps.rs`), more
//! than 64 MiB of unfinished photos of all devices together, and more than the bytes of
//! finished photos kept for writing out (256 MiB; a setting of the totals, lowered here).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod run_support;

use std::fmt::Write as _;

use bn407::model::Stats;
use bn407::protocol::bn407::photo::{MAX_HELD, MAX_PHOTO};
use run_support::run_input;

/// The `vt<n>` report announcing a photo of `n` packets.
fn announce(imei: &str, n: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "imei:{imei},vt{n},250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,0.00,0.0;"
    );
}

/// Photo packet `index` of `imei` with `per` payload bytes (a JPEG's start in packet 0, its
/// end in packet `last`).
fn packet(imei: &str, index: usize, per: usize, last: usize, out: &mut String) {
    let _ = write!(
        out,
        "imei:{imei},vr,{:02x}{:02x}{:02x}{:02x}",
        index & 0xff,
        index >> 8,
        per & 0xff,
        per >> 8
    );
    for i in 0..per {
        let b = match (index, i) {
            (0, 0) => 0xff,
            (0, 1) => 0xd8,
            (n, i) if n == last && i == per - 2 => 0xff,
            (n, i) if n == last && i == per - 1 => 0xd9,
            _ => 0x5a,
        };
        let _ = write!(out, "{b:02x}");
    }
    out.push_str("0000;\n");
}

/// The totals of `text` as `stats` shows them, with `setup` applied first.
fn stats_of(text: String, setup: impl FnOnce(&mut Stats)) -> (Stats, String, serde_json::Value) {
    let mut stats = Stats::default();
    setup(&mut stats);
    let out = run_input("photos.txt", text.into_bytes(), &mut |d| stats.add(&d));
    stats.finish(out.flows.clone());
    let text = bn407::cli::text::stats_text(&stats);
    let json = bn407::cli::stats_json(&stats);
    (stats, text, json)
}

fn imei(i: usize) -> String {
    format!("{:015}", 864_180_034_100_000u64 + i as u64)
}

/// 17 devices each sending 4 MiB (less than a photo's bound) of a photo of 3,000 packets that
/// never completes, interleaved: past 64 MiB held for unfinished photos together the packets
/// are dropped and counted; every photo is still listed at the end, as far as it got.
#[test]
fn unfinished_photos_hold_at_most_64_mib_together_and_the_packets_past_it_are_counted() {
    let per = 1500;
    let each = MAX_PHOTO / per; // 2,796 packets, 4,194,000 bytes
    let devices = MAX_HELD / (each * per) + 1;
    assert_eq!(devices, 17);
    let mut text = String::with_capacity(devices * each * (2 * per + 40));
    for d in 0..devices {
        announce(&imei(d), 3000, &mut text);
    }
    // Interleaved, as devices sending at once would.
    for i in 0..each {
        for d in 0..devices {
            packet(&imei(d), i, per, usize::MAX, &mut text);
        }
    }
    // The budget fills in the order the packets come: what each device got in.
    let mut held = 0usize;
    let mut kept = vec![0usize; devices];
    for _ in 0..each {
        for k in kept.iter_mut() {
            if held + per <= MAX_HELD {
                held += per;
                *k += 1;
            }
        }
    }
    let dropped = (devices * each - kept.iter().sum::<usize>()) as u64;
    assert!(dropped > 0);
    let (stats, text, json) = stats_of(text, |_| {});
    assert_eq!(stats.photo_packets_dropped, dropped);
    assert_eq!(stats.photos.len(), devices);
    let received: usize = stats.photos.iter().map(|p| p.received as usize).sum();
    assert_eq!(received, kept.iter().sum::<usize>());
    assert!(stats.photos.iter().map(|p| p.bytes).sum::<usize>() <= MAX_HELD);
    assert!(
        text.contains(&format!(
            "({dropped} photo packets not kept: a photo over 4 MiB, or over 64 MiB of unfinished photos)"
        )),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert_eq!(json["photo_packets_dropped"], dropped);
}

/// Five complete photos of 300,000 bytes with 1 MiB kept for writing out: the first three are
/// kept, the other two are listed without their bytes, counted and shown.
#[test]
fn finished_photos_past_the_bytes_kept_are_listed_without_their_bytes_and_counted() {
    let per = 1500;
    let n = 200; // 300,000 bytes a photo
    let mut text = String::new();
    for d in 0..5 {
        announce(&imei(d), n, &mut text);
        for i in 0..n {
            packet(&imei(d), i, per, n - 1, &mut text);
        }
    }
    let (stats, text, json) = stats_of(text, |s| s.keep_photo_bytes_at_most(1 << 20));
    assert_eq!(stats.photo_budget(), 1 << 20);
    assert_eq!(stats.photos.len(), 5);
    assert_eq!(stats.photos_not_kept, 2);
    assert_eq!(stats.photo_packets_dropped, 0);
    let with_bytes = stats.photos.iter().filter(|p| !p.jpeg.is_empty()).count();
    assert_eq!(with_bytes, 3);
    for p in &stats.photos {
        assert_eq!(p.received as usize, n);
        assert_eq!(p.bytes, n * per);
    }
    assert!(
        text.contains("(2 photos listed only: over 1 MiB of photos kept)"),
        "{text}"
    );
    assert_eq!(json["photos_not_kept"], 2);
    // The default bound is the stated one.
    assert_eq!(Stats::default().photo_budget(), 256 << 20);
    assert_eq!(bn407::model::MAX_PHOTO_BYTES_KEPT, 256 << 20);
}
