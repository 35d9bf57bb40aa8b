//! The analyzer window: owns the session, the selection and the panels; drains the loader and
//! filter threads at the start of each frame, draws the panels, then applies their commands.
//!
//! Here the state and what tests and the panels read of it; [`sessions`] opens files, filters
//! and live mode and drains what their threads send, [`draw`] lays out the panels,
//! [`commands`] applies what the panels and the keyboard ask.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use eframe::egui::Ui;

use super::bytes_view::BytesView;
use super::compare::{CompareCommand, CompareView};
use super::conversation::ConversationView;
use super::export::ExportDialog;
use super::filter_bar::FilterBar;
use super::filter_job::FilterJob;
use super::frame_list::FrameList;
use super::live::LiveStatus;
use super::loader::Loader;
use super::map::MapView;
use super::menu::MenuBar;
use super::plots::PlotsView;
use super::side_panel::SidePanel;
use super::state::{
    Command, Detail, HiddenDevices, Selection, Session, Settings, ThemeChoice, Visible,
};
use super::status_bar::StatusBar;
use super::track_feed::TrackFeed;
use super::tree_view::TreeView;
use crate::model::filter;
use crate::model::store::FrameStore;
use crate::model::tracks::TrackBuilder;
use crate::pipeline::Input;

mod commands;
mod draw;
mod sessions;

use commands::apply_theme;
use sessions::LiveRun;

/// Key under which the settings are persisted.
pub const SETTINGS_KEY: &str = "bn407-settings";

/// The analyzer window's state.
pub struct AnalyzerApp {
    /// The frame-timing overlay (F12).
    frame_stats: super::frame_stats::FrameStats,
    settings: Settings,
    session: Session,
    store: Arc<RwLock<FrameStore>>,
    /// Frame bytes kept in memory before the store moves them to a temporary file.
    spill_after: usize,
    store_complete: Arc<AtomicBool>,
    loader: Option<Loader>,
    filter_job: Option<FilterJob>,
    visible: Visible,
    selection: Selection,
    detail: Option<Detail>,
    commands: Vec<Command>,
    pending_open: Vec<Input>,
    theme_applied: Option<ThemeChoice>,
    menu: MenuBar,
    filter_bar: FilterBar,
    frame_list: FrameList,
    tree_view: TreeView,
    bytes_view: BytesView,
    side: SidePanel,
    conversation: ConversationView,
    status: StatusBar,
    /// Every frame's tracks.
    tracks: TrackFeed,
    /// The tracks of the frames the filter keeps, while a filter is in force.
    filtered_tracks: Option<TrackFeed>,
    /// Devices hidden from the map and the plots.
    hidden: HiddenDevices,
    /// Bumped whenever the tracks the map and the plots show are replaced.
    tracks_generation: u64,
    /// Bumped with every new session.
    session_generation: u64,
    map: MapView,
    plots: PlotsView,
    /// The running live session, and what it said.
    live: Option<LiveRun>,
    live_status: Option<LiveStatus>,
    export: ExportDialog,
    compare: CompareView,
}

/// The tracks the map and the plots show: the filtered ones while a filter is in force and
/// they follow it, else every frame's.
fn shown_feed<'a>(
    all: &'a TrackFeed,
    filtered: Option<&'a TrackFeed>,
    follow_filter: bool,
) -> &'a TrackFeed {
    match filtered {
        Some(f) if follow_filter => f,
        _ => all,
    }
}

/// Frame bytes the window keeps in memory (about a 130 MiB capture's); past that the store moves
/// them to a temporary file and reads back those it shows (see [`crate::model::arena`]).
/// `BN407_SPILL_AFTER=N` sets it in bytes.
pub const SPILL_AFTER: usize = 64 << 20;

impl AnalyzerApp {
    /// Frame bytes kept in memory before the store spills them to a temporary file (for tests
    /// of large-capture behaviour on small captures); applies from the next file opened.
    pub fn set_spill_after(&mut self, bytes: usize) {
        self.spill_after = bytes;
    }

