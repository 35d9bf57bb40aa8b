//! Diagnostics ("expert info"): a severity, a stable code, a message a support engineer
//! understands, and the bytes and field they concern.

use std::borrow::Cow;

use serde::Serialize;

use super::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, nothing wrong.
    Info,
    /// Unusual but sent by real units.
    Warning,
    /// Malformed: the bytes cannot be what their slot requires.
    Error,
}

impl Severity {
    /// Lower-case name, as in the filter language.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    /// The badge letter: `E`, `W`, `I`.
    pub fn letter(self) -> char {
        match self {
            Severity::Error => 'E',
            Severity::Warning => 'W',
            Severity::Info => 'I',
        }
    }
    /// Parses `info`, `warning`/`warn`, `error`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" | "err" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// One finding about a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Stable code, e.g. `imei.luhn`.
    pub code: &'static str,
    /// Plain-words explanation.
    pub message: Cow<'static, str>,
    /// Bytes concerned.
    #[serde(serialize_with = "ser_span")]
    pub span: Span,
    /// Name of the field concerned, when there is one.
    pub field: Option<&'static str>,
}

fn ser_span<S: serde::Serializer>(span: &Span, s: S) -> Result<S::Ok, S::Error> {
    span.pair().serialize(s)
}

impl Diagnostic {
    /// A diagnostic on a span.
    pub fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
        span: Span,
    ) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span,
            field: None,
        }
    }
    /// Names the field the diagnostic concerns.
    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}
