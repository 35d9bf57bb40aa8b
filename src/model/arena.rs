//! The bytes of every stored frame, back to back: in memory, or, past a threshold, in a
//! temporary file read back on demand.
//!
//! A frame's bytes are needed again only for the frames on screen, the selected frame's tree, a
//! filter on the text or fields, and rebuilding tracks: everything else reads the store's
//! records. So a large capture's frame bytes (about half of the window's memory for a fleet
//! capture) need not stay in memory. They cannot be read back from the capture itself: a frame
//! is reassembled from TCP segments that are not contiguous in the file, and a stream or a live
//! run has no file. Past [`Arena::spilling`]'s threshold the arena therefore writes what it
//! holds to a temporary file (in `TMPDIR`, removed at once where the system allows, else when the
//! arena is dropped) and keeps only the newest bytes in memory; reads go through a small cache
//! of file blocks, so a filter or a track rebuild that walks the frames in order reads each
//! block once. The operating system keeps the file in its page cache while memory allows and
//! drops it under pressure, which memory of the process cannot do.
//!
//! Writing is all-or-nothing: a spill that fails (a full disk) keeps the bytes in memory and
//! stops spilling, so no frame is lost; a read that fails gives an empty frame and says so once
//! on standard error. Written by hand: a memory-mapped file would need `unsafe` (forbidden in
//! this crate), and a general cache crate would not know that reads come in runs.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Once spilling, bytes gathered in memory before they are written (at frame ends).
const CHUNK: usize = 4 << 20;
/// Bytes read from the file at once, and the unit of the cache.
const BLOCK: u64 = 1 << 20;
/// Blocks kept (the window's list, its filter thread and a track rebuild read at once).
const BLOCKS: usize = 4;

/// Frame bytes, in memory or partly in a temporary file.
#[derive(Debug, Default)]
pub struct Arena {
    /// Bytes after the spilled ones (all of them while nothing is spilled).
    mem: Vec<u8>,
    /// Bytes in the file: the arena's first `spilled` bytes.
    spilled: u64,
    file: Option<Arc<Spill>>,
    /// Spill once more than this many bytes are held (then every [`CHUNK`]); `None`: never.
    threshold: Option<usize>,
}

/// The temporary file and its read cache.
#[derive(Debug)]
struct Spill {
    path: PathBuf,
    /// Whether the file is still to be removed (it could not be while open).
    remove_on_drop: bool,
    inner: Mutex<SpillInner>,
}

#[derive(Debug)]
struct SpillInner {
    file: File,
    /// `(first byte, bytes, last use)` of each cached block.
    blocks: Vec<(u64, Vec<u8>, u64)>,
    clock: u64,
    read_failed: bool,
}

