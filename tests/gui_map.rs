//! The map and the plots driven headless with egui_kittest: tracks built from a loaded capture,
//! selection linked both ways between the frame list and the map, and the plots' series and
//! shared time cursor.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gui_support;

use std::time::{Duration, Instant};

use bn407::gui::state::CentralTab;
use bn407::gui::{AnalyzerApp, Command, Settings, TileStatus};
use bn407::model::tracks::SeriesKind;
use eframe::egui::{self, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_support::{
    harness_with, map_names_drawn, offline, open_all, path, settle, track_colours_drawn,
};

fn open(files: &[&str]) -> Harness<'static, AnalyzerApp> {
    open_all(files)
}

fn click_at(h: &mut Harness<'_, AnalyzerApp>, pos: Pos2) {
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
    settle(h);
}

/// The bike ride's track: (device's frames with a point, their positions).
fn ride_points(h: &Harness<'_, AnalyzerApp>) -> Vec<(usize, f64, f64)> {
    let tracks = h.state().tracks();
    let track = tracks.tracks().max_by_key(|t| t.len()).expect("a track");
    track
        .points()
        .iter()
        .map(|p| (p.frame() as usize, p.lon(), p.lat()))
        .collect()
}

#[test]
fn tracks_are_built_from_the_loaded_frames() {
    let h = open(&["samples/bike-ride.pcapng"]);
    let tracks = h.state().tracks();
    assert!(!tracks.is_empty());
    let placed: usize = tracks.tracks().map(|t| t.len()).sum();
    assert!(placed > 50, "only {placed} positions");
    // Every point's frame is the store's frame with that fix (stored in single precision).
    for (frame, lon, lat) in ride_points(&h) {
        let fix = h.state().with_store(|s| s.get(frame).and_then(|f| f.fix()));
        let (flat, flon, _) = fix.expect("the frame has a fix");
        assert!((flat - lat).abs() < 1e-4 && (flon - lon).abs() < 1e-4);
    }
}

#[test]
fn selecting_a_frame_in_the_list_selects_and_shows_its_point_on_the_map() {
    let mut h = open(&["samples/bike-ride.pcapng"]);
    h.get_by_label("Map").click();
    settle(&mut h);
    assert!(h.get_by_label("Fit to tracks").rect().is_positive());
    let points = ride_points(&h);
    let (frame, lon, lat) = points[points.len() / 2];
    h.state_mut().command(Command::SelectFrame(frame));
    settle(&mut h);
    let sel = h.state().map().selected().expect("a selected point");
    assert_eq!(sel.frame, frame);
    assert_eq!(sel.point, points.len() / 2);
    // Centred on the map.
    let pos = h.state().map().screen_pos(lon, lat).unwrap();
    let centre = h.state().map().rect().center();
    assert!(
        pos.distance(centre) < 1.0,
        "{pos:?} not at the centre {centre:?}"
    );
    // A frame without a position selects no point.
    let login = h.state().with_store(|s| {
        s.iter()
            .find(|f| f.fix().is_none())
            .map(|f| f.index())
            .unwrap()
    });
    h.state_mut().command(Command::SelectFrame(login));
    settle(&mut h);
    assert_eq!(h.state().map().selected(), None);
}

