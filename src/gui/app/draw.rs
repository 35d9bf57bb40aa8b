//! Drawing the window: the panels around the central tabs, each given the shared [`View`];
//! the map over the plots beside the list; a veil while files are dragged over.

use super::{AnalyzerApp, shown_feed};
use crate::gui::bytes_view::BytesView;
use crate::gui::map::MapView;
use crate::gui::plots::PlotsView;
use crate::gui::shared::tab_row;
use crate::gui::state::{CentralTab, Command, TileSettings, View};
use crate::gui::tree_view::TreeView;
use eframe::egui::{self, Ui};

impl AnalyzerApp {
    pub(super) fn draw(&mut self, ui: &mut Ui) {
        let Self {
            settings,
            session,
            store,
            visible,
            selection,
            detail,
            commands,
            menu,
            filter_bar,
            frame_list,
            tree_view,
            bytes_view,
            side,
            conversation,
            status,
            tracks,
            filtered_tracks,
            hidden,
            tracks_generation,
            session_generation,
            map,
            plots,
            live_status,
            export,
            compare,
            ..
        } = self;
        let store = store.read().unwrap_or_else(|e| e.into_inner());
        let filtered = settings.tracks_follow_filter && filtered_tracks.is_some();
        let shown = shown_feed(
            tracks,
            filtered_tracks.as_ref(),
            settings.tracks_follow_filter,
        );
        let mut view = View {
            store: &store,
            session,
            visible,
            selection,
            detail: detail.as_ref(),
            tracks: &shown.tracks,
            tracks_complete: shown.complete,
            all_tracks: &tracks.tracks,
            tracks_filtered: filtered,
            tracks_generation: *tracks_generation,
            session_generation: *session_generation,
            hidden,
            filter: "",
            live: live_status.as_ref(),
            commands,
        };
        view.filter = &session.filter;
        egui::Panel::top("menu").show(ui, |ui| menu.ui(ui, settings, &mut view));
        egui::Panel::top("filter").show(ui, |ui| {
            filter_bar.ui(ui, &settings.recent_filters, &mut view)
        });
        if crate::gui::banner::wanted(&view) {
            egui::Panel::top("banner").show(ui, |ui| crate::gui::banner::ui(ui, &mut view));
        }
        egui::Panel::bottom("status").show(ui, |ui| status.ui(ui, &mut view));
        if settings.show_side {
            egui::Panel::left("side")
                .resizable(true)
                .default_size(330.0)
                .show(ui, |ui| side.ui(ui, settings.side_tab, &mut view));
        }
        // Beside the list, the map and plots take the window's full height.
        let beside = settings.geo_panel
            && matches!(
                settings.central,
                CentralTab::Frames | CentralTab::Conversation
            );
        if beside {
            geo_panel(ui, plots, map, &mut view, &settings.tiles);
        }
        // The plots need the height more than the selected frame's fields.
        if !matches!(settings.central, CentralTab::Plots | CentralTab::Compare) {
            details_panel(ui, bytes_view, tree_view, &mut view);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            tab_bar(ui, settings.central, view.commands);
            ui.separator();
            match settings.central {
                CentralTab::Frames => frame_list.ui(ui, &mut view),
                CentralTab::Conversation => conversation.ui(ui, &mut view),
                CentralTab::Map => map.ui(ui, &mut view, &settings.tiles),
                CentralTab::Plots => plots.ui(ui, &mut view),
                CentralTab::Compare => compare.ui(ui, &mut view),
            }
        });
        export.ui(ui.ctx(), &mut view);
        drop_hint(ui);
    }
}

/// The tabs of the central panel.
pub(super) fn tab_bar(ui: &mut Ui, current: CentralTab, commands: &mut Vec<Command>) {
    tab_row(ui, current, &CentralTab::ALL, Command::ShowTab, commands);
}

/// The map over the plots, on the right beside the list.
pub(super) fn geo_panel(
    ui: &mut Ui,
    plots: &mut PlotsView,
    map: &mut MapView,
    view: &mut View<'_>,
    tiles: &TileSettings,
) {
    egui::Panel::right("geo")
        .resizable(true)
        .default_size(560.0)
        .show(ui, |ui| {
            let h = ui.available_height();
            egui::Panel::bottom("geo-plots")
                .resizable(true)
                .default_size(h * 0.45)
                .show(ui, |ui| plots.ui(ui, view));
            egui::CentralPanel::default().show(ui, |ui| map.ui(ui, view, tiles));
        });
}

/// The selected frame's fields and bytes, below.
pub(super) fn details_panel(
    ui: &mut Ui,
    bytes_view: &mut BytesView,
    tree_view: &mut TreeView,
    view: &mut View<'_>,
) {
    egui::Panel::bottom("details")
        .resizable(true)
        .default_size(340.0)
        .show(ui, |ui| {
            // Wide enough for 16 bytes of hex and their ASCII.
            let w = ui.available_width();
            egui::Panel::right("bytes")
                .resizable(true)
                .min_size(200.0)
                .default_size(620.0_f32.min(w * 0.6))
                .show(ui, |ui| bytes_view.ui(ui, view));
            egui::CentralPanel::default().show(ui, |ui| tree_view.ui(ui, view));
        });
}

/// While files are dragged over the window: a veil saying they can be dropped.
pub(super) fn drop_hint(ui: &mut Ui) {
    ui.ctx().input(|i| {
        if !i.raw.hovered_files.is_empty() {
            let painter = ui.ctx().layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("bn407-drop"),
            ));
            let rect = ui.ctx().content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop captures or logs to open them",
                egui::FontId::proportional(24.0),
                egui::Color32::WHITE,
            );
        }
    });
}
