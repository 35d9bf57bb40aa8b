//! Tracks, their per-zoom simplification and the time series, on synthetic frames and on the
//! bike-ride sample.
#![allow(clippy::indexing_slicing, clippy::needless_range_loop)]

use std::path::PathBuf;

use bn407::map::geo::{self, BBox};
use bn407::model::tracks::{SeriesKind, Track, TrackBuilder, segment_distance, tolerance};
use bn407::pipeline::{self, Input, RunOptions};
use bn407::protocol::{Direction, Fix, Imei, Kind, Message, Span, Vitals};

const SEC: i64 = 1_000_000_000;
const T0: i64 = 1_764_000_000 * SEC;

fn imei() -> Imei {
    Imei::new(b"864035052277564").expect("imei")
}

/// A report frame with a fix.
fn report(lon: f64, lat: f64, valid: bool) -> Message {
    Message {
        kind: Kind::Report,
        imei: Some(imei()),
        fix: Some(Fix {
            time: None,
            valid,
            lat,
            lon,
            speed_kmh: Some(12.5),
            course: None,
        }),
        ..Message::default()
    }
}

/// Feeds `points` as reports one second apart; `alarm_at` makes those reports alarms.
fn build(points: &[(f64, f64, bool)], alarm_at: &[usize]) -> TrackBuilder {
    let mut b = TrackBuilder::new();
    let bytes = b"imei:864035052277564,help me,...";
    for (i, &(lon, lat, valid)) in points.iter().enumerate() {
        let mut m = report(lon, lat, valid);
        if alarm_at.contains(&i) {
            m.alarm = true;
            m.keyword = Some(Span::new(21, 28));
            m.keyword_meaning = Some("SOS button");
        }
        let ts = T0 + i as i64 * SEC;
        b.add_message(
            i as u64,
            Some(ts),
            Direction::ToServer,
            Some(imei()),
            &m,
            bytes,
        );
    }
    b
}

fn only(b: &TrackBuilder) -> &Track {
    b.track(Some(&imei())).expect("a track")
}

/// Checks what every level must hold: ascending indices into the track, the forced points,
/// and every dropped point within a pixel of the drawn line (half a pixel from
/// Douglas–Peucker, plus at most half a pixel where chunk ends were pruned).
fn check_levels(track: &Track) {
    let pts = track.points();
    let world: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| geo::lonlat_to_world(p.lon(), p.lat()))
        .collect();
    for z in 0..=20usize {
        let kept = track.simplified(z as f64).to_vec();
        assert!(
            kept.windows(2).all(|w| w[0] < w[1]),
            "zoom {z}: not ascending"
        );
        assert!(kept.iter().all(|&i| (i as usize) < pts.len()));
        if pts.is_empty() {
            assert!(kept.is_empty());
            continue;
        }
        assert_eq!(kept.first(), Some(&0), "zoom {z}: start");
        assert_eq!(
            kept.last().map(|&i| i as usize),
            Some(pts.len() - 1),
            "zoom {z}: end"
        );
        for (i, p) in pts.iter().enumerate() {
            if !p.valid() || p.is_alarm() {
                assert!(
                    kept.contains(&(i as u32)),
                    "zoom {z}: forced point {i} dropped"
                );
            }
        }
        // Half a pixel at zoom z, in world units, is 0.5 / (256 * 2^z).
        let half_px = 0.5 / (256.0 * 2f64.powi(z as i32));
        assert_eq!(tolerance(z), half_px);
        let tol = 2.0 * half_px * (1.0 + 1e-9);
        for pair in kept.windows(2) {
            let (a, b) = (world[pair[0] as usize], world[pair[1] as usize]);
            for i in pair[0] as usize + 1..pair[1] as usize {
                let d = segment_distance(world[i], a, b);
                assert!(
                    d <= tol,
                    "zoom {z}: point {i} is {} px off",
                    d / half_px / 2.0
                );
            }
        }
    }
}

#[test]
fn straight_line_collapses_to_its_ends() {
    let line: Vec<_> = (0..10_000)
        .map(|i| (4.0 + i as f64 * 1e-5, 52.0, true))
        .collect();
    let mut b = build(&line, &[]);
    // The newest points are drawn as they are until the track is finished.
    assert!(only(&b).simplified(0.0).len() > 1000);
    b.finish();
    let t = only(&b);
    assert_eq!(t.len(), 10_000);
    for z in [0.0, 3.0, 10.0, 15.5, 20.0, 25.0] {
        assert_eq!(t.simplified(z), &[0, 9999], "zoom {z}");
    }
    assert_eq!(t.start().map(|p| p.frame()), Some(0));
    assert_eq!(t.end().map(|p| p.frame()), Some(9999));
    check_levels(t);
    // Cached: the same slice every time.
    assert!(std::ptr::eq(
        t.simplified(7.0).settled(),
        t.simplified(7.0).settled()
    ));
}

