//! The fallback for flows no probe recognises: bytes shown as they are, never dropped.

use super::text::{TextFramer, TextRules};
use super::{
    Builder, Diagnostic, Direction, FieldDef, Framer, Kind, Message, ProbeResult, Protocol,
    Severity, Span, Unit, Value,
};

/// Raw bytes of an unrecognised flow.
pub static DATA: FieldDef = FieldDef::new(
    "data",
    "Data",
    Unit::Bytes,
    "Bytes of a flow no known protocol matches",
);

/// Registration of the fallback.
pub static PROTOCOL: Protocol = Protocol {
    name: "unknown",
    title: "Unknown protocol",
    ports: &[],
    aliases: &[],
    ..Protocol::parts(|_| ProbeResult::No, framer, decode, &[&DATA])
};

fn framer(_dir: Direction) -> Box<dyn Framer> {
    // Cut at line ends and at a bounded size; datagrams and log messages end units anyway.
    Box::new(TextFramer::new(TextRules {
        terminators: b"\n",
        not_at_start: b"",
        words: &[],
        max_len: 1024,
        oversize_is_error: false,
    }))
}

fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let s = Span::new(0, frame.len());
    b.add(&DATA, s, Value::Blob(frame.len() as u32));
    let mut m = Message {
        kind: Kind::Unknown,
        ..Default::default()
    };
    m.diag(Diagnostic::new(
        Severity::Warning,
        "protocol.unknown",
        "bytes of a flow no known protocol matches",
        s,
    ));
    m
}
