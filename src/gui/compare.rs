//! The Compare tab (File > Compare…): the firmware diff of two sets of captures, A (the
//! baseline) and B, or of the firmware generations seen in A. The report's lines are grouped by
//! rank; picking one shows the representative frames of its message kind from A and from B side
//! by side, fields aligned by name and the differing ones highlighted, and the frames that show
//! the difference (which select the frame in the list when that side is the open capture).
//!
//! It runs [`crate::model::diff::report`] in a background thread, as `bn407 diff` does, so the
//! window and the command line give the same report.

use std::sync::mpsc::{Receiver, TryRecvError};

use eframe::egui::{self, Color32, RichText, Ui};

use super::shared::start_worker;
use super::state::{Command, View};
use super::theme::Palette;
use crate::model::diff::report::{self, Run};
use crate::model::diff::{AlignedField, Comparison, Difference, Rank, Which};
use crate::pipeline::Input;
use crate::protocol::Kind;

/// What a panel asks of the comparison.
#[derive(Debug, Clone)]
pub enum CompareCommand {
    /// Set the inputs of one side.
    SetSide(Which, Vec<Input>),
    /// Captures dropped on the tab: side A when it is empty, else side B.
    Dropped(Vec<Input>),
    /// Compare A with B.
    Run,
    /// Compare the firmware generations seen in A.
    RunByFirmware,
    /// Show this comparison (of several generations).
    ShowRun(usize),
    /// Pick a line of the report.
    Select(usize),
    /// Show this message kind side by side.
    ShowKind(&'static str, Kind),
}

/// The Compare tab's state.
#[derive(Default)]
pub struct CompareView {
    sides: [Vec<Input>; 2],
    imei: String,
    job: Option<Receiver<Result<Vec<Run>, String>>>,
    runs: Vec<Run>,
    run: usize,
    selected: Option<usize>,
    kind: Option<(&'static str, Kind)>,
    error: Option<String>,
}

fn rank_colour(p: &Palette, r: Rank) -> Color32 {
    match r {
        Rank::Parser => p.error,
        Rank::Behaviour => p.warning,
        Rank::Cosmetic => p.info,
    }
}

impl CompareView {
    fn side(&self, w: Which) -> &Vec<Input> {
        match w {
            Which::A => &self.sides[0],
            Which::B => &self.sides[1],
        }
    }

    fn side_mut(&mut self, w: Which) -> &mut Vec<Input> {
        match w {
            Which::A => &mut self.sides[0],
            Which::B => &mut self.sides[1],
        }
    }

    /// True while a comparison runs.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The comparison shown, once one has run.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.runs.get(self.run).map(|r| &r.cmp)
    }

    /// Why the last comparison could not run.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Applies a command.
    pub fn apply(&mut self, c: CompareCommand, wake: impl Fn() + Send + 'static) {
        match c {
            CompareCommand::SetSide(w, inputs) => *self.side_mut(w) = inputs,
            CompareCommand::Dropped(inputs) => {
                let w = if self.sides[0].is_empty() {
                    Which::A
                } else {
                    Which::B
                };
                *self.side_mut(w) = inputs;
            }
            CompareCommand::Run | CompareCommand::RunByFirmware => {
                let by_firmware = matches!(c, CompareCommand::RunByFirmware);
                let (a, b) = (self.sides[0].clone(), self.sides[1].clone());
                let imeis: Vec<String> = self
                    .imei
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let (rx, _, spawned) = start_worker("bn407-compare", move |tx, _| {
                    let r = if by_firmware {
                        report::by_firmware(&a, &imeis)
                    } else {
                        report::two_sets(&a, &b, &imeis)
                    };
                    let _ = tx.send(r);
                    wake();
                });
                self.error = spawned.err().map(|e| format!("cannot start: {e}"));
                self.job = self.error.is_none().then_some(rx);
            }
            CompareCommand::ShowRun(i) => {
                self.run = i;
                self.selected = None;
                self.kind = self.first_kind();
            }
            CompareCommand::Select(i) => {
                self.selected = Some(i);
                let d = self.comparison().and_then(|c| c.differences.get(i));
                if let Some((p, k)) = d.and_then(|d| Some((d.protocol?, d.kind?))) {
                    self.kind = Some((p, k));
                }
            }
            CompareCommand::ShowKind(p, k) => self.kind = Some((p, k)),
        }
    }

    fn first_kind(&self) -> Option<(&'static str, Kind)> {
        let c = self.comparison()?;
        let with_diff = c
            .differences
            .iter()
            .find_map(|d| Some((d.protocol?, d.kind?)));
        with_diff.or_else(|| c.representatives.first().map(|r| (r.protocol, r.kind)))
    }

