#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcapng::{Block, PcapNgReader};

use super::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn t(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
}

/// A fresh folder for one test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bn407-rec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A recorder with the default limits writing `a.pcapng` in a fresh folder.
fn recorder(name: &str) -> (PathBuf, Recorder) {
    let d = dir(name);
    let rec = Recorder::create(RecordConfig::new(d.join("a.pcapng"))).unwrap();
    (d, rec)
}

/// One TCP packet as read back: (src port, seq, ack, flags "SAFR", payload).
#[derive(Debug, PartialEq, Eq)]
struct Tcp {
    from: u16,
    seq: u32,
    ack: Option<u32>,
    flags: String,
    payload: Vec<u8>,
}

/// The TCP packets of a file, with the link type and `if_tsresol` of its interface checked.
fn read_tcp(path: &Path) -> Vec<Tcp> {
    let mut r = PcapNgReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    let mut ifaces = 0;
    while let Some(block) = r.next_block() {
        match block.unwrap() {
            Block::InterfaceDescription(idb) => {
                ifaces += 1;
                assert_eq!(idb.linktype, pcap_file::DataLink::RAW);
                assert!(idb.options.contains(
                    &pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption::IfTsResol(9)
                ));
            }
            Block::EnhancedPacket(p) => {
                let s = SlicedPacket::from_ip(&p.data).unwrap();
                let Some(TransportSlice::Tcp(h)) = s.transport else {
                    continue;
                };
                let flags = [
                    (h.syn(), 'S'),
                    (h.ack(), 'A'),
                    (h.fin(), 'F'),
                    (h.rst(), 'R'),
                ]
                .iter()
                .filter(|f| f.0)
                .map(|f| f.1)
                .collect();
                out.push(Tcp {
                    from: h.source_port(),
                    seq: h.sequence_number(),
                    ack: h.ack().then(|| h.acknowledgment_number()),
                    flags,
                    payload: h.payload().to_vec(),
                });
            }
            _ => {}
        }
    }
    assert_eq!(ifaces, 1, "{}", path.display());
    out
}

