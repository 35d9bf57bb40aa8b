//! The menu bar: File (open, recent files, quit), View (panels, tabs, theme), Help.

use eframe::egui::{self, Response, Ui};

use super::state::{CentralTab, Command, CopyAs, Settings, SideTab, ThemeChoice, View};
use crate::pipeline::Input;

/// The menu bar's state.
#[derive(Debug, Default)]
pub struct MenuBar {}

/// Sends `cmd` and closes the menu when `item` was clicked.
fn send_on_click(ui: &Ui, item: Response, cmds: &mut Vec<Command>, cmd: impl FnOnce() -> Command) {
    if item.clicked() {
        cmds.push(cmd());
        ui.close();
    }
}

impl MenuBar {
    /// Draws the menu bar.
    pub fn ui(&mut self, ui: &mut Ui, settings: &Settings, view: &mut View<'_>) {
        let has_frame = view.selection.frame.is_some();
        let cmds = &mut *view.commands;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(ui, settings, cmds));
            ui.menu_button("Edit", |ui| edit_menu(ui, has_frame, cmds));
            ui.menu_button("View", |ui| view_menu(ui, settings, cmds));
            ui.menu_button("Help", help_menu);
        });
    }
}

/// File: open, listen, map file, export, compare, recent files, quit.
fn file_menu(ui: &mut Ui, settings: &Settings, cmds: &mut Vec<Command>) {
    let open = ui.add(egui::Button::new("Open…").shortcut_text("Ctrl+O"));
    send_on_click(ui, open, cmds, || Command::OpenDialog);
    let listen = ui
        .button("Listen…")
        .on_hover_text("Live: answer devices as their server, or relay them to their platform");
    send_on_click(ui, listen, cmds, || Command::ShowSide(SideTab::Live));
    let map_file = ui
        .button("Open map file (.pmtiles)…")
        .on_hover_text("Raster tiles for the map, offline");
    send_on_click(ui, map_file, cmds, || Command::OpenPmTilesDialog);
    let export = ui
        .button("Export…")
        .on_hover_text("CSV, JSON lines, GPX, KML, GeoJSON, pcapng, photos, findings, map image");
    send_on_click(ui, export, cmds, || {
        Command::Export(Box::new(super::export::ExportCommand::Show {
            format: None,
            imei: None,
        }))
    });
    let compare = ui
        .button("Compare…")
        .on_hover_text("The firmware diff: captures of firmware A against firmware B");
    send_on_click(ui, compare, cmds, || Command::ShowTab(CentralTab::Compare));
    ui.menu_button("Open recent", |ui| {
        if settings.recent.is_empty() {
            ui.label("No recent files");
        }
        for p in &settings.recent {
            let item = ui.button(p.display().to_string());
            send_on_click(ui, item, cmds, || {
                Command::Open(vec![Input::Path(p.clone())])
            });
        }
        ui.separator();
        let clear = ui.button("Clear recent files");
        send_on_click(ui, clear, cmds, || Command::ClearRecent);
    });
    ui.separator();
    if ui.button("Quit").clicked() {
        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

/// Edit: copy the selected frame (`has_frame`) three ways, find.
fn edit_menu(ui: &mut Ui, has_frame: bool, cmds: &mut Vec<Command>) {
    for (label, how, key) in [
        ("Copy frame as text", CopyAs::Text, "Ctrl+C"),
        ("Copy frame as hex", CopyAs::Hex, ""),
        ("Copy frame as JSON", CopyAs::Json, ""),
    ] {
        let item = ui.add_enabled(has_frame, egui::Button::new(label).shortcut_text(key));
        send_on_click(ui, item, cmds, || Command::Copy(how));
    }
    ui.separator();
    let find = ui.add(egui::Button::new("Find (filter)").shortcut_text("Ctrl+F"));
    send_on_click(ui, find, cmds, || Command::FocusFilter);
}

/// View: the side panel and its tabs, the central tabs, the map beside the list, the theme.
fn view_menu(ui: &mut Ui, settings: &Settings, cmds: &mut Vec<Command>) {
    let mut side = settings.show_side;
    if ui.checkbox(&mut side, "Side panel").clicked() {
        cmds.push(Command::ToggleSide);
    }
    for (t, label) in [
        (SideTab::Devices, "Devices"),
        (SideTab::Flows, "Flows"),
        (SideTab::Findings, "Findings"),
    ] {
        let item = ui.button(label);
        send_on_click(ui, item, cmds, || Command::ShowSide(t));
    }
    ui.separator();
    for (t, label) in CentralTab::ALL {
        // The menu names the list in full.
        let label = if t == CentralTab::Frames {
            "Frame list"
        } else {
            label
        };
        let item = ui.radio(settings.central == t, label);
        send_on_click(ui, item, cmds, || Command::ShowTab(t));
    }
    let mut geo = settings.geo_panel;
    if ui
        .checkbox(&mut geo, "Map and plots beside the list")
        .clicked()
    {
        cmds.push(Command::ToggleGeoPanel);
    }
    ui.separator();
    ui.label("Theme");
    for (t, label) in [
        (ThemeChoice::System, "Follow the system"),
        (ThemeChoice::Light, "Light"),
        (ThemeChoice::Dark, "Dark"),
    ] {
        let item = ui.radio(settings.theme == t, label);
        send_on_click(ui, item, cmds, || Command::SetTheme(t));
    }
}

/// Help: the name and a few hints.
fn help_menu(ui: &mut Ui) {
    ui.label("BN-407 Analyzer");
    ui.label("Arrow keys move through frames; Ctrl+F filters; Ctrl+C copies.");
    ui.label("Row colours: red = error, amber = warning, blue = firmware-specific fields.");
}
