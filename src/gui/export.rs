//! File > Export: the open captures (or the live recording) written in another tool's format,
//! for every frame, the frames the filter keeps, or one device; the device list and the
//! findings open it preset from their context menus.
//!
//! The window does not write from its own store: it runs the same [`crate::export::run`] as
//! `bn407 export` on the session's inputs in a background thread (with the window's filter
//! expression), so a file exported here is byte for byte what the command line writes. The
//! price is a second read of the inputs; the gain is one writer per format, and exports of
//! formats that need the whole run (findings in pcapng comments) without holding it twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use eframe::egui::{self, RichText, Ui};

use super::shared::start_worker;
use super::state::{Command, View};
use crate::export::{Format, PcapScope, Request, Summary};
use crate::pipeline::{Input, RunOptions};

/// What a panel asks of the export.
#[derive(Debug, Clone)]
pub enum ExportCommand {
    /// Show the dialog, preset with this format and device when given.
    Show {
        /// The format to preselect.
        format: Option<Format>,
        /// The device to preselect.
        imei: Option<String>,
    },
    /// Write `request` of `inputs` to `out` (what the dialog's button sends once a file is
    /// chosen; tests send it directly).
    Write {
        /// The inputs to read.
        inputs: Vec<Input>,
        /// What to write.
        request: Request,
        /// The file (or, for photos, the folder).
        out: PathBuf,
    },
}

/// Which frames go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Every,
    Filtered,
    Device,
}

/// The outcome of the last export, shown under the button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// What was written and where.
    Done(String),
    /// Why nothing (or only part) was written.
    Failed(String),
}

struct Job {
    rx: Receiver<ExportOutcome>,
    cancel: Arc<AtomicBool>,
}

/// The export dialog's state.
pub struct ExportDialog {
    open: bool,
    format: Format,
    scope: Scope,
    imei: String,
    kept_only: bool,
    size: (u32, u32),
    /// Where to write, as typed or chosen (empty: the suggested name beside the input).
    path: String,
    /// True once the user typed or chose the path (it no longer follows the format).
    path_chosen: bool,
    job: Option<Job>,
    last: Option<ExportOutcome>,
}

impl Default for ExportDialog {
    fn default() -> Self {
        let r = Request::new(Format::Csv);
        Self {
            open: false,
            format: Format::Csv,
            scope: Scope::Every,
            imei: String::new(),
            kept_only: false,
            size: r.size,
            path: String::new(),
            path_chosen: false,
            job: None,
            last: None,
        }
    }
}

const FORMATS: [(Format, &str, &str); 9] = [
    (Format::Csv, "CSV", "one row per frame, for a spreadsheet"),
    (
        Format::Jsonl,
        "JSON lines",
        "one object per frame, for scripts",
    ),
    (
        Format::Gpx,
        "GPX",
        "tracks and alarm waypoints, for GPS tools",
    ),
    (
        Format::Kml,
        "KML",
        "tracks and alarm placemarks, for Google Earth",
    ),
    (
        Format::Geojson,
        "GeoJSON",
        "tracks and alarms, for QGIS and geojson.io",
    ),
    (
        Format::Pcapng,
        "pcapng",
        "the packets with diagnostics as comments, for Wireshark",
    ),
    (
        Format::Photos,
        "Photos",
        "the JPEGs the devices sent, into a folder",
    ),
    (
        Format::Markdown,
        "Findings (Markdown)",
        "the findings, to paste into a ticket",
    ),
    (
        Format::Png,
        "Map image (PNG)",
        "the tracks over the offline basemap, for an e-mail",
    ),
];

fn format_name(f: Format) -> &'static str {
    FORMATS.iter().find(|x| x.0 == f).map_or("", |x| x.1)
}

/// The file name suggested for an export of `format` from inputs named `stem`.
fn suggested_name(stem: &str, format: Format, imei: Option<&str>) -> String {
    let ext = match format {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
        Format::Gpx => "gpx",
        Format::Kml => "kml",
        Format::Geojson => "geojson",
        Format::Pcapng => "pcapng",
        Format::Photos => "",
        Format::Markdown => "md",
        Format::Png => "png",
    };
    let base = match imei {
        Some(i) => format!("{stem}-{i}"),
        None => stem.to_string(),
    };
    if ext.is_empty() {
        format!("{base}-photos")
    } else {
        format!("{base}.{ext}")
    }
}

/// The inputs an export reads: the session's files, or the live session's recording.
pub fn export_inputs(view: &View<'_>) -> Vec<Input> {
    if !view.session.inputs.is_empty() {
        return view.session.inputs.clone();
    }
    view.live
        .and_then(|l| l.recording.clone())
        .map(|p| vec![Input::Path(p)])
        .unwrap_or_default()
}

fn stem_of(inputs: &[Input]) -> String {
    match inputs {
        [Input::Path(p)] => p
            .file_stem()
            .map_or("export".into(), |s| s.to_string_lossy().into_owned()),
        _ => "export".into(),
    }
}

