//! The findings banner: the answer to "why does this device not show up" on screen at once.
//!
//! Session findings (a server that never answered the login, a unit that only sends heartbeats,
//! a clock set to the wrong zone, a unit speaking another protocol) are the first thing a
//! support engineer needs, so the worst of them stand above the frame list once loading has
//! finished, each with a button that filters the list to that device's (or flow's) frames and
//! one that selects the first frame that shows it. The full list stays in the side panel's
//! Findings tab.

use eframe::egui::{self, RichText, Ui};

use super::shared::evidence_text;
use super::state::{Command, SideTab, View};
use super::theme::{Palette, badge, severity_letter};
use crate::model::SessionFinding;
use crate::protocol::Severity;

/// Findings shown at most; the rest are counted.
const SHOWN: usize = 3;

/// True when there is something to show.
pub fn wanted(view: &View<'_>) -> bool {
    view.session
        .device_findings
        .iter()
        .any(|f| f.severity >= Severity::Warning)
}

/// Draws the banner.
pub fn ui(ui: &mut Ui, view: &mut View<'_>) {
    let p = Palette::of(ui);
    // With their place in the session's list, so that equal findings keep their order.
    let mut findings: Vec<(usize, &SessionFinding)> = view
        .session
        .device_findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .enumerate()
        .collect();
    let order = |(i, a): &(usize, &SessionFinding), (j, b): &(usize, &SessionFinding)| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.cmp(b.code))
            .then(a.imei.cmp(&b.imei))
            .then(a.flow.cmp(&b.flow))
            .then(i.cmp(j))
    };
    // The first few in order, without sorting thousands every frame (a live fleet).
    let total = findings.len();
    if total > SHOWN {
        findings.select_nth_unstable_by(SHOWN, order);
        findings.truncate(SHOWN + 1);
    }
    findings.sort_by(order);
    let findings: Vec<&SessionFinding> = findings.into_iter().map(|(_, f)| f).collect();
    for f in findings.iter().take(SHOWN) {
        ui.horizontal(|ui| {
            badge(ui, severity_letter(f.severity), p.severity(f.severity));
            // What it is about (its device, else its flow): the name, and the filter to its frames.
            let subject = match (&f.imei, f.flow) {
                (Some(imei), _) => Some((imei.clone(), "device", format!("imei == {imei}"))),
                (None, Some(flow)) => {
                    Some((format!("flow {flow}"), "flow", format!("flow == {flow}")))
                }
                (None, None) => None,
            };
            if let Some((name, what, filter)) = subject {
                ui.label(RichText::new(name).strong());
                if ui
                    .small_button("Show its frames")
                    .on_hover_text(format!("Filter the list to this {what}"))
                    .clicked()
                {
                    view.commands.push(Command::SetFilter(filter));
                }
            }
            if let Some(first) = f.evidence.first().and_then(|i| usize::try_from(*i).ok())
                && ui
                    .small_button("Evidence")
                    .on_hover_text(evidence_text(&f.evidence))
                    .clicked()
            {
                view.commands.push(Command::SelectFrame(first));
            }
            // The message last: it is cut to the window's width, the full text in its tooltip.
            ui.add(
                egui::Label::new(RichText::new(&f.message).color(p.severity(f.severity)))
                    .truncate(),
            )
            .on_hover_text(format!("{}: {}", f.code, f.message));
        });
    }
    if total > SHOWN {
        ui.horizontal(|ui| {
            ui.label(format!("and {} more finding(s)", total - SHOWN));
            if ui.small_button("Show all").clicked() {
                view.commands.push(Command::ShowSide(SideTab::Findings));
            }
        });
    }
}
