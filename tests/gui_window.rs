//! The analyzer window driven headless with egui_kittest: open files, wait for loading, select
//! frames and fields, filter, and show the errors of unreadable and damaged inputs.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gui_support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bn407::gui::{AnalyzerApp, Command, Settings};
use bn407::protocol::Kind;
use eframe::egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_support::{harness, open_all, path, settle};

const SAMPLE: &str = "tests/data/bn407-text.txt";
const IMEI: &str = "864180034124375";

fn open(p: &str) -> Harness<'static, AnalyzerApp> {
    open_all(&[p])
}

/// Gives the window `c` and lets it draw three frames.
fn command(h: &mut Harness<'_, AnalyzerApp>, c: Command) {
    h.state_mut().command(c);
    h.run_steps(3);
}

fn type_filter(h: &mut Harness<'_, AnalyzerApp>, text: &str) {
    h.state_mut().command(Command::SetFilter(String::new()));
    settle(h);
    let field = h.get_by_role(Role::TextInput);
    field.focus();
    field.type_text(text);
    h.run_steps(2);
    h.key_press(eframe::egui::Key::Enter);
    settle(h);
}

#[test]
fn opens_a_file_and_lists_every_frame() {
    let h = open(SAMPLE);
    assert_eq!(h.state().session().error, None);
    assert_eq!(h.state().frame_count(), 40);
    assert_eq!(h.state().row_count(), 40);
    assert!(h.state().session().stats.is_some());
    // The list shows rows; the status bar the totals.
    assert!(h.query_all_by_label_contains("Frames: 40").next().is_some());
    assert!(h.query_all_by_label("bn407").count() >= 10);
}

#[test]
fn selecting_a_frame_shows_its_imei_in_the_tree() {
    let mut h = open(SAMPLE);
    // Click the device cell of the row of this IMEI in the frame list (the side panel's
    // device list comes first, the frame list last).
    let row = h.get_all_by_label(IMEI).last().unwrap();
    row.click();
    h.run_steps(3);
    let sel = h.state().selection().frame.unwrap();
    let imei = h
        .state()
        .with_store(|s| s.get(sel).unwrap().imei().map(|i| i.to_string()));
    assert_eq!(imei.as_deref(), Some(IMEI));
    // The decode tree names the IMEI.
    let tree = h.state().detail().unwrap();
    assert!(tree.tree.find("imei").is_some());
    assert!(
        h.query_by_label_contains(&format!("IMEI: {IMEI}"))
            .is_some()
            || h.query_by_label_contains(&format!(": {IMEI}")).is_some(),
        "no tree line with the IMEI"
    );
}

#[test]
fn arrow_keys_move_through_frames() {
    let mut h = open(SAMPLE);
    h.state_mut().command(Command::SelectFrame(5));
    h.run_steps(2);
    h.key_press(eframe::egui::Key::ArrowDown);
    h.run_steps(2);
    assert_eq!(h.state().selection().frame, Some(6));
    h.key_press(eframe::egui::Key::ArrowUp);
    h.key_press(eframe::egui::Key::ArrowUp);
    h.run_steps(2);
    assert_eq!(h.state().selection().frame, Some(4));
}

fn select_report(h: &mut Harness<'_, AnalyzerApp>) -> usize {
    let frame = h.state().with_store(|s| {
        s.iter()
            .find(|f| f.kind() == Kind::Report && f.fix().is_some())
            .unwrap()
            .index()
    });
    h.state_mut().command(Command::SelectFrame(frame));
    h.run_steps(2);
    frame
}

/// The sample open with a report selected, and the index of the report's latitude in its
/// field tree.
fn open_at_latitude() -> (Harness<'static, AnalyzerApp>, usize) {
    let mut h = open(SAMPLE);
    select_report(&mut h);
    let i = {
        let d = h.state().detail().unwrap();
        d.tree
            .nodes
            .iter()
            .position(|n| n.def.name == "report.latitude")
    };
    (h, i.unwrap())
}

#[test]
fn selecting_a_field_highlights_its_bytes() {
    let (mut h, i) = open_at_latitude();
    let span = h.state().detail().unwrap().tree.nodes[i].span;
    // Click the field's line in the tree.
    let label = h.get_by_label_contains("Latitude:");
    label.click();
    h.run_steps(2);
    assert_eq!(h.state().selection().field, Some(i));
    assert_eq!(
        h.state().highlighted_bytes(),
        Some(span.start as usize..span.end as usize)
    );
    assert!(
        h.query_by_label_contains(&format!(
            "report.latitude: bytes {}..{}",
            span.start, span.end
        ))
        .is_some()
    );
}