impl ExportDialog {
    /// True while an export runs.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The outcome of the last export, once it has finished.
    pub fn outcome(&self) -> Option<&ExportOutcome> {
        self.last.as_ref()
    }

    /// True while the dialog is shown.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Applies a command.
    pub fn apply(&mut self, c: ExportCommand, wake: impl Fn() + Send + 'static) {
        match c {
            ExportCommand::Show { format, imei } => {
                self.open = true;
                if let Some(f) = format {
                    self.format = f;
                }
                if let Some(i) = imei {
                    self.imei = i;
                    self.scope = Scope::Device;
                }
            }
            ExportCommand::Write {
                inputs,
                request,
                out,
            } => self.start(inputs, request, out, wake),
        }
    }

    fn start(
        &mut self,
        inputs: Vec<Input>,
        request: Request,
        out: PathBuf,
        wake: impl Fn() + Send + 'static,
    ) {
        if let Some(j) = self.job.take() {
            j.cancel.store(true, Ordering::Relaxed);
        }
        self.last = None;
        let (rx, cancel, spawned) = start_worker("bn407-export", move |tx, flag| {
            let mut opts = RunOptions {
                cancel: Some(flag),
                ..RunOptions::default()
            };
            let r = crate::export::run(&inputs, &request, &out, &mut opts);
            let _ = tx.send(outcome(request.format, &out, r));
            wake();
        });
        match spawned {
            Ok(()) => self.job = Some(Job { rx, cancel }),
            Err(e) => self.last = Some(ExportOutcome::Failed(format!("cannot start: {e}"))),
        }
    }

    /// Takes the finished export's outcome.
    pub fn poll(&mut self) {
        let Some(j) = &self.job else {
            return;
        };
        match j.rx.try_recv() {
            Ok(o) => {
                self.last = Some(o);
                self.job = None;
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.last = Some(ExportOutcome::Failed("the export stopped".into()));
                self.job = None;
            }
        }
    }

