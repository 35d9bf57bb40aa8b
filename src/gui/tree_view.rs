//! The decode tree of the selected frame: label, value with unit, raw text, derived values
//! beside the raw ones, and diagnostics and firmware tags as badges with a plain-words tooltip.

use std::collections::BTreeSet;

use eframe::egui::{self, RichText, Ui};

use super::state::{Command, Detail, View};
use super::theme::{Palette, badge, severity_letter};
use crate::protocol::{Diagnostic, Tree, Value, display, raw_text};

/// The tree view's state.
#[derive(Debug, Default)]
pub struct TreeView {
    /// Field names whose children are hidden (kept across frames).
    collapsed: BTreeSet<&'static str>,
    /// The (frame, field) shown last, to scroll to a newly selected field.
    shown: Option<(usize, Option<usize>)>,
}

/// The node each diagnostic hangs on: the node of its field, else the innermost node holding
/// its first byte; `None` for a diagnostic about the whole frame.
pub fn diagnostic_node(tree: &Tree, d: &Diagnostic) -> Option<usize> {
    if let Some(name) = d.field
        && let Some(i) = tree.nodes.iter().position(|n| n.def.name == name)
    {
        return Some(i);
    }
    if d.span.is_empty() {
        return None;
    }
    let i = tree.node_at(d.span.start as usize)?;
    let n = tree.nodes.get(i)?;
    // A diagnostic covering much more than the node is about the frame.
    (n.span.start <= d.span.start && n.span.end >= d.span.end).then_some(i)
}

impl TreeView {
    /// Draws the tree.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let Some(detail) = view.detail else {
            ui.centered_and_justified(|ui| {
                ui.label(RichText::new("Select a frame to see its fields.").weak())
            });
            return;
        };
        let palette = Palette::of(ui);
        let Detail {
            frame,
            bytes,
            message,
            tree,
            ..
        } = detail;
        let on_node: Vec<Option<usize>> = message
            .diagnostics
            .iter()
            .map(|d| diagnostic_node(tree, d))
            .collect();
        ui.horizontal(|ui| {
            ui.strong(format!("Frame {}", frame + 1));
            ui.label(format!(
                "{} bytes · {} · {}",
                bytes.len(),
                message.kind.as_str(),
                message
                    .firmware
                    .map_or(crate::protocol::firmware::UNKNOWN.describe, |g| g.describe)
            ));
        });
        header_notes(ui, view, detail, &on_node, &palette);
        ui.separator();
        let selected = view.selection.field;
        let commands = &mut *view.commands;
        let collapsed = &mut self.collapsed;
        let now = (*frame, selected);
        let scroll_to = if self.shown == Some(now) {
            None
        } else {
            selected
        };
        self.shown = Some(now);
        let lines = Lines {
            detail,
            on_node: &on_node,
            selected,
            scroll_to,
            palette: &palette,
        };
        egui::ScrollArea::both()
            .id_salt("tree")
            .auto_shrink(false)
            .show(ui, |ui| {
                let mut i = 0;
                while let Some(n) = tree.nodes.get(i) {
                    let children = tree.descendants(i);
                    let has_children = !children.is_empty();
                    let is_collapsed = has_children && collapsed.contains(n.def.name);
                    ui.horizontal(|ui| {
                        ui.add_space(f32::from(n.depth) * 16.0);
                        if has_children {
                            if disclosure(ui, is_collapsed).clicked() {
                                if is_collapsed {
                                    collapsed.remove(n.def.name);
                                } else {
                                    collapsed.insert(n.def.name);
                                }
                            }
                        } else {
                            ui.add_space(14.0 + ui.spacing().item_spacing.x);
                        }
                        node_line(ui, &lines, i, commands);
                    });
                    i = if is_collapsed { children.end } else { i + 1 };
                }
            });
    }
}

/// The frame's protocol and how sure its detection was, and the diagnostics about the whole
/// frame (those on no node).
fn header_notes(
    ui: &mut Ui,
    view: &View<'_>,
    detail: &Detail,
    on_node: &[Option<usize>],
    palette: &Palette,
) {
    let Detail {
        frame,
        message,
        protocol,
        ..
    } = detail;
    let flow = view.store.get(*frame).map(|f| f.flow()).and_then(|id| {
        view.session
            .stats
            .as_ref()?
            .flows
            .iter()
            .find(|s| s.meta.id == id)
    });
    let verdict = match flow {
        Some(s) if s.protocol == protocol.name => format!(
            "{}{}{}",
            protocol.title,
            s.confidence
                .map(|c| format!(", {c}% sure"))
                .unwrap_or_default(),
            s.reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
        _ => protocol.title.to_string(),
    };
    ui.label(RichText::new(verdict).small().weak());
    let loose: Vec<&Diagnostic> = message
        .diagnostics
        .iter()
        .zip(on_node)
        .filter(|(_, n)| n.is_none())
        .map(|(d, _)| d)
        .collect();
    for d in loose {
        ui.horizontal(|ui| {
            badge(
                ui,
                severity_letter(d.severity),
                palette.severity(d.severity),
            )
            .on_hover_text(d.message.as_ref());
            ui.label(
                RichText::new(format!("{}: {}", d.code, d.message))
                    .color(palette.severity(d.severity)),
            );
        });
    }
}

/// What every line of the tree needs.
struct Lines<'a> {
    detail: &'a Detail,
    /// The node each diagnostic hangs on ([`diagnostic_node`]).
    on_node: &'a [Option<usize>],
    /// The selected node.
    selected: Option<usize>,
    /// The node to scroll to.
    scroll_to: Option<usize>,
    palette: &'a Palette,
}

