//! The frame list: one row per shown frame (number, time, device, direction, protocol, kind,
//! firmware, diagnostics badge, summary), tinted by severity and firmware; virtualised, so only
//! the rows on screen are drawn (and decoded again for their summary).

use eframe::egui::{self, Align, Color32, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder, TableRow};

use super::state::{Command, CopyAs, View, Visible};
use super::theme::{Palette, severity_letter};
use crate::model::store::FrameRef;
use crate::present::summary;
use crate::present::time::{fmt_fix_age, fmt_time, fmt_ts, fmt_utc_ms};
use crate::protocol::{Direction, Message, Severity};

/// Height of one row.
const ROW_HEIGHT: f32 = 18.0;

/// The frame list's state.
#[derive(Debug, Default)]
pub struct FrameList {
    scroll_to: Option<usize>,
}

/// True when the frame carries fields that only some firmware generations send.
pub fn firmware_specific(f: &FrameRef<'_>) -> bool {
    f.firmware().is_some_and(|g| g.notable)
}

/// The diagnostics badge text (`E1 W2`) of a frame, empty when none.
pub fn badge_text(f: &FrameRef<'_>) -> String {
    let mut out = Vec::new();
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = f.diagnostics().iter().filter(|d| d.severity == s).count();
        if n > 0 {
            out.push(format!("{}{n}", severity_letter(s)));
        }
    }
    out.join(" ")
}

impl FrameList {
    /// Scrolls to `frame` on the next frame.
    pub fn scroll_to(&mut self, frame: usize) {
        self.scroll_to = Some(frame);
    }

    /// Draws the list.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let Self { scroll_to } = self;
        let store = view.store;
        let total = store.len();
        let visible = view.visible;
        let rows = visible.len(total);
        let selected = view.selection.frame;
        let cursor = view.selection.hovered_frame;
        let commands = &mut *view.commands;
        let palette = Palette::of(ui);
        if rows == 0 {
            empty(ui, total, view.session.error.as_deref());
            return;
        }
        // Clicks on a cell's text select the row rather than the text.
        ui.style_mut().interaction.selectable_labels = false;
        let mut table = table(ui);
        // Scroll to the requested frame once its row exists; to the top when it never will.
        if let Some(f) = *scroll_to {
            let complete = !matches!(visible, Visible::Some { done: false, .. });
            match visible.row_of(f, total) {
                Some(r) => {
                    table = table.scroll_to_row(r, None);
                    *scroll_to = None;
                }
                None if complete => {
                    table = table.scroll_to_row(0, None);
                    *scroll_to = None;
                }
                None => {}
            }
        }
        table
            .header(20.0, |mut h| {
                for name in [
                    "No.",
                    "Time (UTC)",
                    "Device",
                    "Dir",
                    "Protocol",
                    "Kind",
                    "Firmware",
                    "Diag",
                    "Summary",
                ] {
                    h.col(|ui| {
                        ui.strong(name);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, rows, |mut row| {
                    let Some(fi) = visible.frame(row.index(), total) else {
                        return;
                    };
                    let Some(f) = store.get(fi) else {
                        return;
                    };
                    let is_sel = selected == Some(fi);
                    row.set_selected(is_sel);
                    let bg = if is_sel {
                        None
                    } else if cursor == Some(fi) {
                        // The frame under the plots' or the map's time cursor.
                        Some(egui::Color32::from_rgba_unmultiplied(255, 176, 0, 90))
                    } else {
                        palette.row_bg(f.severity(), firmware_specific(&f))
                    };
                    frame_row(&mut row, fi, &f, bg, &palette);
                    let resp = row.response();
                    if resp.clicked() || resp.secondary_clicked() {
                        commands.push(Command::SelectFrame(fi));
                    }
                    resp.context_menu(|ui| row_menu(ui, fi, &f, commands));
                });
            });
    }
}

/// What the list says when it has no row: the reading error, or how to open a file, or that the
/// filter keeps nothing.
fn empty(ui: &mut Ui, total: usize, error: Option<&str>) {
    if let (0, Some(e)) = (total, error) {
        ui.centered_and_justified(|ui| {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color).strong());
        });
        return;
    }
    ui.centered_and_justified(|ui| {
        ui.label(if total == 0 {
            "No frames. Open a capture or a log with File > Open (Ctrl+O), or drop files here."
        } else {
            "No frame matches the filter."
        });
    });
}

/// The table and its columns.
fn table(ui: &mut Ui) -> TableBuilder<'_> {
    TableBuilder::new(ui)
        .id_salt("frame-list")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .auto_shrink(false)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(56.0).at_least(36.0))
        .column(Column::initial(96.0).at_least(40.0))
        .column(Column::initial(126.0).at_least(40.0))
        .column(Column::initial(26.0).at_least(20.0))
        .column(Column::initial(52.0).at_least(30.0))
        .column(Column::initial(92.0).at_least(40.0))
        .column(Column::initial(70.0).at_least(30.0))
        .column(Column::initial(60.0).at_least(30.0))
        .column(Column::remainder().at_least(120.0).clip(true))
}

