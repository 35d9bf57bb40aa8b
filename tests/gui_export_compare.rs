//! The window's export and compare, driven as a user would: a device's context menu opens the
//! export dialog preset; an export from the window writes what `bn407 export` writes for the
//! same filter; File > Compare… with two firmware captures shows the report's lines and the
//! representative frames side by side, the differing fields marked.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod cli_support;
mod conv_support;
mod diff_support;
mod gui_support;

use cli_support::{bn407_command, scratch_dir, stdout_of};
use std::path::{Path, PathBuf};

use bn407::export::{Format, Request};
use bn407::gui::compare::CompareCommand;
use bn407::gui::export::{ExportCommand, ExportOutcome};
use bn407::gui::{AnalyzerApp, Command};
use bn407::model::diff::{Rank, Which};
use bn407::pipeline::Input;
use diff_support::{Fw, HALF_HOUR, LISBON, capture_file, firmware_b};
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn out_dir(name: &str) -> PathBuf {
    scratch_dir("gui-export", name)
}

fn cli_export(args: &[&str]) {
    stdout_of(bn407_command().arg("export").args(args));
}

fn first_device(h: &Harness<'_, AnalyzerApp>) -> String {
    let stats = h.state().session().stats.as_ref().unwrap();
    assert!(stats.devices.len() >= 2, "a sample with several devices");
    stats.devices.values().next().unwrap().imei.to_string()
}

#[test]
fn a_devices_context_menu_opens_the_export_dialog_preset() {
    let mut h = gui_support::open_all(&["samples/multi-device.pcap"]);
    let imei = first_device(&h);
    assert!(!h.state().export_dialog().is_open());
    h.query_all_by_label(&imei)
        .next()
        .unwrap()
        .click_secondary();
    h.run_steps(2);
    h.get_by_label("Export its track as GPX…").click();
    h.run_steps(3);
    assert!(h.state().export_dialog().is_open());
    // The dialog shows the format, the device, and its button.
    h.get_by_label("tracks and alarm waypoints, for GPS tools");
    assert!(
        h.query_all_by_label(&imei).count() >= 2,
        "the device is preselected in the dialog"
    );
    // The destination is suggested beside the capture, named by capture, device and format.
    let suggested = gui_support::path(&format!("samples/multi-device-{imei}.gpx"));
    let suggested_text = suggested.display().to_string();
    let out = out_dir("menu").join("track.gpx");
    h.query_all_by_role(Role::TextInput)
        .find(|n| n.value().as_deref() == Some(suggested_text.as_str()))
        .unwrap()
        .set_text_value_accesskit(&out.display().to_string());
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Export").click();
    gui_support::settle(&mut h);
    match h.state().export_dialog().outcome() {
        Some(ExportOutcome::Done(line)) => assert!(line.contains("track points"), "{line}"),
        other => panic!("export did not finish: {other:?}"),
    }
    let gpx = std::fs::read_to_string(&out).unwrap();
    assert_eq!(gpx.matches("<trk>").count(), 1, "one device's track");
    assert!(gpx.contains("<trkpt"));
    assert!(!suggested.exists(), "nothing written beside the sample");
}

#[test]
fn an_export_from_the_window_is_what_the_command_line_writes() {
    let sample = gui_support::path("samples/multi-device.pcap");
    let mut h = gui_support::open_all(&["samples/multi-device.pcap"]);
    let imei = first_device(&h);
    let filter = format!("imei == {imei}");
    h.state_mut().command(Command::SetFilter(filter.clone()));
    gui_support::settle(&mut h);
    let dir = out_dir("same");
    for (format, to, name) in [
        (Format::Gpx, "gpx", "track.gpx"),
        (Format::Csv, "csv", "frames.csv"),
        (Format::Pcapng, "pcapng", "frames.pcapng"),
    ] {
        let mut request = Request::new(format);
        request.filter = h.state().session().filter.clone();
        assert_eq!(request.filter, filter);
        let out = dir.join(format!("window-{name}"));
        let inputs = h.state().session().inputs.clone();
        assert_eq!(inputs.len(), 1);
        h.state_mut()
            .command(Command::Export(Box::new(ExportCommand::Write {
                inputs,
                request,
                out: out.clone(),
            })));
        gui_support::settle(&mut h);
        match h.state().export_dialog().outcome() {
            Some(ExportOutcome::Done(line)) => {
                assert!(line.contains(&out.display().to_string()), "{line}");
            }
            other => panic!("export did not finish: {other:?}"),
        }
        let cli = dir.join(format!("cli-{name}"));
        cli_export(&[
            "--to",
            to,
            "--filter",
            &filter,
            sample.to_str().unwrap(),
            "-o",
            cli.to_str().unwrap(),
        ]);
        let (w, c) = (std::fs::read(&out).unwrap(), std::fs::read(&cli).unwrap());
        assert!(!w.is_empty());
        if format == Format::Pcapng {
            // Section headers name the writing time; the packets must be the same.
            assert_eq!(w.len(), c.len(), "{name}");
        } else {
            assert_eq!(w, c, "{name}");
        }
    }
    let gpx = std::fs::read_to_string(dir.join("window-track.gpx")).unwrap();
    assert_eq!(gpx.matches("<trk>").count(), 1, "one device's track");
}

