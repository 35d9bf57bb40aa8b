//! The side panel: devices, flows and findings (expert info). Selecting an entry filters the
//! frame list to it (by setting the filter expression, so the user sees and can edit it).

use eframe::egui::{self, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::export::ExportCommand;
use super::shared::{evidence_text, tab_row};
use super::state::{Command, SideTab, View};
use super::theme::{Palette, severity_letter};
use crate::model::{SessionFinding, Stats};
use crate::present::time::{fmt_time_s, fmt_ts};
use crate::protocol::Severity;

/// The side panel's state.
#[derive(Default)]
pub struct SidePanel {
    live: super::live::LivePanel,
}

impl SidePanel {
    /// Draws the panel with tab `tab`.
    pub fn ui(&mut self, ui: &mut Ui, tab: SideTab, view: &mut View<'_>) {
        let tabs = [
            (SideTab::Devices, "Devices"),
            (SideTab::Flows, "Flows"),
            (SideTab::Findings, "Findings"),
            (SideTab::Live, "Live"),
        ];
        tab_row(ui, tab, &tabs, Command::ShowSide, view.commands);
        ui.separator();
        ui.style_mut().interaction.selectable_labels = false;
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
        match tab {
            SideTab::Devices => devices(ui, view),
            SideTab::Flows => flows(ui, view),
            SideTab::Findings => findings(ui, view),
            SideTab::Live => {
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
                self.live.ui(ui, view);
            }
        }
    }
}

/// The session's totals when loading has finished; until then `None`, and the panel says
/// why (still reading, or nothing loaded).
fn loaded<'a>(ui: &mut Ui, view: &View<'a>) -> Option<&'a Stats> {
    if let Some(stats) = &view.session.stats {
        return Some(stats);
    }
    if view.session.loading.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading…");
        });
    } else {
        ui.label(RichText::new("Nothing loaded.").weak());
    }
    None
}

fn devices(ui: &mut Ui, view: &mut View<'_>) {
    let Some(stats) = loaded(ui, view) else {
        return;
    };
    let palette = Palette::of(ui);
    ui.label(
        RichText::new(format!(
            "{} device(s); click one to show its frames",
            stats.devices.len()
        ))
        .weak(),
    );
    let filter = view.filter;
    let commands = &mut *view.commands;
    TableBuilder::new(ui)
        .id_salt("devices")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::initial(128.0))
        .column(Column::initial(72.0))
        .column(Column::initial(44.0))
        .column(Column::initial(34.0))
        .column(Column::remainder().at_least(60.0))
        .header(18.0, |mut h| {
            for name in ["IMEI", "Firmware", "Frames", "Diag", "Last seen"] {
                h.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            // Only the rows in view are laid out: a fleet capture has thousands of devices.
            let devices: Vec<&crate::model::Device> = stats.devices.values().collect();
            body.rows(18.0, devices.len(), |mut row| {
                let Some(dev) = devices.get(row.index()) else {
                    return;
                };
                {
                    row.set_selected(filter == format!("imei == {}", dev.imei));
                    row.col(|ui| {
                        ui.label(&dev.imei)
                            .on_hover_text(format!("protocol {}", dev.protocol));
                    });
                    row.col(|ui| {
                        ui.label(dev.firmware);
                    });
                    row.col(|ui| {
                        ui.label(dev.frames.to_string());
                    });
                    row.col(|ui| {
                        if dev.errors > 0 {
                            ui.label(
                                RichText::new(format!("E{}", dev.errors)).color(palette.error),
                            )
                            .on_hover_text(format!(
                                "{} frame(s) with errors, {} with warnings",
                                dev.errors, dev.warnings
                            ));
                        } else if dev.warnings > 0 {
                            ui.label(
                                RichText::new(format!("W{}", dev.warnings)).color(palette.warning),
                            )
                            .on_hover_text(format!("{} frame(s) with warnings", dev.warnings));
                        }
                    });
                    row.col(|ui| {
                        let first = dev.first_seen.map(fmt_ts);
                        let last = dev.last_seen.map(fmt_ts);
                        match (first, last) {
                            (Some(f), Some(l)) => {
                                ui.label(dev.last_seen.map(fmt_time_s).unwrap_or_default())
                                    .on_hover_text(format!("first seen {f}\nlast seen {l}"));
                            }
                            _ => {
                                ui.label(RichText::new("–").weak())
                                    .on_hover_text("no capture time (a raw file)");
                            }
                        }
                    });
                    let resp = row.response();
                    if resp.clicked() {
                        commands.push(Command::SetFilter(format!("imei == {}", dev.imei)));
                    }
                    resp.context_menu(|ui| device_menu(ui, &dev.imei.to_string(), commands));
                }
            });
        });
}