    /// Draws the dialog when it is open.
    pub fn ui(&mut self, ctx: &egui::Context, view: &mut View<'_>) {
        self.poll();
        let mut open = self.open;
        egui::Window::new("Export")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 90.0))
            .resizable(false)
            .collapsible(false)
            .show(ctx, |ui| self.body(ui, view));
        self.open = open && self.open;
    }

    fn body(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let inputs = export_inputs(view);
        if inputs.is_empty() {
            ui.label("Open a capture (or record a live session) to export it.");
            return;
        }
        self.options(ui, view);
        self.destination(ui, &inputs);
        ui.separator();
        self.export_button(ui, view, &inputs);
    }

    /// The format and its options, and which frames.
    fn options(&mut self, ui: &mut Ui, view: &View<'_>) {
        egui::Grid::new("export-grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                ui.label("Format");
                egui::ComboBox::from_id_salt("export-format")
                    .selected_text(format_name(self.format))
                    .show_ui(ui, |ui| {
                        for (f, name, what) in FORMATS {
                            ui.selectable_value(&mut self.format, f, name)
                                .on_hover_text(what);
                        }
                    });
                ui.end_row();
                ui.label("");
                let what = FORMATS
                    .iter()
                    .find(|x| x.0 == self.format)
                    .map_or("", |x| x.2);
                ui.label(RichText::new(what).weak());
                ui.end_row();
                ui.label("Frames");
                ui.vertical(|ui| self.scope_ui(ui, view));
                ui.end_row();
                if self.format == Format::Pcapng {
                    ui.label("Packets");
                    ui.vertical(|ui| {
                        ui.radio_value(
                            &mut self.kept_only,
                            false,
                            "both directions of their flows",
                        );
                        ui.radio_value(&mut self.kept_only, true, "only the kept frames");
                    });
                    ui.end_row();
                }
                if self.format == Format::Png {
                    ui.label("Size");
                    ui.horizontal(|ui| {
                        ui.add(egui::DragValue::new(&mut self.size.0).range(200..=8000));
                        ui.label("×");
                        ui.add(egui::DragValue::new(&mut self.size.1).range(200..=8000));
                        ui.label("px");
                    });
                    ui.end_row();
                }
            });
    }

    /// Where to write: the path suggested for the inputs until the user gives one.
    fn destination(&mut self, ui: &mut Ui, inputs: &[Input]) {
        if !self.path_chosen {
            self.path = self.suggested_path(inputs).display().to_string();
        }
        ui.horizontal(|ui| {
            ui.label(if self.format == Format::Photos {
                "Folder"
            } else {
                "File"
            });
            let edit = ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(330.0));
            if edit.changed() {
                self.path_chosen = true;
            }
            if ui.button("Choose…").clicked()
                && let Some(p) = self.ask_where(inputs)
            {
                self.path = p.display().to_string();
                self.path_chosen = true;
            }
        });
    }

    /// The Export button, the spinner while it runs, and how the last export went.
    fn export_button(&mut self, ui: &mut Ui, view: &mut View<'_>, inputs: &[Input]) {
        ui.horizontal(|ui| {
            let busy = self.job.is_some();
            let path = self.path.trim();
            if ui
                .add_enabled(!busy && !path.is_empty(), egui::Button::new("Export"))
                .on_hover_text("Write it there (an existing file is replaced)")
                .clicked()
            {
                view.commands
                    .push(Command::Export(Box::new(ExportCommand::Write {
                        inputs: inputs.to_vec(),
                        request: self.request(view),
                        out: PathBuf::from(path),
                    })));
            }
            if busy {
                ui.spinner();
                ui.label("Exporting…");
            }
        });
        match &self.last {
            Some(ExportOutcome::Done(s)) => {
                ui.label(RichText::new(s).color(ui.visuals().hyperlink_color));
            }
            Some(ExportOutcome::Failed(s)) => {
                ui.label(RichText::new(s).color(ui.visuals().error_fg_color));
            }
            None => {}
        }
    }

    fn scope_ui(&mut self, ui: &mut Ui, view: &View<'_>) {
        ui.radio_value(&mut self.scope, Scope::Every, "every frame");
        let filter = view.filter.trim();
        ui.add_enabled_ui(!filter.is_empty(), |ui| {
            let label = if filter.is_empty() {
                "the frames the filter keeps (no filter in force)".to_string()
            } else {
                format!("the frames the filter keeps: {filter}")
            };
            ui.radio_value(&mut self.scope, Scope::Filtered, label);
        });
        if filter.is_empty() && self.scope == Scope::Filtered {
            self.scope = Scope::Every;
        }
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.scope, Scope::Device, "one device");
            let devices: Vec<String> = view
                .session
                .stats
                .as_ref()
                .map(|s| s.devices.values().map(|d| d.imei.to_string()).collect())
                .unwrap_or_default();
            if self.imei.is_empty()
                && let Some(d) = devices.first()
            {
                self.imei = d.clone();
            }
            egui::ComboBox::from_id_salt("export-device")
                .selected_text(self.imei.as_str())
                .show_ui(ui, |ui| {
                    for d in devices {
                        if ui.selectable_label(self.imei == d, &d).clicked() {
                            self.imei = d;
                            self.scope = Scope::Device;
                        }
                    }
                });
        });
    }

    /// The request the dialog's settings make.
    fn request(&self, view: &View<'_>) -> Request {
        let mut r = Request::new(self.format);
        match self.scope {
            Scope::Every => {}
            Scope::Filtered => r.filter = view.filter.trim().to_string(),
            Scope::Device => r.imei = Some(self.imei.clone()).filter(|i| !i.is_empty()),
        }
        r.scope = if self.kept_only {
            PcapScope::Frames
        } else {
            PcapScope::Flows
        };
        r.size = self.size;
        r
    }

    /// The suggested output: the suggested name in the first input's folder.
    fn suggested_path(&self, inputs: &[Input]) -> PathBuf {
        let imei = (self.scope == Scope::Device).then_some(self.imei.as_str());
        let name = suggested_name(&stem_of(inputs), self.format, imei);
        let dir = match inputs.first() {
            Some(Input::Path(p)) => p.parent().map(Path::to_path_buf),
            _ => None,
        };
        dir.filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_default()
            .join(name)
    }

    /// The native dialog: a file to write, or a folder for the photos.
    fn ask_where(&self, inputs: &[Input]) -> Option<PathBuf> {
        let imei = (self.scope == Scope::Device).then_some(self.imei.as_str());
        let name = suggested_name(&stem_of(inputs), self.format, imei);
        let d = rfd::FileDialog::new().set_title(format!("Export {}", format_name(self.format)));
        if self.format == Format::Photos {
            d.pick_folder()
        } else {
            d.set_file_name(name).save_file()
        }
    }
}

/// The one line shown once an export has finished.
fn outcome(
    format: Format,
    out: &Path,
    r: Result<Summary, crate::export::ExportError>,
) -> ExportOutcome {
    match r {
        Ok(s) => {
            let mut line = s.line(format, out);
            if let Some(e) = s.damaged {
                line.push_str(&format!(" (the input is damaged part-way: {e})"));
            }
            ExportOutcome::Done(line)
        }
        Err(e) => ExportOutcome::Failed(format!("Export failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_names_carry_the_format_and_device() {
        assert_eq!(suggested_name("ride", Format::Gpx, None), "ride.gpx");
        assert_eq!(
            suggested_name("ride", Format::Csv, Some("359586015829802")),
            "ride-359586015829802.csv"
        );
        assert_eq!(suggested_name("ride", Format::Photos, None), "ride-photos");
    }
}
