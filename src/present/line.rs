//! A frame in one line of text: the line of `decode` and the window's "Copy as text line".

use std::fmt::Write;

use super::summary::summary;
use super::time::{fmt_fix_age, fmt_ts};
use crate::pipeline::Decoded;

/// The one-line summary of a frame.
pub fn frame_line(d: &Decoded<'_>) -> String {
    let m = &d.message;
    let (src, dst) = d.endpoints();
    let mut s = format!(
        "#{:<5} {} {}",
        d.index,
        d.ts.map_or_else(|| "-".to_string(), fmt_ts),
        d.flow.transport
    );
    if src.is_some() || dst.is_some() {
        let a =
            |x: Option<std::net::SocketAddr>| x.map_or_else(|| "?".to_string(), |v| v.to_string());
        let _ = write!(s, " {} -> {}", a(src), a(dst));
    } else {
        let _ = write!(s, " {}", d.direction.arrow());
    }
    let _ = write!(
        s,
        " {} {:<13} {:<15} {}",
        d.protocol.name,
        m.kind.as_str(),
        d.device.map_or_else(|| "-".to_string(), |i| i.to_string()),
        summary(m, d.bytes)
    );
    if let Some(age) = m.clock_offset_s(d.ts).and_then(fmt_fix_age) {
        let _ = write!(s, " ({age})");
    }
    if !m.diagnostics.is_empty() {
        let badges: Vec<String> = m
            .diagnostics
            .iter()
            .map(|x| format!("{}:{}", x.severity.letter(), x.code))
            .collect();
        let _ = write!(s, "  [{}]", badges.join(" "));
    }
    s
}