/// The cells of frame `fi`'s row, on `bg` (`None`: the table's own).
fn frame_row(
    row: &mut TableRow<'_, '_>,
    fi: usize,
    f: &FrameRef<'_>,
    bg: Option<Color32>,
    palette: &Palette,
) {
    let (msg, bytes) = f.message_and_bytes();
    let cell = |row: &mut TableRow<'_, '_>, add: &mut dyn FnMut(&mut Ui)| {
        row.col(|ui| {
            if let Some(bg) = bg {
                ui.painter()
                    .rect_filled(ui.max_rect().expand2(egui::vec2(4.0, 1.0)), 0.0, bg);
            }
            add(ui);
        });
    };
    cell(row, &mut |ui| {
        ui.label((fi + 1).to_string());
    });
    cell(row, &mut |ui| time_cell(ui, f, &msg, palette));
    cell(row, &mut |ui| match f.imei() {
        Some(i) if f.own_imei() => {
            ui.label(i.as_str());
        }
        Some(i) => {
            ui.label(RichText::new(i.as_str()).weak())
                .on_hover_text("the device of this flow (the frame names none)");
        }
        None => {}
    });
    cell(row, &mut |ui| {
        let d = f.direction();
        ui.label(d.arrow()).on_hover_text(match d {
            Direction::ToServer => "device to server",
            Direction::ToDevice => "server to device",
            Direction::Unknown => "direction unknown",
        });
    });
    cell(row, &mut |ui| {
        ui.label(f.protocol().name);
    });
    cell(row, &mut |ui| {
        let k = f.kind().as_str();
        if f.alarm() {
            ui.label(RichText::new(k).strong().color(palette.error));
        } else {
            ui.label(k);
        }
    });
    cell(row, &mut |ui| {
        if let Some(g) = f.firmware() {
            ui.label(RichText::new(g.name).color(if g.notable {
                palette.firmware
            } else {
                ui.visuals().text_color()
            }))
            .on_hover_text(g.describe);
        }
    });
    cell(row, &mut |ui| diag_cell(ui, f, palette));
    cell(row, &mut |ui| {
        ui.add(egui::Label::new(summary(&msg, &bytes)).truncate());
    });
}

/// The time cell: the capture time (and how far the fix time is from it), else the device's
/// fix time in italics.
fn time_cell(ui: &mut Ui, f: &FrameRef<'_>, msg: &Message, palette: &Palette) {
    match (f.ts(), msg.fix.and_then(|x| x.time)) {
        (Some(ts), _) => {
            let age = msg.clock_offset_s(Some(ts)).and_then(fmt_fix_age);
            let resp = ui.label(fmt_time(ts));
            match age {
                Some(age) => {
                    let colour = if msg.clock_offset_s(Some(ts)).unwrap_or(0) > 0 {
                        palette.warning
                    } else {
                        palette.info
                    };
                    resp.on_hover_text(format!(
                        "{}\n{age}: the device's fix time is far from the capture time (buffered, or a wrong clock)",
                        fmt_ts(ts)
                    ));
                    ui.label(RichText::new(age).small().color(colour));
                }
                None => {
                    resp.on_hover_text(fmt_ts(ts));
                }
            }
        }
        (None, Some(ms)) => {
            ui.label(RichText::new(fmt_time(ms * 1_000_000)).italics().weak())
                .on_hover_text(format!(
                    "no capture time: fix time from the device, {}",
                    fmt_utc_ms(ms)
                ));
        }
        _ => {
            ui.label(RichText::new("–").weak());
        }
    }
}

/// The diagnostics cell: the badge (`E1 W2`) in the colour of the worst, each diagnostic in
/// the tooltip.
fn diag_cell(ui: &mut Ui, f: &FrameRef<'_>, palette: &Palette) {
    let b = badge_text(f);
    if let Some(s) = f.severity() {
        let tip: Vec<String> = f
            .diagnostics()
            .iter()
            .map(|d| format!("{} {}: {}", severity_letter(d.severity), d.code, d.message))
            .collect();
        ui.label(RichText::new(b).strong().color(palette.severity(s)))
            .on_hover_text(tip.join("\n"));
    }
}

/// The row's context menu: copy the frame, filter on its device or flow.
fn row_menu(ui: &mut Ui, fi: usize, f: &FrameRef<'_>, commands: &mut Vec<Command>) {
    for (label, how) in [
        ("Copy as text line", CopyAs::Text),
        ("Copy as hex", CopyAs::Hex),
        ("Copy as JSON", CopyAs::Json),
    ] {
        if ui.button(label).clicked() {
            commands.push(Command::SelectFrame(fi));
            commands.push(Command::Copy(how));
            ui.close();
        }
    }
    ui.separator();
    if let Some(i) = f.imei()
        && ui.button(format!("Filter on device {i}")).clicked()
    {
        commands.push(Command::SetFilter(format!("imei == {i}")));
        ui.close();
    }
    if ui.button(format!("Filter on flow {}", f.flow())).clicked() {
        commands.push(Command::SetFilter(format!("flow == {}", f.flow())));
        ui.close();
    }
}
