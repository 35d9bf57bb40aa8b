//! Every fuzz target's committed seeds (`fuzz/corpus/<target>/seed-*`) and every input a fuzzer
//! ever crashed, hung or ran out of memory on (`fuzz/regressions/<target>/`), run through the
//! same entry functions the fuzz targets call (`bn407::fuzzing`), in an ordinary test: so CI
//! replays them on stable Rust without building the fuzzers.
//!
//! `cargo test --release --test fuzz_regressions -- --ignored write_seeds` makes the seeds
//! again from `samples/` and `tests/data/`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bn407::fuzzing::{self, TARGETS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/` (seeds only, for the corpus), sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = root().join(kind).join(target);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            kind != "corpus"
                || p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
        })
        .collect();
    v.sort();
    v
}

fn replay(kind: &str, target: &str) -> usize {
    let files = inputs(kind, target);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let start = Instant::now();
        let known = std::panic::catch_unwind(|| fuzzing::run(target, &data))
            .unwrap_or_else(|_| panic!("{}: the {target} target panicked", f.display()));
        assert!(known, "{target}");
        // A hang found by the fuzzer must stay fixed: each input well under its 10 s timeout.
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{}: took {:?}",
            f.display(),
            start.elapsed()
        );
    }
    files.len()
}

#[test]
fn every_target_has_seeds_and_they_pass() {
    for t in TARGETS {
        let n = replay("corpus", t);
        assert!(n > 0, "fuzz/corpus/{t} has no seed-* files");
        let bytes: u64 = inputs("corpus", t)
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        assert!(
            bytes <= 64 * 1024,
            "fuzz/corpus/{t}: {bytes} bytes of seeds"
        );
    }
}

#[test]
fn every_crash_found_stays_fixed() {
    for t in TARGETS {
        replay("regressions", t);
    }
    // No folder for a target that does not exist.
    if let Ok(rd) = std::fs::read_dir(root().join("regressions")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(TARGETS.contains(&name.as_str()), "fuzz/regressions/{name}");
        }
    }
}

#[test]
fn every_target_has_a_fuzz_binary() {
    for t in TARGETS {
        assert!(
            root().join("fuzz_targets").join(format!("{t}.rs")).exists(),
            "fuzz/fuzz_targets/{t}.rs"
        );
    }
    assert!(!fuzzing::run("no-such-target", b""));
}

#[test]
fn short_and_empty_inputs() {
    for t in TARGETS {
        for data in [&b""[..], b"\0", b"\xff\xff\xff", b"00000000000000000000"] {
            fuzzing::run(t, data);
        }
    }
}

// ------------------------------------------------------------------------------------------
// Seeds

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(SAMPLES).join(name)).unwrap()
}

fn data_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(Path::new(DATA).join(name))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("corpus").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// The packets of a capture as `net` target records.
fn net_records(capture: &[u8], max: usize) -> Vec<u8> {
    let mut src = bn407::capture::open_bytes("seed", capture.to_vec()).unwrap();
    let mut item = bn407::capture::Item::new();
    let mut out = vec![16, 4];
    let mut n = 0;
    while n < max && src.next_into(&mut item).unwrap_or(false) {
        let bn407::capture::ItemKind::Packet { link } = item.kind else {
            continue;
        };
        let i = fuzzing::LINKS.iter().position(|l| *l == link).unwrap();
        out.push(1);
        out.push(i as u8);
        out.extend_from_slice(&(item.data.len() as u16).to_be_bytes());
        out.extend_from_slice(&item.data);
        n += 1;
    }
    out
}

/// An IPv4 header (checksum left 0: the parser does not check it).
fn ipv4(proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x45, 0];
    v.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&frag.to_be_bytes());
    v.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    v.extend_from_slice(payload);
    v
}

