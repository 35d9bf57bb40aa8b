//! The map's tile source: the tile layer the settings ask for (online tiles cached on disk, a
//! local `.pmtiles` file, or none: the built-in basemap alone), and the toolbar's "Tiles" menu
//! that changes them.

use eframe::egui::{self, Ui};

use crate::gui::state::{Command, TileSettings, View};
use crate::gui::tile_layer::TileLayer;
use crate::map::tiles::{self, cache};

/// The tile layer in use and the URL being edited in the menu.
#[derive(Default)]
pub(super) struct TileSource {
    /// The tile layer, created on first use (`None`: tiles off).
    pub layer: Option<TileLayer>,
    /// The tile URL being edited.
    url_edit: Option<String>,
}

impl TileSource {
    /// Creates, replaces or drops the tile layer to match the settings.
    pub fn sync(&mut self, ctx: &egui::Context, settings: &TileSettings) {
        if let Some(path) = &settings.pmtiles {
            let name = path.display().to_string();
            let dark = ctx.global_style().visuals.dark_mode;
            if self
                .layer
                .as_ref()
                .is_none_or(|t| t.url() != name || (t.is_vector() && t.dark() != dark))
            {
                let wake = ctx.clone();
                self.layer = Some(TileLayer::open_pmtiles(path, dark, move || {
                    wake.request_repaint();
                }));
            }
            return;
        }
        if !settings.online || settings.url.trim().is_empty() {
            self.layer = None;
            return;
        }
        if self.layer.as_ref().is_some_and(|t| t.url() == settings.url) {
            return;
        }
        let cache = settings.cache_dir.clone().or_else(cache::default_cache_dir);
        let wake = ctx.clone();
        self.layer = Some(TileLayer::new(&settings.url, cache, move || {
            wake.request_repaint();
        }));
    }

    /// The toolbar's tile menu.
    pub fn menu(&mut self, ui: &mut Ui, settings: &TileSettings, view: &mut View<'_>) {
        ui.menu_button("Tiles", |ui| {
            if let Some(p) = &settings.pmtiles {
                ui.label(format!("Local map file: {}", p.display()));
                if ui.button("Close the map file").clicked() {
                    view.commands.push(Command::SetTiles(TileSettings {
                        pmtiles: None,
                        ..settings.clone()
                    }));
                    ui.close();
                }
                ui.separator();
            } else if ui.button("Open a map file (.pmtiles)…").clicked() {
                view.commands.push(Command::OpenPmTilesDialog);
                ui.close();
            }
            let mut online = settings.online;
            if ui
                .checkbox(&mut online, "Online tiles (cached on disk)")
                .clicked()
            {
                view.commands.push(Command::SetTiles(TileSettings {
                    online,
                    ..settings.clone()
                }));
            }
            ui.label("URL template ({z}, {x}, {y}):");
            let edit = self.url_edit.get_or_insert_with(|| settings.url.clone());
            ui.add(egui::TextEdit::singleline(edit).desired_width(360.0));
            ui.horizontal(|ui| {
                if ui.button("Use").clicked() {
                    view.commands.push(Command::SetTiles(TileSettings {
                        url: edit.trim().to_string(),
                        online: true,
                        ..settings.clone()
                    }));
                    ui.close();
                }
                if ui.button("OpenStreetMap").clicked() {
                    *edit = tiles::OSM_URL.to_string();
                }
            });
            ui.weak("Without tiles the built-in basemap is shown (Natural Earth).");
        });
    }
}
