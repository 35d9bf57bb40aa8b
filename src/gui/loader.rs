//! The loader thread: runs the pipeline on the inputs and sends the frames to the window in
//! batches, with progress, the totals and the tracks at the end, and the one-line error of an
//! unreadable input. The tracks of the map and plots are built here from the decoded frames
//! rather than by the window from its store: the window's own feed would decode every frame a
//! second time, on the UI thread, a few milliseconds a frame (a 64 MiB capture took four times
//! as long to load that way).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use super::shared::start_worker;
use super::state::{LoadProgress, SessionFinding};
use crate::model::Stats;
use crate::model::store::{FrameStore, StoreBuilder};
use crate::model::tracks::TrackBuilder;
use crate::net::NetStats;
use crate::pipeline::{self, Input, Progress, RunOptions};

/// Frames per batch at most.
const BATCH: usize = 4096;
/// A batch is sent at least this often while frames come.
const TICK: Duration = Duration::from_millis(40);

/// What the loader sends.
pub enum LoadMsg {
    /// More frames.
    Batch(FrameStore),
    /// How far it is.
    Progress(LoadProgress),
    /// It ended.
    Done {
        /// Totals.
        stats: Box<Stats>,
        /// Device and session findings.
        findings: Vec<SessionFinding>,
        /// What the network layer counted.
        net: NetStats,
        /// The error that stopped it, if any.
        error: Option<String>,
        /// Every device's track, finished.
        tracks: Box<TrackBuilder>,
    },
}

/// A running load.
pub struct Loader {
    /// Messages from the thread.
    pub rx: Receiver<LoadMsg>,
    /// Set to stop.
    pub cancel: Arc<AtomicBool>,
    /// Set by the thread when it has sent everything.
    pub finished: Arc<AtomicBool>,
}

impl Loader {
    /// Starts loading `inputs`; `wake` is called whenever something was sent.
    pub fn start(inputs: Vec<Input>, wake: impl Fn() + Send + 'static) -> Self {
        let finished = Arc::new(AtomicBool::new(false));
        let f = Arc::clone(&finished);
        let (rx, cancel, spawned) = start_worker("bn407-loader", move |tx, c| {
            load(&inputs, &tx, c, &wake);
            f.store(true, Ordering::Release);
            wake();
        });
        if let Err(e) = spawned {
            let (tx2, rx2) = channel();
            let _ = tx2.send(LoadMsg::Done {
                stats: Box::default(),
                findings: Vec::new(),
                net: NetStats::default(),
                error: Some(format!("cannot start the loader: {e}")),
                tracks: Box::default(),
            });
            finished.store(true, Ordering::Release);
            return Self {
                rx: rx2,
                cancel,
                finished,
            };
        }
        Self {
            rx,
            cancel,
            finished,
        }
    }

    /// Asks the thread to stop (it sends what it has and ends).
    pub fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

fn load(inputs: &[Input], tx: &Sender<LoadMsg>, cancel: Arc<AtomicBool>, wake: &dyn Fn()) {
    // A capture still being written (a pipe, standard input): each frame is shown as soon as it
    // is decoded, since the next one may be minutes away.
    let stream = inputs
        .iter()
        .any(|i| matches!(i, Input::Path(p) if crate::capture::is_stream(p)));
    // Both the sink and the progress callback (called on the same thread, one after the other)
    // hand batches over.
    let builder = std::cell::RefCell::new(StoreBuilder::new());
    let mut stats = Stats::default();
    let mut tracks = TrackBuilder::new();
    let last = std::cell::Cell::new(Instant::now());
    let send = || {
        last.set(Instant::now());
        let batch = builder.borrow_mut().take();
        let _ = tx.send(LoadMsg::Batch(batch));
        wake();
    };
    let mut last_progress = Instant::now();
    let ptx = tx.clone();
    let mut progress = |p: Progress| {
        // After every few hundred packets: frames waiting for longer than a tick go now (the
        // sink itself does not read the clock, which costs as much as a frame's statistics).
        if last.get().elapsed() >= TICK && builder.borrow().pending() > 0 {
            send();
        }
        if last_progress.elapsed() >= TICK || p.bytes_total == Some(p.bytes_read) {
            last_progress = Instant::now();
            let _ = ptx.send(LoadMsg::Progress(LoadProgress {
                bytes_read: p.bytes_read,
                bytes_total: p.bytes_total,
                frames: p.frames,
            }));
        }
    };
    let mut opts = RunOptions {
        tree: false,
        server_ports: Vec::new(),
        cancel: Some(cancel),
        progress: Some(&mut progress),
        decoders: None,
    };
    let outcome = pipeline::run_all(inputs, &mut opts, &mut |d| {
        let pending = {
            let mut b = builder.borrow_mut();
            b.add(&d);
            b.pending()
        };
        stats.add(&d);
        tracks.add(&d);
        if stream || pending >= BATCH {
            send();
        }
    });
    drop(opts);
    if builder.borrow().pending() > 0 {
        send();
    }
    // A damaged input still has its flows: everything before the damage counts.
    let error = outcome.error.map(|e| e.to_string());
    stats.finish(outcome.flows);
    let findings = stats.diagnosis.clone();
    tracks.finish();
    let _ = tx.send(LoadMsg::Done {
        stats: Box::new(stats),
        findings,
        net: outcome.net,
        error,
        tracks: Box::new(tracks),
    });
    wake();
}
