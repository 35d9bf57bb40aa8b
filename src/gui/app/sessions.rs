//! Sessions: opening files and filters in their threads, live mode, and draining what they
//! send at the start of each frame into the store, the session, the tracks and the detail.

use super::AnalyzerApp;
use crate::gui::filter_job::{FilterJob, FilterMsg};
use crate::gui::live::{LiveMsg, LiveStatus, WindowSink};
use crate::gui::loader::{LoadMsg, Loader};
use crate::gui::state::{CentralTab, Detail, LoadProgress, Selection, Session, Visible};
use crate::gui::track_feed::TrackFeed;
use crate::model::filter;
use crate::model::store::FrameStore;
use crate::pipeline::Input;
use crate::protocol::Tree;
use eframe::egui;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A live session the window started.
pub(super) struct LiveRun {
    pub(super) handle: crate::live::LiveHandle,
    pub(super) rx: std::sync::mpsc::Receiver<LiveMsg>,
}

/// Takes one message of the live engine: frames into the store, the rest into the session and
/// the live status. Returns true when frames were added.
pub(super) fn take_live(
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

impl AnalyzerApp {
    pub(super) fn drain(&mut self, ctx: &egui::Context) {
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
                        tracks,
                    } => {
                        let fed = self.read_store().len();
                        self.tracks = TrackFeed::built(*tracks, fed);
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
                    (FilterMsg::Tracks(t), Visible::Some { rows, .. }) => {
                        self.filtered_tracks = Some(TrackFeed::built(*t, rows.len()));
                        self.tracks_generation += 1;
                        finished = true;
                    }
                    (FilterMsg::Done, Visible::Some { done, .. }) => {
                        *done = true;
                        // The tracks follow when the thread builds them.
                        finished = !job.builds_tracks;
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
    pub(super) fn drain_live(&mut self, ctx: &egui::Context) {
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
    pub(super) fn new_session(&mut self, session: Session) {
        self.session = session;
        self.store = Arc::new(RwLock::new(FrameStore::spilling(self.spill_after)));
        self.store_complete = Arc::new(AtomicBool::new(false));
        self.selection = Selection::default();
        self.detail = None;
        self.tracks = TrackFeed::new();
        self.filtered_tracks = None;
        self.tracks_generation += 1;
        self.session_generation += 1;
    }

    /// Starts live mode: a new session fed by the engine.
    pub(super) fn start_live(&mut self, cfg: crate::live::LiveConfig, ctx: &egui::Context) {
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
    pub(super) fn stop_live(&mut self) {
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
    pub(super) fn feed_tracks(&mut self, ctx: &egui::Context) {
        let store = self.store.read().unwrap_or_else(|e| e.into_inner());
        // A file's tracks come from the loader when it ends; live frames are fed from the store.
        let mut more = self.loader.is_none() && self.tracks.feed(&store, None, true);
        // The filter thread builds them on a loaded capture; else they are fed here.
        let by_thread = self.filter_job.as_ref().is_some_and(|j| j.builds_tracks);
        if let (Some(f), Visible::Some { rows, done }, false) =
            (&mut self.filtered_tracks, &self.visible, by_thread)
        {
            more |= f.feed(&store, Some(rows), *done && self.tracks.complete);
        }
        drop(store);
        if more {
            ctx.request_repaint();
        }
    }

    pub(super) fn refresh_detail(&mut self) {
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

    pub(super) fn start_load(&mut self, inputs: Vec<Input>, ctx: &egui::Context) {
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
            inputs: inputs.clone(),
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
    pub(super) fn use_map_file(&mut self, path: PathBuf) {
        self.settings.tiles.pmtiles = Some(path);
        self.settings.central = CentralTab::Map;
        self.map.reload_tiles();
    }

    /// Map files (`.pmtiles`) among opened or dropped files become the map's tile source (and
    /// the map is shown); the other inputs are returned to be loaded.
    pub(super) fn take_map_files(&mut self, inputs: Vec<Input>) -> Vec<Input> {
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

    pub(super) fn apply_filter(&mut self, ctx: &egui::Context) {
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
}