fn flows(ui: &mut Ui, view: &mut View<'_>) {
    let store = view.store;
    let stats = view.session.stats.as_ref();
    ui.label(
        RichText::new(format!(
            "{} flow(s); click one to show its frames",
            store.flows().len()
        ))
        .weak(),
    );
    let commands = &mut *view.commands;
    // Only the flows in view are laid out (a day of a busy port has tens of thousands); each
    // is a line and a line of small text and buttons.
    let row_height = 2.0 * (ui.spacing().interact_size.y + ui.spacing().item_spacing.y);
    let flows = store.flows();
    egui::ScrollArea::vertical()
        .id_salt("flows")
        .auto_shrink(false)
        .show_rows(ui, row_height, flows.len(), |ui, range| {
            for f in flows.get(range).unwrap_or(&[]) {
                // Summaries are in flow order.
                let summary = stats.and_then(|s| {
                    let at = s.flows.partition_point(|x| x.meta.id < f.id);
                    s.flows.get(at).filter(|x| x.meta.id == f.id)
                });
                let ends = match (f.device, f.server) {
                    (Some(d), Some(s)) => format!("{d} -> {s}"),
                    _ => view
                        .session
                        .names
                        .get(f.source)
                        .cloned()
                        .unwrap_or_default(),
                };
                let text = format!("#{} {} {}", f.id, f.transport, ends);
                let resp = ui.selectable_label(view.filter == format!("flow == {}", f.id), text);
                let resp = if let Some(s) = summary {
                    resp.on_hover_text(format!(
                        "protocol {}{}{}\n{} bytes to the server, {} to the device\n{} packets from the device, {} from the server{}\nended: {}",
                        s.protocol,
                        s.confidence.map(|c| format!(", {c}% sure")).unwrap_or_default(),
                        s.reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                        s.bytes_to_server,
                        s.bytes_to_device,
                        s.packets[0],
                        s.packets[1],
                        s.meta
                            .hint
                            .map(|h| format!("\nthe server log calls it {}", h.as_str()))
                            .unwrap_or_default(),
                        s.end.as_str()
                    ))
                } else {
                    resp
                };
                if resp.clicked() {
                    commands.push(Command::SetFilter(format!("flow == {}", f.id)));
                }
                ui.horizontal(|ui| {
                    if let Some(s) = summary {
                        let one_sided = if s.server_side_seen() || s.meta.transport == "raw" {
                            ""
                        } else {
                            " · server side not captured"
                        };
                        ui.label(
                            RichText::new(format!(
                                "   {}{} · {} B up · {} B down{one_sided}",
                                s.protocol,
                                s.confidence.map(|c| format!(" {c}%")).unwrap_or_default(),
                                s.bytes_to_server,
                                s.bytes_to_device
                            ))
                            .small()
                            .weak(),
                        );
                    }
                    if ui.small_button("Conversation").clicked() {
                        // The conversation follows the selected frame: select the flow's first.
                        if let Some(first) = store.iter().find(|x| x.flow() == f.id) {
                            commands.push(Command::SelectFrame(first.index()));
                        }
                        commands.push(Command::ShowTab(super::state::CentralTab::Conversation));
                    }
                });
            }
        });
}

fn findings(ui: &mut Ui, view: &mut View<'_>) {
    let Some(stats) = loaded(ui, view) else {
        return;
    };
    let palette = Palette::of(ui);
    let commands = &mut *view.commands;
    egui::ScrollArea::vertical()
        .id_salt("findings")
        .show(ui, |ui| {
            if !view.session.device_findings.is_empty() {
                ui.add(
                    egui::Label::new(RichText::new("Sessions and devices").strong())
                        .sense(egui::Sense::click()),
                )
                .on_hover_text("Right-click a finding to copy or export the findings")
                .context_menu(|ui| findings_menu(ui, commands));
                session_findings(ui, &view.session.device_findings, &palette, commands);
                ui.separator();
            }
            frame_diagnostics(ui, stats, &palette, commands);
        });
}

/// The findings about sessions and devices, grouped by code, worst first: many devices often
/// share one finding.
fn session_findings(
    ui: &mut Ui,
    found: &[SessionFinding],
    palette: &Palette,
    commands: &mut Vec<Command>,
) {
    let mut codes: Vec<(Severity, &str)> = found.iter().map(|f| (f.severity, f.code)).collect();
    codes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    codes.dedup();
    for (sev, code) in codes {
        let of_code: Vec<_> = found.iter().filter(|f| f.code == code).collect();
        let title = RichText::new(format!(
            "{} {code} ({})",
            severity_letter(sev),
            of_code.len()
        ))
        .color(palette.severity(sev));
        egui::CollapsingHeader::new(title)
            .id_salt(("session", code))
            .default_open(of_code.len() <= 3)
            .show(ui, |ui| {
                for f in of_code {
                    session_finding(ui, f, commands);
                }
            });
    }
}