/// One TCP target operation.
fn op(flags: u8, off: u16, len: u8, step: u8) -> Vec<u8> {
    let mut v = vec![flags];
    v.extend_from_slice(&off.to_be_bytes());
    v.extend_from_slice(&[len, step]);
    v
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn pb_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn pb_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

fn zz(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// A small vector tile: a named road (line), a lake (polygon) and a place (point).
fn mvt() -> Vec<u8> {
    let layer = |name: &str, kind: u64, geom: &[u64]| {
        let mut f = Vec::new();
        pb_varint(&mut f, 1, 1);
        let mut tags = Vec::new();
        varint(&mut tags, 0);
        varint(&mut tags, 0);
        pb_bytes(&mut f, 2, &tags);
        pb_varint(&mut f, 3, kind);
        let mut g = Vec::new();
        for v in geom {
            varint(&mut g, *v);
        }
        pb_bytes(&mut f, 4, &g);
        let mut value = Vec::new();
        pb_bytes(&mut value, 1, b"Rua Augusta");
        let mut l = Vec::new();
        pb_varint(&mut l, 15, 2);
        pb_bytes(&mut l, 1, name.as_bytes());
        pb_bytes(&mut l, 2, &f);
        pb_bytes(&mut l, 3, b"name");
        pb_bytes(&mut l, 4, &value);
        pb_varint(&mut l, 5, 4096);
        l
    };
    let line = [
        9,
        zz(100),
        zz(100),
        2 << 3 | 2,
        zz(2000),
        zz(500),
        zz(1500),
        zz(2500),
    ];
    let square = [
        9,
        zz(500),
        zz(500),
        3 << 3 | 2,
        zz(1000),
        0,
        0,
        zz(1000),
        zz(-1000),
        0,
        15,
    ];
    let point = [9, zz(2048), zz(2048)];
    let mut t = Vec::new();
    pb_bytes(&mut t, 3, &layer("water", 3, &square));
    pb_bytes(&mut t, 3, &layer("roads", 2, &line));
    pb_bytes(&mut t, 3, &layer("places", 1, &point));
    t
}

/// A PMTiles v3 file of `tiles` (`(tile id, bytes)`, ascending), uncompressed, one root
/// directory; with `leaf`, the root points to a leaf directory holding the entries.
fn pmtiles_file(tiles: &[(u64, Vec<u8>)], tile_type: u8, leaf: bool) -> Vec<u8> {
    let dir = |entries: &[(u64, u32, u64, u32)]| {
        let mut d = Vec::new();
        varint(&mut d, entries.len() as u64);
        let mut last = 0;
        for e in entries {
            varint(&mut d, e.0 - last);
            last = e.0;
        }
        for e in entries {
            varint(&mut d, u64::from(e.3));
        }
        for e in entries {
            varint(&mut d, u64::from(e.1));
        }
        for e in entries {
            varint(&mut d, e.2 + 1);
        }
        d
    };
    let mut data = Vec::new();
    let mut entries = Vec::new();
    for (id, bytes) in tiles {
        entries.push((*id, bytes.len() as u32, data.len() as u64, 1));
        data.extend_from_slice(bytes);
    }
    let (root, leaves) = if leaf {
        let l = dir(&entries);
        let root = dir(&[(tiles[0].0, l.len() as u32, 0, 0)]);
        (root, l)
    } else {
        (dir(&entries), Vec::new())
    };
    let mut h = vec![0u8; 127];
    h[..7].copy_from_slice(b"PMTiles");
    h[7] = 3;
    let mut at = 127u64;
    let set =
        |h: &mut Vec<u8>, pos: usize, v: u64| h[pos..pos + 8].copy_from_slice(&v.to_le_bytes());
    set(&mut h, 8, at);
    set(&mut h, 16, root.len() as u64);
    at += root.len() as u64;
    set(&mut h, 24, at);
    set(&mut h, 32, 0);
    set(&mut h, 40, at);
    set(&mut h, 48, leaves.len() as u64);
    at += leaves.len() as u64;
    set(&mut h, 56, at);
    set(&mut h, 64, data.len() as u64);
    set(&mut h, 72, tiles.len() as u64);
    set(&mut h, 80, tiles.len() as u64);
    set(&mut h, 88, tiles.len() as u64);
    h[96] = 1;
    h[97] = 1;
    h[98] = 1;
    h[99] = tile_type;
    h[100] = 0;
    h[101] = 3;
    let mut f = h;
    f.extend_from_slice(&root);
    f.extend_from_slice(&leaves);
    f.extend_from_slice(&data);
    f
}

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by hand when the targets' layouts change"]
fn write_seeds() {
    // capture: a file of each format, and one cut short.
    put(
        "capture",
        "heartbeat-only.pcap",
        &sample("heartbeat-only.pcap"),
    );
    put("capture", "no-answer.pcap", &sample("no-answer.pcap"));
    put(
        "capture",
        "first-report.pcapng",
        &sample("first-report.pcapng"),
    );
    let sll2 = sample("first-report-any-sll2.pcap");
    put("capture", "sll2-cut.pcap", &sll2[..3000]);
    put("capture", "server.log", &sample("server.log")[..2500]);
    let raw: Vec<String> = data_lines("bn407-text.txt").into_iter().take(10).collect();
    put("capture", "raw.txt", raw.join("\n").as_bytes());

    // logline
    let log = sample("server.log");
    put("logline", "server.log", &log[..log.len().min(3000)]);
    put(
        "logline",
        "layouts.log",
        b"2024-05-01 10:00:00  INFO: [T1a2b3c4d] connected\n\
          2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] ##,imei:359586015829802,A;\n\
          2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 > 203.0.113.5] LOAD\n\
          2024-05-01 10:00:01  INFO: [T9c8d7e6f: gt06 < 198.51.100.9] 78780d01086471700328358100093e480d0a\n\
          2024-05-01 10:00:02  INFO: [U5e6f7a8b: gps103 < 198.51.100.7:5023] 359586015829802;\n\
          2024-05-01 10:00:02.123  INFO: [T1a2b3c4d: 8888 < [2001:db8::1]:40000] imei:1,tracker\\r\\n\n\
          2024-05-01 10:00:03  INFO: [T1a2b3c4d] disconnected\n\
          2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] HEX: 2323 2c69\n\
          10:00:02 DEBUG conn 99 <- 198.51.100.7 HEX: 6f6e\n",
    );

    // net: captured packets of three link types, and a fragmented UDP datagram.
    put(
        "net",
        "heartbeat-only",
        &net_records(&sample("heartbeat-only.pcap"), 12),
    );
    put("net", "sll2", &net_records(&sll2, 10));
    let mut udp = vec![0x9c, 0x40, 0x22, 0xb8, 0, 48, 0, 0];
    udp.extend_from_slice(b"imei:864180034124375,tracker,2501011200,,F;");
    udp.resize(48, b' ');
    let mut frags = vec![16, 4];
    for (frag, part) in [(0x2000u16, &udp[..24]), (3, &udp[24..])] {
        let ip = ipv4(17, 7, frag, part);
        frags.extend_from_slice(&[1, 5]);
        frags.extend_from_slice(&(ip.len() as u16).to_be_bytes());
        frags.extend_from_slice(&ip);
    }
    put("net", "fragments", &frags);

    // tcp: handshake, out of order, overlap, retransmission, answer, close; a mid-stream start
    // across the sequence wrap; a hole past the buffer bound; a reset and a new connection.
    // Each seed: the two initial sequence numbers, two bytes of settings, the operations.
    let seed = |a: u32, b: u32, cfg: [u8; 2], ops: &[Vec<u8>]| {
        let mut v = a.to_be_bytes().to_vec();
        v.extend_from_slice(&b.to_be_bytes());
        v.extend_from_slice(&cfg);
        v.extend(ops.concat());
        v
    };
    let handshake = [
        op(0x02, 0, 0, 1),
        op(0x13, 0, 0, 1),
        op(0x10, 1, 20, 1),
        op(0x10, 41, 20, 1),
        op(0x10, 21, 20, 1),
        op(0x10, 11, 20, 1),
        op(0x10, 11, 20, 1),
        op(0x11, 1, 10, 1),
        op(0x14, 61, 0, 1),
        op(0x15, 11, 0, 1),
    ];
    put("tcp", "handshake", &seed(1000, 5000, [16, 4], &handshake));
    let wrap = [200, 300, 100].map(|off| op(0x10, off, 100, 1));
    put("tcp", "wrap", &seed(0xffff_ff00, 7, [0, 2], &wrap));
    let mut hole = vec![op(0x02, 0, 0, 1), op(0x10, 1, 10, 1)];
    hole.extend((0..6u16).map(|i| op(0x10, 100 + i * 50, 50, 1)));
    hole.push(op(0x10, 11, 5, 1));
    put("tcp", "hole", &seed(1, 1, [0, 1], &hole));
    let reset = [
        op(0x02, 0, 0, 1),
        op(0x10, 1, 30, 1),
        op(0x08, 31, 0, 1),
        op(0x02, 40, 0, 255),
        op(0x10, 41, 30, 1),
        op(0x30, 41, 30, 1),
    ];
    put("tcp", "reset", &seed(500, 900, [16, 2], &reset));

    // protocol: each protocol's frames as they travel.
    let idx = |name: &str| bn407::protocol::all().position(|p| p.name == name).unwrap() as u8;
    let lines = data_lines("bn407-text.txt");
    let mut text = vec![idx("bn407"), 0, 255];
    for l in lines.iter().filter(|l| l.len() < 300) {
        text.extend_from_slice(l.as_bytes());
        text.push(b'\n');
    }
    put("protocol", "bn407", &text[..text.len().min(4000)]);
    let photo = lines.iter().find(|l| l.contains(",vr,")).unwrap();
    let mut p = vec![idx("bn407"), 0, 60];
    p.extend_from_slice(photo.as_bytes());
    put("protocol", "bn407-photo", &p);
    put(
        "protocol",
        "bn407-server",
        &[
            &[idx("bn407"), 1, 3][..],
            b"LOAD\r\nON\r\n**,imei:864180034124375,B;",
        ]
        .concat(),
    );
    let mut g = vec![idx("gt06"), 0, 255];
    for l in data_lines("gt06.hex").iter().take(40) {
        g.extend(unhex(l));
    }
    put("protocol", "gt06", &g);
    let meitrack = {
        let rest = "352093081429150,AAA,35,22.567162,114.098502,240315101241,A,9,23,31,90,0.9,110,1234,5678,460|0|27A3|0E2F,0000,0000|0000|0000|018D|04CB";
        let mut v = format!("$$Q{},{rest}*", rest.len() + 6).into_bytes();
        let sum = v.iter().fold(0u8, |a, &c| a.wrapping_add(c));
        v.extend(format!("{sum:02X}\r\n").into_bytes());
        v
    };
    let avl = unhex(
        "00000000 00000026 08 01 0000018e419979a8 01 0f115490 20989ac0 006e 005a 09 002d
         00 02 01 ef01 01 423a98 00 00 01 0000508c",
    );
    let families: Vec<(&str, Vec<u8>)> = vec![
        ("tk103", b"(027044702512BP05352093081429150240315A2234.0297N11405.9101E000.1101241323.8700000000L0000ABCD)(027044702512BR00240315A2234.0297N11405.9101E031.5101311323.8700000000L0000ABCD)".to_vec()),
        ("h02", b"*HQ,4210209006,V1,101241,A,2234.0297,N,11405.9101,E,012.00,090,150324,FFFFFBFF#*HQ,4210209006,HTBT#".to_vec()),
        ("teltonika", [b"\x00\x0f352093081429150".to_vec(), avl].concat()),
        ("meitrack", meitrack),
        ("queclink", b"+RESP:GTFRI,270B01,352093081429150,gv300,,10,1,1,2,31.5,90,110.2,114.098502,22.567162,20240315101241,0460,0000,27A3,0E2F,00,1234.5,,,,100,210100,,,,20240315101243,0001$+ACK:GTHBD,270B01,352093081429150,gv300,20240315101400,0002$".to_vec()),
        ("osmand", b"GET /?id=352093081429150&lat=22.567162&lon=114.098502&timestamp=1710497561&speed=17.0 HTTP/1.1\r\nHost: gps.example:8888\r\n\r\n".to_vec()),
        ("xexun", b"150324101241,+34600000000,GPRMC,101241.000,A,2234.0297,N,11405.9101,E,0.00,0.00,150324,,,A*6B,F,, imei:359586015829802,05,110.0,F:4.12V,0,140,1234,460,00,27A3,0E2F\r\n".to_vec()),
        ("watch", b"[3G*8800000015*000C*LK,1000,0,67][3G*8800000015*0048*UD,150324,101241,A,22.567162,N,114.098502,E,12.5,90.0,110.0,9,80,67,1000]".to_vec()),
        ("suntech", b"ST300STT;205589913;05;527;20240315;10:12:41;be139;22.567162;114.098502;031.500;090.00;9;1;427;12.57;100000;1;0172\rST300ALV;205589913\r".to_vec()),
        ("nmea", b"$GPRMC,101241.000,A,2234.0297,N,11405.9101,E,0.00,0.00,150324,,,A*6B\r\n$GPGGA,101241.000,2234.0297,N,11405.9101,E,1,09,0.9,110.0,M,0.0,M,,*5C\r\n".to_vec()),
        ("unknown", b"\x00\x01\x02garbage\r\nimei:".to_vec()),
    ];
    for (name, bytes) in families {
        put(
            "protocol",
            name,
            &[&[idx(name), 0x40, 255][..], &bytes].concat(),
        );
    }
    // The detection path: a TCP flow of guessed sides, then a UDP one, sides alternating.
    put(
        "protocol",
        "detect-switch",
        &[
            &[0, 0x80 | 0x20, 40][..],
            b"\xff\xfe##,imei:864180034124375,A;LOAD\x78\x78\x05\x13\x00\x01\x00\x01\x0d\x0a",
        ]
        .concat(),
    );

    // filter
    for (i, e) in [
        "imei == 864180034124375 && kind == report",
        "keyword == \"help me\" || (fix.valid == false && !(speed_kmh > 80))",
        "severity >= warning || code == imei.luhn",
        "report.latitude > 50 && obd.rpm > 3000 && tracker",
        "((protocol == gt06) || direction == to_device) && battery < 20%",
    ]
    .iter()
    .enumerate()
    {
        put("filter", &format!("{i}"), e.as_bytes());
    }

    // pmtiles: a vector tile alone, and files with a root directory and with a leaf.
    let tile = mvt();
    put("pmtiles", "mvt", &[&[0][..], &tile].concat());
    let id = bn407::map::pmtiles::tile_id;
    put(
        "pmtiles",
        "root",
        &pmtiles_file(
            &[(id(0, 0, 0), tile.clone()), (id(1, 1, 0), tile.clone())],
            1,
            false,
        ),
    );
    put(
        "pmtiles",
        "leaf",
        &pmtiles_file(&[(id(3, 2, 5), tile.clone())], 1, true),
    );

    // diff: two firmware generations, as raw streams and as a capture against a log.
    let (a, b): (Vec<&String>, Vec<&String>) = lines
        .iter()
        .filter(|l| l.len() < 200)
        .partition(|l| l.contains(",F,") && l.len() < 110);
    let mut d = vec![128];
    d.extend(a.iter().flat_map(|l| [l.as_bytes(), b"\n"].concat()));
    let cut = d.len();
    d.extend(b.iter().flat_map(|l| [l.as_bytes(), b"\n"].concat()));
    d[0] = ((cut - 1) * 255 / (d.len() - 1)) as u8 + 1;
    put("diff", "text", &d);
    let a = sample("heartbeat-only.pcap");
    let b = &sample("server.log")[..1500];
    let mut d = vec![((a.len()) * 255 / (a.len() + b.len())) as u8 + 1];
    d.extend_from_slice(&a);
    d.extend_from_slice(b);
    put("diff", "pcap-log", &d);
}

/// The hand-made seeds are what they claim: the PMTiles files open and hold their tiles, the
/// vector tile draws its names.
#[test]
fn the_tile_seeds_reach_past_the_headers() {
    let seed = |n: &str| std::fs::read(root().join("corpus/pmtiles").join(n)).unwrap();
    let tiles = [(0, 0, 0), (1, 1, 0), (3, 2, 5)];
    assert_eq!(
        bn407::fuzzing::pmtiles_tiles(&seed("seed-root"), &tiles),
        Ok(2)
    );
    assert_eq!(
        bn407::fuzzing::pmtiles_tiles(&seed("seed-leaf"), &tiles),
        Ok(1)
    );
    let labels = bn407::fuzzing::mvt_labels(&seed("seed-mvt")[1..], 256).unwrap();
    assert!(labels >= 1, "{labels}");
}
