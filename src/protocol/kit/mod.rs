//! Helpers the non-home families share: a framer for frames that say their own size
//! ([`sized`]), a decoding context with the usual node and diagnostic shortcuts ([`Dec`]),
//! comma splitting, numbers, and UTC times. Nothing here names a protocol.

pub mod sized;
#[cfg(test)]
pub mod testing;

use std::borrow::Cow;

use chrono::NaiveDate;

use super::{
    Builder, Diagnostic, Direction, FieldDef, Fix, Imei, Message, ProbeResult, Severity, Span,
    Value, Verdict,
};

/// Declares a protocol's fields once (filter name, label, unit, help) and lists them in `ALL`.
macro_rules! fields {
    ($($id:ident = $name:literal, $label:literal, $unit:ident, $help:literal;)*) => {
        $(#[doc = $help] pub static $id: $crate::protocol::FieldDef =
            $crate::protocol::FieldDef::new($name, $label, $crate::protocol::Unit::$unit, $help);)*
        /// Every field, for filters and documentation.
        pub static ALL: &[&$crate::protocol::FieldDef] = &[$(&$id),*];
    };
}
pub(crate) use fields;

/// Declares a family's registration, `PROTOCOL`, and the `framer` it names: name, title, ports
/// and aliases, the framer both directions get (an expression such as
/// `SizedFramer::new(measure)`), the list of the decoder's fields, and, for a family whose
/// platform answers, the `reply` hook. The probe and the decoder are the module's `probe` and
/// `decode`. A family's folder says only what is its own; the registry lists `PROTOCOL`.
macro_rules! register {
    (
        $(#[$doc:meta])*
        name: $name:literal, title: $title:literal, ports: [$($port:literal),*],
        aliases: [$($alias:literal),*], framer: $framer:expr, fields: $fields:path
        $(, reply: $reply:path)? $(,)?
    ) => {
        $(#[$doc])*
        pub static PROTOCOL: $crate::protocol::Protocol = $crate::protocol::Protocol {
            name: $name,
            title: $title,
            ports: &[$($port),*],
            aliases: &[$($alias),*],
            hooks: $crate::protocol::Hooks {
                reply: $crate::protocol::kit::register!(@reply $($reply)?),
                ..$crate::protocol::Hooks::NONE
            },
            ..$crate::protocol::Protocol::parts(probe, framer, decode, $fields)
        };

        fn framer(_dir: $crate::protocol::Direction) -> Box<dyn $crate::protocol::Framer> {
            Box::new($framer)
        }
    };
    (@reply) => { None };
    (@reply $reply:path) => { Some($reply) };
}
pub(crate) use register;

/// A decoding context's `error` and `warn`: its own `diag(severity, code, message, span,
/// field)` with the severity given. Invoked inside the context's `impl` block.
macro_rules! diag_shortcuts {
    () => {
        $crate::protocol::kit::diag_shortcuts!(error, Error, "Adds an error on a field.");
        $crate::protocol::kit::diag_shortcuts!(warn, Warning, "Adds a warning on a field.");
    };
    ($name:ident, $severity:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(
            &mut self,
            code: &'static str,
            m: impl Into<::std::borrow::Cow<'static, str>>,
            s: $crate::protocol::Span,
            def: &'static $crate::protocol::FieldDef,
        ) {
            self.diag($crate::protocol::Severity::$severity, code, m, s, def);
        }
    };
}
pub(crate) use diag_shortcuts;

/// Most fields a split keeps apart; the rest stays in the last one.
pub const MAX_FIELDS: usize = 128;

/// State while decoding one frame: the frame, the summary being built, the tree builder.
pub struct Dec<'f, 'b, 't> {
    /// The whole frame.
    pub frame: &'f [u8],
    /// The summary being built.
    pub msg: Message,
    /// The tree being built (or not).
    pub b: &'b mut Builder<'t>,
}

impl<'f, 'b, 't> Dec<'f, 'b, 't> {
    /// A context for `frame`.
    pub fn new(frame: &'f [u8], b: &'b mut Builder<'t>) -> Self {
        Self {
            frame,
            msg: Message::default(),
            b,
        }
    }
    /// The bytes of a span.
    pub fn text(&self, s: Span) -> &'f [u8] {
        s.slice(self.frame)
    }
    /// The bytes of a span as text (lossy).
    pub fn str(&self, s: Span) -> Cow<'f, str> {
        String::from_utf8_lossy(self.text(s))
    }
    /// `s` cut to the frame: a length field read from the frame may point past its end, and no
    /// node or diagnostic may (the bytes view and the exports take spans as they are).
    pub fn clamp(&self, s: Span) -> Span {
        let len = u32::try_from(self.frame.len()).unwrap_or(u32::MAX);
        let start = s.start.min(len);
        Span {
            start,
            end: s.end.clamp(start, len),
        }
    }
    /// Adds a node.
    pub fn add(&mut self, def: &'static FieldDef, s: Span, v: Value) {
        let s = self.clamp(s);
        self.b.add(def, s, v);
    }
    /// Adds a text node (the raw bytes of the span).
    pub fn raw(&mut self, def: &'static FieldDef, s: Span) {
        let s = self.clamp(s);
        self.b.add(def, s, Value::Raw);
    }
    /// Adds a diagnostic on a field.
    pub fn diag(
        &mut self,
        sev: Severity,
        code: &'static str,
        m: impl Into<Cow<'static, str>>,
        s: Span,
        def: &'static FieldDef,
    ) {
        let s = self.clamp(s);
        self.msg.diag(Diagnostic::new(sev, code, m, s).on(def.name));
    }
    diag_shortcuts!();
    /// The device identifier at `s`: a node of `def` (named `imei`), and the message's `imei`.
    /// An identifier that cannot be kept (empty, too long, not printable) is an error.
    pub fn imei(&mut self, def: &'static FieldDef, s: Span) {
        self.raw(def, s);
        self.msg.imei = Imei::new(self.text(s));
        if self.msg.imei.is_none() {
            let m = format!(
                "the device identifier '{}' is empty, longer than {} characters or not printable",
                self.str(s),
                Imei::MAX
            );
            self.error("imei.invalid", m, s, def);
        }
    }
    /// A decimal number at `s` as a node of `def`; an error when it is not a number, nothing
    /// when the field is empty.
    pub fn num(&mut self, def: &'static FieldDef, s: Span) -> Option<f64> {
        let t = self.text(s);
        if t.is_empty() {
            return None;
        }
        match decimal(t) {
            Some(v) => {
                self.add(def, s, Value::Num(v));
                Some(v)
            }
            None => {
                self.raw(def, s);
                let m = format!("{} must be a number, got '{}'", def.label, self.str(s));
                self.error("number.parse", m, s, def);
                None
            }
        }
    }
    /// A coordinate `[d]ddmm.mmmm` at `v` with its hemisphere letter at `h`, as a node of `def`
    /// spanning both; `code` names the diagnostic when it is not a coordinate.
    pub fn ddmm(
        &mut self,
        def: &'static FieldDef,
        v: Span,
        h: Span,
        code: &'static str,
    ) -> Option<f64> {
        self.coordinate(def, v, h, code, ddmm)
    }
    /// A coordinate at `v` and its hemisphere letter at `h` (0 when there is none) read by
    /// `parse` (a family's own forms beside [`ddmm`]), as a node of `def`; when `parse` gives
    /// nothing, the text as sent with an error `code`.
    pub fn coordinate(
        &mut self,
        def: &'static FieldDef,
        v: Span,
        h: Span,
        code: &'static str,
        parse: impl Fn(&[u8], u8) -> Option<f64>,
    ) -> Option<f64> {
        let s = v.join(h);
        let hemi = self.text(h).first().copied().unwrap_or(0);
        match parse(self.text(v), hemi) {
            Some(c) => {
                self.add(def, s, Value::Coord(c));
                Some(c)
            }
            None => {
                self.raw(def, s);
                let m = format!("'{}' is not a coordinate", self.str(s));
                self.error(code, m, s, def);
                None
            }
        }
    }
    /// The whole frame as one node of `def` (bytes that are not this protocol), with an error.
    pub fn junk(
        &mut self,
        def: &'static FieldDef,
        code: &'static str,
        m: impl Into<Cow<'static, str>>,
    ) {
        let s = Span::new(0, self.frame.len());
        self.add(def, s, Value::Blob(self.frame.len() as u32));
        self.error(code, m, s, def);
    }
    /// Sets the message's fix when the position (latitude, longitude) is known.
    pub fn fix(
        &mut self,
        at: Option<(f64, f64)>,
        time: Option<i64>,
        valid: bool,
        speed_kmh: Option<f32>,
        course: Option<f32>,
    ) {
        if let Some((lat, lon)) = at {
            self.msg.fix = Some(Fix {
                time,
                valid,
                lat,
                lon,
                speed_kmh,
                course,
            });
        }
    }
    /// [`Dec::fix`] with the speed (km/h) and course read as decimal numbers.
    pub fn fix_kmh(
        &mut self,
        at: Option<(f64, f64)>,
        time: Option<i64>,
        valid: bool,
        speed_kmh: Option<f64>,
        course: Option<f64>,
    ) {
        let (speed, course) = (speed_kmh.map(|v| v as f32), course.map(|v| v as f32));
        self.fix(at, time, valid, speed, course);
    }
    /// A number at `s` as a node of `def` (see [`Dec::num`]), kept as the message's altitude
    /// (metres).
    pub fn altitude(&mut self, def: &'static FieldDef, s: Span) {
        if let Some(alt) = self.num(def, s) {
            self.msg.vitals.altitude = Some(alt as f32);
        }
    }
    /// A validity letter at `s` (`A` valid, anything else a last known position) as a node of
    /// `def`; true when valid.
    pub fn validity(&mut self, def: &'static FieldDef, s: Span) -> bool {
        let valid = self.text(s) == b"A";
        let meaning = if valid {
            "valid fix"
        } else {
            "last known position"
        };
        self.add(def, s, Value::Enum(meaning));
        valid
    }
    /// An error on `def` at `end` (an empty span): the `what` (frame, message, sentence) does
    /// not end with its `terminator`.
    pub fn unterminated(
        &mut self,
        code: &'static str,
        what: &str,
        terminator: &str,
        end: usize,
        def: &'static FieldDef,
    ) {
        let m = format!("the {what} does not end with '{terminator}'");
        self.error(code, m, Span::new(end, end), def);
    }
    /// Sets the keyword (command) span and its meaning.
    pub fn keyword(&mut self, s: Span, meaning: Option<&'static str>) {
        self.msg.keyword = Some(s);
        self.msg.keyword_meaning = meaning;
    }
    /// The message's command (or sentence, or report type) at `s` as a node of `def`, its
    /// meaning when known (else the raw text), and the message's keyword.
    pub fn command(&mut self, def: &'static FieldDef, s: Span, meaning: Option<&'static str>) {
        self.add(def, s, meaning.map_or(Value::Raw, Value::Enum));
        self.keyword(s, meaning);
    }
}