#[test]
fn clicking_a_byte_selects_the_innermost_field() {
    let (mut h, lat) = open_at_latitude();
    let (offset, want) = {
        let n = &h.state().detail().unwrap().tree.nodes[lat];
        (n.span.start as usize + 1, (n.depth, "report.latitude"))
    };
    h.state_mut().click_byte(offset);
    h.run_steps(2);
    let d = h.state().detail().unwrap();
    let sel = h.state().selection().field.unwrap();
    let n = &d.tree.nodes[sel];
    assert!(n.span.contains(offset));
    assert!(
        n.depth >= want.0,
        "{} is not the innermost field",
        n.def.name
    );
    assert!(h.state().highlighted_bytes().unwrap().contains(&offset));
}

#[test]
fn a_filter_shows_only_matching_frames() {
    let mut h = open(SAMPLE);
    let obd = h
        .state()
        .with_store(|s| s.iter().filter(|f| f.kind() == Kind::Obd).count());
    assert!(obd > 0);
    type_filter(&mut h, "kind == obd");
    assert_eq!(h.state().filter_error(), None);
    assert_eq!(h.state().row_count(), obd);
    assert!(
        h.query_by_label_contains(&format!("{obd} matches"))
            .is_some()
    );
    // A device filter from the side panel (what clicking a device does).
    h.state_mut()
        .command(Command::SetFilter(format!("imei == {IMEI}")));
    settle(&mut h);
    assert_eq!(h.state().row_count(), 1);
    let f = h.state().row_frame(0).unwrap();
    let imei = h
        .state()
        .with_store(|s| s.get(f).unwrap().imei().unwrap().to_string());
    assert_eq!(imei, IMEI);
}

#[test]
fn a_broken_filter_says_why_in_red() {
    let mut h = open(SAMPLE);
    type_filter(&mut h, "speed_kmh > ");
    let e = h.state().filter_error().cloned().unwrap();
    assert!(e.message.contains("expected a value"), "{e}");
    assert!(
        h.query_by_label_contains("Filter error at column")
            .is_some()
    );
    // The list still shows every frame.
    assert_eq!(h.state().row_count(), 40);
}

#[test]
fn a_missing_file_shows_its_message() {
    let h = open("tests/data/no-such-file.pcap");
    let e = h.state().session().error.clone().unwrap();
    assert!(e.contains("no-such-file.pcap"), "{e}");
    assert!(
        h.query_all_by_label_contains("no-such-file.pcap")
            .next()
            .is_some()
    );
    assert_eq!(h.state().frame_count(), 0);
}

