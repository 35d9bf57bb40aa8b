//! The few words that tell most about a frame, shared by the text output and the window's
//! list and conversation.

use super::time::fmt_utc_ms;
use super::units::{fmt_position, fmt_speed};
use crate::protocol::{Kind, Message};

/// Position, speed, alarm or whatever tells most about the frame, in a few words.
pub fn summary(m: &Message, frame: &[u8]) -> String {
    let mut s = String::new();
    let kw = m.keyword_text(frame).unwrap_or("");
    match m.kind {
        Kind::Report | Kind::Obd | Kind::Command | Kind::Info | Kind::CommandReply => {
            if !kw.is_empty() {
                s.push_str(kw);
            } else if let Some(t) = m.title {
                s.push_str(t);
            } else if m.kind == Kind::Report && m.keyword.is_some() {
                s.push_str("(no keyword)");
            }
            if let Some(meaning) = m.keyword_meaning
                && !meaning.eq_ignore_ascii_case(kw)
                && meaning != "periodic report"
            {
                s.push_str(&format!(" ({meaning})"));
            }
            if m.alarm {
                s.push_str(" ALARM");
            }
        }
        Kind::Photo => s.push_str(m.title.unwrap_or("photo packet")),
        Kind::Login => s.push_str("login"),
        Kind::Heartbeat => s.push_str("heartbeat"),
        Kind::LoginAck => s.push_str(&word_with(frame, "login accepted")),
        Kind::HeartbeatAck => s.push_str(&word_with(frame, "heartbeat answered")),
        Kind::Ack => {
            s.push_str("acknowledgement");
            if let Some(meaning) = m.keyword_meaning {
                s.push_str(&format!(" ({meaning})"));
            }
        }
        Kind::TimeRequest => s.push_str("time request"),
        Kind::TimeReply => s.push_str("time reply"),
        Kind::Unknown => {
            let text: String = frame
                .iter()
                .take(40)
                .map(|&b| {
                    if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            s.push_str(&format!("{} bytes: {text}", frame.len()));
        }
    }
    if let Some(f) = m.fix {
        s.push_str(&format!(
            "  {} {}",
            fmt_position(f.lat, f.lon),
            if f.valid { "valid" } else { "INVALID" }
        ));
        if let Some(v) = f.speed_kmh {
            s.push_str(&format!(" {}", fmt_speed(f64::from(v))));
        }
        if let Some(t) = f.time {
            s.push_str(&format!(" @{}", fmt_utc_ms(t)));
        }
    }
    if m.fix.is_none() && m.kind == Kind::Report {
        s.push_str("  no position");
    }
    let v = &m.vitals;
    if let Some(b) = v.battery {
        s.push_str(&format!(" bat {b:.0}%"));
    }
    if s.is_empty() {
        s.push_str(m.kind.as_str());
    }
    s
}

/// `LOAD (login accepted)` for a short printable answer, else just what it means.
fn word_with(frame: &[u8], meaning: &str) -> String {
    let word = frame
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    match frame.get(..word) {
        Some(w) if (1..=8).contains(&word) && frame.len() <= word + 2 => {
            format!("{} ({meaning})", String::from_utf8_lossy(w))
        }
        _ => meaning.to_string(),
    }
}