/// Splits `frame[start..end]` at `sep` into spans (at most [`MAX_FIELDS`]).
pub fn split(frame: &[u8], start: usize, end: usize, sep: u8) -> Vec<Span> {
    let body = frame.get(start..end).unwrap_or(&[]);
    let mut out = Vec::with_capacity(16);
    let mut from = start;
    for (i, &c) in body.iter().enumerate() {
        if c == sep && out.len() + 1 < MAX_FIELDS {
            out.push(Span::new(from, start + i));
            from = start + i + 1;
        }
    }
    out.push(Span::new(from, end.max(from)));
    out
}

/// A decimal number: leading spaces (padding), optional sign, digits, optional fraction; no
/// exponent.
pub fn decimal(b: &[u8]) -> Option<f64> {
    let b = b.get(run(b, |c| c == b' ')..)?;
    let (neg, rest) = match b.first() {
        Some(b'-') => (true, b.get(1..)?),
        Some(b'+') => (false, b.get(1..)?),
        _ => (false, b),
    };
    if rest.is_empty() || rest.len() > 24 {
        return None;
    }
    let mut dot = false;
    let mut digits = 0;
    for &c in rest {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let v: f64 = std::str::from_utf8(rest).ok()?.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// The value of a run of ASCII digits (`None` when empty, not all digits, or over 18 digits).
pub fn uint(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 18 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b.iter()
            .fold(0u64, |acc, d| acc * 10 + u64::from(d.wrapping_sub(b'0'))),
    )
}

/// The value of two ASCII digits at `at` in `b`.
pub fn two(b: &[u8], at: usize) -> Option<u32> {
    uint(b.get(at..at + 2)?).and_then(|v| u32::try_from(v).ok())
}

/// True when `b` is non-empty and all ASCII digits.
pub fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Milliseconds since the epoch of a UTC date and time (`None` when out of range). A two-digit
/// year (< 100) is taken as 20xx.
pub fn utc_ms(year: u32, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    let year = if year < 100 { year + 2000 } else { year };
    let d = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let t = d.and_hms_opt(h, m, s)?;
    Some(t.and_utc().timestamp_millis())
}

/// A six-digit date whose year, month and day stand at the offsets `ymd`, and `hhmmss`, as
/// UTC milliseconds.
fn date_hhmmss(date: &[u8], [y, m, d]: [usize; 3], time: &[u8]) -> Option<i64> {
    let (h, min, s) = (two(time, 0)?, two(time, 2)?, two(time, 4)?);
    utc_ms(two(date, y)?, two(date, m)?, two(date, d)?, h, min, s)
}

/// `ddmmyy` and `hhmmss` (digits at the start of each) as UTC milliseconds.
pub fn ddmmyy_hhmmss(date: &[u8], time: &[u8]) -> Option<i64> {
    date_hhmmss(date, [4, 2, 0], time)
}

/// `yymmdd` and `hhmmss` as UTC milliseconds.
pub fn yymmdd_hhmmss(date: &[u8], time: &[u8]) -> Option<i64> {
    date_hhmmss(date, [0, 2, 4], time)
}

/// A latitude or longitude written `[d]ddmm.mmmm` with its hemisphere letter (`N`, `S`, `E`,
/// `W`) as signed decimal degrees; `None` when malformed or out of range. Leading spaces count
/// as zeros (some units pad with them).
pub fn ddmm(text: &[u8], hemisphere: u8) -> Option<f64> {
    let start = text.iter().take_while(|&&c| c == b' ').count();
    let v = decimal(text.get(start..)?)?;
    if v < 0.0 {
        return None;
    }
    let deg = (v / 100.0).trunc();
    let min = v - deg * 100.0;
    if min >= 60.0 {
        return None;
    }
    let d = deg + min / 60.0;
    let (limit, neg) = match hemisphere.to_ascii_uppercase() {
        b'N' => (90.0, false),
        b'S' => (90.0, true),
        b'E' => (180.0, false),
        b'W' => (180.0, true),
        _ => return None,
    };
    (d <= limit).then_some(if neg { -d } else { d })
}

/// Speed in knots as km/h.
pub fn knots_to_kmh(kn: f64) -> f32 {
    (kn * 1.852) as f32
}

/// Length of a run at the start of `b` of bytes for which `f` holds.
pub fn run(b: &[u8], f: impl Fn(u8) -> bool) -> usize {
    b.iter().take_while(|&&c| f(c)).count()
}

/// A probe's match.
pub fn matched(confidence: u8, reason: &'static str, direction: Direction) -> ProbeResult {
    ProbeResult::Match(Verdict {
        confidence,
        reason,
        direction,
    })
}

/// A probe's answer when its pattern is not there (or not yet): `NeedMore` when more bytes
/// could still make it, else `No`.
pub fn need_more_if(more: bool) -> ProbeResult {
    if more {
        ProbeResult::NeedMore
    } else {
        ProbeResult::No
    }
}

/// The value of two hex digits (a checksum), `None` when they are not two hex digits.
pub fn hex_byte(t: &[u8]) -> Option<u8> {
    let t = std::str::from_utf8(t).ok().filter(|t| t.len() == 2)?;
    u8::from_str_radix(t, 16).ok()
}

/// Length of the `\r` / `\n` bytes at the end of `b`.
pub fn trailing_line_end(b: &[u8]) -> usize {
    b.iter()
        .rev()
        .take_while(|&&c| c == b'\r' || c == b'\n')
        .count()
}

/// True when `b` is a (possibly empty) start of `prefix`.
pub fn prefix_of(b: &[u8], prefix: &[u8]) -> bool {
    prefix.starts_with(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_and_times() {
        let lat = ddmm(b"2234.4026", b'N').unwrap_or(0.0);
        assert!((lat - 22.573_376_666).abs() < 1e-6);
        assert!(ddmm(b"2234.4026", b'S').unwrap_or(0.0) < 0.0);
        assert!(ddmm(b" 8415.4076", b'W').is_some());
        assert_eq!(ddmm(b"2299.0", b'N'), None);
        assert_eq!(ddmm(b"x", b'N'), None);
        assert_eq!(ddmmyy_hhmmss(b"240414", b"112825"), Some(1_398_338_905_000));
        assert_eq!(yymmdd_hhmmss(b"140424", b"112825"), Some(1_398_338_905_000));
        assert_eq!(utc_ms(24, 2, 30, 0, 0, 0), None);
        assert_eq!(decimal(b"-1.5"), Some(-1.5));
        assert_eq!(decimal(b"1e5"), None);
        assert_eq!(split(b"a,b,,c", 0, 6, b',').len(), 4);
    }
}
