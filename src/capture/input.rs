//! A buffered byte input that knows its offset and lets a parser look ahead a bounded amount.
//!
//! `std::io::BufReader` cannot guarantee that `n` bytes are visible at once, which a record
//! parser needs; this small buffer can, and every caller bounds `n` before asking.

use std::io::{self, Read};

/// How much is read from the underlying reader at a time.
const CHUNK: usize = 64 * 1024;

/// A reader with a look-ahead window and a running byte offset.
pub(crate) struct Input {
    reader: Box<dyn Read + Send>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the input of `buf[start]`.
    offset: u64,
    eof: bool,
    size: Option<u64>,
}

impl Input {
    /// Wraps a reader; `size` is the input's total size when known.
    pub(crate) fn new(reader: Box<dyn Read + Send>, size: Option<u64>) -> Self {
        Input {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
            size,
        }
    }

    /// The input's total size, when known.
    pub(crate) fn size(&self) -> Option<u64> {
        self.size
    }

    /// Where a source reading this input, called `name`, is.
    pub(crate) fn position<'a>(&self, name: &'a str) -> super::Position<'a> {
        super::Position {
            name,
            read: self.offset(),
            size: self.size(),
            buffered: self.available().len(),
        }
    }
    /// Offset of the first byte not yet consumed.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The bytes read but not yet consumed.
    pub(crate) fn available(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Makes at least `n` bytes visible in [`Input::available`], unless the input ends first.
    /// Returns whether `n` bytes are visible. `n` must already be bounded by the caller.
    pub(crate) fn fill(&mut self, n: usize) -> io::Result<bool> {
        loop {
            let have = self.end - self.start;
            if have >= n {
                return Ok(true);
            }
            if self.eof {
                return Ok(false);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end = have;
                self.start = 0;
            }
            let want = n.max(CHUNK);
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
            let Some(space) = self.buf.get_mut(self.end..) else {
                return Ok(false);
            };
            match self.reader.read(space) {
                Ok(0) => self.eof = true,
                Ok(got) => self.end += got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Consumes `n` visible bytes (fewer if fewer are visible).
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// Skips `n` bytes without keeping them in memory; returns how many were skipped (fewer
    /// only when the input ended).
    pub(crate) fn skip(&mut self, mut n: u64) -> io::Result<u64> {
        let mut skipped = 0;
        while n > 0 {
            if self.end == self.start && !self.fill(1)? {
                break;
            }
            let have = (self.end - self.start) as u64;
            let step = have.min(n);
            self.consume(step as usize);
            n -= step;
            skipped += step;
        }
        Ok(skipped)
    }
}