/// One session or device finding: who (a click filters on it and selects the first evidence
/// frame), what, and the evidence frames.
fn session_finding(ui: &mut Ui, f: &SessionFinding, commands: &mut Vec<Command>) {
    let (who, filter) = match (&f.imei, f.flow) {
        (Some(i), _) => (i.clone(), Some(format!("imei == {i}"))),
        (None, Some(id)) => (format!("flow {id}"), Some(format!("flow == {id}"))),
        (None, None) => ("capture".to_string(), None),
    };
    let resp = ui
        .selectable_label(false, RichText::new(who).strong())
        .on_hover_text(format!("{}\nClick to show its frames.", f.message));
    resp.context_menu(|ui| {
        findings_menu(ui, commands);
        if let Some(i) = &f.imei {
            ui.separator();
            device_menu(ui, i, commands);
        }
    });
    if resp.clicked() {
        if let Some(filter) = filter {
            commands.push(Command::SetFilter(filter));
        }
        if let Some(first) = f.evidence.first().and_then(|i| usize::try_from(*i).ok()) {
            commands.push(Command::SelectFrame(first));
        }
    }
    ui.add(egui::Label::new(RichText::new(&f.message).small().weak()).wrap());
    if !f.evidence.is_empty() {
        ui.label(
            RichText::new(format!(
                "   evidence: {}",
                evidence_text(&f.evidence).trim_end_matches(": click to select the first")
            ))
            .small()
            .weak(),
        );
    }
}

/// The frames' diagnostics by severity, the most frequent first; a click filters on one.
fn frame_diagnostics(ui: &mut Ui, stats: &Stats, palette: &Palette, commands: &mut Vec<Command>) {
    ui.strong("Frame diagnostics");
    if stats.findings.is_empty() {
        ui.label(RichText::new("None: every frame decoded cleanly.").weak());
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let mut of_sev: Vec<_> = stats
            .findings
            .values()
            .filter(|f| f.severity == sev)
            .collect();
        if of_sev.is_empty() {
            continue;
        }
        of_sev.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
        let total: u64 = of_sev.iter().map(|f| f.count).sum();
        egui::CollapsingHeader::new(
            RichText::new(format!("{} ({total})", sev_title(sev))).color(palette.severity(sev)),
        )
        .id_salt(sev.as_str())
        .default_open(true)
        .show(ui, |ui| {
            for f in of_sev {
                let resp = ui.selectable_label(false, format!("{}  ×{}", f.code, f.count));
                let resp =
                    resp.on_hover_text(format!("{}\nClick to show the frames with it.", f.example));
                if resp.clicked() {
                    commands.push(Command::SetFilter(format!("code == {}", f.code)));
                    if let Some(first) = f.frames.first().and_then(|i| usize::try_from(*i).ok()) {
                        commands.push(Command::SelectFrame(first));
                    }
                }
                ui.label(RichText::new(format!("   {}", f.example)).small().weak());
            }
        });
    }
}

fn sev_title(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Errors",
        Severity::Warning => "Warnings",
        Severity::Info => "Notes",
    }
}

/// A device's context menu: its exports, preset in the export dialog.
fn device_menu(ui: &mut Ui, imei: &str, commands: &mut Vec<Command>) {
    use crate::export::Format;
    for (format, label) in [
        (Format::Gpx, "Export its track as GPX…"),
        (Format::Kml, "Export its track as KML…"),
        (Format::Geojson, "Export its track as GeoJSON…"),
        (Format::Csv, "Export its frames as CSV…"),
        (Format::Pcapng, "Export its packets as pcapng…"),
        (Format::Photos, "Export its photos…"),
    ] {
        if ui.button(label).clicked() {
            commands.push(Command::Export(Box::new(ExportCommand::Show {
                format: Some(format),
                imei: Some(imei.to_string()),
            })));
            ui.close();
        }
    }
}

/// The findings' context menu: the report as Markdown, for a ticket.
fn findings_menu(ui: &mut Ui, commands: &mut Vec<Command>) {
    if ui.button("Copy findings as Markdown").clicked() {
        commands.push(Command::CopyFindingsMarkdown);
        ui.close();
    }
    if ui.button("Export findings as Markdown…").clicked() {
        commands.push(Command::Export(Box::new(ExportCommand::Show {
            format: Some(crate::export::Format::Markdown),
            imei: None,
        })));
        ui.close();
    }
}
