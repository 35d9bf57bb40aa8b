//! The report keywords: what each means and which raise an alarm.

/// What a keyword says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keyword {
    /// A known keyword: its meaning, and the alarm it raises if any.
    Known {
        /// What it means.
        meaning: &'static str,
        /// True when it raises an alarm.
        alarm: bool,
    },
    /// `T:+28.0`: temperature alarm with its value.
    Temperature(Option<f64>),
    /// `oil 51.67`, `oil1`, `oil2`: fuel event, with a level when given.
    Oil(Option<f64>),
    /// `vt<N>`: a photo of N packets follows.
    PhotoStart(u32),
    /// Digits: a numbered custom event.
    Numbered(u32),
    /// Empty: a 4G periodic report.
    Empty,
    /// Anything else.
    Unknown,
}

static KNOWN: &[(&str, &str, bool)] = &[
    ("tracker", "periodic report", false),
    ("help me", "SOS button", true),
    ("low battery", "battery low", true),
    ("stockade", "geofence crossed", true),
    ("move", "movement alarm (armed and moved)", true),
    ("speed", "overspeed", true),
    ("sensor alarm", "shock / vibration sensor", true),
    ("ac alarm", "external power cut", true),
    ("door alarm", "door opened", true),
    ("bonnet alarm", "bonnet opened", true),
    ("footbrake alarm", "footbrake pressed", true),
    ("accident alarm", "accident", true),
    ("acc on", "ignition on", false),
    ("acc off", "ignition off", false),
    ("acc alarm", "ignition alarm", true),
    ("DTC", "OBD trouble code reported", false),
    ("rfid", "RFID tag read", false),
];

/// Classifies a keyword's raw text.
pub fn classify(kw: &[u8]) -> Keyword {
    if kw.is_empty() {
        return Keyword::Empty;
    }
    for (text, meaning, alarm) in KNOWN {
        if kw.eq_ignore_ascii_case(text.as_bytes()) {
            return Keyword::Known {
                meaning,
                alarm: *alarm,
            };
        }
    }
    let lower = kw.to_ascii_lowercase();
    if let Some(v) = lower.strip_prefix(b"t:") {
        return Keyword::Temperature(super::values::parse_decimal(v));
    }
    if lower == b"oil1" || lower == b"oil2" || lower == b"oil" {
        return Keyword::Oil(None);
    }
    if let Some(v) = lower.strip_prefix(b"oil ") {
        return Keyword::Oil(super::values::parse_decimal(v));
    }
    if let Some(n) = lower.strip_prefix(b"vt")
        && super::values::all_digits(n)
        && n.len() <= 6
    {
        return Keyword::PhotoStart(super::values::digits_value(n));
    }
    if super::values::all_digits(kw) && kw.len() <= 6 {
        return Keyword::Numbered(super::values::digits_value(kw));
    }
    Keyword::Unknown
}

impl Keyword {
    /// Meaning in words.
    pub fn meaning(&self) -> &'static str {
        match self {
            Keyword::Known { meaning, .. } => meaning,
            Keyword::Temperature(_) => "temperature alarm",
            Keyword::Oil(_) => "fuel level event",
            Keyword::PhotoStart(_) => "a photo follows",
            Keyword::Numbered(_) => "numbered custom event",
            Keyword::Empty => "periodic report (4G firmware)",
            Keyword::Unknown => "unknown event",
        }
    }
    /// True for alarms.
    pub fn is_alarm(&self) -> bool {
        matches!(
            self,
            Keyword::Known { alarm: true, .. } | Keyword::Temperature(_)
        )
    }
}