    /// A window with these settings that opens `files` on its first frame.
    pub fn new(settings: Settings, files: Vec<PathBuf>) -> Self {
        let pending_open = files.into_iter().map(Input::Path).collect();
        let spill_after = std::env::var("BN407_SPILL_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SPILL_AFTER);
        Self {
            frame_stats: Default::default(),
            settings,
            session: Session::default(),
            store: Arc::new(RwLock::new(FrameStore::spilling(spill_after))),
            spill_after,
            store_complete: Arc::new(AtomicBool::new(true)),
            loader: None,
            filter_job: None,
            visible: Visible::All,
            selection: Selection::default(),
            detail: None,
            commands: Vec::new(),
            pending_open,
            theme_applied: None,
            menu: MenuBar::default(),
            filter_bar: FilterBar::default(),
            frame_list: FrameList::default(),
            tree_view: TreeView::default(),
            bytes_view: BytesView::default(),
            side: SidePanel::default(),
            conversation: ConversationView::default(),
            status: StatusBar::default(),
            tracks: TrackFeed::finished(),
            filtered_tracks: None,
            hidden: HiddenDevices::new(),
            tracks_generation: 0,
            session_generation: 0,
            map: MapView::default(),
            plots: PlotsView::default(),
            live: None,
            live_status: None,
            export: ExportDialog::default(),
            compare: CompareView::default(),
        }
    }

    /// The window for eframe, with the persisted settings.
    pub fn from_creation(cc: &eframe::CreationContext<'_>, files: Vec<PathBuf>) -> Self {
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY))
            .unwrap_or_default();
        Self::new(settings, files)
    }

    /// Settings (recent files, theme, layout).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// The session (names, totals, error, progress).
    pub fn session(&self) -> &Session {
        &self.session
    }
    /// The selection.
    pub fn selection(&self) -> Selection {
        self.selection
    }
    /// The selected frame, decoded.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }
    /// Every device's track and series, as far as the frames were fed to them.
    pub fn tracks(&self) -> &TrackBuilder {
        &self.tracks.tracks
    }
    /// The tracks the map and the plots show: of the frames the filter keeps while a filter
    /// is in force (and the map follows it), else of every frame.
    pub fn shown_tracks(&self) -> &TrackBuilder {
        &shown_feed(
            &self.tracks,
            self.filtered_tracks.as_ref(),
            self.settings.tracks_follow_filter,
        )
        .tracks
    }
    /// The map's state.
    pub fn map(&self) -> &MapView {
        &self.map
    }
    /// The plots' state.
    pub fn plots(&self) -> &PlotsView {
        &self.plots
    }
    /// The series the plots show now, with their sample counts over the devices plotted (see
    /// [`PlotsView::series`]).
    pub fn plotted_series(&self) -> Vec<(crate::model::tracks::SeriesKind, usize)> {
        let selected = self
            .selection
            .frame
            .and_then(|f| self.with_store(|s| s.get(f).map(|f| f.imei().copied())));
        self.plots
            .series(self.shown_tracks(), selected, &self.hidden)
    }
    /// The live session's status, once one was started.
    pub fn live_status(&self) -> Option<&LiveStatus> {
        self.live_status.as_ref()
    }
    /// Compares `a` with `b` in the Compare tab (on the next frame).
    pub fn compare_with(&mut self, a: Vec<PathBuf>, b: Vec<PathBuf>) {
        use crate::model::diff::Which;
        for (w, files) in [(Which::A, a), (Which::B, b)] {
            let inputs = files.into_iter().map(Input::Path).collect();
            self.commands
                .push(Command::Compare(Box::new(CompareCommand::SetSide(
                    w, inputs,
                ))));
        }
        self.commands
            .push(Command::Compare(Box::new(CompareCommand::Run)));
    }
    /// The export dialog (its last outcome).
    pub fn export_dialog(&self) -> &ExportDialog {
        &self.export
    }
    /// The Compare tab (its comparison).
    pub fn compare_view(&self) -> &CompareView {
        &self.compare
    }

    /// True while something is running: inputs being read, tracks built, a filter, live mode.
    pub fn is_busy(&self) -> bool {
        self.loader.is_some()
            || self.live.is_some()
            || self.export.is_busy()
            || self.compare.is_busy()
            || !self.tracks.complete
            || self.filtered_tracks.as_ref().is_some_and(|f| !f.complete)
            || !self.pending_open.is_empty()
            || !self.filter_complete()
    }
    /// True when the list shows every row it will: no filter, or the filter has seen every
    /// frame (the map's and plots' tracks of the filtered frames may still be building).
    pub fn filter_complete(&self) -> bool {
        !matches!(self.visible, Visible::Some { done: false, .. })
    }
    /// Frames stored.
    pub fn frame_count(&self) -> usize {
        self.read_store().len()
    }
    /// Rows the list shows.
    pub fn row_count(&self) -> usize {
        let n = self.read_store().len();
        self.visible.len(n)
    }
    /// Frame number of list row `row`.
    pub fn row_frame(&self, row: usize) -> Option<usize> {
        let n = self.read_store().len();
        self.visible.frame(row, n)
    }
    /// The filter's error, if the expression is wrong.
    pub fn filter_error(&self) -> Option<&filter::FilterError> {
        self.filter_bar.error.as_ref()
    }
    /// The byte range the bytes view highlights (the selected field's span).
    pub fn highlighted_bytes(&self) -> Option<std::ops::Range<usize>> {
        let d = self.detail.as_ref()?;
        BytesView::highlight(d, self.selection.field)
    }
    /// Runs `f` on the frame store.
    pub fn with_store<R>(&self, f: impl FnOnce(&FrameStore) -> R) -> R {
        f(&self.read_store())
    }
    /// Queues a command, applied at the end of the next frame (what a panel would do).
    pub fn command(&mut self, c: Command) {
        self.commands.push(c);
    }
    /// Clicks byte `offset` of the selected frame in the bytes view.
    pub fn click_byte(&mut self, offset: usize) {
        if let Some(d) = &self.detail {
            self.commands
                .push(Command::SelectField(d.tree.node_at(offset)));
        }
    }

    fn read_store(&self) -> std::sync::RwLockReadGuard<'_, FrameStore> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Draws the whole window (what `eframe::App::ui` calls; tests call it too).
    pub fn ui(&mut self, ui: &mut Ui) {
        let started = std::time::Instant::now();
        let ctx = ui.ctx().clone();
        self.frame_stats.input(&ctx);
        if self.theme_applied != Some(self.settings.theme) {
            apply_theme(&ctx, self.settings.theme);
            self.theme_applied = Some(self.settings.theme);
        }
        if !self.pending_open.is_empty() {
            let inputs = std::mem::take(&mut self.pending_open);
            let inputs = self.take_map_files(inputs);
            if !inputs.is_empty() {
                self.start_load(inputs, &ctx);
            }
        }
        self.drain(&ctx);
        self.feed_tracks(&ctx);
        self.handle_input(&ctx);
        self.refresh_detail();
        self.draw(ui);
        self.selection.hovered_field = None;
        let cmds = std::mem::take(&mut self.commands);
        // The time cursor lasts while something is hovered.
        if !cmds.iter().any(|c| matches!(c, Command::HoverTime { .. })) {
            self.selection.hovered_time = None;
            self.selection.hovered_frame = None;
        }
        for c in cmds {
            self.apply(c, &ctx);
        }
        if self.is_busy() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.frame_stats.record(&ctx, started);
        self.frame_stats.show(&ctx);
    }

    /// The frame-timing overlay's text when it is on (F12), for tests and scripts.
    pub fn frame_stats(&self) -> Option<String> {
        self.frame_stats.shown().then(|| self.frame_stats.text())
    }
}

impl eframe::App for AnalyzerApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        AnalyzerApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
