//! The Live panel driven like an installer: start listening, a device connects and reports, the
//! first-report checklist fills in on screen, and a command button reaches the device.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gui_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bn407::gui::{AnalyzerApp, Command};
use bn407::live::LiveConfig;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

const IMEI: &str = "359586015829802";

fn now_fields() -> (String, String) {
    let t = chrono::Utc::now();
    (
        t.format("%y%m%d%H%M").to_string(),
        t.format("%H%M%S").to_string(),
    )
}

/// Starts the window's listener on a loopback port and steps until it is bound; its address.
fn listen(h: &mut Harness<'_, AnalyzerApp>) -> SocketAddr {
    h.state_mut()
        .command(Command::StartLive(Box::new(LiveConfig {
            port: 0,
            bind: vec!["127.0.0.1".parse().unwrap()],
            ..LiveConfig::default()
        })));
    let start = Instant::now();
    loop {
        h.step();
        let bound = h
            .state()
            .live_status()
            .map(|s| s.bound.clone())
            .unwrap_or_default();
        if let Some(a) = bound.iter().find_map(|b| b.strip_prefix("tcp ")) {
            return a.parse::<SocketAddr>().unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "not listening");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_checklist_fills_in_and_a_command_reaches_the_device() {
    let mut h = gui_support::harness(Vec::new());
    h.run_steps(2);
    let port = listen(&mut h);
    // Nothing has happened yet: every step is still to come.
    assert!(h.query_by_label("Start listening").is_none());
    h.get_by_label("Stop listening");

    let mut s = TcpStream::connect(port).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let read = |s: &mut TcpStream, n: usize| {
        let mut b = vec![0u8; n];
        s.read_exact(&mut b).unwrap();
        b
    };
    s.write_all(format!("##,imei:{IMEI},A;").as_bytes())
        .unwrap();
    assert_eq!(read(&mut s, 4), b"LOAD");
    s.write_all(format!("{IMEI};").as_bytes()).unwrap();
    assert_eq!(read(&mut s, 2), b"ON");
    let (local, utc) = now_fields();
    let report = |valid: char, kw: &str| {
        format!("imei:{IMEI},{kw},{local},,F,{utc}.000,{valid},5130.0000,N,00006.0000,W,0.00,0;")
    };
    s.write_all(report('V', "tracker").as_bytes()).unwrap();
    s.write_all(report('A', "tracker").as_bytes()).unwrap();

    // Step the window until the checklist is complete.
    let start = Instant::now();
    loop {
        h.step();
        let done = h
            .state()
            .live_status()
            .and_then(|s| s.checklists.first().cloned())
            .is_some_and(|c| c.first_valid.is_some() && c.heartbeat_answered.is_some());
        if done {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the checklist did not fill in"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
    let c = h.state().live_status().unwrap().checklists[0].clone();
    assert_eq!(c.imei, IMEI);
    assert!(
        c.connected
            .as_ref()
            .unwrap()
            .note
            .contains("TCP from 127.0.0.1")
    );
    assert!(c.logged_in.is_some() && c.accepted.is_some() && c.first_report.is_some());
    assert_eq!(c.first_fix.as_ref().unwrap().note, "invalid");
    assert!(c.time_to_valid_s.is_some_and(|s| s < 60));
    assert_eq!(
        c.missing(chrono::Utc::now().timestamp_nanos_opt().unwrap()),
        None
    );
    // On screen: the device, its steps, and a link to the frame of the first valid fix.
    assert!(
        h.query_all_by_label(IMEI).count() >= 2,
        "the device in the list and in the panel"
    );
    h.get_by_label("First valid fix");
    let frame = c.first_valid.unwrap().frame.unwrap();
    h.get_by_label(&format!("#{}", frame + 1));
    assert_eq!(
        h.state().frame_count(),
        6,
        "login, LOAD, heartbeat, ON and two reports"
    );

    // "Position now" goes out to the device at once (TCP).
    h.get_by_label("Position now").click();
    h.run_steps(3);
    let want = format!("**,imei:{IMEI},B;");
    assert_eq!(read(&mut s, want.len()), want.as_bytes());
    h.state_mut().command(Command::StopLive);
    h.run_steps(2);
    assert!(!h.state().live_status().unwrap().running);
    h.get_by_label("Start listening");
}

/// With more devices than the panel draws, it says how many it shows and finds the others by
/// part of their IMEI (a fleet of thousands on the port would take seconds a frame to lay out).
#[test]
fn a_fleet_shows_fifty_devices_and_finds_the_others() {
    let mut h = gui_support::harness(Vec::new());
    h.run_steps(2);
    let port = listen(&mut h);
    let imei = |i: usize| format!("3595860158{i:05}");
    let mut units = Vec::new();
    for i in 0..55 {
        let mut s = TcpStream::connect(port).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(format!("##,imei:{},A;", imei(i)).as_bytes())
            .unwrap();
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"LOAD");
        units.push(s);
    }
    let start = Instant::now();
    while h.state().live_status().map_or(0, |s| s.checklists.len()) < 55 {
        assert!(start.elapsed() < Duration::from_secs(10), "checklists");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
    h.get_by_label("50 of 55 devices shown; type part of an IMEI to find the others");
    let cards = |h: &Harness<'_, AnalyzerApp>| h.query_all_by_label("Logged in").count();
    assert_eq!(cards(&h), 50);
    let find = h.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Find a device");
    find.focus();
    find.type_text("00054");
    h.run_steps(3);
    assert_eq!(cards(&h), 1);
    assert!(h.query_by_label_contains("devices shown").is_none());
    h.state_mut().command(Command::StopLive);
    h.run_steps(2);
}
