//! The analyzer window: owns the session, the selection and the panels; drains the loader and
//! filter threads at the start of each frame, draws the panels, then applies their commands.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use eframe::egui::{self, Key, Modifiers, Ui};

use super::bytes_view::BytesView;
use super::conversation::ConversationView;
use super::filter_bar::FilterBar;
use super::filter_job::{FilterJob, FilterMsg};
use super::frame_list::FrameList;
use super::live::{LiveMsg, LiveStatus, WindowSink};
use super::loader::{LoadMsg, Loader};
use super::map::MapView;
use super::menu::MenuBar;
use super::plots::PlotsView;
use super::side_panel::SidePanel;
use super::state::{
    CentralTab, Command, CopyAs, Detail, HiddenDevices, LoadProgress, Selection, Session, Settings,
    ThemeChoice, TileSettings, View, Visible,
};
use super::status_bar::StatusBar;
use super::track_feed::TrackFeed;
use super::tree_view::TreeView;
use crate::model::filter;
use crate::model::store::FrameStore;
use crate::model::tracks::TrackBuilder;
use crate::pipeline::{Decoded, FlowMeta, Input};
use crate::protocol::{FrameFlags, Tree};

/// Key under which the settings are persisted.
pub const SETTINGS_KEY: &str = "bn407-settings";

/// The analyzer window's state.
pub struct AnalyzerApp {
    settings: Settings,
    session: Session,
    store: Arc<RwLock<FrameStore>>,
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
}

/// A live session the window started.
struct LiveRun {
    handle: crate::live::LiveHandle,
    rx: std::sync::mpsc::Receiver<LiveMsg>,
}

