//! Several sources merged into one stream in capture-time order.
//!
//! The rule: each source's own order is always kept; among the sources, the next item is the
//! one with the smallest sort time, ties going to the source listed first. An item's sort time
//! is its timestamp; an item without one sorts at the time of the last timestamped item of its
//! source, or before everything when its source has had none yet. So untimestamped items (raw
//! chunks, log lines without a time) stay right after what preceded them in their source, and
//! a source that has no times at all is delivered first, whole.

use super::{CaptureError, Item, Source};

/// One merged input with its look-ahead item.
struct Slot {
    source: Box<dyn Source>,
    pending: Item,
    has_pending: bool,
    done: bool,
    /// Sort time of the last timestamped item seen from this source.
    last: i64,
}

/// Several sources merged in capture-time order (see the module documentation for the rule).
pub struct Merged {
    slots: Vec<Slot>,
}

impl Merged {
    /// Merges `sources`; the index of a source in this list is what
    /// [`Merged::next_into`] reports.
    pub fn new(sources: Vec<Box<dyn Source>>) -> Self {
        let slots = sources
            .into_iter()
            .map(|source| Slot {
                source,
                pending: Item::new(),
                has_pending: false,
                done: false,
                last: i64::MIN,
            })
            .collect();
        Merged { slots }
    }

    /// Fills `item` with the next item of all sources and returns the index of its source, or
    /// `None` when every source has ended. An error ends only the source it came from (all of
    /// that source's items before the damage have been or will be delivered); call again to go
    /// on with the others.
    pub fn next_into(&mut self, item: &mut Item) -> Result<Option<usize>, CaptureError> {
        for slot in &mut self.slots {
            if slot.done || slot.has_pending {
                continue;
            }
            match slot.source.next_into(&mut slot.pending) {
                Ok(true) => {
                    slot.has_pending = true;
                    if let Some(ts) = slot.pending.ts {
                        slot.last = ts.0;
                    }
                }
                Ok(false) => slot.done = true,
                Err(e) => {
                    slot.done = true;
                    return Err(e);
                }
            }
        }
        let mut best: Option<(i64, usize)> = None;
        for (index, slot) in self.slots.iter().enumerate() {
            if !slot.has_pending {
                continue;
            }
            let key = slot.pending.ts.map_or(slot.last, |ts| ts.0);
            if best.is_none_or(|(k, _)| key < k) {
                best = Some((key, index));
            }
        }
        let Some((_, index)) = best else {
            return Ok(None);
        };
        let Some(slot) = self.slots.get_mut(index) else {
            return Ok(None);
        };
        std::mem::swap(item, &mut slot.pending);
        slot.has_pending = false;
        Ok(Some(index))
    }

    /// The merged sources, in the order given.
    pub fn sources(&self) -> impl Iterator<Item = &dyn Source> {
        self.slots.iter().map(|s| s.source.as_ref())
    }

    /// Bytes read from the sources' inputs and not consumed yet (see [`super::Position`]).
    pub fn buffered(&self) -> usize {
        self.slots
            .iter()
            .map(|s| s.source.position().buffered)
            .sum()
    }

    /// Bytes consumed from all sources so far.
    pub fn bytes_read(&self) -> u64 {
        self.slots.iter().map(|s| s.source.bytes_read()).sum()
    }

    /// Total size of all sources, when every size is known.
    pub fn total_bytes(&self) -> Option<u64> {
        self.slots.iter().map(|s| s.source.total_bytes()).sum()
    }
}