#[test]
fn alarms_and_invalid_fixes_survive() {
    let mut line: Vec<_> = (0..10_000)
        .map(|i| (4.0 + i as f64 * 1e-5, 52.0, true))
        .collect();
    line[5000].2 = false;
    line[7777].2 = false;
    let mut b = build(&line, &[1234, 9000]);
    b.finish();
    let t = only(&b);
    assert_eq!(t.simplified(0.0), &[0, 1234, 5000, 7777, 9000, 9999]);
    assert_eq!(t.valid_len(), 9998);
    let alarms = t.alarms();
    assert_eq!(alarms.len(), 2);
    assert_eq!(alarms[0].point, Some(1234));
    assert_eq!(&*alarms[0].keyword, "help me");
    assert_eq!(alarms[0].meaning, Some("SOS button"));
    assert!(t.points()[9000].is_alarm());
    assert_eq!(t.alarm_at(9000).map(|a| &*a.keyword), Some("help me"));
    assert!(!t.points()[9001].is_alarm() && t.alarm_at(9001).is_none());
    check_levels(t);
}

#[test]
fn zigzag_keeps_its_corners_when_zoomed_in() {
    // Corners every 10 points, 0.001° (about 70 m at 52°N) apart across.
    let pts: Vec<_> = (0..2001)
        .map(|i| {
            let leg = i / 10;
            let f = (i % 10) as f64 / 10.0;
            let (from, to) = if leg % 2 == 0 { (0.0, 1.0) } else { (1.0, 0.0) };
            (
                4.0 + i as f64 * 1e-5,
                52.0 + 0.001 * (from + (to - from) * f),
                true,
            )
        })
        .collect();
    let mut b = build(&pts, &[]);
    b.finish();
    let t = only(&b);
    let corners: Vec<u32> = (0..=2000).step_by(10).collect();
    assert_eq!(t.simplified(16.0), corners.as_slice());
    // Far out, the zig-zag is a line.
    assert!(t.simplified(5.0).len() < 10, "{}", t.simplified(5.0).len());
    check_levels(t);
}

#[test]
fn random_walk_levels_are_sound() {
    // A long wandering track over several chunks, with parked stretches and glitches.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut lon, mut lat, mut heading) = (-9.14, 38.72, 0.0f64);
    let mut pts = Vec::new();
    for i in 0..30_000 {
        if (i / 500) % 4 != 3 {
            heading += (rnd() - 0.5) * 0.8;
            lon += heading.cos() * 1e-4 * rnd();
            lat += heading.sin() * 1e-4 * rnd();
        }
        pts.push((lon, lat, rnd() > 0.01));
    }
    let mut b = build(&pts, &[10, 4095, 4096, 29_999]);
    let t = only(&b);
    assert!(t.simplified(0.0).len() < pts.len());
    b.finish();
    let t = only(&b);
    check_levels(t);
    let sizes: Vec<usize> = (0..=20).map(|z| t.simplified(z as f64).len()).collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert!(sizes[0] < 600 && sizes[20] > 10_000, "{sizes:?}");
}

#[test]
fn unplaceable_fixes_are_counted() {
    let pts = [
        (0.0, 0.0, false),
        (f64::NAN, 52.0, true),
        (4.9, f64::INFINITY, true),
        (4.9, 95.0, true),
        (181.0, 52.0, true),
        (4.9, 52.37, true),
        (0.0, 0.0, true),
        (-0.0, 0.0, true),
        (4.91, 52.38, true),
    ];
    let mut b = build(&pts, &[0]);
    b.finish();
    let t = only(&b);
    assert_eq!(t.len(), 2);
    assert_eq!(t.skipped().zero, 3);
    assert_eq!(t.skipped().out_of_range, 4);
    // The alarm at 0,0 is listed but not placed.
    assert_eq!(t.alarms().len(), 1);
    assert_eq!(t.alarms()[0].point, None);
    assert_eq!(t.bbox(), BBox::new(4.9, 52.37, 4.91, 52.38));
    let d = t.length_m();
    assert!((d - 1_310.0).abs() < 20.0, "{d}");
    check_levels(t);
    // Zooms of any kind.
    for z in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -3.0, 1e300] {
        assert!(!t.simplified(z).is_empty());
    }
    // An empty builder and a track without positions.
    let mut e = TrackBuilder::new();
    assert!(e.is_empty() && e.bbox().is_empty() && e.nearest_frame(1.0).is_none());
    e.add_message(0, None, Direction::ToServer, None, &Message::default(), &[]);
    e.finish();
    let t = e.track(None).expect("track of frames without a device");
    assert!(t.is_empty() && t.simplified(3.0).is_empty() && t.start().is_none());
    assert_eq!(t.nearest_point(5.0), None);
    check_levels(t);
}

