//! Words and numbers as people read them, shared by the command line and the window: capture
//! times, durations, clock offsets.

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
