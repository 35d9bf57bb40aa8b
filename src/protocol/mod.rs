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
mod message;
pub mod stream;
pub mod text;
pub mod unknown;

pub use diag::{Diagnostic, Severity};
pub use field::{
    Builder, FieldDef, Node, Span, Tree, Unit, Value, display, fmt_local_ms, fmt_utc_ms,
};
pub use firmware::{Generation, Tags};
pub use framing::{FrameFlags, FrameSink, Framer, RawFrame};
pub use message::{Direction, Fix, Imei, Kind, Message, Vitals};

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
    /// Looks at the first bytes of a flow direction.
    pub probe: fn(&[u8]) -> ProbeResult,
    /// A fresh framer for one direction.
    pub framer: fn(Direction) -> Box<dyn Framer>,
    /// Decodes one frame; adds nodes to the tree when one is given.
    pub decode: fn(&[u8], Direction, &mut Builder<'_>) -> Message,
    /// Every field the decoder can produce (for filters and documentation).
    pub fields: &'static [&'static FieldDef],
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every protocol the analyzer knows, in probing order.
pub static REGISTRY: &[&Protocol] = &[&bn407::PROTOCOL];

/// Finds a protocol by name (including `unknown`).
pub fn by_name(name: &str) -> Option<&'static Protocol> {
    REGISTRY
        .iter()
        .copied()
        .chain([&unknown::PROTOCOL])
        .find(|p| p.name == name)
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
    let mut b = Builder::new(tree);
    let mut msg = (protocol.decode)(frame.bytes, dir, &mut b);
    let all = Span::new(0, frame.bytes.len());
    let f = frame.flags;
    if f.truncated {
        msg.diag(Diagnostic::new(
            Severity::Error,
            "frame.truncated",
            "the stream ended before this frame's terminator: the frame is cut off",
            all,
        ));
    }
    if f.too_long {
        let text = if f.continuation {
            "rest of an over-long frame, skipped up to the next terminator"
        } else {
            "frame longer than any real message (4 KiB): cut here, framing resumes at the next terminator"
        };
        msg.diag(Diagnostic::new(
            Severity::Error,
            "frame.too_long",
            text,
            all,
        ));
    }
    if f.gap_before > 0 {
        msg.diag(Diagnostic::new(
            Severity::Warning,
            "tcp.gap",
            format!(
                "{} bytes missing from the capture before this frame",
                f.gap_before
            ),
            Span::new(0, 0),
        ));
    }
    if f.gap_after > 0 {
        msg.diag(Diagnostic::new(
            Severity::Warning,
            "tcp.gap",
            format!(
                "{} bytes missing from the capture after this frame: it is incomplete",
                f.gap_after
            ),
            Span::new(frame.bytes.len(), frame.bytes.len()),
        ));
    }
    msg
}
