//! The menu bar: File (open, recent files, quit), View (panels, tabs, theme), Help.

use eframe::egui::{self, Ui};

use super::state::{CentralTab, Command, CopyAs, Settings, SideTab, ThemeChoice, View};
use crate::pipeline::Input;

/// The menu bar's state.
#[derive(Debug, Default)]
pub struct MenuBar {}

impl MenuBar {
    /// Draws the menu bar.
    pub fn ui(&mut self, ui: &mut Ui, settings: &Settings, view: &mut View<'_>) {
        let cmds = &mut *view.commands;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    cmds.push(Command::OpenDialog);
                    ui.close();
                }
                if ui
                    .button("Listen…")
                    .on_hover_text(
                        "Live: answer devices as their server, or relay them to their platform",
                    )
                    .clicked()
                {
                    cmds.push(Command::ShowSide(super::state::SideTab::Live));
                    ui.close();
                }
                if ui
                    .button("Open map file (.pmtiles)…")
                    .on_hover_text("Raster tiles for the map, offline")
                    .clicked()
                {
                    cmds.push(Command::OpenPmTilesDialog);
                    ui.close();
                }
                if ui
                    .button("Export…")
                    .on_hover_text(
                        "CSV, JSON lines, GPX, KML, GeoJSON, pcapng, photos, findings, map image",
                    )
                    .clicked()
                {
                    cmds.push(Command::Export(Box::new(
                        super::export::ExportCommand::Show {
                            format: None,
                            imei: None,
                        },
                    )));
                    ui.close();
                }
                if ui
                    .button("Compare…")
                    .on_hover_text("The firmware diff: captures of firmware A against firmware B")
                    .clicked()
                {
                    cmds.push(Command::ShowTab(CentralTab::Compare));
                    ui.close();
                }
                ui.menu_button("Open recent", |ui| {
                    if settings.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in &settings.recent {
                        if ui.button(p.display().to_string()).clicked() {
                            cmds.push(Command::Open(vec![Input::Path(p.clone())]));
                            ui.close();
                        }
                    }
                    ui.separator();
                    if ui.button("Clear recent files").clicked() {
                        cmds.push(Command::ClearRecent);
                        ui.close();
                    }
                });
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("Edit", |ui| {
                let has = view.selection.frame.is_some();
                for (label, how, key) in [
                    ("Copy frame as text", CopyAs::Text, "Ctrl+C"),
                    ("Copy frame as hex", CopyAs::Hex, ""),
                    ("Copy frame as JSON", CopyAs::Json, ""),
                ] {
                    if ui
                        .add_enabled(has, egui::Button::new(label).shortcut_text(key))
                        .clicked()
                    {
                        cmds.push(Command::Copy(how));
                        ui.close();
                    }
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Find (filter)").shortcut_text("Ctrl+F"))
                    .clicked()
                {
                    cmds.push(Command::FocusFilter);
                    ui.close();
                }
            });
            ui.menu_button("View", |ui| {
                let mut side = settings.show_side;
                if ui.checkbox(&mut side, "Side panel").clicked() {
                    cmds.push(Command::ToggleSide);
                }
                for (t, label) in [
                    (SideTab::Devices, "Devices"),
                    (SideTab::Flows, "Flows"),
                    (SideTab::Findings, "Findings"),
                ] {
                    if ui.button(label).clicked() {
                        cmds.push(Command::ShowSide(t));
                        ui.close();
                    }
                }
                ui.separator();
                for (t, label) in [
                    (CentralTab::Frames, "Frame list"),
                    (CentralTab::Conversation, "Conversation"),
                    (CentralTab::Map, "Map"),
                    (CentralTab::Plots, "Plots"),
                    (CentralTab::Compare, "Compare"),
                ] {
                    if ui.radio(settings.central == t, label).clicked() {
                        cmds.push(Command::ShowTab(t));
                        ui.close();
                    }
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
                    if ui.radio(settings.theme == t, label).clicked() {
                        cmds.push(Command::SetTheme(t));
                        ui.close();
                    }
                }
            });
            ui.menu_button("Help", |ui| {
                ui.label("BN-407 Analyzer");
                ui.label("Arrow keys move through frames; Ctrl+F filters; Ctrl+C copies.");
                ui.label(
                    "Row colours: red = error, amber = warning, blue = firmware-specific fields.",
                );
            });
        });
    }
}
