//! Anything that is not a capture or a log: the bytes one device sent, delivered in chunks.

use super::{CaptureError, InputFormat, Item, ItemKind, Position, Source};
use crate::capture::input::Input;

/// Size of the chunks a raw input is delivered in.
pub(crate) const RAW_CHUNK: usize = 64 * 1024;

/// A raw byte stream.
pub(crate) struct RawSource {
    name: String,
    input: Input,
    done: bool,
}

impl RawSource {
    pub(crate) fn new(name: String, input: Input) -> Self {
        RawSource {
            name,
            input,
            done: false,
        }
    }
}

impl Source for RawSource {
    fn format(&self) -> InputFormat {
        InputFormat::Raw
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        if self.done {
            return Ok(false);
        }
        let at = self.input.offset();
        if let Err(e) = self.input.fill(RAW_CHUNK) {
            self.done = true;
            return Err(CaptureError::damaged(
                &self.name,
                at,
                format!("read error: {e}"),
            ));
        }
        let avail = self.input.available();
        if avail.is_empty() {
            self.done = true;
            return Ok(false);
        }
        let n = avail.len().min(RAW_CHUNK);
        item.ts = None;
        item.kind = ItemKind::Raw;
        item.data.clear();
        item.data.extend_from_slice(avail.get(..n).unwrap_or(&[]));
        self.input.consume(n);
        Ok(true)
    }

    fn position(&self) -> Position<'_> {
        self.input.position(&self.name)
    }
}
