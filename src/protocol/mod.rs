//! The protocol layer: framing, detection and decoding. Knows nothing of pcap or egui.
//!
//! Each protocol is one folder with one [`Protocol`] descriptor (name, probe, framer, decoder),
//! listed once in [`REGISTRY`], the way Suricata registers its application-layer parsers.
//! Adding a protocol means adding its folder and one line there. The probe is cheap and
//! separate from decoding; [`stream`] runs the probes per flow direction, keeps the verdict
//! with its reason, and re-checks it when frames stop fitting.

pub mod bn407;
mod diag;
mod field;
pub mod firmware;
mod framing;
pub mod gt06;
pub mod h02;
mod hooks;
pub mod kit;
pub mod meitrack;
mod message;
pub mod nmea;
pub mod osmand;
pub mod queclink;
pub mod stream;
pub mod suntech;
pub mod teltonika;
pub mod text;
pub mod tk103;
pub mod unknown;
pub mod watch;
pub mod xexun;

/// Times of fields as text; defined with every other time format in [`crate::present::time`].
pub use crate::present::time::{fmt_local_ms, fmt_utc_ms};
pub use diag::{Diagnostic, Severity};
pub use field::{Builder, FieldDef, Node, Span, Tree, Unit, Value, display, trim_float};
pub use firmware::{Firmware, Generation, Tags};
pub use framing::{FrameFlags, FrameSink, Framer, RawFrame};
pub use hooks::{
    Action, Advice, AdviceFn, AlarmClass, CommandFn, Hooks, Media, MediaItem, ReplyFn,
    ReplyOptions, Session, SetupStep, SetupTarget, frame_diag,
};
pub use message::{Direction, Fix, Imei, Kind, Message, Vitals, luhn_ok};

/// A probe's verdict on the first bytes of a flow direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// 0..=100; 90 and above is certain, below 50 a guess.
    pub confidence: u8,
    /// Why, in words a support engineer reads ("starts with `imei:` and a 15-digit IMEI").
    pub reason: &'static str,
    /// Which way these bytes travel, when the bytes tell (a login goes to the server).
    pub direction: Direction,
}

/// What a probe says about the bytes it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    /// These bytes are this protocol.
    Match(Verdict),
    /// Too few bytes to tell; show more.
    NeedMore,
    /// Not this protocol.
    No,
}

/// One protocol's registration.
pub struct Protocol {
    /// Short name, as in JSON and filters (`bn407`).
    pub name: &'static str,
    /// Human title.
    pub title: &'static str,
    /// Ports its platforms usually listen on.
    pub ports: &'static [u16],
    /// Names tracking servers give it in their logs and settings (Traccar calls the BN-407
    /// protocol `gps103`), for telling whether a server took a unit for what it sends.
    pub aliases: &'static [&'static str],
    /// Looks at the first bytes of a flow direction.
    pub probe: fn(&[u8]) -> ProbeResult,
    /// A fresh framer for one direction.
    pub framer: fn(Direction) -> Box<dyn Framer>,
    /// Decodes one frame; adds nodes to the tree when one is given.
    pub decode: fn(&[u8], Direction, &mut Builder<'_>) -> Message,
    /// Every field the decoder can produce (for filters and documentation).
    pub fields: &'static [&'static FieldDef],
    /// Firmware generations and tags of this protocol ([`Firmware::NONE`] when it has none).
    pub firmware: &'static Firmware,
    /// Alarms, conversation checks, media, live answers, commands, set-up ([`Hooks::NONE`]).
    pub hooks: Hooks,
}

impl Protocol {
    /// A protocol's decoding parts (probe, framer, decoder and its fields), with no firmware
    /// generations and no hooks: the base a family's registration completes with its name,
    /// ports and aliases (`Protocol { name: .., ..Protocol::parts(..) }`).
    pub const fn parts(
        probe: fn(&[u8]) -> ProbeResult,
        framer: fn(Direction) -> Box<dyn Framer>,
        decode: fn(&[u8], Direction, &mut Builder<'_>) -> Message,
        fields: &'static [&'static FieldDef],
    ) -> Protocol {
        Protocol {
            name: "",
            title: "",
            ports: &[],
            aliases: &[],
            probe,
            framer,
            decode,
            fields,
            firmware: &Firmware::NONE,
            hooks: Hooks::NONE,
        }
    }
    /// True for the protocol the platform expects ([`HOME`]); flows of any other protocol are
    /// reported as "not the home protocol".
    pub fn is_home(&self) -> bool {
        std::ptr::eq(self, HOME)
    }
    /// The class of an alarm message (`Other` when the protocol does not class alarms).
    pub fn alarm_class(&self, m: &Message, frame: &[u8]) -> AlarmClass {
        self.hooks
            .alarm_class
            .map_or(AlarmClass::Other, |f| f(m, frame))
    }
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every protocol the analyzer knows, in probing order. One line per protocol.
pub static REGISTRY: &[&Protocol] = &[
    &bn407::PROTOCOL,
    &gt06::PROTOCOL,
    &nmea::PROTOCOL,
    &tk103::PROTOCOL,
    &h02::PROTOCOL,
    &teltonika::PROTOCOL,
    &meitrack::PROTOCOL,
    &queclink::PROTOCOL,
    &osmand::PROTOCOL,
    &xexun::PROTOCOL,
    &watch::PROTOCOL,
    &suntech::PROTOCOL,
];

/// The protocol the platform expects on its port: the others are named, decoded as far as they
/// go, and reported as "not this protocol".
pub static HOME: &Protocol = &bn407::PROTOCOL;

/// Every protocol including the fallback for unrecognised bytes; a protocol's position here is
/// its stable compact code.
pub fn all() -> impl Iterator<Item = &'static Protocol> {
    REGISTRY.iter().copied().chain([&unknown::PROTOCOL])
}

