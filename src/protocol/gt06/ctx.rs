//! Decoding context shared by the message decoders: the frame, the message being built, the
//! tree builder, and a cursor over the content that reads big-endian numbers with their spans.

use std::borrow::Cow;

use super::fields as F;
use crate::protocol::{Builder, Diagnostic, FieldDef, Message, Severity, Span, Value};

/// State while decoding one frame.
pub struct Ctx<'f, 'b, 't> {
    /// The whole frame.
    pub frame: &'f [u8],
    /// The summary being built.
    pub msg: Message,
    /// The tree being built (or not).
    pub b: &'b mut Builder<'t>,
    /// Next content byte to read.
    pub at: usize,
    /// End of the content.
    pub end: usize,
    /// True once the content was found short (reported once).
    short: bool,
}

impl<'f, 'b, 't> Ctx<'f, 'b, 't> {
    /// A context over `frame`, reading content `at..end`.
    pub fn new(frame: &'f [u8], b: &'b mut Builder<'t>, at: usize, end: usize) -> Self {
        Self {
            frame,
            msg: Message::default(),
            b,
            at,
            end: end.max(at),
            short: false,
        }
    }
    /// Content bytes not read yet.
    pub fn left(&self) -> usize {
        self.end.saturating_sub(self.at)
    }
    /// The bytes of a span.
    pub fn bytes(&self, s: Span) -> &'f [u8] {
        s.slice(self.frame)
    }
    /// A span's bytes as a big-endian unsigned number (up to 8 bytes).
    pub fn uint(&self, s: Span) -> u64 {
        self.bytes(s)
            .iter()
            .take(8)
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    }
    /// Takes the next `n` content bytes; `None` (and one error) when the content ends first.
    pub fn take(&mut self, n: usize, what: &'static FieldDef) -> Option<Span> {
        if self.left() < n {
            if !self.short {
                self.short = true;
                let m = format!(
                    "the content ends before {} ({} byte(s) missing)",
                    what.label,
                    n - self.left()
                );
                let s = Span::new(self.at, self.end);
                self.error("gt06.short", m, s, what);
            }
            self.at = self.end;
            return None;
        }
        let s = Span::new(self.at, self.at + n);
        self.at += n;
        Some(s)
    }
    /// Takes `n` bytes as an integer node of `def`; returns the span and value.
    pub fn int(&mut self, def: &'static FieldDef, n: usize) -> Option<(Span, u64)> {
        let s = self.take(n, def)?;
        let v = self.uint(s);
        self.add(def, s, Value::Int(i64::try_from(v).unwrap_or(i64::MAX)));
        Some((s, v))
    }
    /// Takes `n` bytes as a node of `def` whose value `f` derives from the number.
    pub fn with(
        &mut self,
        def: &'static FieldDef,
        n: usize,
        f: impl FnOnce(u64) -> Value,
    ) -> Option<(Span, u64)> {
        let s = self.take(n, def)?;
        let v = self.uint(s);
        self.add(def, s, f(v));
        Some((s, v))
    }
    /// Takes `n` bytes shown as they are (text when printable, else hex).
    pub fn raw(&mut self, def: &'static FieldDef, n: usize) -> Option<Span> {
        let s = self.take(n, def)?;
        self.add(def, s, Value::Raw);
        Some(s)
    }
    /// Adds a node.
    pub fn add(&mut self, def: &'static FieldDef, span: Span, value: Value) {
        self.b.add(def, span, value);
    }
    /// Adds a derived node.
    pub fn derived(&mut self, def: &'static FieldDef, span: Span, value: Value) {
        self.b.derived(def, span, value);
    }
    /// Adds a group node over `span` and opens it.
    pub fn group(&mut self, def: &'static FieldDef, span: Span) {
        self.b.add(def, span, Value::None);
        self.b.open();
    }
    /// Closes a group.
    pub fn close(&mut self) {
        self.b.close();
    }
    /// Adds a diagnostic on a field.
    pub fn diag(
        &mut self,
        sev: Severity,
        code: &'static str,
        msg: impl Into<Cow<'static, str>>,
        span: Span,
        field: &'static FieldDef,
    ) {
        self.msg
            .diag(Diagnostic::new(sev, code, msg, span).on(field.name));
    }
    crate::protocol::kit::diag_shortcuts!();
    /// Keeps the content not read yet as one node, with a note.
    pub fn rest(&mut self) {
        let n = self.left();
        if n == 0 {
            return;
        }
        let s = Span::new(self.at, self.end);
        self.at = self.end;
        self.add(
            &F::EXTRA,
            s,
            Value::Blob(u32::try_from(n).unwrap_or(u32::MAX)),
        );
        let m = format!(
            "{n} byte(s) after the fields this message type defines (a model-specific extension), kept raw"
        );
        self.diag(Severity::Info, "gt06.extra", m, s, &F::EXTRA);
    }
}