#[test]
fn an_export_to_a_folder_that_cannot_be_written_says_so() {
    let mut h = gui_support::open_all(&["samples/first-report.pcapng"]);
    let inputs: Vec<Input> = h.state().session().inputs.clone();
    h.state_mut()
        .command(Command::Export(Box::new(ExportCommand::Write {
            inputs,
            request: Request::new(Format::Csv),
            out: Path::new("/nonexistent-bn407/out.csv").to_path_buf(),
        })));
    gui_support::settle(&mut h);
    match h.state().export_dialog().outcome() {
        Some(ExportOutcome::Failed(line)) => {
            assert!(line.contains("/nonexistent-bn407/out.csv"), "{line}");
        }
        other => panic!("expected a failure: {other:?}"),
    }
}

#[test]
fn compare_shows_the_differences_and_the_frames_side_by_side() {
    let a = capture_file("gui-a", 1, Fw::classic(), LISBON, HALF_HOUR);
    let b = capture_file("gui-b", 2, firmware_b(), LISBON, HALF_HOUR);
    let mut h = gui_support::harness(Vec::new());
    h.run_steps(2);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Compare…").click();
    h.run_steps(2);
    h.get_by_label("A (baseline)");
    for (w, p) in [(Which::A, &a), (Which::B, &b)] {
        h.state_mut()
            .command(Command::Compare(Box::new(CompareCommand::SetSide(
                w,
                vec![Input::Path(p.clone())],
            ))));
    }
    h.run_steps(2);
    h.get_by_label("Compare A with B").click();
    gui_support::settle(&mut h);
    let cmp = h.state().compare_view().comparison().unwrap().clone();
    assert!(!cmp.same());
    assert!(cmp.differences.iter().any(|d| d.rank == Rank::Parser));
    // Every line of the report is on screen.
    for d in &cmp.differences {
        h.get_by_label(&d.line);
    }
    // Picking a format difference shows that kind's frames side by side with its field marked.
    let d = cmp
        .differences
        .iter()
        .find(|d| d.rank == Rank::Parser && !d.fields.is_empty() && d.kind.is_some())
        .unwrap();
    h.get_by_label(&d.line).click();
    h.run_steps(3);
    let rep = cmp
        .representative(d.protocol.unwrap(), d.kind.unwrap())
        .unwrap();
    let aligned = cmp.aligned(rep);
    let marked = aligned.iter().find(|f| f.differs).unwrap();
    if let Some(text) = &marked.a {
        h.get_by_label(text);
    }
    if let Some(text) = &marked.b {
        h.get_by_label(text);
    }
    // Frames are numbered as the frame list numbers them (from 1).
    h.get_by_label(&format!("A No. {}", rep.a.unwrap() + 1));
    h.get_by_label(&format!("B No. {}", rep.b.unwrap() + 1));
    // The line's evidence: the example frame of each side.
    let ex = d.a.example().unwrap();
    assert!(
        h.query_all_by_label(&format!("No. {}", ex + 1))
            .next()
            .is_some()
    );
    let text = bn407::model::diff::report::frame_text(&cmp, Which::A, Some(ex)).unwrap();
    h.get_by_label(&text);
    assert_eq!(
        h.state()
            .compare_view()
            .comparison()
            .map(|c| c.differences.len()),
        Some(cmp.differences.len())
    );
}

#[test]
fn the_same_firmware_twice_has_no_differences_on_screen() {
    let a = capture_file("gui-same-a", 1, Fw::classic(), LISBON, HALF_HOUR);
    let b = capture_file("gui-same-b", 2, Fw::classic(), LISBON, HALF_HOUR);
    let mut h = gui_support::harness(Vec::new());
    h.run_steps(2);
    h.state_mut()
        .command(Command::Compare(Box::new(CompareCommand::SetSide(
            Which::A,
            vec![Input::Path(a)],
        ))));
    h.state_mut()
        .command(Command::Compare(Box::new(CompareCommand::Dropped(vec![
            Input::Path(b),
        ]))));
    h.state_mut()
        .command(Command::Compare(Box::new(CompareCommand::Run)));
    gui_support::settle(&mut h);
    assert!(h.state().compare_view().comparison().unwrap().same());
    h.get_by_label("No differences: B behaves as A.");
}