#[test]
fn sequence_numbers_follow_the_bytes_from_open_to_close() {
    let (d, mut rec) = recorder("seq");
    let (dev, srv) = (addr("10.0.0.2:40000"), addr("10.0.0.1:8888"));
    rec.tcp_open(7, dev, srv, t(0)).unwrap();
    rec.tcp_data(7, true, b"##,imei:359586015829802,A;", t(1))
        .unwrap();
    rec.tcp_data(7, false, b"LOAD", t(2)).unwrap();
    rec.tcp_data(7, true, b"", t(3)).unwrap();
    rec.tcp_close(7, Close::FinByServer, t(4)).unwrap();
    assert_eq!(rec.open_connections(), 0);
    let files = rec.finish().unwrap();
    let p = read_tcp(&files[0]);
    // Each packet: sender, flags, sequence and acknowledgement numbers relative to the
    // sender's and the receiver's ISN, payload length.
    let (di, si) = (p[0].seq, p[1].seq);
    let relative: Vec<_> = p
        .iter()
        .map(|p| {
            let (mine, theirs) = if p.from == 40000 { (di, si) } else { (si, di) };
            let ack = p.ack.map(|a| a.wrapping_sub(theirs));
            (
                p.from,
                p.flags.as_str(),
                p.seq.wrapping_sub(mine),
                ack,
                p.payload.len(),
            )
        })
        .collect();
    assert_eq!(
        relative,
        [
            (40000, "S", 0, None, 0),
            (8888, "SA", 0, Some(1), 0),
            (40000, "A", 1, Some(1), 0),
            // Device data, then the server's ACK of it.
            (40000, "A", 1, Some(1), 26),
            (8888, "A", 1, Some(27), 0),
            // Server data, the device's ACK.
            (8888, "A", 1, Some(27), 4),
            (40000, "A", 27, Some(5), 0),
            // The server's FIN, the device's FIN/ACK, the last ACK.
            (8888, "AF", 5, Some(27), 0),
            (40000, "AF", 27, Some(6), 0),
            (8888, "A", 6, Some(28), 0),
        ]
    );
    assert_eq!(p[3].payload, b"##,imei:359586015829802,A;");
    assert_eq!(p[5].payload, b"LOAD");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_large_write_is_split_and_a_reset_comes_from_the_device() {
    let (d, mut rec) = recorder("split");
    rec.tcp_open(
        1,
        addr("[2001:db8::2]:5000"),
        addr("[2001:db8::1]:8888"),
        t(0),
    )
    .unwrap();
    let big: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    rec.tcp_data(1, false, &big, t(1)).unwrap();
    rec.tcp_close(1, Close::Reset, t(2)).unwrap();
    let files = rec.finish().unwrap();
    let p = read_tcp(&files[0]);
    let data: Vec<_> = p.iter().filter(|p| !p.payload.is_empty()).collect();
    let sizes: Vec<_> = data.iter().map(|p| p.payload.len()).collect();
    assert_eq!(sizes, [65_000, 65_000, 20_000]);
    assert_eq!(data[1].seq, data[0].seq.wrapping_add(65_000));
    assert_eq!(data[2].seq, data[0].seq.wrapping_add(130_000));
    let joined: Vec<u8> = data.iter().flat_map(|p| p.payload.clone()).collect();
    assert_eq!(joined, big);
    let last = p.last().unwrap();
    assert_eq!((last.from, last.flags.as_str()), (5000, "AR"));
    assert_eq!(last.ack, Some(data[0].seq.wrapping_add(150_000)));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn misuse_is_an_error_that_writes_nothing() {
    let (d, mut rec) = recorder("misuse");
    let (dev, srv) = (addr("10.0.0.2:1"), addr("10.0.0.1:2"));
    let e = rec.tcp_data(3, true, b"x", t(0)).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("connection 3 is not open"), "{e}");
    assert!(rec.tcp_close(3, Close::Reset, t(0)).is_err());
    rec.tcp_open(3, dev, srv, t(0)).unwrap();
    let before = rec.bytes_written();
    assert!(rec.tcp_open(3, dev, srv, t(0)).is_err());
    assert!(rec.udp(dev, srv, true, &[0; 70_000], t(0)).is_err());
    assert_eq!(rec.bytes_written(), before);
    // The recorder still works.
    rec.tcp_data(3, true, b"x", t(1)).unwrap();
    assert!(rec.bytes_written() > before);
    rec.finish().unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn tick_flushes_once_the_interval_has_passed() {
    let d = dir("tick");
    let path = d.join("a.pcapng");
    let mut rec = Recorder::create(RecordConfig::new(&path)).unwrap();
    let on_disk = || std::fs::metadata(&path).unwrap().len();
    let start = SystemTime::now();
    rec.udp(addr("10.0.0.2:1"), addr("10.0.0.1:2"), true, b"ON", start)
        .unwrap();
    rec.tick(start + Duration::from_millis(500)).unwrap();
    assert_eq!(on_disk(), 0, "flushed before the interval");
    rec.tick(start + Duration::from_millis(1_500)).unwrap();
    assert_eq!(on_disk(), rec.bytes_written());
    // A clock that went back restarts the interval instead of flushing.
    rec.udp(addr("10.0.0.2:1"), addr("10.0.0.1:2"), true, b"ON", start)
        .unwrap();
    rec.tick(start).unwrap();
    assert!(on_disk() < rec.bytes_written());
    rec.tick(start + Duration::from_millis(1_000)).unwrap();
    assert_eq!(on_disk(), rec.bytes_written());
    drop(rec);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn roll_over_keeps_files_under_the_limit_and_numbers_them() {
    let d = dir("roll");
    let cfg = RecordConfig {
        max_bytes: 1_000,
        ..RecordConfig::new(d.join("live.pcapng"))
    };
    let mut rec = Recorder::create(cfg).unwrap();
    for i in 0..40u64 {
        let dev = addr(&format!("10.0.0.{}:4000", 2 + i % 3));
        rec.udp(dev, addr("10.0.0.1:8888"), i % 2 == 0, &[b'x'; 60], t(i))
            .unwrap();
    }
    assert!(
        rec.current_file()
            .ends_with(format!("live-{:04}.pcapng", rec.files().len() - 1))
    );
    let total = rec.bytes_written();
    let files = rec.finish().unwrap();
    assert!(files.len() > 3, "{files:?}");
    assert_eq!(files[1], d.join("live-0001.pcapng"));
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .collect();
    assert!(sizes.iter().all(|&s| s <= 1_000), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<u64>(), total);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn mapped_and_mixed_addresses_get_one_family() {
    let (d, mut rec) = recorder("family");
    rec.udp(
        addr("[::ffff:192.0.2.7]:4000"),
        addr("[::ffff:192.0.2.1]:8888"),
        true,
        b"ON",
        t(0),
    )
    .unwrap();
    let files = rec.finish().unwrap();
    let mut r = PcapNgReader::new(std::fs::File::open(&files[0]).unwrap()).unwrap();
    let mut seen = 0;
    while let Some(block) = r.next_block() {
        if let Block::EnhancedPacket(p) = block.unwrap() {
            let s = SlicedPacket::from_ip(&p.data).unwrap();
            let Some(NetSlice::Ipv4(v4)) = s.net else {
                panic!("not IPv4")
            };
            assert_eq!(v4.header().source(), [192, 0, 2, 7]);
            assert_eq!(
                p.timestamp,
                t(0).duration_since(SystemTime::UNIX_EPOCH).unwrap()
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 1);
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn a_write_error_names_the_file_and_stops_the_recording() {
    let mut rec = Recorder::create(RecordConfig::new("/dev/full")).unwrap();
    rec.udp(addr("10.0.0.2:1"), addr("10.0.0.1:2"), true, b"ON", t(0))
        .unwrap();
    let e = rec.flush_now().unwrap_err();
    assert!(e.to_string().starts_with("/dev/full: "), "{e}");
    let again = rec.udp(addr("10.0.0.2:1"), addr("10.0.0.1:2"), true, b"ON", t(1));
    let again = again.unwrap_err().to_string();
    assert!(
        again.starts_with("recording stopped after an error: /dev/full: "),
        "{again}"
    );
    assert!(rec.finish().is_err());
}

#[test]
fn a_file_that_cannot_be_created_is_a_one_line_error_naming_it() {
    let d = dir("create");
    std::fs::create_dir_all(&d).unwrap();
    let blocker = d.join("file");
    std::fs::write(&blocker, b"").unwrap();
    let path = blocker.join("sub").join("x.pcapng");
    let Err(e) = Recorder::create(RecordConfig::new(&path)) else {
        panic!("created under a file")
    };
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("cannot create recording {}: ", path.display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn default_path_is_in_the_data_folder_named_by_utc_time() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_732_800 + 3_723);
    let p = default_path(now);
    assert_eq!(p.file_name().unwrap(), "live-20250101-130203.pcapng");
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    };
    if cfg!(windows) {
        let d = recordings_dir(env(&[("LOCALAPPDATA", r"C:\Users\u\AppData\Local")]));
        assert_eq!(
            d,
            Some(PathBuf::from(r"C:\Users\u\AppData\Local\bn407\recordings"))
        );
    } else {
        let xdg = recordings_dir(env(&[("XDG_DATA_HOME", "/x/data"), ("HOME", "/home/u")]));
        assert_eq!(xdg, Some(PathBuf::from("/x/data/bn407/recordings")));
        let home = recordings_dir(env(&[("XDG_DATA_HOME", ""), ("HOME", "/home/u")]));
        assert_eq!(
            home,
            Some(PathBuf::from("/home/u/.local/share/bn407/recordings"))
        );
        let relative = recordings_dir(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/home/u")]));
        assert_eq!(relative, home);
        assert_eq!(recordings_dir(env(&[])), None);
    }
}