    fn poll(&mut self) {
        let Some(rx) = &self.job else {
            return;
        };
        match rx.try_recv() {
            Ok(Ok(runs)) => {
                self.runs = runs;
                self.run = 0;
                self.selected = None;
                self.error = None;
                self.kind = self.first_kind();
                self.job = None;
            }
            Ok(Err(e)) => {
                self.error = Some(e);
                self.runs.clear();
                self.job = None;
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.error = Some("the comparison stopped".into());
                self.job = None;
            }
        }
    }

    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        self.poll();
        self.sides_ui(ui, view);
        ui.separator();
        if let Some(e) = &self.error {
            ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
        }
        if self.runs.is_empty() {
            if self.error.is_none() && self.job.is_none() {
                ui.label(
                    RichText::new(
                        "Choose the captures of firmware A and of firmware B (or drop them here), \
                     then Compare A with B. With A alone, compare the firmware generations it holds.",
                    )
                    .weak(),
                );
            }
            return;
        }
        if self.runs.len() > 1 {
            ui.horizontal(|ui| {
                ui.label("Generation:");
                for (i, r) in self.runs.iter().enumerate() {
                    let label = format!("{} against {}", r.cmp.b.label, r.cmp.a.label);
                    if ui.selectable_label(self.run == i, label).clicked() {
                        view.commands
                            .push(Command::Compare(Box::new(CompareCommand::ShowRun(i))));
                    }
                }
            });
        }
        let Some(run) = self.runs.get(self.run) else {
            return;
        };
        let c = &run.cmp;
        ui.horizontal(|ui| {
            ui.label(RichText::new(summary_line(c)).strong());
            if ui.button("Copy report as Markdown").clicked() {
                ui.ctx()
                    .copy_text(report::markdown(std::slice::from_ref(run)));
            }
        });
        let open = open_side(view, run);
        let w = ui.available_width();
        let selected = self.selected;
        egui::Panel::left("compare-lines")
            .resizable(true)
            .default_size((w * 0.45).max(260.0))
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("compare-lines")
                    .show(ui, |ui| lines_ui(ui, c, selected, view));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("compare-detail")
                .show(ui, |ui| {
                    self.kind_ui(ui, c, view);
                    if let Some(d) = selected.and_then(|i| c.differences.get(i)) {
                        ui.separator();
                        evidence_ui(ui, c, d, open, view);
                    }
                });
        });
    }

    fn sides_ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        egui::Grid::new("compare-sides")
            .num_columns(3)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                for (w, label) in [(Which::A, "A (baseline)"), (Which::B, "B")] {
                    ui.strong(label);
                    let names: Vec<String> = self.side(w).iter().map(Input::name).collect();
                    if names.is_empty() {
                        ui.label(RichText::new("no captures").weak());
                    } else {
                        ui.label(names.join("  "));
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Choose…").clicked()
                            && let Some(files) = rfd::FileDialog::new()
                                .set_title(format!("Captures of side {label}"))
                                .add_filter(
                                    "Captures and logs",
                                    &["pcap", "pcapng", "cap", "log", "txt"],
                                )
                                .add_filter("All files", &["*"])
                                .pick_files()
                        {
                            let inputs = files.into_iter().map(Input::Path).collect();
                            view.commands.push(Command::Compare(Box::new(
                                CompareCommand::SetSide(w, inputs),
                            )));
                        }
                        let open = &view.session.inputs;
                        if ui
                            .add_enabled(!open.is_empty(), egui::Button::new("The open captures"))
                            .clicked()
                        {
                            view.commands.push(Command::Compare(Box::new(
                                CompareCommand::SetSide(w, open.clone()),
                            )));
                        }
                    });
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            let ready = self.job.is_none();
            let both = !self.sides[0].is_empty() && !self.sides[1].is_empty();
            if ui
                .add_enabled(ready && both, egui::Button::new("Compare A with B"))
                .on_hover_text("What a platform would notice when units move from A to B")
                .clicked()
            {
                view.commands
                    .push(Command::Compare(Box::new(CompareCommand::Run)));
            }
            if ui
                .add_enabled(
                    ready && !self.sides[0].is_empty(),
                    egui::Button::new("Compare A's firmware generations"),
                )
                .clicked()
            {
                view.commands
                    .push(Command::Compare(Box::new(CompareCommand::RunByFirmware)));
            }
            ui.label("Devices:");
            ui.add(
                egui::TextEdit::singleline(&mut self.imei)
                    .hint_text("every device (or IMEIs)")
                    .desired_width(180.0),
            );
            if !ready {
                ui.spinner();
                ui.label("Comparing…");
            }
        });
    }

    fn kind_ui(&self, ui: &mut Ui, c: &Comparison, view: &mut View<'_>) {
        ui.horizontal(|ui| {
            ui.label("Message kind:");
            let current = self
                .kind
                .map_or_else(|| "–".to_string(), |(p, k)| format!("{p} {}", k.as_str()));
            egui::ComboBox::from_id_salt("compare-kind")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for r in &c.representatives {
                        let label = format!("{} {}", r.protocol, r.kind.as_str());
                        if ui
                            .selectable_label(self.kind == Some((r.protocol, r.kind)), label)
                            .clicked()
                        {
                            view.commands.push(Command::Compare(Box::new(
                                CompareCommand::ShowKind(r.protocol, r.kind),
                            )));
                        }
                    }
                });
        });
        let Some(rep) = self.kind.and_then(|(p, k)| c.representative(p, k)) else {
            ui.label(RichText::new("No frame of this kind on either side.").weak());
            return;
        };
        let frame_label = |i: Option<u64>, label: &str| match i {
            Some(i) => format!("{label} No. {}", list_number(i)),
            None => format!("{label}: none"),
        };
        let fields = c.aligned(rep);
        aligned_ui(
            ui,
            &fields,
            &frame_label(rep.a, &c.a.label),
            &frame_label(rep.b, &c.b.label),
        );
    }
}

