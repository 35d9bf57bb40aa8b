//! The summary of one decoded frame: what the message list, statistics, devices, tracks and
//! filters need, without the field tree. Small and heap-free except for diagnostics (rarely
//! present, and `Vec::new()` does not allocate).

use serde::Serialize;

use super::{Diagnostic, Generation, Severity, Span, Tags};

/// Which way a frame travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the tracker to the platform.
    ToServer,
    /// From the platform to the tracker.
    ToDevice,
    /// Not known.
    #[default]
    Unknown,
}

impl Direction {
    /// Every direction, in order (the order compact records and filters number them by).
    pub const ALL: [Direction; 3] = [Direction::ToServer, Direction::ToDevice, Direction::Unknown];

    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToServer => "to_server",
            Direction::ToDevice => "to_device",
            Direction::Unknown => "unknown",
        }
    }
    /// An arrow for one-line summaries.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::ToServer => "->",
            Direction::ToDevice => "<-",
            Direction::Unknown => "--",
        }
    }
}

/// What kind of message a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Device logs in.
    Login,
    /// Device keep-alive.
    Heartbeat,
    /// Position report, alarm or event.
    Report,
    /// OBD engine data.
    Obd,
    /// Photo data packet.
    Photo,
    /// Device information or status without a position (voltage, ICCID, settings).
    Info,
    /// The device's answer to a command.
    CommandReply,
    /// The device asks for the time (or another value the platform serves).
    TimeRequest,
    /// Server accepts the login.
    LoginAck,
    /// Server answers a heartbeat.
    HeartbeatAck,
    /// Server acknowledges a report, alarm or other message.
    Ack,
    /// Server answers a time request.
    TimeReply,
    /// Server command to the device.
    Command,
    /// Not understood.
    #[default]
    Unknown,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 14] = [
        Kind::Login,
        Kind::Heartbeat,
        Kind::Report,
        Kind::Obd,
        Kind::Photo,
        Kind::Info,
        Kind::CommandReply,
        Kind::TimeRequest,
        Kind::LoginAck,
        Kind::HeartbeatAck,
        Kind::Ack,
        Kind::TimeReply,
        Kind::Command,
        Kind::Unknown,
    ];
    /// Name as in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Heartbeat => "heartbeat",
            Kind::Report => "report",
            Kind::Obd => "obd",
            Kind::Photo => "photo",
            Kind::Info => "info",
            Kind::CommandReply => "command_reply",
            Kind::TimeRequest => "time_request",
            Kind::LoginAck => "login_ack",
            Kind::HeartbeatAck => "heartbeat_ack",
            Kind::Ack => "ack",
            Kind::TimeReply => "time_reply",
            Kind::Command => "command",
            Kind::Unknown => "unknown",
        }
    }
    /// Parses a kind name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
    /// The direction a message of this kind travels, when the kind tells.
    pub fn natural_direction(self) -> Direction {
        match self {
            Kind::Login
            | Kind::Heartbeat
            | Kind::Report
            | Kind::Obd
            | Kind::Photo
            | Kind::Info
            | Kind::CommandReply
            | Kind::TimeRequest => Direction::ToServer,
            Kind::LoginAck | Kind::HeartbeatAck | Kind::Ack | Kind::TimeReply | Kind::Command => {
                Direction::ToDevice
            }
            Kind::Unknown => Direction::Unknown,
        }
    }
}

/// A device identifier as sent (normally a 15-digit IMEI), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Imei {
    len: u8,
    bytes: [u8; Imei::MAX],
}

impl Imei {
    /// Longest identifier kept.
    pub const MAX: usize = 23;
    /// Stores an identifier made of ASCII digits (and, for malformed ones, other printable
    /// ASCII). `None` when empty, too long or not printable.
    pub fn new(text: &[u8]) -> Option<Self> {
        if text.is_empty() || text.len() > Self::MAX || !text.iter().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut bytes = [0u8; Self::MAX];
        bytes.get_mut(..text.len())?.copy_from_slice(text);
        Some(Self {
            len: text.len() as u8,
            bytes,
        })
    }
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..self.len as usize).unwrap_or(&[]);
        std::str::from_utf8(b).unwrap_or("")
    }
}

