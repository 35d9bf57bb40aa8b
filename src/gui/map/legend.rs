//! The device legend, top left: a line per track in its colour, a switch that hides it (on the
//! plots too) and a button that fits the map to it.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, Ui};

use super::MAX_LEGEND;
use crate::gui::shared::device_name;
use crate::gui::state::{Command, View};
use crate::map::geo::BBox;
use crate::model::tracks::Track;
use crate::present::units::fmt_km;

/// Draws the legend in `rect`; returns the box of the track whose button was clicked, for the
/// map to fit.
pub(super) fn ui(ui: &mut Ui, rect: Rect, view: &mut View<'_>) -> Option<BBox> {
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect.shrink(6.0))
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    child.spacing_mut().item_spacing.y = 2.0;
    let bg = child.visuals().extreme_bg_color.gamma_multiply(0.85);
    let mut fit = None;
    let mut toggle = None;
    let placed = view.tracks.tracks().filter(|t| !t.is_empty()).count();
    for t in view
        .tracks
        .tracks()
        .filter(|t| !t.is_empty())
        .take(MAX_LEGEND)
    {
        let hidden = view.is_hidden(t.device());
        let alarms = if t.alarms().is_empty() {
            String::new()
        } else {
            format!(", {} alarm(s)", t.alarms().len())
        };
        let label = format!(
            "{}  {} pts, {}{alarms}",
            device_name(t.device()),
            t.len(),
            fmt_km(t.length_m()),
        );
        let colour = view.device_colour(t.device());
        let (shown_clicked, fit_clicked) = child
            .horizontal(|ui| row(ui, t, label, hidden, colour, bg))
            .inner;
        if shown_clicked {
            toggle = Some(t.device().copied());
        }
        if fit_clicked {
            fit = Some(t.bbox());
        }
    }
    if let Some(d) = toggle {
        view.commands.push(Command::ToggleDevice(d));
    }
    if !view.hidden.is_empty()
        && child
            .add(egui::Button::new(
                egui::RichText::new(format!("Show all ({} hidden)", view.hidden.len())).small(),
            ))
            .clicked()
    {
        view.commands.push(Command::ShowAllDevices);
    }
    if placed > MAX_LEGEND {
        child.label(
            egui::RichText::new(format!("and {} more device(s)", placed - MAX_LEGEND))
                .small()
                .background_color(bg),
        );
    }
    fit
}

/// One device's line: its switch (`hidden`: off), its colour and its button, labelled `label`
/// on `bg`. Returns whether the switch changed and whether the button was clicked.
fn row(
    ui: &mut Ui,
    t: &Track,
    label: String,
    hidden: bool,
    colour: Color32,
    bg: Color32,
) -> (bool, bool) {
    let mut shown = !hidden;
    let tip = format!("Show {} on the map and the plots", device_name(t.device()));
    let check = ui.add(egui::Checkbox::without_text(&mut shown));
    // Named for screen readers (and tests) though it shows no text.
    check.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, shown, &tip));
    let check = check.on_hover_text(tip);
    let (r, _) = ui.allocate_exact_size(egui::vec2(16.0, 12.0), Sense::hover());
    ui.painter().rect_filled(r.expand(3.0), 2.0, bg);
    let swatch = if hidden {
        colour.gamma_multiply(0.3)
    } else {
        colour
    };
    ui.painter().line_segment(
        [r.left_center(), r.right_center()],
        Stroke::new(3.0, swatch),
    );
    let text = egui::RichText::new(label).small();
    let text = if hidden { text.weak() } else { text };
    let fit = ui
        .add_enabled(!hidden, egui::Button::new(text).fill(bg))
        .on_hover_text("Show this device's track")
        .clicked();
    (check.changed(), fit)
}