/// A frame's number as the frame list shows it (from 1; the diff's reports number frames as
/// `decode` does, from 0).
fn list_number(index: u64) -> u64 {
    index.saturating_add(1)
}

/// The two sides in one line.
fn summary_line(c: &Comparison) -> String {
    if c.same() {
        format!("No differences: {} behaves as {}.", c.b.label, c.a.label)
    } else {
        format!(
            "{} difference(s) of {} from {} ({} and {} device frames)",
            c.differences.len(),
            c.b.label,
            c.a.label,
            c.a.frames,
            c.b.frames
        )
    }
}

/// Which side, if any, is the capture open in the window (its frame numbers are the list's).
fn open_side(view: &View<'_>, run: &Run) -> Option<Which> {
    let open: Vec<String> = view.session.inputs.iter().map(Input::name).collect();
    if open.is_empty() {
        return None;
    }
    if run.inputs[0] == open {
        Some(Which::A)
    } else if run.inputs[1] == open {
        Some(Which::B)
    } else {
        None
    }
}

fn lines_ui(ui: &mut Ui, c: &Comparison, selected: Option<usize>, view: &mut View<'_>) {
    let palette = Palette::of(ui);
    if c.same() {
        ui.label("No differences.");
    }
    let mut rank = None;
    for (i, d) in c.differences.iter().enumerate() {
        if rank != Some(d.rank) {
            rank = Some(d.rank);
            ui.add_space(4.0);
            ui.label(
                RichText::new(d.rank.words())
                    .strong()
                    .color(rank_colour(&palette, d.rank)),
            );
        }
        let resp = ui
            .add(egui::Button::selectable(selected == Some(i), &d.line).wrap())
            .on_hover_text(format!(
                "{}: {}\n{}: {}",
                c.a.label, d.a.value, c.b.label, d.b.value
            ));
        if resp.clicked() {
            view.commands
                .push(Command::Compare(Box::new(CompareCommand::Select(i))));
        }
    }
}

fn aligned_ui(ui: &mut Ui, fields: &[AlignedField], a: &str, b: &str) {
    let palette = Palette::of(ui);
    egui::Grid::new("compare-aligned")
        .num_columns(3)
        .striped(true)
        .spacing([14.0, 3.0])
        .show(ui, |ui| {
            ui.strong("Field");
            ui.strong(a);
            ui.strong(b);
            ui.end_row();
            for f in fields {
                let cell = |t: &Option<String>| {
                    let text = t.clone().unwrap_or_else(|| "—".into());
                    let r = RichText::new(text).monospace();
                    if f.differs {
                        r.color(palette.error).strong()
                    } else {
                        r
                    }
                };
                let name = RichText::new(f.label);
                ui.label(if f.differs { name.strong() } else { name })
                    .on_hover_text(f.name);
                ui.label(cell(&f.a));
                ui.label(cell(&f.b));
                ui.end_row();
            }
        });
}

fn evidence_ui(
    ui: &mut Ui,
    c: &Comparison,
    d: &Difference,
    open: Option<Which>,
    view: &mut View<'_>,
) {
    ui.strong(&d.line);
    for (w, label, fact) in [(Which::A, &c.a.label, &d.a), (Which::B, &c.b.label, &d.b)] {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{label}: {}", fact.value)).strong());
            for &i in &fact.frames {
                let text = format!("No. {}", list_number(i));
                if open == Some(w) {
                    if ui
                        .link(text)
                        .on_hover_text(
                            "Show it in the frame list (the Compare tab keeps its report)",
                        )
                        .clicked()
                        && let Ok(i) = usize::try_from(i)
                    {
                        view.commands.push(Command::SelectFrame(i));
                        view.commands
                            .push(Command::ShowTab(super::state::CentralTab::Frames));
                    }
                } else {
                    ui.label(text);
                }
            }
        });
        if let Some(t) = report::frame_text(c, w, fact.example()) {
            ui.label(RichText::new(t).monospace().small());
        }
    }
}