/// True when the last of `digits` is their Luhn check digit (as the 15th digit of an IMEI is).
pub fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

impl std::fmt::Debug for Imei {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Imei({})", self.as_str())
    }
}

impl std::fmt::Display for Imei {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Imei {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A position fix carried by a message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fix {
    /// UTC time of the fix, milliseconds since the Unix epoch, when the date can be derived.
    pub time: Option<i64>,
    /// True for a valid (current) fix, false for a last-known position.
    pub valid: bool,
    /// Latitude, signed decimal degrees.
    pub lat: f64,
    /// Longitude, signed decimal degrees.
    pub lon: f64,
    /// Speed in km/h.
    pub speed_kmh: Option<f32>,
    /// Course in degrees.
    pub course: Option<f32>,
}

/// Readings besides the position that plots and device views show.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Vitals {
    /// Altitude, metres.
    pub altitude: Option<f32>,
    /// Battery level, percent.
    pub battery: Option<f32>,
    /// Fuel level (first sensor), percent or as sent.
    pub fuel: Option<f32>,
    /// Temperature, °C.
    pub temperature: Option<f32>,
    /// Ignition.
    pub acc: Option<bool>,
    /// Time-zone offset of the device clock (local minus UTC), seconds.
    pub tz_offset: Option<i32>,
    /// Device-local time of the report, milliseconds since 1970-01-01T00:00 local.
    pub local_time: Option<i64>,
}

/// What a decoder says about one frame, without the tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Message {
    /// Kind of message.
    pub kind: Kind,
    /// Device identifier, when the frame carries one.
    pub imei: Option<Imei>,
    /// The keyword / event / command code, as the span of its raw text in the frame (text
    /// protocols).
    pub keyword: Option<Span>,
    /// The event or command as a stable name, for binary protocols whose keyword is a code
    /// (`sos`, `power_cut`); used when `keyword` is `None`.
    pub event: Option<&'static str>,
    /// What the keyword means, when known ("SOS button", "periodic report", ...).
    pub keyword_meaning: Option<&'static str>,
    /// What the frame is, in a few words, for protocols whose frames are told apart by a type
    /// code rather than a keyword ("GPS + LBS", "Wi-Fi report").
    pub title: Option<&'static str>,
    /// True when the keyword is one of the alarms.
    pub alarm: bool,
    /// What the alarm is about (set by the decoder, or by the protocol's `alarm_class` hook).
    pub alarm_class: Option<super::AlarmClass>,
    /// Position fix.
    pub fix: Option<Fix>,
    /// Other readings.
    pub vitals: Vitals,
    /// Union of the firmware tags of all fields.
    pub tags: Tags,
    /// Best guess of the firmware generation (one of the decoding protocol's), `None` when
    /// nothing tells.
    pub firmware: Option<&'static Generation>,
    /// Findings, attached to spans and fields.
    pub diagnostics: Vec<Diagnostic>,
}

impl Message {
    /// The most severe diagnostic, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
    /// Adds a diagnostic.
    pub fn diag(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
    /// Keyword text, read from the frame, or the event name of a binary protocol.
    pub fn keyword_text<'f>(&self, frame: &'f [u8]) -> Option<&'f str> {
        match self.keyword {
            Some(s) => Some(std::str::from_utf8(s.slice(frame)).unwrap_or("")),
            None => self.event,
        }
    }
    /// Capture time minus the fix time, in seconds, for a frame captured at `ts_ns`: how old
    /// the position was when it travelled (negative: the device's clock is ahead). Tracking
    /// consoles colour messages whose device time lies in the past or the future by it.
    pub fn clock_offset_s(&self, ts_ns: Option<i64>) -> Option<i64> {
        let fix_ms = self.fix?.time?;
        Some((ts_ns?.div_euclid(1_000_000) - fix_ms).div_euclid(1000))
    }
    /// The firmware generation's name (`unknown` when nothing tells).
    pub fn firmware_name(&self) -> &'static str {
        self.firmware
            .map_or(super::firmware::UNKNOWN.name, |g| g.name)
    }
}