#[test]
fn a_damaged_capture_shows_its_message_and_the_frames_before() {
    let src = std::fs::read(path("samples/multi-device.pcap")).unwrap();
    let dir = std::env::temp_dir().join(format!("bn407-gui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("damaged.pcap");
    // Cut the file in the middle of a record.
    std::fs::write(&p, &src[..src.len() * 2 / 3]).unwrap();
    let mut h = harness(vec![p.clone()]);
    settle(&mut h);
    let e = h.state().session().error.clone();
    let _ = std::fs::remove_dir_all(&dir);
    let e = e.expect("a damaged capture is reported");
    assert!(e.contains("damaged.pcap"), "{e}");
    assert!(
        h.state().frame_count() > 0,
        "the frames before the damage are kept"
    );
    assert!(h.query_all_by_label_contains("Error: ").next().is_some());
}

#[test]
fn a_pcap_sample_loads() {
    let h = open("samples/multi-device.pcap");
    assert_eq!(h.state().session().error, None);
    assert!(h.state().frame_count() > 0);
    assert!(
        !h.state()
            .session()
            .stats
            .as_ref()
            .unwrap()
            .devices
            .is_empty()
    );
}

#[test]
fn copy_gives_text_hex_and_json() {
    let mut h = open(SAMPLE);
    select_report(&mut h);
    let app = h.state();
    let text = app.copy_text(bn407::gui::CopyAs::Text).unwrap();
    let hex = app.copy_text(bn407::gui::CopyAs::Hex).unwrap();
    let json = app.copy_text(bn407::gui::CopyAs::Json).unwrap();
    assert!(text.contains("report"), "{text}");
    assert!(hex.starts_with("696d6569"), "{hex}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "report");
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl eframe::egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropping_several_files_opens_them_together() {
    let mut h = harness(Vec::new());
    settle(&mut h);
    assert_eq!(h.state().frame_count(), 0);
    let one = h.state().with_store(|s| s.len());
    assert_eq!(one, 0);
    for p in [SAMPLE, SAMPLE] {
        h.input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(path(p))));
    }
    settle(&mut h);
    assert_eq!(h.state().session().names.len(), 2);
    assert_eq!(h.state().frame_count(), 80);
    // Both are remembered as recent files (once: it is the same file).
    assert_eq!(h.state().settings().recent.len(), 1);
}

#[test]
fn ctrl_f_focuses_the_filter() {
    let mut h = open(SAMPLE);
    assert!(!h.get_by_role(Role::TextInput).is_focused());
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::F);
    h.run_steps(3);
    assert!(h.get_by_role(Role::TextInput).is_focused());
}

#[test]
fn the_conversation_shows_both_directions_with_gaps() {
    let mut h = open("samples/multi-device.pcap");
    h.state_mut().command(Command::ShowTab(
        bn407::gui::state::CentralTab::Conversation,
    ));
    h.run_steps(3);
    assert!(
        h.query_all_by_label_contains("LOAD (login accepted)")
            .next()
            .is_some()
    );
    assert!(
        h.query_all_by_label_contains("ON (heartbeat answered)")
            .next()
            .is_some()
    );
    assert!(h.query_all_by_label_contains(" s").next().is_some());
    assert!(h.query_all_by_label_contains("on flow #").next().is_some());
}

#[test]
fn findings_filter_to_their_frames() {
    let mut h = open(SAMPLE);
    command(
        &mut h,
        Command::ShowSide(bn407::gui::state::SideTab::Findings),
    );
    let code = h
        .state()
        .session()
        .stats
        .as_ref()
        .unwrap()
        .findings
        .values()
        .next()
        .unwrap()
        .code;
    let want = h.state().session().stats.as_ref().unwrap().findings[code].count;
    h.get_by_label_contains(&format!("{code}  ×")).click();
    settle(&mut h);
    assert_eq!(h.state().row_count() as u64, want);
}

/// A large raw file: the corpus repeated.
fn big_file(name: &str, frames: usize) -> PathBuf {
    let lines: Vec<String> = std::fs::read_to_string(path(SAMPLE))
        .unwrap()
        .lines()
        .filter(|l| l.len() < 300)
        .map(|l| format!("{l}\n"))
        .collect();
    let mut out = String::new();
    for i in 0..frames {
        out.push_str(&lines[i % lines.len()]);
    }
    let p = std::env::temp_dir().join(format!("bn407-gui-{}-{name}", std::process::id()));
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn the_first_frames_show_while_the_rest_loads() {
    let p = big_file("big.txt", 400_000);
    let mut h = harness(vec![p.clone()]);
    let mut seen_early = false;
    let start = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(60));
        let n = h.state().frame_count();
        if n > 0 && n < 400_000 {
            seen_early = true;
            assert!(h.state().session().loading.is_some());
        }
        std::thread::sleep(Duration::from_millis(2));
        h.step();
    }
    let _ = std::fs::remove_file(&p);
    assert!(seen_early, "frames only appeared at the end");
    assert_eq!(h.state().frame_count(), 400_000);
}

#[test]
fn cancel_stops_loading_and_keeps_what_was_read() {
    let p = big_file("cancel.txt", 1_000_000);
    let mut h = harness(vec![p.clone()]);
    let start = Instant::now();
    h.step();
    while h.state().frame_count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
        h.step();
    }
    h.state_mut().command(Command::CancelLoad);
    settle(&mut h);
    let _ = std::fs::remove_file(&p);
    assert!(h.state().session().cancelled);
    assert!(h.state().frame_count() < 1_000_000);
    assert!(
        h.query_all_by_label_contains("partly loaded")
            .next()
            .is_some()
    );
}

#[test]
fn clicking_a_byte_with_the_pointer_selects_its_field() {
    let (mut h, lat) = open_at_latitude();
    let (offset, want) = {
        let d = h.state().detail().unwrap();
        let off = d.tree.nodes[lat].span.start as usize + 2;
        (off, d.tree.node_at(off).unwrap())
    };
    let base = offset / 16 * 16;
    let j = offset % 16;
    let rect = h.get_by_label_contains(&format!("{base:04x}  ")).rect();
    let size = eframe::egui::TextStyle::Monospace
        .resolve(&h.ctx.global_style())
        .size;
    let cw = h
        .ctx
        .fonts_mut(|f| f.glyph_width(&eframe::egui::FontId::monospace(size), '0'));
    // The hex column of byte j: after `0000  `, three characters a byte, one more space
    // after the eighth.
    let col = 6 + j * 3 + usize::from(j >= 8);
    let pos = eframe::egui::pos2(rect.left() + (col as f32 + 0.5) * cw, rect.center().y);
    h.hover_at(pos);
    h.run_steps(1);
    h.drag_at(pos);
    h.run_steps(1);
    h.drop_at(pos);
    h.run_steps(3);
    assert_eq!(h.state().selection().field, Some(want));
    assert!(h.state().highlighted_bytes().unwrap().contains(&offset));
}