impl Drop for Spill {
    fn drop(&mut self) {
        if self.remove_on_drop {
            // Nothing more can be done about a file that cannot be removed.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Clone for Arena {
    /// A copy that reads the same file and never writes to it (its new bytes stay in memory).
    fn clone(&self) -> Self {
        Self {
            mem: self.mem.clone(),
            spilled: self.spilled,
            file: self.file.clone(),
            threshold: None,
        }
    }
}

impl Arena {
    /// An arena kept in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// An arena that moves its bytes to a temporary file once it holds more than `threshold`
    /// bytes, and then every few megabytes.
    pub fn spilling(threshold: usize) -> Self {
        Self {
            threshold: Some(threshold),
            ..Self::default()
        }
    }

    /// Total bytes held.
    pub fn len(&self) -> u64 {
        self.spilled + self.mem.len() as u64
    }

    /// True when no byte is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held in the file.
    pub fn spilled(&self) -> u64 {
        self.spilled
    }

    /// Adds `bytes` at the end; returns where they start. Call [`Arena::settle`] at a frame's
    /// end (a spill never cuts a frame).
    pub fn push(&mut self, bytes: &[u8]) -> u64 {
        let at = self.len();
        self.mem.extend_from_slice(bytes);
        at
    }

    /// Spills what is in memory if it is over the threshold.
    pub fn settle(&mut self) {
        let limit = if self.spilled == 0 {
            self.threshold
        } else {
            self.threshold.map(|t| t.min(CHUNK))
        };
        if limit.is_some_and(|t| self.mem.len() > t) {
            self.spill();
        }
    }

    /// Moves the bytes of `other` to the end of this arena; returns where they start.
    pub fn append(&mut self, other: Arena) -> u64 {
        let at = self.push(&other.get(0, other.spilled));
        self.push(&other.mem);
        self.settle();
        at
    }

    fn spill(&mut self) {
        if self.file.is_none() {
            match create_spill() {
                Ok(s) => self.file = Some(Arc::new(s)),
                Err(e) => return self.give_up(&e),
            }
        }
        let Some(spill) = &self.file else { return };
        let written = {
            let mut inner = spill.inner.lock().unwrap_or_else(|e| e.into_inner());
            let w = inner
                .file
                .seek(SeekFrom::Start(self.spilled))
                .and_then(|_| inner.file.write_all(&self.mem));
            // A block read while it was the file's short last one now has more bytes.
            inner.blocks.retain(|b| b.1.len() as u64 == BLOCK);
            w
        };
        match written {
            Ok(()) => {
                self.spilled += self.mem.len() as u64;
                self.mem.clear();
            }
            Err(e) => self.give_up(&e),
        }
    }

    fn give_up(&mut self, e: &std::io::Error) {
        let place = self
            .file
            .as_ref()
            .map_or_else(std::env::temp_dir, |s| s.path.clone());
        eprintln!(
            "bn407: cannot write frame bytes to {}: {e}; keeping them in memory",
            place.display()
        );
        self.threshold = None;
    }

    /// Bytes `start..end` (empty when out of range).
    pub fn get(&self, start: u64, end: u64) -> Cow<'_, [u8]> {
        if end < start || end > self.len() {
            return Cow::Borrowed(&[]);
        }
        if start >= self.spilled {
            let (Ok(a), Ok(b)) = (
                usize::try_from(start - self.spilled),
                usize::try_from(end - self.spilled),
            ) else {
                return Cow::Borrowed(&[]);
            };
            return Cow::Borrowed(self.mem.get(a..b).unwrap_or(&[]));
        }
        match &self.file {
            Some(spill) if end <= self.spilled => Cow::Owned(spill.read(start, end)),
            _ => Cow::Borrowed(&[]),
        }
    }
}

impl Spill {
    /// Bytes `start..end` of the file, through the block cache.
    fn read(&self, start: u64, end: u64) -> Vec<u8> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let first = start - start % BLOCK;
        let mut out = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
        let mut block = first;
        while block < end {
            let Some(bytes) = inner.block(block) else {
                inner.failed_once(&self.path);
                return Vec::new();
            };
            let from = usize::try_from(start.max(block) - block).unwrap_or(usize::MAX);
            let to = usize::try_from(end.min(block + BLOCK) - block).unwrap_or(usize::MAX);
            match bytes.get(from..to) {
                Some(b) => out.extend_from_slice(b),
                None => {
                    inner.failed_once(&self.path);
                    return Vec::new();
                }
            }
            block += BLOCK;
        }
        out
    }
}

impl SpillInner {
    /// Says once on standard error that bytes could not be read back.
    fn failed_once(&mut self, path: &std::path::Path) {
        if !self.read_failed {
            self.read_failed = true;
            eprintln!(
                "bn407: cannot read frame bytes back from {}",
                path.display()
            );
        }
    }

