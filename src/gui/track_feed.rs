//! Feeding tracks from the frame store a slice at a time, so that a million frames never
//! freeze the window: every frame for the map and plots of the whole capture, and, while a
//! filter is in force, the frames it keeps (the map and the plots show what the list shows).

use std::time::{Duration, Instant};

use crate::model::store::FrameStore;
use crate::model::tracks::TrackBuilder;

/// Time spent feeding tracks per UI frame at most (for each feed).
pub const TRACK_BUDGET: Duration = Duration::from_millis(8);

/// Adds stored frame `frame` (if there is one) to `tracks`.
pub fn add_frame(tracks: &mut TrackBuilder, store: &FrameStore, frame: usize) {
    if let Some(f) = store.get(frame) {
        let (message, bytes) = f.message_and_bytes();
        tracks.add_message(
            frame as u64,
            f.ts(),
            f.direction(),
            f.imei().copied(),
            &message,
            &bytes,
        );
    }
}

/// A track builder and how far it has been fed.
#[derive(Debug, Default)]
pub struct TrackFeed {
    /// The tracks built so far.
    pub tracks: TrackBuilder,
    /// Frames (or filter rows) fed so far.
    fed: usize,
    /// True once every frame is in and the tracks are finished.
    pub complete: bool,
}

impl TrackFeed {
    /// An empty feed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tracks built elsewhere (by the loader) from the first `fed` frames of the store.
    pub fn built(tracks: TrackBuilder, fed: usize) -> Self {
        Self {
            tracks,
            fed,
            complete: true,
        }
    }

    /// A feed with nothing to come (no session).
    pub fn finished() -> Self {
        Self {
            complete: true,
            ..Self::default()
        }
    }

    /// Feeds the frames stored since the last call (`rows: None`), or the filter's rows
    /// found since the last call, for at most [`TRACK_BUDGET`]. Once `all_in` (nothing more
    /// will come) and everything is fed, finishes the tracks. Returns true when more work is
    /// left for the next frame.
    pub fn feed(&mut self, store: &FrameStore, rows: Option<&[u32]>, all_in: bool) -> bool {
        let start = Instant::now();
        let total = rows.map_or(store.len(), <[u32]>::len);
        while self.fed < total {
            let end = (self.fed + 256).min(total);
            for i in self.fed..end {
                let frame = match rows {
                    None => i,
                    Some(r) => r.get(i).map_or(usize::MAX, |f| *f as usize),
                };
                add_frame(&mut self.tracks, store, frame);
            }
            self.fed = end;
            if start.elapsed() >= TRACK_BUDGET {
                break;
            }
        }
        if self.fed < total {
            return true;
        }
        if all_in && !self.complete {
            self.tracks.finish();
            self.complete = true;
        }
        false
    }
}
