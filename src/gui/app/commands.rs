//! Commands: the keyboard's, and those the panels push while drawing, applied after drawing;
//! copying a frame.

use super::AnalyzerApp;
use crate::gui::compare::CompareCommand;
use crate::gui::state::{CentralTab, Command, CopyAs, ThemeChoice};
use crate::pipeline::{Decoded, FlowMeta, Input};
use crate::protocol::FrameFlags;
use eframe::egui::{self, Key, Modifiers};
use std::sync::Arc;

impl AnalyzerApp {
    pub(super) fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if !dropped.is_empty() {
            let inputs = dropped
                .iter()
                .map(|f| {
                    let p = f.path();
                    if !p.as_os_str().is_empty() && p.exists() {
                        Input::Path(p.to_path_buf())
                    } else {
                        Input::Bytes {
                            name: p.display().to_string(),
                            data: Arc::new(f.bytes().unwrap_or_default()),
                        }
                    }
                })
                .collect();
            if self.settings.central == CentralTab::Compare {
                self.commands
                    .push(Command::Compare(Box::new(CompareCommand::Dropped(inputs))));
            } else {
                self.commands.push(Command::Open(inputs));
            }
        }
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            if i.consume_key(Modifiers::COMMAND, Key::O) {
                self.commands.push(Command::OpenDialog);
            }
            if i.consume_key(Modifiers::COMMAND, Key::F) {
                self.commands.push(Command::FocusFilter);
            }
            if typing {
                return;
            }
            let moves = [
                (Key::ArrowDown, 1),
                (Key::ArrowUp, -1),
                (Key::PageDown, 20),
                (Key::PageUp, -20),
                (Key::Home, i64::MIN / 2),
                (Key::End, i64::MAX / 2),
            ];
            for (key, by) in moves {
                if i.consume_key(Modifiers::NONE, key) {
                    self.commands.push(Command::MoveSelection(by));
                }
            }
            let copy = i.events.iter().any(|e| matches!(e, egui::Event::Copy))
                || i.consume_key(Modifiers::COMMAND, Key::C);
            if copy && self.selection.frame.is_some() {
                self.commands.push(Command::Copy(CopyAs::Text));
            }
        });
    }

    pub(super) fn apply(&mut self, c: Command, ctx: &egui::Context) {
        match c {
            Command::StartLive(cfg) => {
                self.settings.show_side = true;
                self.settings.side_tab = crate::gui::state::SideTab::Live;
                self.start_live(*cfg, ctx);
            }
            Command::StopLive => self.stop_live(),
            Command::Export(c) => {
                let wake = ctx.clone();
                self.export.apply(*c, move || wake.request_repaint());
            }
            Command::Compare(c) => {
                self.settings.central = CentralTab::Compare;
                let wake = ctx.clone();
                self.compare.apply(*c, move || wake.request_repaint());
            }
            Command::CopyFindingsMarkdown => self.copy_findings_markdown(ctx),
            Command::LiveCommand { imei, action } => {
                if let Some(run) = &self.live {
                    let _ = run
                        .handle
                        .control()
                        .send(crate::live::Control::Command { imei, action });
                }
            }
            Command::SelectFrame(i) => self.select_frame(i),
            Command::MoveSelection(by) => self.move_selection(by, ctx),
            Command::SelectField(f) => self.selection.field = f,
            Command::HoverField(f) => self.selection.hovered_field = f,
            Command::SetFilter(text) => {
                self.filter_bar.text = text;
                self.apply_filter(ctx);
            }
            Command::ApplyFilter => self.apply_filter(ctx),
            Command::Open(inputs) => self.open(inputs, ctx),
            Command::OpenDialog => self.open_dialog(ctx),
            Command::CancelLoad => {
                if let Some(l) = &self.loader {
                    l.stop();
                    self.session.cancelled = true;
                }
            }
            Command::Copy(how) => {
                self.refresh_detail();
                if let Some(text) = self.copy_text(how) {
                    ctx.copy_text(text);
                }
            }
            Command::SetTheme(t) => self.settings.theme = t,
            Command::ClearRecent => self.settings.recent.clear(),
            Command::ShowTab(t) => self.settings.central = t,
            Command::ShowSide(t) => {
                self.settings.side_tab = t;
                self.settings.show_side = true;
            }
            Command::ToggleSide => self.settings.show_side = !self.settings.show_side,
            Command::FocusFilter => self.filter_bar.focus = true,
            Command::HoverTime { t, frame } => {
                self.selection.hovered_time = Some(t);
                self.selection.hovered_frame = frame;
            }
            Command::ToggleGeoPanel => self.settings.geo_panel = !self.settings.geo_panel,
            Command::SetTiles(t) => self.settings.tiles = t,
            Command::ToggleDevice(d) => {
                if !self.hidden.remove(&d) {
                    self.hidden.insert(d);
                }
            }
            Command::ShowAllDevices => self.hidden.clear(),
            Command::SetTracksFollowFilter(on) => self.set_tracks_follow_filter(on),
            Command::OpenPmTilesDialog => self.open_pmtiles_dialog(),
        }
    }

    /// Copies the session's findings as Markdown.
    fn copy_findings_markdown(&self, ctx: &egui::Context) {
        if let Some(stats) = &self.session.stats {
            let findings: Vec<_> = self.session.device_findings.iter().collect();
            let source = self.session.names.join(" ");
            ctx.copy_text(crate::export::markdown::findings(stats, &findings, &source));
        }
    }

    /// Selects frame `i` (a field selected in another frame is dropped) and scrolls the list
    /// to it.
    fn select_frame(&mut self, i: usize) {
        if self.selection.frame != Some(i) {
            self.selection.field = None;
        }
        self.selection.frame = Some(i);
        self.frame_list.scroll_to(i);
    }

    /// Opens `inputs`: map files become the map's tile source, the rest a new session.
    fn open(&mut self, inputs: Vec<Input>, ctx: &egui::Context) {
        let inputs = self.take_map_files(inputs);
        if !inputs.is_empty() {
            self.start_load(inputs, ctx);
        }
    }

    /// Makes the map and the plots follow the filter (`on`) or show every frame.
    fn set_tracks_follow_filter(&mut self, on: bool) {
        if self.settings.tracks_follow_filter != on {
            self.settings.tracks_follow_filter = on;
            self.tracks_generation += 1;
        }
    }

    /// Asks for a `.pmtiles` file and makes it the map's tile source.
    fn open_pmtiles_dialog(&mut self) {
        let file = rfd::FileDialog::new()
            .set_title("Open a map file")
            .add_filter("PMTiles (raster or vector)", &["pmtiles"])
            .pick_file();
        if let Some(f) = file {
            self.use_map_file(f);
        }
    }

    /// Moves the selection `by` rows in the list (from the first or last row when none is
    /// selected).
    fn move_selection(&mut self, by: i64, ctx: &egui::Context) {
        let total = self.read_store().len();
        let rows = self.visible.len(total);
        if rows == 0 {
            return;
        }
        let cur = self
            .selection
            .frame
            .and_then(|f| self.visible.row_of(f, total));
        let next = match cur {
            None if by < 0 => rows - 1,
            None => 0,
            Some(r) => {
                let r = i64::try_from(r).unwrap_or(0).saturating_add(by);
                usize::try_from(r.max(0)).unwrap_or(0).min(rows - 1)
            }
        };
        if let Some(f) = self.visible.frame(next, total) {
            self.apply(Command::SelectFrame(f), ctx);
        }
    }

    /// File > Open: captures, logs and map files chosen in the system's dialog.
    fn open_dialog(&mut self, ctx: &egui::Context) {
        let files = rfd::FileDialog::new()
            .set_title("Open captures or logs")
            .add_filter("Captures", &["pcap", "pcapng", "cap"])
            .add_filter("Logs", &["log", "txt"])
            .add_filter("Map files", &["pmtiles"])
            .add_filter("All files", &["*"])
            .pick_files();
        if let Some(files) = files {
            let inputs = files.into_iter().map(Input::Path).collect();
            self.apply(Command::Open(inputs), ctx);
        }
    }

    /// The selected frame as text, hex or JSON.
    pub fn copy_text(&self, how: CopyAs) -> Option<String> {
        let d = self.detail.as_ref()?;
        let store = self.read_store();
        let f = store.get(d.frame)?;
        let info = store.flow(f.flow());
        let meta = FlowMeta {
            id: f.flow(),
            transport: info.map_or("raw", |i| i.transport),
            device: info.and_then(|i| i.device),
            server: info.and_then(|i| i.server),
            certain: true,
            source: info.map_or(0, |i| i.source),
            hint: None,
            from_log: false,
        };
        let decoded = Decoded {
            index: d.frame as u64,
            ts: f.ts(),
            flow: &meta,
            direction: f.direction(),
            protocol: f.protocol(),
            bytes: &d.bytes,
            offset: 0,
            flags: FrameFlags {
                truncated: f.truncated(),
                ..FrameFlags::default()
            },
            message: d.message.clone(),
            device: d.message.imei,
            device_no: None,
            tree: Some(&d.tree),
        };
        Some(match how {
            CopyAs::Text => crate::present::frame_line(&decoded),
            CopyAs::Hex => crate::protocol::hex(&d.bytes),
            CopyAs::Json => crate::present::frame_json(&decoded).to_string(),
        })
    }
}

pub(super) fn apply_theme(ctx: &egui::Context, t: ThemeChoice) {
    ctx.set_theme(match t {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    });
}