/// Node `i`'s line (after its indent and disclosure): label, value, raw text, badges; a click
/// selects it, hovering shows its help and bytes, its menu filters on it.
fn node_line(ui: &mut Ui, lines: &Lines<'_>, i: usize, commands: &mut Vec<Command>) {
    let Detail {
        bytes,
        message,
        tree,
        protocol,
        ..
    } = lines.detail;
    let Some(n) = tree.nodes.get(i) else {
        return;
    };
    let raw = raw_text(n.span.slice(bytes));
    let shown = display(n.value, &raw, n.def.unit);
    let mut job = String::new();
    if matches!(n.value, Value::None) {
        job.push_str(&raw_hint(&raw));
    } else {
        job.push_str(&shown);
        let plain_raw = matches!(n.value, Value::Raw | Value::Enum(_));
        if !plain_raw && !raw.is_empty() && !n.generated && raw != shown {
            job.push_str(&format!("   (raw \"{raw}\")"));
        }
    }
    let label = if n.generated {
        format!("{}: = {job}", n.def.label)
    } else {
        format!("{}: {job}", n.def.label)
    };
    let mut rt = RichText::new(label);
    if n.generated {
        rt = rt.italics().color(lines.palette.info);
    }
    let resp = ui.selectable_label(lines.selected == Some(i), rt);
    if lines.scroll_to == Some(i) {
        resp.scroll_to_me(None);
    }
    let resp = resp.on_hover_ui(|ui| {
        ui.strong(n.def.name);
        ui.label(n.def.help);
        ui.label(format!(
            "bytes {}..{} ({} bytes){}",
            n.span.start,
            n.span.end,
            n.span.len(),
            if n.generated { ", derived" } else { "" }
        ));
    });
    if resp.clicked() {
        commands.push(Command::SelectField(Some(i)));
    }
    if resp.hovered() {
        commands.push(Command::HoverField(Some(i)));
    }
    resp.context_menu(|ui| {
        if ui.button(format!("Filter on {}", n.def.name)).clicked() {
            let v = if raw.is_empty() || raw.contains('"') {
                String::new()
            } else {
                format!(" == \"{raw}\"")
            };
            commands.push(Command::SetFilter(format!("{}{v}", n.def.name)));
            ui.close();
        }
    });
    for (d, node) in message.diagnostics.iter().zip(lines.on_node) {
        if *node == Some(i) {
            badge(
                ui,
                &format!("{} {}", severity_letter(d.severity), d.code),
                lines.palette.severity(d.severity),
            )
            .on_hover_text(d.message.as_ref());
        }
    }
    for t in protocol.firmware.tags_in(n.tags) {
        badge(ui, t.name, lines.palette.firmware)
            .on_hover_text(format!("{}\n({})", t.help, t.generation.describe));
    }
}

fn raw_hint(raw: &str) -> String {
    let short: String = raw.chars().take(48).collect();
    if raw.chars().count() > 48 {
        format!("{short}…")
    } else {
        short
    }
}

/// A small triangle that opens and closes a node's children.
fn disclosure(ui: &mut Ui, collapsed: bool) -> egui::Response {
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::click());
    let c = rect.center();
    let color = ui.style().interact(&resp).fg_stroke.color;
    let pts = if collapsed {
        vec![
            c + egui::vec2(-3.0, -5.0),
            c + egui::vec2(4.0, 0.0),
            c + egui::vec2(-3.0, 5.0),
        ]
    } else {
        vec![
            c + egui::vec2(-5.0, -3.0),
            c + egui::vec2(5.0, -3.0),
            c + egui::vec2(0.0, 4.0),
        ]
    };
    ui.painter()
        .add(egui::Shape::convex_polygon(pts, color, egui::Stroke::NONE));
    resp.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Button,
            true,
            if collapsed { "Expand" } else { "Collapse" },
        )
    });
    resp.on_hover_text(if collapsed {
        "Show the fields inside"
    } else {
        "Hide the fields inside"
    })
}
