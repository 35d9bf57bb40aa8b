//! Every time as people read it: capture times (ns since the epoch), a fix's time (ms), times
//! of day, durations and gaps, clock offsets and time zones, plot axes.
//!
//! A leaf: it knows nothing of the crate, so the protocols' field display and the model's
//! findings use it as well as the command line and the window.

/// A capture time (ns since the epoch) as RFC 3339 UTC, with microseconds when not whole.
pub fn fmt_ts(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let sub = ns.rem_euclid(1_000_000_000) as u32;
    match chrono::DateTime::from_timestamp(secs, sub) {
        Some(t) if sub != 0 => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => ns.to_string(),
    }
}

/// A capture time to the second, for sentences (`2024-05-01 10:00:00 UTC`).
pub fn fmt_when(ns: i64) -> String {
    match chrono::DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => ns.to_string(),
    }
}

/// A duration in seconds for people: `45 s`, `3 min`, `2 h 05 min`, `3 d 4 h`.
pub fn fmt_duration(secs: i64) -> String {
    let a = secs.unsigned_abs();
    let s = if a < 120 {
        format!("{a} s")
    } else if a < 3600 {
        let (m, r) = (a / 60, a % 60);
        if r == 0 || m >= 10 {
            format!("{m} min")
        } else {
            format!("{m} min {r:02} s")
        }
    } else if a < 86_400 {
        let (h, m) = (a / 3600, a % 3600 / 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m:02} min")
        }
    } else {
        let (d, h) = (a / 86_400, a % 86_400 / 3600);
        if h == 0 {
            format!("{d} d")
        } else {
            format!("{d} d {h} h")
        }
    };
    if secs < 0 { format!("-{s}") } else { s }
}

/// A clock offset in seconds as a signed duration (`+3 h`, `-45 s`).
pub fn fmt_clock(secs: i64) -> String {
    if secs < 0 {
        fmt_duration(secs)
    } else {
        format!("+{}", fmt_duration(secs))
    }
}

/// Clock offsets (capture time minus fix time) at least this large are shown, seconds.
pub const CLOCK_SHOWN_S: i64 = 600;

/// A position's age when it travelled, for a frame's summary: `fix 3 h 10 min old` or
/// `fix 2 h ahead`; `None` under [`CLOCK_SHOWN_S`].
pub fn fmt_fix_age(offset_s: i64) -> Option<String> {
    if offset_s >= CLOCK_SHOWN_S {
        Some(format!("fix {} old", fmt_duration(offset_s)))
    } else if -offset_s >= CLOCK_SHOWN_S {
        Some(format!("fix {} ahead", fmt_duration(-offset_s)))
    } else {
        None
    }
}

/// A time-zone offset in seconds (`+08:00`).
pub fn fmt_zone(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// A time in milliseconds since the epoch as RFC 3339 UTC (`2024-05-01T10:00:00Z`, with
/// milliseconds only when not whole).
pub fn fmt_utc_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 != 0 => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => ms.to_string(),
    }
}

/// A naive local time in milliseconds (`2024-05-01T18:00:00`).
pub fn fmt_local_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        None => ms.to_string(),
    }
}

/// A time of day in milliseconds since midnight (`10:00:00.250`); the milliseconds left out
/// when whole unless `always_ms`.
pub fn fmt_day_ms(ms: u32, always_ms: bool) -> String {
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if f == 0 && !always_ms {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{f:03}")
    }
}

/// Time of day (UTC) of a capture time in ns, with milliseconds (`10:00:00.250`).
pub fn fmt_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let sub = ns.rem_euclid(1_000_000_000) as u32;
    chrono::DateTime::from_timestamp(secs, sub)
        .map_or_else(|| ns.to_string(), |t| t.format("%H:%M:%S%.3f").to_string())
}

/// Time of day (UTC) of a capture time in ns, to the second (`10:00:00`).
pub fn fmt_time_s(ns: i64) -> String {
    chrono::DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0)
        .map_or_else(|| ns.to_string(), |t| t.format("%H:%M:%S").to_string())
}

/// A time gap in words: `+0.4 s`, `+2 min 5 s`, `+3 h 10 min`.
pub fn fmt_gap(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "+" };
    let s = ns.unsigned_abs() as f64 / 1e9;
    if s < 60.0 {
        format!("{sign}{s:.1} s")
    } else if s < 3600.0 {
        format!("{sign}{} min {} s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s < 86400.0 * 2.0 {
        format!(
            "{sign}{} h {} min",
            (s / 3600.0) as u64,
            (s % 3600.0 / 60.0) as u64
        )
    } else {
        format!("{sign}{} days", (s / 86400.0) as u64)
    }
}

/// A time (seconds since the Unix epoch) as a plot's axis shows it: time of day, with the date
/// when the range `span` (seconds) covers more than a day.
pub fn fmt_axis_time(t: f64, span: f64) -> String {
    let secs = t.floor() as i64;
    let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) else {
        return String::new();
    };
    if span > 2.0 * 86_400.0 {
        dt.format("%Y-%m-%d").to_string()
    } else if span > 86_400.0 {
        dt.format("%m-%d %H:%M").to_string()
    } else if span > 600.0 {
        dt.format("%H:%M").to_string()
    } else {
        dt.format("%H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(fmt_duration(45), "45 s");
        assert_eq!(fmt_duration(150), "2 min 30 s");
        assert_eq!(fmt_duration(3 * 3600 + 120), "3 h 02 min");
        assert_eq!(fmt_duration(-7200), "-2 h");
        assert_eq!(fmt_clock(90), "+90 s");
        assert_eq!(fmt_zone(8 * 3600), "+08:00");
        assert_eq!(fmt_zone(-5 * 3600 - 1800), "-05:30");
    }
}
