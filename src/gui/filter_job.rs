//! The filter thread: evaluates a filter over the stored frames in chunks, off the UI thread,
//! and keeps up with frames that arrive while loading.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::shared::start_worker;
use crate::model::filter::{Filter, Matcher};
use crate::model::store::FrameStore;

/// Frames evaluated per lock of the store (fewer when each frame is decoded again).
const CHUNK: usize = 32 * 1024;
/// Frames evaluated per lock when the filter decodes trees.
const TREE_CHUNK: usize = 4 * 1024;

/// What the filter thread sends.
pub enum FilterMsg {
    /// Matching frame numbers, in order, after those sent before.
    Rows(Vec<u32>),
    /// Every frame has been seen (and loading has finished).
    Done,
}

/// A running filter.
pub struct FilterJob {
    /// Messages from the thread.
    pub rx: Receiver<FilterMsg>,
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
        // When the thread cannot start, the receiver is disconnected: the list sees no rows.
        let (rx, cancel, _) = start_worker("bn407-filter", move |tx, c| {
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
                    if tx.send(FilterMsg::Rows(rows)).is_err() {
                        return;
                    }
                    wake();
                }
                if next >= len {
                    if done {
                        let _ = tx.send(FilterMsg::Done);
                        wake();
                        return;
                    }
                    wake();
                    std::thread::sleep(Duration::from_millis(30));
                }
            }
        });
        Self { rx, cancel }
    }
}

impl Drop for FilterJob {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