/// Text to show for raw bytes: the text itself when every byte is printable ASCII (or a line
/// end), else lower-case hex.
pub fn raw_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let printable = bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\r' || b == b'\n' || b == b'\t');
    match std::str::from_utf8(bytes) {
        Ok(s) if printable => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(hex(bytes)),
    }
}

/// Lower-case hex of bytes, no separators.
pub fn hex(bytes: &[u8]) -> String {
    let digit = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 0x0f));
    }
    s
}

/// The protocol a server calls `name` (its own name or one of its aliases), ignoring case.
pub fn by_alias(name: &str) -> Option<&'static Protocol> {
    all().find(|p| {
        p.name.eq_ignore_ascii_case(name) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// Finds a protocol by name (including `unknown`).
pub fn by_name(name: &str) -> Option<&'static Protocol> {
    all().find(|p| p.name == name)
}

/// Runs every probe on `bytes`: the most confident match, or `NeedMore` if any probe wants more.
pub fn detect(bytes: &[u8]) -> (Option<(&'static Protocol, Verdict)>, bool) {
    let mut best: Option<(&'static Protocol, Verdict)> = None;
    let mut need_more = false;
    for p in REGISTRY {
        match (p.probe)(bytes) {
            ProbeResult::Match(v) => {
                if best.is_none_or(|(_, b)| v.confidence > b.confidence) {
                    best = Some((p, v));
                }
            }
            ProbeResult::NeedMore => need_more = true,
            ProbeResult::No => {}
        }
    }
    (best, need_more)
}

/// Decodes one frame with `protocol`, adding the framer's findings (truncation, size, gaps).
pub fn decode_frame(
    protocol: &Protocol,
    frame: &RawFrame<'_>,
    dir: Direction,
    tree: Option<&mut Tree>,
) -> Message {
    let f = frame.flags;
    // The rest of an over-long frame is not a message: decoding it would report the same
    // damage again for every piece (a 100 KiB line made 25 "IMEI of 4096 digits" errors).
    // The first piece's one `frame.too_long` says what happened.
    let mut msg = if f.continuation {
        Message {
            title: Some("rest of an over-long frame (not decoded)"),
            ..Message::default()
        }
    } else {
        let mut b = Builder::new(tree);
        (protocol.decode)(frame.bytes, dir, &mut b)
    };
    if msg.alarm && msg.alarm_class.is_none() {
        msg.alarm_class = Some(protocol.alarm_class(&msg, frame.bytes));
    }
    let all = Span::new(0, frame.bytes.len());
    if f.truncated {
        msg.diag(Diagnostic::new(
            Severity::Error,
            "frame.truncated",
            "the stream ended before this frame's terminator: the frame is cut off",
            all,
        ));
    }
    if f.too_long && !f.continuation {
        // What the decoder found wrong in a frame cut short is the cut's doing: one finding
        // for the whole over-long frame, its pieces up to the next terminator included.
        msg.diagnostics.clear();
        msg.diag(Diagnostic::new(
            Severity::Error,
            "frame.too_long",
            "frame longer than any real message (4 KiB): cut here; the rest, up to the next terminator, follows as pieces that are not decoded",
            all,
        ));
    }
    let end = frame.bytes.len();
    for (missing, at, place) in [
        (f.gap_before, 0, "before this frame"),
        (f.gap_after, end, "after this frame: it is incomplete"),
    ] {
        if missing > 0 {
            msg.diag(Diagnostic::new(
                Severity::Warning,
                "tcp.gap",
                format!("{missing} bytes missing from the capture {place}"),
                Span::new(at, at),
            ));
        }
    }
    msg
}