#[test]
fn series_intervals_and_validity() {
    let mut b = TrackBuilder::new();
    let dev = Some(imei());
    let mut add = |frame: u64, secs: i64, dir: Direction, m: Message| {
        b.add_message(frame, Some(T0 + secs * SEC), dir, dev, &m, b"");
    };
    let hb = || Message {
        kind: Kind::Heartbeat,
        ..Message::default()
    };
    let ack = || Message {
        kind: Kind::HeartbeatAck,
        ..Message::default()
    };
    let with_vitals = |mut m: Message, battery: f32| {
        m.vitals = Vitals {
            battery: Some(battery),
            temperature: Some(f32::NAN),
            ..Vitals::default()
        };
        m
    };
    add(
        0,
        0,
        Direction::ToServer,
        Message {
            kind: Kind::Login,
            ..Message::default()
        },
    );
    add(1, 1, Direction::ToServer, hb());
    add(2, 1, Direction::ToDevice, ack());
    add(
        3,
        10,
        Direction::ToServer,
        with_vitals(report(4.9, 52.37, true), 90.0),
    );
    add(
        4,
        40,
        Direction::ToServer,
        with_vitals(report(4.91, 52.37, true), 89.0),
    );
    add(5, 61, Direction::ToServer, hb());
    add(6, 61, Direction::ToDevice, ack());
    add(7, 70, Direction::ToServer, report(4.92, 52.37, false));
    add(8, 100, Direction::ToServer, report(0.0, 0.0, false));
    add(9, 181, Direction::ToServer, hb());
    let t = only(&b);
    let s = t.series();
    let t0 = T0 as f64 / 1e9;
    let rel =
        |k: SeriesKind| -> Vec<[f64; 2]> { s.get(k).points().map(|p| [p[0] - t0, p[1]]).collect() };
    assert_eq!(
        rel(SeriesKind::ReportInterval),
        vec![[40.0, 30.0], [70.0, 30.0], [100.0, 30.0]]
    );
    assert_eq!(
        s.get(SeriesKind::ReportInterval)
            .frames()
            .collect::<Vec<_>>(),
        vec![4, 7, 8]
    );
    assert_eq!(
        rel(SeriesKind::HeartbeatInterval),
        vec![[61.0, 60.0], [181.0, 120.0]]
    );
    assert_eq!(
        s.get(SeriesKind::HeartbeatInterval)
            .frames()
            .collect::<Vec<_>>(),
        vec![5, 9]
    );
    // Validity counts every fix, placed or not.
    assert_eq!(
        rel(SeriesKind::FixValid),
        vec![[10.0, 1.0], [40.0, 1.0], [70.0, 0.0], [100.0, 0.0]]
    );
    assert_eq!(rel(SeriesKind::Battery), vec![[10.0, 90.0], [40.0, 89.0]]);
    assert_eq!(
        s.get(SeriesKind::Battery).frames().collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert!(
        s.get(SeriesKind::Temperature).is_empty(),
        "NaN is not plotted"
    );
    assert_eq!(s.get(SeriesKind::Speed).len(), 4);
    assert!(s.get(SeriesKind::Altitude).is_empty());
    assert_eq!(s.iter().count(), SeriesKind::ALL.len());
    // The shared cursor.
    assert_eq!(s.nearest_frame(t0 + 39.0), Some(4));
    assert_eq!(s.nearest_frame(t0 + 1.2), Some(1));
    assert_eq!(s.nearest_frame(t0 - 1e6), Some(0));
    assert_eq!(s.nearest_frame(t0 + 1e6), Some(9));
    assert_eq!(s.nearest_frame(f64::NAN), None);
    assert_eq!(s.get(SeriesKind::Battery).nearest_frame(t0 + 30.0), Some(4));
    assert_eq!(s.time_range(), Some((t0, t0 + 181.0)));
    assert_eq!(b.nearest_frame(t0 + 62.0), Some(5));
    assert_eq!(t.nearest_point(t0 + 66.0), Some(2));
    assert_eq!(t.points()[2].frame(), 7);
}

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn run(name: &str) -> TrackBuilder {
    let mut b = TrackBuilder::new();
    pipeline::run(
        &[Input::Path(sample(name))],
        &mut RunOptions::default(),
        &mut |d| b.add(&d),
    )
    .expect("sample decodes");
    b.finish();
    b
}

#[test]
fn bike_ride_sample() {
    let b = run("bike-ride.pcapng");
    assert_eq!(b.len(), 1);
    let t = b.tracks().next().expect("one track");
    assert_eq!(t.device().map(|d| d.as_str()), Some("864035052277564"));
    assert_eq!(t.len(), 150);
    assert_eq!(t.valid_len(), 145);
    assert_eq!(t.points().iter().filter(|p| !p.valid()).count(), 5);
    assert_eq!(t.alarms().len(), 1);
    let alarm = &t.alarms()[0];
    assert_eq!(&*alarm.keyword, "sensor alarm");
    let at = alarm.point.expect("the alarm has a fix") as usize;
    assert_eq!(t.points()[at].frame(), alarm.frame);
    // About 6 km through Amsterdam.
    let km = t.length_m() / 1000.0;
    assert!((4.0..8.0).contains(&km), "{km} km");
    assert!(BBox::new(4.8, 52.3, 5.0, 52.4).contains(t.bbox().min_lon, t.bbox().min_lat));
    assert!(BBox::new(4.8, 52.3, 5.0, 52.4).contains(t.bbox().max_lon, t.bbox().max_lat));
    let view = geo::fit_bounds(&t.bbox(), 800.0, 600.0, 20.0, 18.0).expect("view");
    assert!((12.0..16.0).contains(&view.zoom), "{view:?}");
    // Zoomed out: few points, still the alarm and the five invalid fixes.
    let far = t.simplified(8.0).to_vec();
    assert!(far.len() < 40, "{}", far.len());
    assert!(far.contains(&(at as u32)));
    assert_eq!(t.simplified_points(8.0).filter(|p| !p.valid()).count(), 5);
    check_levels(t);
    // Series over capture time, in order; report and heartbeat intervals.
    let s = t.series();
    let speed = s.get(SeriesKind::Speed);
    assert_eq!(speed.len(), 150);
    let points: Vec<[f64; 2]> = speed.points().collect();
    assert!(points.windows(2).all(|w| w[0][0] <= w[1][0]));
    let valid = s.get(SeriesKind::FixValid);
    assert_eq!(valid.points().filter(|p| p[1] == 0.0).count(), 5);
    let reports = s.get(SeriesKind::ReportInterval);
    assert!(reports.len() >= 149, "{}", reports.len());
    assert!(reports.points().all(|p| p[1] >= 0.0 && p[1] < 5.0));
    let hb = s.get(SeriesKind::HeartbeatInterval);
    assert!(!hb.is_empty());
    assert!(!s.get(SeriesKind::Battery).is_empty());
    // The cursor at a point's time finds that point's frame.
    let p = &t.points()[77];
    let tp = p.t_seconds().expect("capture time");
    assert_eq!(t.nearest_point(tp), Some(77));
    assert_eq!(speed.nearest_frame(tp), Some(p.frame()));
}

#[test]
fn multi_device_sample() {
    let b = run("multi-device.pcap");
    assert_eq!(b.len(), 3);
    let lisbon = BBox::new(-9.5, 38.5, -8.9, 39.0);
    for t in b.tracks() {
        assert!(!t.is_empty(), "{:?}", t.device());
        assert!(
            lisbon.contains(t.bbox().min_lon, t.bbox().min_lat),
            "{:?}",
            t.bbox()
        );
        check_levels(t);
    }
    let with = |k: SeriesKind| b.tracks().filter(|t| !t.series().get(k).is_empty()).count();
    assert!(with(SeriesKind::Altitude) >= 1);
    assert!(with(SeriesKind::Fuel) >= 1);
    assert!(with(SeriesKind::Temperature) >= 1);
    assert!(with(SeriesKind::Ignition) >= 1);
    assert!(b.tracks().map(|t| t.alarms().len()).sum::<usize>() >= 2);
    assert!(lisbon.contains(
        b.bbox().center().expect("bbox").0,
        b.bbox().center().expect("bbox").1
    ));
}

#[test]
fn big_tracks_build_quickly() {
    let n = 300_000;
    let pts: Vec<_> = (0..n)
        .map(|i| {
            let a = i as f64 * 1e-3;
            (
                4.9 + 0.05 * a.cos() + i as f64 * 1e-7,
                52.37 + 0.03 * (a * 1.7).sin(),
                true,
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let mut b = build(&pts, &[]);
    b.finish();
    let took = start.elapsed();
    let t = only(&b);
    assert_eq!(t.len(), n);
    assert!(
        t.simplified(10.0).len() < 5_000,
        "{}",
        t.simplified(10.0).len()
    );
    // Generous: a shared, loaded machine; typically well under a second.
    assert!(took.as_secs() < 20, "{took:?}");
}