    /// The cached block starting at `at`, read if it is not cached (the least recently used
    /// one is replaced).
    fn block(&mut self, at: u64) -> Option<&[u8]> {
        self.clock += 1;
        let clock = self.clock;
        let i = match self.blocks.iter().position(|b| b.0 == at) {
            Some(i) => i,
            None => {
                let mut bytes = Vec::with_capacity(BLOCK as usize);
                self.file.seek(SeekFrom::Start(at)).ok()?;
                (&mut self.file).take(BLOCK).read_to_end(&mut bytes).ok()?;
                if self.blocks.len() < BLOCKS {
                    self.blocks.push((at, bytes, clock));
                    self.blocks.len() - 1
                } else {
                    let oldest = (0..self.blocks.len())
                        .min_by_key(|&i| self.blocks.get(i).map_or(0, |b| b.2))?;
                    *self.blocks.get_mut(oldest)? = (at, bytes, clock);
                    oldest
                }
            }
        };
        let b = self.blocks.get_mut(i)?;
        b.2 = clock;
        Some(&b.1)
    }
}

/// A new temporary file for frame bytes, removed at once where the system allows.
fn create_spill() -> std::io::Result<Spill> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let mut tries = 0;
    let (path, file) = loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("bn407-frames-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => break (path, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => return Err(e),
        }
    };
    // On Unix an open file outlives its name: nothing is left behind even after a crash.
    let remove_on_drop = std::fs::remove_file(&path).is_err();
    Ok(Spill {
        path,
        remove_on_drop,
        inner: Mutex::new(SpillInner {
            file,
            blocks: Vec::new(),
            clock: 0,
            read_failed: false,
        }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Frames of varied sizes, some longer than a block.
    fn frames() -> Vec<Vec<u8>> {
        (0..600u32)
            .map(|i| {
                let len = if i % 97 == 0 {
                    1_500_000
                } else {
                    (i * 37 % 300) as usize
                };
                (0..len).map(|j| (i as usize * 31 + j) as u8).collect()
            })
            .collect()
    }

    #[test]
    fn spilled_bytes_read_back_as_written() {
        for threshold in [None, Some(0), Some(5_000), Some(3_000_000)] {
            let mut a = threshold.map_or_else(Arena::new, Arena::spilling);
            let mut at = Vec::new();
            for f in frames() {
                at.push(a.push(&f));
                a.settle();
            }
            if threshold.is_some() {
                assert!(a.spilled() > 0, "{threshold:?}");
            } else {
                assert_eq!(a.spilled(), 0);
            }
            let frames = frames();
            let end = |i: usize| at.get(i + 1).copied().unwrap_or(a.len());
            // In order, backwards (every read a cache miss at first), and from a copy.
            for i in (0..frames.len()).chain((0..frames.len()).rev()) {
                assert_eq!(&*a.get(at[i], end(i)), &frames[i][..], "frame {i}");
            }
            let copy = a.clone();
            assert_eq!(&*copy.get(at[5], end(5)), &frames[5][..]);
            assert!(a.get(0, a.len() + 1).is_empty());
        }
    }

    /// A block read while it was the file's last, short one is read again once more bytes are
    /// written into it (the window reads the newest frames while a capture still loads).
    #[test]
    fn bytes_spilled_after_a_read_of_their_block_read_back() {
        let mut a = Arena::spilling(0);
        let first = a.push(b"first frame");
        a.settle();
        assert_eq!(&*a.get(first, 11), b"first frame");
        let second = a.push(b"second frame");
        a.settle();
        assert_eq!(a.spilled(), 23);
        assert_eq!(&*a.get(second, 23), b"second frame");
        // A spilled arena appended to another gives both its parts.
        let mut b = Arena::new();
        b.push(b"before ");
        let at = b.append(a);
        assert_eq!(&*b.get(at, b.len()), b"first framesecond frame");
    }

    #[test]
    fn a_copy_never_writes_to_the_file() {
        let mut a = Arena::spilling(0);
        a.push(b"first");
        a.settle();
        let mut copy = a.clone();
        copy.push(b"copy's");
        copy.settle();
        a.push(b"second");
        a.settle();
        assert_eq!(&*a.get(5, 11), b"second");
        assert_eq!(&*copy.get(5, 11), b"copy's");
        assert_eq!(copy.spilled(), 5);
    }
}
