//! A tracking server's log read line by line (line layouts in [`super::logline`]): each line
//! about a connection becomes an [`Item`] (data, or the connection opening or closing); other
//! lines are counted and skipped.

use super::logline::{Body, decode_hex, decode_text, parse_line};
use super::{CaptureError, InputFormat, Item, ItemKind, LogEvent, Position, Source};
use crate::capture::input::Input;

/// The longest line accepted; a longer one is skipped as not a log line.
const MAX_LINE: usize = 4 * 1024 * 1024;

/// A server log read line by line.
pub(crate) struct LogSource {
    name: String,
    input: Input,
    ignored: u64,
    done: bool,
}

impl LogSource {
    pub(crate) fn new(name: String, input: Input) -> Self {
        LogSource {
            name,
            input,
            ignored: 0,
            done: false,
        }
    }

    /// The length of the next line including its `\n` (or up to the end), and whether that is
    /// the whole line (`false` for the first [`MAX_LINE`] bytes of a longer one); `None` at
    /// the end.
    fn next_line_len(&mut self) -> Result<Option<(usize, bool)>, CaptureError> {
        let mut searched = 0;
        loop {
            let avail = self.input.available();
            let found = avail
                .get(searched..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'));
            if let Some(pos) = found {
                return Ok(Some((searched + pos + 1, true)));
            }
            searched = avail.len();
            if searched >= MAX_LINE {
                return Ok(Some((searched, false)));
            }
            let at = self.input.offset();
            let want = (searched * 2).clamp(64 * 1024, MAX_LINE);
            let full = self
                .input
                .fill(want)
                .map_err(|e| CaptureError::damaged(&self.name, at, format!("read error: {e}")))?;
            if !full && self.input.available().len() == searched {
                return Ok((searched > 0).then_some((searched, true)));
            }
        }
    }

    /// The next log message, skipping lines that are not one.
    fn read(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        while !self.done {
            let Some((len, whole)) = self.next_line_len()? else {
                self.done = true;
                break;
            };
            if !whole {
                // An over-long line: skip it to its end.
                self.ignored += 1;
                self.input.consume(len);
                while let Some((len, whole)) = self.next_line_len()? {
                    self.input.consume(len);
                    if whole {
                        break;
                    }
                }
                continue;
            }
            let bytes = self.input.available().get(..len).unwrap_or(&[]);
            let parsed = std::str::from_utf8(bytes).ok().and_then(parse_line);
            match parsed {
                Some(line) => {
                    item.ts = line.ts;
                    item.data.clear();
                    let event = match line.body {
                        Body::Hex(hex) => {
                            decode_hex(hex, &mut item.data);
                            LogEvent::Data
                        }
                        Body::Text(text) => {
                            decode_text(text, &mut item.data);
                            LogEvent::Data
                        }
                        Body::Connected => LogEvent::Connected,
                        Body::Disconnected => LogEvent::Disconnected,
                    };
                    item.kind = ItemKind::Log {
                        conn: line.conn,
                        to_device: line.to_device,
                        peer: line.peer,
                        local_port: line.local_port,
                        udp: line.udp,
                        event,
                        hint: line.hint,
                    };
                    self.input.consume(len);
                    return Ok(true);
                }
                None => {
                    if !bytes.iter().all(u8::is_ascii_whitespace) {
                        self.ignored += 1;
                    }
                    self.input.consume(len);
                }
            }
        }
        Ok(false)
    }
}

impl Source for LogSource {
    fn format(&self) -> InputFormat {
        InputFormat::ServerLog
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        let result = self.read(item);
        if result.is_err() {
            self.done = true;
        }
        result
    }

    fn position(&self) -> Position<'_> {
        self.input.position(&self.name)
    }

    fn ignored(&self) -> u64 {
        self.ignored
    }
}