/// Takes one message of the live engine: frames into the store, the rest into the session and
/// the live status. Returns true when frames were added.
fn take_live(
    msg: LiveMsg,
    store: &RwLock<FrameStore>,
    session: &mut Session,
    status: &mut LiveStatus,
) -> bool {
    match msg {
        LiveMsg::Batch(b) => {
            let grew = !b.is_empty();
            store.write().unwrap_or_else(|e| e.into_inner()).append(b);
            return grew;
        }
        LiveMsg::Event(e) => status.take(e),
        LiveMsg::Tick(c, links) => {
            status.counters = c;
            status.links = links;
        }
        LiveMsg::Snapshot(stats, lists) => {
            session.device_findings = stats.diagnosis.clone();
            session.stats = Some(*stats);
            status.checklists = lists;
        }
    }
    false
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

impl AnalyzerApp {
    /// A window with these settings that opens `files` on its first frame.
    pub fn new(settings: Settings, files: Vec<PathBuf>) -> Self {
        let pending_open = files.into_iter().map(Input::Path).collect();
        Self {
            settings,
            session: Session::default(),
            store: Arc::new(RwLock::new(FrameStore::new())),
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
    /// The live session's status, once one was started.
    pub fn live_status(&self) -> Option<&LiveStatus> {
        self.live_status.as_ref()
    }

    /// True while something is running: inputs being read, tracks built, a filter, live mode.
    pub fn is_busy(&self) -> bool {
        self.loader.is_some()
            || self.live.is_some()
            || !self.tracks.complete
            || self.filtered_tracks.as_ref().is_some_and(|f| !f.complete)
            || !self.pending_open.is_empty()
            || matches!(self.visible, Visible::Some { done: false, .. })
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
        let ctx = ui.ctx().clone();
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
    }

    fn draw(&mut self, ui: &mut Ui) {
        let Self {
            settings,
            session,
            store,
            visible,
            selection,
            detail,
            commands,
            menu,
            filter_bar,
            frame_list,
            tree_view,
            bytes_view,
            side,
            conversation,
            status,
            tracks,
            filtered_tracks,
            hidden,
            tracks_generation,
            session_generation,
            map,
            plots,
            live_status,
            ..
        } = self;
        let store = store.read().unwrap_or_else(|e| e.into_inner());
        let filtered = settings.tracks_follow_filter && filtered_tracks.is_some();
        let shown = shown_feed(
            tracks,
            filtered_tracks.as_ref(),
            settings.tracks_follow_filter,
        );
        let mut view = View {
            store: &store,
            session,
            visible,
            selection,
            detail: detail.as_ref(),
            tracks: &shown.tracks,
            tracks_complete: shown.complete,
            all_tracks: &tracks.tracks,
            tracks_filtered: filtered,
            tracks_generation: *tracks_generation,
            session_generation: *session_generation,
            hidden,
            filter: "",
            live: live_status.as_ref(),
            commands,
        };
        view.filter = &session.filter;
        egui::Panel::top("menu").show(ui, |ui| menu.ui(ui, settings, &mut view));
        egui::Panel::top("filter").show(ui, |ui| {
            filter_bar.ui(ui, &settings.recent_filters, &mut view)
        });
        if super::banner::wanted(&view) {
            egui::Panel::top("banner").show(ui, |ui| super::banner::ui(ui, &mut view));
        }
        egui::Panel::bottom("status").show(ui, |ui| status.ui(ui, &mut view));
        if settings.show_side {
            egui::Panel::left("side")
                .resizable(true)
                .default_size(330.0)
                .show(ui, |ui| side.ui(ui, settings.side_tab, &mut view));
        }
        // Beside the list, the map and plots take the window's full height.
        let beside = settings.geo_panel
            && matches!(
                settings.central,
                CentralTab::Frames | CentralTab::Conversation
            );
        if beside {
            geo_panel(ui, plots, map, &mut view, &settings.tiles);
        }
        // The plots need the height more than the selected frame's fields.
        if settings.central != CentralTab::Plots {
            egui::Panel::bottom("details")
                .resizable(true)
                .default_size(340.0)
                .show(ui, |ui| {
                    // Wide enough for 16 bytes of hex and their ASCII.
                    let w = ui.available_width();
                    egui::Panel::right("bytes")
                        .resizable(true)
                        .min_size(200.0)
                        .default_size(620.0_f32.min(w * 0.6))
                        .show(ui, |ui| bytes_view.ui(ui, &mut view));
                    egui::CentralPanel::default().show(ui, |ui| tree_view.ui(ui, &mut view));
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            tab_bar(ui, settings.central, view.commands);
            ui.separator();
            match settings.central {
                CentralTab::Frames => frame_list.ui(ui, &mut view),
                CentralTab::Conversation => conversation.ui(ui, &mut view),
                CentralTab::Map => map.ui(ui, &mut view, &settings.tiles),
                CentralTab::Plots => plots.ui(ui, &mut view),
            }
        });
        drop_hint(ui);
    }

    fn drain(&mut self, ctx: &egui::Context) {
        let mut done = false;
        if let Some(l) = &self.loader {
            let ended = l.finished.load(Ordering::Acquire);
            while let Ok(msg) = l.rx.try_recv() {
                match msg {
                    LoadMsg::Batch(b) => {
                        let first = !b.is_empty()
                            && self.selection.frame.is_none()
                            && self.read_store().is_empty();
                        self.store
                            .write()
                            .unwrap_or_else(|e| e.into_inner())
                            .append(b);
                        if first {
                            // Show the first frame's fields as soon as it arrives.
                            self.selection.frame = Some(0);
                        }
                    }
                    LoadMsg::Progress(p) => self.session.loading = Some(p),
                    LoadMsg::Done {
                        stats,
                        findings,
                        net,
                        error,
                    } => {
                        self.session.stats = Some(*stats);
                        self.session.net = Some(net);
                        self.session.device_findings = findings;
                        self.session.error = error;
                        done = true;
                    }
                }
            }
            // A thread that ended without saying so (it cannot) must not keep us loading.
            done |= ended;
        }
        self.drain_live(ctx);
        if done {
            self.loader = None;
            self.session.loading = None;
            self.store_complete.store(true, Ordering::Release);
            ctx.request_repaint();
        }
        if let Some(job) = &self.filter_job {
            let mut finished = false;
            while let Ok(msg) = job.rx.try_recv() {
                match (msg, &mut self.visible) {
                    (FilterMsg::Rows(r), Visible::Some { rows, .. }) => rows.extend(r),
                    (FilterMsg::Done, Visible::Some { done, .. }) => {
                        *done = true;
                        finished = true;
                    }
                    _ => {}
                }
            }
            if finished {
                self.filter_job = None;
            }
        }
    }

    /// Takes what the live engine sent: frames into the store, counters, findings, checklists.
    fn drain_live(&mut self, ctx: &egui::Context) {
        let Some(run) = &self.live else { return };
        let status = self.live_status.get_or_insert_with(LiveStatus::default);
        let mut grew = false;
        while let Ok(msg) = run.rx.try_recv() {
            grew |= take_live(msg, &self.store, &mut self.session, status);
        }
        if grew {
            // The list follows the newest frame unless the user selected another one.
            let n = self.read_store().len();
            let following = self
                .selection
                .frame
                .is_none_or(|f| f + 2 >= n.saturating_sub(1));
            if following && n > 0 && self.session.filter.is_empty() {
                self.selection.frame = Some(n - 1);
                self.frame_list.scroll_to(n - 1);
            }
            ctx.request_repaint();
        }
    }

    /// Starts `session` afresh: an empty store, no selection, no tracks; the map and plots
    /// start over.
    fn new_session(&mut self, session: Session) {
        self.session = session;
        self.store = Arc::new(RwLock::new(FrameStore::new()));
        self.store_complete = Arc::new(AtomicBool::new(false));
        self.selection = Selection::default();
        self.detail = None;
        self.tracks = TrackFeed::new();
        self.filtered_tracks = None;
        self.tracks_generation += 1;
        self.session_generation += 1;
    }

    /// Starts live mode: a new session fed by the engine.
    fn start_live(&mut self, cfg: crate::live::LiveConfig, ctx: &egui::Context) {
        self.stop_live();
        if let Some(l) = self.loader.take() {
            l.stop();
        }
        self.filter_job = None;
        self.new_session(Session {
            names: vec![format!("live on port {}", cfg.port)],
            ..Session::default()
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let wake = ctx.clone();
        let sink = WindowSink::new(tx, move || wake.request_repaint());
        let mut status = LiveStatus {
            mode: Some(cfg.mode.clone()),
            recording: cfg.record.as_ref().map(|r| r.path.clone()),
            ..LiveStatus::default()
        };
        match crate::live::start(cfg, Box::new(sink)) {
            Ok(handle) => {
                status.running = true;
                status.started = Some(std::time::Instant::now());
                self.live = Some(LiveRun { handle, rx });
            }
            Err(e) => status.error = Some(e.to_string()),
        }
        self.live_status = Some(status);
        self.apply_filter(ctx);
    }

    /// Stops live mode; the frames stay.
    fn stop_live(&mut self) {
        let Some(run) = self.live.take() else { return };
        let LiveRun { handle, rx } = run;
        let result = handle.stop();
        let status = self.live_status.get_or_insert_with(LiveStatus::default);
        for msg in rx.try_iter() {
            take_live(msg, &self.store, &mut self.session, status);
        }
        status.running = false;
        if let Err(e) = result {
            status.error = Some(e);
        }
        self.store_complete.store(true, Ordering::Release);
    }

    /// Feeds the frames stored since the last call to the tracks (and the filter's new rows to
    /// the filtered tracks), a time budget each; finishes them once every frame is in.
    fn feed_tracks(&mut self, ctx: &egui::Context) {
        let store = self.store.read().unwrap_or_else(|e| e.into_inner());
        let mut more = self.tracks.feed(&store, None, self.loader.is_none());
        if let (Some(f), Visible::Some { rows, done }) = (&mut self.filtered_tracks, &self.visible)
        {
            more |= f.feed(&store, Some(rows), *done && self.tracks.complete);
        }
        drop(store);
        if more {
            ctx.request_repaint();
        }
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
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
            self.commands.push(Command::Open(inputs));
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

    fn refresh_detail(&mut self) {
        let want = self.selection.frame;
        if self.detail.as_ref().map(|d| d.frame) == want {
            return;
        }
        self.detail = want.and_then(|i| {
            let store = self.store.read().unwrap_or_else(|e| e.into_inner());
            let f = store.get(i)?;
            let mut tree = Tree::default();
            let message = f.decode(&mut tree);
            Some(Detail {
                frame: i,
                bytes: f.bytes().to_vec(),
                message,
                tree,
                protocol: f.protocol(),
            })
        });
    }

    fn start_load(&mut self, inputs: Vec<Input>, ctx: &egui::Context) {
        self.stop_live();
        if let Some(l) = self.loader.take() {
            l.stop();
        }
        self.filter_job = None;
        for i in &inputs {
            if let Input::Path(p) = i {
                let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                self.settings.remember(p);
            }
        }
        self.new_session(Session {
            names: inputs.iter().map(Input::name).collect(),
            loading: Some(LoadProgress::default()),
            ..Session::default()
        });
        let title = match self.session.names.as_slice() {
            [one] => format!("{one} - BN-407 Analyzer"),
            many => format!("{} files - BN-407 Analyzer", many.len()),
        };
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        let wake_ctx = ctx.clone();
        self.loader = Some(Loader::start(inputs, move || wake_ctx.request_repaint()));
        self.apply_filter(ctx);
    }

    /// Shows the map over the `.pmtiles` file `path`, read anew (it may have changed on disk).
    fn use_map_file(&mut self, path: PathBuf) {
        self.settings.tiles.pmtiles = Some(path);
        self.settings.central = CentralTab::Map;
        self.map.reload_tiles();
    }

    /// Map files (`.pmtiles`) among opened or dropped files become the map's tile source (and
    /// the map is shown); the other inputs are returned to be loaded.
    fn take_map_files(&mut self, inputs: Vec<Input>) -> Vec<Input> {
        inputs
            .into_iter()
            .filter(|i| match i {
                Input::Path(p)
                    if p.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("pmtiles")) =>
                {
                    self.use_map_file(p.clone());
                    false
                }
                _ => true,
            })
            .collect()
    }

    fn apply_filter(&mut self, ctx: &egui::Context) {
        match filter::parse(&self.filter_bar.text) {
            Err(e) => {
                // The filter in force stays (its job goes on, if it was still running).
                self.filter_bar.error = Some(e);
                if self.filter_job.is_none()
                    && let Visible::Some { done, .. } = &mut self.visible
                {
                    *done = true;
                }
            }
            Ok(None) => {
                self.filter_job = None;
                self.session.filter.clear();
                self.filter_bar.error = None;
                self.visible = Visible::All;
                if self.filtered_tracks.take().is_some() {
                    self.tracks_generation += 1;
                }
                self.frame_list.scroll_to(self.selection.frame.unwrap_or(0));
            }
            Ok(Some(f)) => {
                self.session.filter = self.filter_bar.text.trim().to_string();
                self.filter_bar.error = None;
                self.filter_bar.remember(&mut self.settings);
                self.visible = Visible::Some {
                    rows: Vec::new(),
                    done: false,
                };
                self.filtered_tracks = Some(TrackFeed::new());
                self.tracks_generation += 1;
                self.frame_list.scroll_to(self.selection.frame.unwrap_or(0));
                let wake_ctx = ctx.clone();
                self.filter_job = Some(FilterJob::start(
                    f,
                    Arc::clone(&self.store),
                    Arc::clone(&self.store_complete),
                    move || wake_ctx.request_repaint(),
                ));
            }
        }
    }

    fn apply(&mut self, c: Command, ctx: &egui::Context) {
        match c {
            Command::StartLive(cfg) => {
                self.settings.show_side = true;
                self.settings.side_tab = super::state::SideTab::Live;
                self.start_live(*cfg, ctx);
            }
            Command::StopLive => self.stop_live(),
            Command::LiveCommand { imei, action } => {
                if let Some(run) = &self.live {
                    let _ = run
                        .handle
                        .control()
                        .send(crate::live::Control::Command { imei, action });
                }
            }
            Command::SelectFrame(i) => {
                if self.selection.frame != Some(i) {
                    self.selection.field = None;
                }
                self.selection.frame = Some(i);
                self.frame_list.scroll_to(i);
            }
            Command::MoveSelection(by) => {
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
            Command::SelectField(f) => self.selection.field = f,
            Command::HoverField(f) => self.selection.hovered_field = f,
            Command::SetFilter(text) => {
                self.filter_bar.text = text;
                self.apply_filter(ctx);
            }
            Command::ApplyFilter => self.apply_filter(ctx),
            Command::Open(inputs) => {
                let inputs = self.take_map_files(inputs);
                if !inputs.is_empty() {
                    self.start_load(inputs, ctx);
                }
            }
            Command::OpenDialog => {
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
            Command::SetTracksFollowFilter(on) => {
                if self.settings.tracks_follow_filter != on {
                    self.settings.tracks_follow_filter = on;
                    self.tracks_generation += 1;
                }
            }
            Command::OpenPmTilesDialog => {
                let file = rfd::FileDialog::new()
                    .set_title("Open a map file")
                    .add_filter("PMTiles (raster or vector)", &["pmtiles"])
                    .pick_file();
                if let Some(f) = file {
                    self.use_map_file(f);
                }
            }
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
            tree: Some(&d.tree),
        };
        Some(match how {
            CopyAs::Text => crate::present::frame_line(&decoded),
            CopyAs::Hex => crate::protocol::hex(&d.bytes),
            CopyAs::Json => crate::present::frame_json(&decoded).to_string(),
        })
    }
}

fn apply_theme(ctx: &egui::Context, t: ThemeChoice) {
    ctx.set_theme(match t {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    });
}

impl eframe::App for AnalyzerApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        AnalyzerApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

/// The tabs of the central panel.
fn tab_bar(ui: &mut Ui, current: CentralTab, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        for (tab, label) in [
            (CentralTab::Frames, "Frames"),
            (CentralTab::Conversation, "Conversation"),
            (CentralTab::Map, "Map"),
            (CentralTab::Plots, "Plots"),
        ] {
            if ui.selectable_label(current == tab, label).clicked() {
                commands.push(Command::ShowTab(tab));
            }
        }
    });
}

/// The map over the plots, on the right beside the list.
fn geo_panel(
    ui: &mut Ui,
    plots: &mut PlotsView,
    map: &mut MapView,
    view: &mut View<'_>,
    tiles: &TileSettings,
) {
    egui::Panel::right("geo")
        .resizable(true)
        .default_size(560.0)
        .show(ui, |ui| {
            let h = ui.available_height();
            egui::Panel::bottom("geo-plots")
                .resizable(true)
                .default_size(h * 0.45)
                .show(ui, |ui| plots.ui(ui, view));
            egui::CentralPanel::default().show(ui, |ui| map.ui(ui, view, tiles));
        });
}

/// While files are dragged over the window: a veil saying they can be dropped.
fn drop_hint(ui: &mut Ui) {
    ui.ctx().input(|i| {
        if !i.raw.hovered_files.is_empty() {
            let painter = ui.ctx().layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("bn407-drop"),
            ));
            let rect = ui.ctx().content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop captures or logs to open them",
                egui::FontId::proportional(24.0),
                egui::Color32::WHITE,
            );
        }
    });
}
