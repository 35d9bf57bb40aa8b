//! What a protocol knows beyond framing and decoding, behind its descriptor: how it classes
//! alarms, checks a conversation in order (an acknowledgement echoing its frame's serial), puts
//! media back together, answers a device as a platform would (live mode), words commands, and
//! what an installer sends to set a unit up.
//!
//! Everything here is optional: [`Hooks::NONE`] is a protocol that only frames and decodes.
//! The model, the live listener and the window call these hooks and never name a protocol, so a
//! new protocol plugs in with its folder and one registration line.

use super::{Diagnostic, Direction, Imei, Message};

/// What an alarm is about, for colours and grouping (the protocol maps its own codes to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmClass {
    /// SOS / panic button.
    Sos,
    /// External power cut or power problem.
    Power,
    /// Low battery.
    Battery,
    /// Geofence crossed.
    Geofence,
    /// Moved while armed, towed.
    Movement,
    /// Over speed.
    Speed,
    /// Vehicle inputs: door, bonnet, ignition, accident, brake.
    Vehicle,
    /// Shock or vibration sensor, tamper.
    Sensor,
    /// Temperature.
    Temperature,
    /// Fuel level, fuel theft.
    Fuel,
    /// Anything else.
    Other,
}

impl AlarmClass {
    /// Name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmClass::Sos => "sos",
            AlarmClass::Power => "power",
            AlarmClass::Battery => "battery",
            AlarmClass::Geofence => "geofence",
            AlarmClass::Movement => "movement",
            AlarmClass::Speed => "speed",
            AlarmClass::Vehicle => "vehicle",
            AlarmClass::Sensor => "sensor",
            AlarmClass::Temperature => "temperature",
            AlarmClass::Fuel => "fuel",
            AlarmClass::Other => "other",
        }
    }
}

/// Checks the frames of one conversation in order, both directions (created per flow).
///
/// Decoding is per frame and stateless; what needs the conversation (an acknowledgement must
/// echo the serial of the frame it answers) is judged here and added to the frame as
/// diagnostics, which the store keeps with the frame.
pub trait Session: Send {
    /// Sees one decoded frame; may add diagnostics to `msg`.
    fn observe(&mut self, dir: Direction, frame: &[u8], msg: &mut Message);
}

/// A piece of media (a photo) put back together from a device's frames.
#[derive(Debug, Clone, Default)]
pub struct MediaItem {
    /// The device that sent it.
    pub imei: Option<Imei>,
    /// Packets announced (0 when not announced).
    pub expected: u32,
    /// Packets received.
    pub received: u32,
    /// Indexes of missing packets.
    pub missing: Vec<u16>,
    /// The content (a JPEG for photos).
    pub bytes: Vec<u8>,
    /// True when the content is whole (a JPEG from SOI to EOI).
    pub complete: bool,
    /// File extension for the content (`jpg`).
    pub extension: &'static str,
}

/// Puts media back together across the frames of all devices (one per run and protocol).
pub trait Media: Send {
    /// Sees one frame of `device`; returns media it completed.
    fn frame(&mut self, device: Imei, msg: &Message, frame: &[u8]) -> Vec<MediaItem>;
    /// The run ended: unfinished media, as far as they got.
    fn finish(&mut self) -> Vec<MediaItem>;
    /// Pieces not kept because a memory bound was reached (counted, shown in the statistics).
    fn dropped(&self) -> u64 {
        0
    }
}

/// Settings of the answers a listener gives as a platform would.
#[derive(Debug, Clone, Copy)]
pub struct ReplyOptions {
    /// Acknowledge SOS alarms (BN-407 `E`), as deployed platforms do.
    pub sos_ack: bool,
    /// Now, UTC, milliseconds since the epoch (for time requests).
    pub now_ms: i64,
}

impl Default for ReplyOptions {
    fn default() -> Self {
        Self {
            sos_ack: true,
            now_ms: 0,
        }
    }
}

