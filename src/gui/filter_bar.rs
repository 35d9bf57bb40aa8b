//! The filter bar: the expression field (red with the reason when the expression is wrong),
//! apply and clear buttons, recent filters and the syntax help.

use eframe::egui::{self, Color32, RichText, Ui};

use super::state::{Command, Settings, View, Visible};
use crate::model::filter::{self, FilterError, fields_help};

/// Id of the filter text field (Ctrl+F focuses it).
pub const FILTER_ID: &str = "bn407-filter";

/// The filter bar's state.
#[derive(Debug, Default)]
pub struct FilterBar {
    /// The expression as typed.
    pub text: String,
    /// Why the applied (or typed) expression is wrong.
    pub error: Option<FilterError>,
    /// Focus the field on the next frame.
    pub focus: bool,
}

impl FilterBar {
    /// Puts the current expression first in the recent filters.
    pub fn remember(&mut self, settings: &mut Settings) {
        let t = self.text.trim().to_string();
        if t.is_empty() {
            return;
        }
        settings.recent_filters.retain(|f| *f != t);
        settings.recent_filters.insert(0, t);
        settings.recent_filters.truncate(15);
    }

    /// Draws the bar.
    pub fn ui(&mut self, ui: &mut Ui, recent: &[String], view: &mut View<'_>) {
        let Self { text, error, focus } = self;
        ui.add_space(2.0);
        ui.horizontal(|ui| {
            ui.label("Filter:");
            let bad = error.is_some();
            let mut edit = egui::TextEdit::singleline(text)
                .id_salt(FILTER_ID)
                .hint_text("e.g.  kind == report && speed_kmh > 80   ·   code == imei.luhn   ·   \"help me\"")
                .desired_width(ui.available_width() - 290.0)
                .font(egui::TextStyle::Monospace);
            if bad {
                edit = edit.text_color(ui.visuals().error_fg_color);
            }
            let resp = ui.add(edit);
            if bad {
                ui.painter().rect_stroke(
                    resp.rect,
                    2.0,
                    egui::Stroke::new(1.5, Color32::from_rgb(220, 50, 50)),
                    egui::StrokeKind::Outside,
                );
            }
            if *focus {
                resp.request_focus();
                *focus = false;
            }
            if resp.changed() {
                // Say what is wrong as soon as it is typed; apply on Enter.
                *error = filter::parse(text).err();
            }
            if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                view.commands.push(Command::ApplyFilter);
            }
            if ui.button("Apply").clicked() {
                view.commands.push(Command::ApplyFilter);
            }
            if ui.button("Clear").clicked() {
                view.commands.push(Command::SetFilter(String::new()));
            }
            ui.menu_button("Recent", |ui| {
                if recent.is_empty() {
                    ui.label("No recent filters");
                }
                for f in recent {
                    if ui.button(f.as_str()).clicked() {
                        view.commands.push(Command::SetFilter(f.to_string()));
                        ui.close();
                    }
                }
            })
            .response
            .on_hover_text("Recent filters");
            ui.label("?").on_hover_ui(help);
            if let (None, Visible::Some { rows, done }) = (&error, view.visible) {
                ui.label(
                    RichText::new(match (rows.len(), *done) {
                        (1, true) => "1 match".to_string(),
                        (n, true) => format!("{n} matches"),
                        (n, false) => format!("{n} so far, filtering…"),
                    })
                    .small()
                    .weak(),
                );
            }
        });
        if let Some(e) = error {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("Filter error at {e}"))
                        .color(ui.visuals().error_fg_color),
                );
            });
        }
        ui.add_space(2.0);
    }
}

fn help(ui: &mut Ui) {
    ui.label(RichText::new("Filter syntax").strong());
    ui.label("field op value, joined with && (and), || (or), ! (not) and parentheses.");
    ui.label("ops: == != < <= > >= contains.  Plain words search the frame's text.");
    ui.label("Any decoded field works too: report.latitude > 50, obd.rpm > 3000.");
    ui.separator();
    egui::Grid::new("filter-fields")
        .striped(true)
        .show(ui, |ui| {
            for (name, what) in fields_help() {
                ui.monospace(name);
                ui.label(what);
                ui.end_row();
            }
        });
}
