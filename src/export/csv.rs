//! CSV: one row per frame with fixed [`COLUMNS`], for spreadsheets.
//!
//! RFC 4180: CRLF line ends, a header row, a field in double quotes when it holds a comma, a
//! double quote, CR or LF, a double quote inside doubled. UTF-8 with a byte-order mark, so that
//! spreadsheets that guess the encoding read it as UTF-8.
//!
//! Spreadsheet-safe: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return (what a spreadsheet would run as a formula) is written with a leading `'`
//! ([`neutralise`]). Number cells are written by the analyzer itself (a finite decimal such as
//! `-9.1393`), never from device text, and are left as numbers.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::pipeline::Decoded;
use crate::present::time::fmt_ts;
use crate::protocol::{fmt_utc_ms, hex};

/// The columns, in order.
pub const COLUMNS: [&str; 24] = [
    "frame",
    "time",
    "flow",
    "transport",
    "src",
    "dst",
    "direction",
    "protocol",
    "kind",
    "imei",
    "keyword",
    "alarm",
    "fix_time",
    "fix_valid",
    "lat",
    "lon",
    "speed_kmh",
    "course",
    "battery",
    "firmware",
    "severity",
    "diagnostics",
    "text",
    "raw_hex",
];

/// Characters that make a spreadsheet treat a cell as a formula when it starts with one.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` made safe for a spreadsheet cell: with a leading `'` when it starts like a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One cell.
enum Cell<'a> {
    /// Text from anywhere (device text included): neutralised and quoted as needed.
    Text(Cow<'a, str>),
    /// A number the analyzer formatted: written as is.
    Num(String),
}

fn num<T: std::fmt::Display>(v: Option<T>) -> Cell<'static> {
    Cell::Num(v.map(|v| v.to_string()).unwrap_or_default())
}

fn text<'a>(v: impl Into<Cow<'a, str>>) -> Cell<'a> {
    Cell::Text(v.into())
}

fn push_cell(line: &mut String, cell: &Cell<'_>) {
    let s: &str = match cell {
        Cell::Num(n) => {
            line.push_str(n);
            return;
        }
        Cell::Text(t) => t,
    };
    let s = neutralise(s);
    if s.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&s.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(&s);
    }
}

/// The frame's text when it is printable (trailing line end trimmed), else empty: binary
/// frames are in `raw_hex`.
fn printable(bytes: &[u8]) -> Cow<'_, str> {
    let trimmed = bytes
        .strip_suffix(b"\n")
        .map(|b| b.strip_suffix(b"\r").unwrap_or(b))
        .unwrap_or(bytes);
    match std::str::from_utf8(trimmed) {
        Ok(s) if !s.chars().any(char::is_control) => Cow::Borrowed(s),
        _ => Cow::Borrowed(""),
    }
}

/// Writes frames as CSV rows (the header row with the first one, or at the end when there is
/// none, so nothing reaches the writer before the first frame or [`CsvWriter::finish`]).
pub struct CsvWriter<W: Write> {
    out: W,
    line: String,
    started: bool,
}

impl<W: Write> CsvWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            line: String::new(),
            started: false,
        }
    }

    /// Byte-order mark and header row, once.
    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.out.write_all("\u{feff}".as_bytes())?;
            self.out.write_all(COLUMNS.join(",").as_bytes())?;
            self.out.write_all(b"\r\n")?;
        }
        Ok(())
    }

    /// Writes one frame's row.
    pub fn frame(&mut self, d: &Decoded<'_>) -> io::Result<()> {
        self.start()?;
        let m = &d.message;
        let (src, dst) = d.endpoints();
        let fix = m.fix;
        let diagnostics = m
            .diagnostics
            .iter()
            .map(|x| format!("{}:{}", x.severity.as_str(), x.code))
            .collect::<Vec<_>>()
            .join(" ");
        let cells = [
            num(Some(d.index)),
            text(d.ts.map(fmt_ts).unwrap_or_default()),
            num(Some(d.flow.id)),
            text(d.flow.transport),
            text(src.map(|a| a.to_string()).unwrap_or_default()),
            text(dst.map(|a| a.to_string()).unwrap_or_default()),
            text(d.direction.as_str()),
            text(d.protocol.name),
            text(m.kind.as_str()),
            text(d.device.map(|i| i.to_string()).unwrap_or_default()),
            text(m.keyword_text(d.bytes).unwrap_or("")),
            text(if m.alarm { "true" } else { "false" }),
            text(fix.and_then(|f| f.time).map(fmt_utc_ms).unwrap_or_default()),
            text(fix.map_or("", |f| if f.valid { "true" } else { "false" })),
            num(fix.map(|f| f.lat).filter(|v| v.is_finite())),
            num(fix.map(|f| f.lon).filter(|v| v.is_finite())),
            num(fix.and_then(|f| f.speed_kmh).filter(|v| v.is_finite())),
            num(fix.and_then(|f| f.course).filter(|v| v.is_finite())),
            num(m.vitals.battery.filter(|v| v.is_finite())),
            text(m.firmware_name()),
            text(m.max_severity().map_or("", |s| s.as_str())),
            text(diagnostics),
            text(printable(d.bytes)),
            text(hex(d.bytes)),
        ];
        self.line.clear();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            push_cell(&mut self.line, c);
        }
        self.line.push_str("\r\n");
        self.out.write_all(self.line.as_bytes())
    }

    /// Ends the file (the header row if no frame was written) and flushes it; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.start()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut line = String::new();
        push_cell(&mut line, &text(s));
        line
    }

    #[test]
    fn formulas_are_neutralised_and_quoting_follows_rfc_4180() {
        for (raw, written) in [
            ("=1+2", "'=1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-3", "'-3"),
            ("\tx", "'\tx"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("\r\n", "\"'\r\n\""),
            ("plain", "plain"),
        ] {
            assert_eq!(cell(raw), written, "{raw:?}");
        }
        let mut line = String::new();
        push_cell(&mut line, &num(Some(-9.5)));
        assert_eq!(line, "-9.5");
    }
}