#[test]
fn ctrl_c_copies_the_selected_frame() {
    let mut h = open(SAMPLE);
    let frame = select_report(&mut h);
    h.event(eframe::egui::Event::Copy);
    h.step();
    let copied: Vec<String> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            eframe::egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let want = h.state().copy_text(bn407::gui::CopyAs::Text).unwrap();
    assert!(copied.contains(&want), "{copied:?}");
    assert_eq!(h.state().selection().frame, Some(frame));
}

#[test]
fn settings_survive_a_round_trip_and_missing_keys() {
    let s: Settings = serde_json::from_str("{}").unwrap();
    assert_eq!(s, Settings::default());
    let s: Settings = serde_json::from_str(r#"{"theme":"Dark","unknown":1}"#).unwrap();
    assert_eq!(s.theme, bn407::gui::state::ThemeChoice::Dark);
    assert!(s.show_side);
    let mut s = Settings::default();
    for i in 0..20 {
        s.remember(PathBuf::from(format!("/tmp/{i}.pcap")));
    }
    s.remember(PathBuf::from("/tmp/5.pcap"));
    assert_eq!(s.recent.len(), Settings::MAX_RECENT);
    assert_eq!(s.recent[0], PathBuf::from("/tmp/5.pcap"));
    let back: Settings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn the_theme_command_switches_light_and_dark() {
    let mut h = open(SAMPLE);
    command(
        &mut h,
        Command::SetTheme(bn407::gui::state::ThemeChoice::Light),
    );
    assert!(!h.ctx.global_style().visuals.dark_mode);
    command(
        &mut h,
        Command::SetTheme(bn407::gui::state::ThemeChoice::Dark),
    );
    assert!(h.ctx.global_style().visuals.dark_mode);
    assert_eq!(
        h.state().settings().theme,
        bn407::gui::state::ThemeChoice::Dark
    );
}

/// A large capture's frame bytes go to a temporary file (here from the first byte): the list,
/// the selected frame's tree and bytes, a text and a field filter and the map's tracks are the
/// same as with every byte in memory.
#[test]
fn frame_bytes_read_back_from_the_temporary_file_show_the_same() {
    let run = |spill: bool| {
        let mut app = AnalyzerApp::new(
            gui_support::offline(),
            vec![path("samples/bike-ride.pcapng")],
        );
        if spill {
            app.set_spill_after(0);
        }
        let mut h = Harness::builder()
            .with_size(eframe::egui::vec2(1400.0, 900.0))
            .build_ui_state(|ui, app: &mut AnalyzerApp| app.ui(ui), app);
        settle(&mut h);
        let (held, spilled) = h.state().with_store(|s| s.arena_bytes());
        assert_eq!(spilled == held, spill, "{held} {spilled}");
        let rows = h.state().row_count();
        let bytes: Vec<Vec<u8>> = h
            .state()
            .with_store(|s| s.iter().map(|f| f.bytes().to_vec()).collect());
        command(&mut h, Command::SelectFrame(rows / 2));
        let tree: Vec<_> = h
            .state()
            .detail()
            .unwrap()
            .tree
            .nodes
            .iter()
            .map(|n| (n.def.name, n.span))
            .collect();
        let points: usize = h.state().shown_tracks().tracks().map(|t| t.len()).sum();
        type_filter(&mut h, "tracker");
        let words = h.state().row_count();
        // A decoded field's text, read from the bytes the tree was decoded from.
        type_filter(&mut h, "report.latitude > 52.37");
        (rows, bytes, tree, points, words, h.state().row_count())
    };
    let memory = run(false);
    let spilled = run(true);
    assert!(memory.0 > 100 && memory.3 > 100 && memory.4 > 0 && !memory.2.is_empty());
    assert!(
        memory.5 > 0 && memory.5 < memory.4,
        "{} {}",
        memory.5,
        memory.4
    );
    assert_eq!(memory, spilled);
}