#[test]
fn clicking_a_point_on_the_map_selects_its_frame_in_the_list() {
    let mut h = open(&["samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    let selected = h.state().selection().frame;
    let map = h.state().map();
    // The points drawn at this zoom (the others lie within a pixel of the line).
    let track = h.state().tracks().tracks().max_by_key(|t| t.len()).unwrap();
    let points: Vec<(usize, f64, f64)> = track
        .simplified_points(map.zoom())
        .map(|p| (p.frame() as usize, p.lon(), p.lat()))
        .collect();
    let screen: Vec<(usize, Pos2)> = points
        .iter()
        .map(|(f, lon, lat)| (*f, map.screen_pos(*lon, *lat).unwrap()))
        .collect();
    // A point on the map with no other point within 3 pixels (the nearest to the click wins).
    let (frame, pos) = *screen
        .iter()
        .find(|(f, p)| {
            Some(*f) != selected
                && map.rect().shrink(60.0).contains(*p)
                && screen.iter().all(|(g, q)| g == f || q.distance(*p) > 3.0)
        })
        .expect("a point standing alone");
    click_at(&mut h, pos);
    assert_eq!(h.state().selection().frame, Some(frame), "clicked {pos:?}");
    assert_eq!(h.state().map().selected().map(|p| p.frame), Some(frame));
    // Back in the list, the row is selected (the decode tree shows that frame).
    assert_eq!(h.state().detail().map(|d| d.frame), Some(frame));
}

#[test]
fn fit_to_tracks_shows_every_track() {
    let mut h = open(&["samples/multi-device.pcap", "samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    // Pan away, then fit.
    let r = h.state().map().rect();
    h.drag_at(r.center());
    h.step();
    h.hover_at(r.center() + egui::vec2(500.0, 300.0));
    h.step();
    h.drop_at(r.center() + egui::vec2(500.0, 300.0));
    h.step();
    h.get_by_label("Fit to tracks").click();
    settle(&mut h);
    let map = h.state().map();
    for t in h.state().tracks().tracks() {
        for p in t.points() {
            let s = map.screen_pos(p.lon(), p.lat()).unwrap();
            assert!(map.rect().contains(s), "{s:?} off {:?}", map.rect());
        }
    }
    // The legend and the offline basemap's attribution are on screen.
    assert!(h.state().tracks().len() >= 4);
}

#[test]
fn plots_show_speed_battery_and_intervals_and_link_the_time_cursor() {
    let mut h = open(&["samples/bike-ride.pcapng"]);
    h.get_by_label("Plots").click();
    settle(&mut h);
    let shown = h.state().plotted_series();
    let count = |k: SeriesKind| shown.iter().find(|s| s.0 == k).map_or(0, |s| s.1);
    assert!(count(SeriesKind::Speed) > 50, "{shown:?}");
    assert!(count(SeriesKind::Battery) > 10, "{shown:?}");
    assert!(count(SeriesKind::ReportInterval) > 10, "{shown:?}");
    assert!(h.query_by_label("Speed (km/h)").is_some());
    assert!(h.query_by_label("Battery (%)").is_some());
    // Hover the middle of the speed plot: the time cursor and its frame are set.
    let title = h.get_by_label("Speed (km/h)").rect();
    let pos = egui::pos2(title.left() + 600.0, title.bottom() + 50.0);
    h.hover_at(pos);
    h.run_steps(2);
    let sel = h.state().selection();
    let t = sel.hovered_time.expect("a time under the cursor");
    let frame = sel.hovered_frame.expect("a frame near the cursor");
    let (t0, t1) = h
        .state()
        .tracks()
        .tracks()
        .filter_map(|t| t.series().time_range())
        .fold((f64::MAX, f64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    assert!(t > t0 && t < t1, "{t} outside {t0}..{t1}");
    // Clicking selects that frame.
    click_at(&mut h, pos);
    assert_eq!(h.state().selection().frame, Some(frame));
    // Moving away clears the cursor.
    h.hover_at(egui::pos2(5.0, 890.0));
    h.run_steps(2);
    assert_eq!(h.state().selection().hovered_time, None);
}

#[test]
fn map_and_plots_can_stand_beside_the_frame_list() {
    let settings = Settings {
        geo_panel: true,
        ..offline()
    };
    let mut h = harness_with(settings, vec![path("samples/bike-ride.pcapng")]);
    settle(&mut h);
    assert_eq!(h.state().settings().central, CentralTab::Frames);
    assert!(h.state().map().rect().is_positive());
    assert!(!h.state().plotted_series().is_empty());
    assert!(
        h.query_by_label("Speed (km/h)").is_some(),
        "no speed plot drawn"
    );
    // The list is still there, and selecting a frame in it selects its point on the map.
    assert!(h.query_by_label("Summary").is_some());
    let (frame, _, _) = ride_points(&h)[3];
    h.state_mut().command(Command::SelectFrame(frame));
    settle(&mut h);
    assert_eq!(h.state().map().selected().map(|p| p.frame), Some(frame));
    h.state_mut().command(Command::ToggleGeoPanel);
    settle(&mut h);
    assert!(!h.state().settings().geo_panel);
}

#[test]
fn a_tile_source_that_fails_says_so_and_the_basemap_stays() {
    let mut settings = offline();
    settings.tiles.online = true;
    // Nothing listens there; the cache is a fresh folder.
    settings.tiles.url = "http://127.0.0.1:9/{z}/{x}/{y}.png".to_string();
    let dir = std::env::temp_dir().join(format!("bn407-gui-tiles-{}", std::process::id()));
    settings.tiles.cache_dir = Some(dir.clone());
    settings.central = CentralTab::Map;
    let mut h = harness_with(settings, vec![path("samples/bike-ride.pcapng")]);
    settle(&mut h);
    let s = wait_for_tile_status(&mut h, |s| s.pending == 0 && s.failed > 0);
    assert_eq!(s.ready, 0);
    assert!(s.error.is_some());
    h.run_steps(2);
    // The map still draws (tracks over the basemap) and the selection still links.
    let (frame, _, _) = ride_points(&h)[2];
    h.state_mut().command(Command::SelectFrame(frame));
    settle(&mut h);
    assert_eq!(h.state().map().selected().map(|p| p.frame), Some(frame));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn follow_keeps_the_newest_position_in_view() {
    let mut h = open(&["samples/multi-device.pcap", "samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    h.get_by_label("Follow newest").click();
    settle(&mut h);
    let newest = h
        .state()
        .tracks()
        .tracks()
        .filter_map(|t| t.end())
        .max_by_key(|p| p.frame())
        .cloned()
        .unwrap();
    let map = h.state().map();
    assert!(map.follow());
    let (lon, lat) = map.center_lonlat();
    assert!((lon - newest.lon()).abs() < 1e-6 && (lat - newest.lat()).abs() < 1e-6);
    let s = map.screen_pos(newest.lon(), newest.lat()).unwrap();
    assert!(s.distance(map.rect().center()) < 1.0);
}

/// Drags the map from `from` by `by`, a few pixels per frame as a hand would.
fn drag_map(h: &mut Harness<'_, AnalyzerApp>, from: Pos2, by: egui::Vec2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=10 {
        h.hover_at(from + by * (i as f32 / 10.0));
        h.step();
    }
    h.drop_at(from + by);
    h.step();
}

#[test]
fn dragging_and_the_wheel_move_the_map_and_stop_automatic_fitting() {
    let mut h = open(&["samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    let map = h.state().map();
    let (rect, zoom, (lon0, lat0)) = (map.rect(), map.zoom(), map.center_lonlat());
    // Dragging right and down shows what lies west and north.
    drag_map(&mut h, rect.center(), egui::vec2(200.0, 100.0));
    h.run_steps(30);
    let (lon1, lat1) = h.state().map().center_lonlat();
    assert!(lon1 < lon0 && lat1 > lat0, "{lon0},{lat0} -> {lon1},{lat1}");
    // The point that was at the centre follows the pointer (inertia may carry it further).
    let moved = h.state().map().screen_pos(lon0, lat0).unwrap() - rect.center();
    assert!(moved.x >= 190.0 && moved.y >= 90.0, "{moved:?}");
    // The wheel zooms in around the pointer: a point of the ride under it stays there.
    let (lon, lat, at) = {
        let map = h.state().map();
        ride_points(&h)
            .into_iter()
            .map(|(_, lon, lat)| (lon, lat, map.screen_pos(lon, lat).unwrap()))
            .find(|(_, _, s)| rect.shrink(40.0).contains(*s) && s.distance(rect.center()) > 60.0)
            .expect("a point of the ride away from the centre")
    };
    h.hover_at(at);
    h.step();
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 3.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
    h.run_steps(30);
    let map = h.state().map();
    assert!(map.zoom() > zoom + 0.2, "zoom {zoom} -> {}", map.zoom());
    let s = map.screen_pos(lon, lat).unwrap();
    assert!(s.distance(at) < 25.0, "{s:?} drifted from {at:?}");
    // Moved by hand, the view is not fitted again when nothing new comes in.
    let (z, c) = (map.zoom(), map.center_lonlat());
    settle(&mut h);
    assert_eq!(
        (h.state().map().zoom(), h.state().map().center_lonlat()),
        (z, c)
    );
}

#[test]
fn hiding_a_device_leaves_it_off_the_map_and_the_plots() {
    let mut h = open(&["samples/multi-device.pcap", "samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Plots));
    settle(&mut h);
    let speed = |h: &Harness<'_, AnalyzerApp>| {
        h.state()
            .plotted_series()
            .iter()
            .find(|s| s.0 == SeriesKind::Speed)
            .map_or(0, |s| s.1)
    };
    let all = speed(&h);
    let ride = h
        .state()
        .tracks()
        .tracks()
        .max_by_key(|t| t.len())
        .unwrap()
        .clone();
    let imei = ride.device().unwrap().to_string();
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    h.get_by_label(&format!("Show {imei} on the map and the plots"))
        .click();
    settle(&mut h);
    // Its frames no longer select a point, and the plots leave its samples out.
    let (frame, _, _) = ride_points(&h)[5];
    h.state_mut().command(Command::SelectFrame(frame));
    settle(&mut h);
    assert_eq!(h.state().map().selected(), None);
    h.state_mut().command(Command::ShowTab(CentralTab::Plots));
    settle(&mut h);
    let without = speed(&h);
    let ride_speeds = ride.series().get(SeriesKind::Speed).len();
    assert_eq!(without, all - ride_speeds, "{all} {ride_speeds}");
    // "Show all" brings it back everywhere.
    h.get_by_label("Show all (1 hidden)").click();
    settle(&mut h);
    assert_eq!(speed(&h), all);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    assert_eq!(h.state().map().selected().map(|p| p.frame), Some(frame));
}

#[test]
fn the_map_and_the_plots_show_what_the_filter_keeps() {
    let mut h = open(&["samples/multi-device.pcap", "samples/bike-ride.pcapng"]);
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    settle(&mut h);
    let devices =
        |t: &bn407::model::tracks::TrackBuilder| t.tracks().filter(|t| !t.is_empty()).count();
    assert!(devices(h.state().shown_tracks()) >= 4);
    let ride = h.state().tracks().tracks().max_by_key(|t| t.len()).unwrap();
    let imei = ride.device().unwrap().to_string();
    let (len, alarms) = (ride.len(), ride.alarms().len());
    let device = ride.device().copied();
    // Its colour is the one of its first appearance among every frame.
    let [r, g, b] = bn407::model::tracks::device_rgb(ride.ordinal());
    let colour = egui::Color32::from_rgb(r, g, b);
    let drawn = track_colours_drawn(&h);
    assert!(drawn.contains(&colour), "{colour:?} not in {drawn:?}");
    h.state_mut()
        .command(Command::SetFilter(format!("imei == {imei}")));
    settle(&mut h);
    let shown = h.state().shown_tracks();
    assert_eq!(devices(shown), 1);
    let t = shown.tracks().find(|t| !t.is_empty()).unwrap();
    assert_eq!((t.len(), t.alarms().len()), (len, alarms));
    assert!(h.query_by_label_contains("1 device(s)").is_some());
    // The device keeps its colour whatever the filter (it is the only track drawn now).
    assert_eq!(track_colours_drawn(&h), vec![colour]);
    // Only the reports: the heartbeats leave the tracks too.
    h.state_mut().command(Command::SetFilter(format!(
        "imei == {imei} && kind == report"
    )));
    settle(&mut h);
    let t = h.state().shown_tracks().tracks().next().unwrap();
    assert!(t.series().get(SeriesKind::HeartbeatInterval).is_empty());
    assert_eq!(t.len(), len);
    // Unticking "Only filtered frames" shows every frame again; clearing the filter too.
    h.get_by_label("Only filtered frames").click();
    settle(&mut h);
    assert!(devices(h.state().shown_tracks()) >= 4);
    h.get_by_label("Only filtered frames").click();
    settle(&mut h);
    assert_eq!(devices(h.state().shown_tracks()), 1);
    h.state_mut().command(Command::SetFilter(String::new()));
    settle(&mut h);
    assert!(devices(h.state().shown_tracks()) >= 4);
    assert!(h.query_by_label("Only filtered frames").is_none());

    // The plots follow too, and start over when the tracks change under them.
    h.state_mut().command(Command::ShowTab(CentralTab::Plots));
    h.state_mut()
        .command(Command::SetFilter("speed_kmh > 15".to_string()));
    settle(&mut h);
    let speeds = |h: &Harness<'_, AnalyzerApp>| {
        h.state()
            .shown_tracks()
            .track(device.as_ref())
            .unwrap()
            .series()
            .get(SeriesKind::Speed)
            .points()
            .collect::<Vec<_>>()
    };
    let fast = speeds(&h);
    assert!(
        !fast.is_empty() && fast.iter().all(|p| p[1] > 15.0),
        "{fast:?}"
    );
    assert_eq!(
        h.state()
            .plots()
            .plotted(device.as_ref(), SeriesKind::Speed),
        fast
    );
    h.get_by_label("Only filtered frames").click();
    settle(&mut h);
    let all = speeds(&h);
    assert!(all.len() > fast.len());
    assert_eq!(
        h.state()
            .plots()
            .plotted(device.as_ref(), SeriesKind::Speed),
        all
    );
}

#[test]
fn a_vector_pmtiles_file_adds_detail_offline() {
    // Opened beside the capture, the map file becomes the map's tile source.
    let mut h = open(&[
        "samples/multi-device.pcap",
        "samples/lisbon-synthetic.pmtiles",
    ]);
    assert_eq!(
        h.state().settings().tiles.pmtiles,
        Some(path("samples/lisbon-synthetic.pmtiles"))
    );
    assert_eq!(h.state().settings().central, CentralTab::Map);
    assert_eq!(h.state().session().names.len(), 1);
    // Show Lisbon (the three devices there), then wait for the file's tiles.
    let lisbon = h
        .state()
        .tracks()
        .tracks()
        .find(|t| {
            t.points()
                .iter()
                .all(|p| (-9.20..-9.10).contains(&p.lon()) && (38.70..38.76).contains(&p.lat()))
        })
        .map(|t| t.device().copied())
        .expect("a device in Lisbon");
    let name = lisbon.unwrap().to_string();
    h.get_by_label_contains(&format!("{name}  ")).click();
    wait_for_tiles(&mut h);
    // The file's names are written on the map: at this zoom the made-up city or its quarters.
    let labels = map_names_drawn(&h);
    assert!(
        !labels.is_empty(),
        "no labels at zoom {}",
        h.state().map().zoom()
    );
    // Closer in, street names too.
    while h.state().map().zoom() < 16.0 {
        h.get_by_label("+").click();
        h.run_steps(2);
    }
    wait_for_tiles(&mut h);
    let labels = map_names_drawn(&h);
    assert!(
        labels.iter().any(|l| l.starts_with("Avenida ")
            || l.starts_with("Rua ")
            || l.starts_with("Travessa ")),
        "{labels:?} at zoom {}",
        h.state().map().zoom()
    );
    assert!(labels.len() <= 200, "{}", labels.len());
    // The tracks and the selection still work over the tiles.
    let track = h.state().tracks().track(lisbon.as_ref()).unwrap();
    let frame = track.points()[1].frame() as usize;
    h.state_mut().command(Command::SelectFrame(frame));
    settle(&mut h);
    assert_eq!(h.state().map().selected().map(|p| p.frame), Some(frame));
}

/// Steps until the map has a tile layer whose status satisfies `done` (at most 20 s; the
/// layer is made on the first frame the map is drawn), and returns that status.
fn wait_for_tile_status(
    h: &mut Harness<'_, AnalyzerApp>,
    done: impl Fn(&TileStatus) -> bool,
) -> TileStatus {
    let start = Instant::now();
    loop {
        h.step();
        let status = h.state().map().tile_status().cloned();
        if let Some(s) = status.as_ref().filter(|s| done(s)) {
            return s.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{status:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Steps until the map's tile layer has nothing pending and some tiles ready, with no error.
fn wait_for_tiles(h: &mut Harness<'_, AnalyzerApp>) {
    let s = wait_for_tile_status(h, |s| s.pending == 0 && s.ready > 0);
    assert_eq!(s.error, None, "{s:?}");
    h.run_steps(2);
}

#[test]
fn a_map_file_opened_again_is_read_again() {
    let dir = std::env::temp_dir().join(format!("bn407-gui-pm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("area.pmtiles");
    std::fs::write(&file, b"PMTiles but cut short").unwrap();
    let mut h = open(&["samples/multi-device.pcap"]);
    h.state_mut()
        .command(Command::Open(vec![bn407::pipeline::Input::Path(
            file.clone(),
        )]));
    let s = wait_for_tile_status(&mut h, |s| s.error.is_some());
    assert_eq!(s.ready, 0);
    // Mended on disk and opened again: read again, and the capture is still loaded.
    std::fs::copy(path("samples/lisbon-synthetic.pmtiles"), &file).unwrap();
    h.state_mut()
        .command(Command::Open(vec![bn407::pipeline::Input::Path(
            file.clone(),
        )]));
    let s = wait_for_tile_status(&mut h, |s| s.ready > 0 && s.pending == 0);
    assert_eq!(s.error, None);
    assert_eq!(h.state().tracks().len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}