/// A command the analyzer can send to a device, worded by its protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Report one position now.
    PositionNow,
    /// Report periodically, every this many seconds.
    Periodic(u32),
    /// Stop periodic reports.
    Stop,
    /// Arm (movement / shock alarms on).
    Arm,
    /// Disarm.
    Disarm,
    /// Take a photo.
    Photo,
    /// Cut fuel or power (relay on).
    RelayCut,
    /// Restore fuel or power (relay off).
    RelayRestore,
    /// Free text, wrapped as the protocol carries commands.
    Custom(String),
}

impl Action {
    /// What the command does, for buttons and the conversation.
    pub fn describe(&self) -> String {
        match self {
            Action::PositionNow => "one position now".into(),
            Action::Periodic(s) => format!("report every {s} s"),
            Action::Stop => "stop periodic reports".into(),
            Action::Arm => "arm".into(),
            Action::Disarm => "disarm".into(),
            Action::Photo => "take a photo".into(),
            Action::RelayCut => "cut fuel/power (relay)".into(),
            Action::RelayRestore => "restore fuel/power (relay)".into(),
            Action::Custom(t) => format!("custom command '{t}'"),
        }
    }
}

/// One step of setting a unit up by SMS, for the installer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStep {
    /// What the step does ("server address").
    pub what: &'static str,
    /// The SMS text to send.
    pub sms: String,
    /// A caveat ("the password is 123456 from the factory; use the unit's own").
    pub note: &'static str,
}

/// Where the unit should send its reports, for [`Hooks::setup`].
#[derive(Debug, Clone)]
pub struct SetupTarget<'a> {
    /// Address (IP or name) the unit must reach.
    pub host: &'a str,
    /// Port.
    pub port: u16,
    /// True to report over UDP.
    pub udp: bool,
}

/// Session-level advice a generic finding asks of the device's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// The unit logs in or sends heartbeats but never reports: how to switch tracking on.
    ActivateTracking,
    /// The unit's clock zone is wrong: how to set it (hours east of UTC).
    SetTimezone(i32),
    /// The platform never accepts the login: what the unit needs from it.
    LoginNotAccepted,
}

/// What a platform answers to a device's frame: the bytes to send back, if any.
pub type ReplyFn = fn(&Message, &[u8], &ReplyOptions) -> Option<Vec<u8>>;
/// The bytes of a command to a device (`None`: the protocol has no such command).
pub type CommandFn = fn(&Action, Option<&Imei>) -> Option<Vec<u8>>;
/// Protocol-specific words for a generic finding.
pub type AdviceFn = fn(Advice, Option<&Imei>) -> Option<String>;

/// The optional behaviour of a protocol. Start from [`Hooks::NONE`].
#[derive(Clone, Copy)]
pub struct Hooks {
    /// Classes an alarm frame (called for messages with `alarm` set).
    pub alarm_class: Option<fn(&Message, &[u8]) -> AlarmClass>,
    /// A fresh conversation checker, one per flow.
    pub session: Option<fn() -> Box<dyn Session>>,
    /// A fresh media assembler, one per run.
    pub media: Option<fn() -> Box<dyn Media>>,
    /// What a platform answers to a device's frame (live server mode); `None`: nothing.
    pub reply: Option<ReplyFn>,
    /// The bytes of a command to a device; `None` when the protocol has no such command.
    pub command: Option<CommandFn>,
    /// SMS steps that point a unit at a server.
    pub setup: Option<fn(&SetupTarget<'_>) -> Vec<SetupStep>>,
    /// Protocol-specific words for a generic finding.
    pub advice: Option<AdviceFn>,
}

impl Hooks {
    /// No hooks: the protocol frames and decodes, nothing more.
    pub const NONE: Hooks = Hooks {
        alarm_class: None,
        session: None,
        media: None,
        reply: None,
        command: None,
        setup: None,
        advice: None,
    };
}

/// A diagnostic about a whole frame (no field), for session checkers.
pub fn frame_diag(
    severity: super::Severity,
    code: &'static str,
    message: impl Into<std::borrow::Cow<'static, str>>,
    len: usize,
) -> Diagnostic {
    Diagnostic::new(severity, code, message, super::Span::new(0, len))
}
