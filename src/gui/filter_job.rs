//! The filter thread: evaluates a filter over the stored frames in chunks, off the UI thread,
//! and keeps up with frames that arrive while loading. On a capture already loaded it also
//! builds the map's and plots' tracks of the frames it keeps, beside the rows (millions of
//! rows would take the UI thread seconds of 8 ms slices); while frames still arrive (loading,
//! live) the window feeds those tracks itself, as the rows come.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::shared::start_worker;
use super::track_feed::add_frame;
use crate::model::filter::{Filter, Matcher};
use crate::model::store::FrameStore;
use crate::model::tracks::TrackBuilder;

/// Frames evaluated per lock of the store (fewer when each frame is decoded again).
const CHUNK: usize = 32 * 1024;
/// Frames evaluated per lock when the filter decodes trees.
const TREE_CHUNK: usize = 4 * 1024;

/// What the filter thread sends.
pub enum FilterMsg {
    /// Matching frame numbers, in order, after those sent before.
    Rows(Vec<u32>),
    /// The finished tracks of every matching frame (only when [`FilterJob::builds_tracks`]),
    /// after [`FilterMsg::Done`].
    Tracks(Box<TrackBuilder>),
    /// Every frame has been seen (and loading has finished).
    Done,
}

/// A running filter.
pub struct FilterJob {
    /// Messages from the thread.
    pub rx: Receiver<FilterMsg>,
    /// The thread builds the tracks of the matching frames (the capture was loaded when the
    /// filter started) and sends them.
    pub builds_tracks: bool,
    cancel: Arc<AtomicBool>,
}

impl FilterJob {
    /// Starts filtering `store`; `loading_done` tells when no frame will be added any more.
    pub fn start(
        filter: Filter,
        store: Arc<RwLock<FrameStore>>,
        loading_done: Arc<AtomicBool>,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let builds_tracks = loading_done.load(Ordering::Acquire);
        // When the thread cannot start, the receiver is disconnected: the list sees no rows.
        let (rx, cancel, _) = start_worker("bn407-filter", move |tx, c| {
            // The rows found, kept for building their tracks once the list is complete.
            let mut kept: Vec<u32> = Vec::new();
            let chunk = if filter.needs_tree() {
                TREE_CHUNK
            } else {
                CHUNK
            };
            let mut m = Matcher::new(filter);
            let mut next = 0usize;
            loop {
                if c.load(Ordering::Relaxed) {
                    return;
                }
                // Read the flag before the length: frames added before it was set are seen.
                let done = loading_done.load(Ordering::Acquire);
                let mut rows = Vec::new();
                let len = {
                    let s = store.read().unwrap_or_else(|e| e.into_inner());
                    let end = s.len().min(next + chunk);
                    for i in next..end {
                        if let Some(f) = s.get(i)
                            && m.matches(&f)
                        {
                            rows.push(u32::try_from(i).unwrap_or(u32::MAX));
                        }
                    }
                    next = end;
                    s.len()
                };
                if !rows.is_empty() {
                    if builds_tracks {
                        kept.extend_from_slice(&rows);
                    }
                    if tx.send(FilterMsg::Rows(rows)).is_err() {
                        return;
                    }
                    wake();
                }
                if next >= len {
                    if done {
                        let _ = tx.send(FilterMsg::Done);
                        wake();
                        if builds_tracks && let Some(t) = tracks_of(&kept, &store, &c) {
                            let _ = tx.send(FilterMsg::Tracks(Box::new(t)));
                            wake();
                        }
                        return;
                    }
                    wake();
                    std::thread::sleep(Duration::from_millis(30));
                }
            }
        });
        Self {
            rx,
            builds_tracks,
            cancel,
        }
    }
}

/// The finished tracks of stored frames `rows`, the store read a chunk at a time; `None` when
/// cancelled.
fn tracks_of(
    rows: &[u32],
    store: &RwLock<FrameStore>,
    cancel: &AtomicBool,
) -> Option<TrackBuilder> {
    let mut tracks = TrackBuilder::new();
    for part in rows.chunks(CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let s = store.read().unwrap_or_else(|e| e.into_inner());
        for &frame in part {
            add_frame(&mut tracks, &s, frame as usize);
        }
    }
    tracks.finish();
    Some(tracks)
}

impl Drop for FilterJob {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
