//! Parsers for the value types of BN-407 fields: IMEI, times, coordinates, numbers.
//! Each takes the raw bytes of one field and never panics.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// True when every byte is an ASCII digit (and there is at least one).
pub fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Value of up to 9 ASCII digits (callers check they are digits).
pub fn digits_value(b: &[u8]) -> u32 {
    b.iter()
        .take(9)
        .fold(0u32, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// Parses a decimal number: optional sign, digits, optional fraction. No exponent, no spaces
/// (unlike [`crate::protocol::kit::decimal`], which skips padding).
pub fn parse_decimal(b: &[u8]) -> Option<f64> {
    if b.first() == Some(&b' ') {
        return None;
    }
    crate::protocol::kit::decimal(b)
}

/// A device-local report time in one of the known formats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LocalTime {
    /// A valid date-time, and which form it had.
    Valid(NaiveDateTime, TimeForm),
    /// All zeros: the clock is unset.
    Unset,
    /// Empty field.
    Missing,
    /// A known form with a component out of range: diagnostic code and message.
    OutOfRange(&'static str, &'static str),
    /// Not a known form.
    Unknown,
}

/// The written form of a local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeForm {
    /// `YYMMDDhhmm`
    Ten,
    /// `YYMMDDhhmmss`
    Twelve,
    /// `YY/MM/DD hh:mm`
    Slash,
}

/// Parses the report's local time field.
pub fn parse_local_time(b: &[u8]) -> LocalTime {
    if b.is_empty() {
        return LocalTime::Missing;
    }
    let mut digits = [0u8; 12];
    let form = if all_digits(b) {
        match b.len() {
            10 => TimeForm::Ten,
            12 => TimeForm::Twelve,
            _ if b.iter().all(|&c| c == b'0') => return LocalTime::Unset,
            _ => return LocalTime::Unknown,
        }
    } else if b.len() == 14
        && b.get(2) == Some(&b'/')
        && b.get(5) == Some(&b'/')
        && b.get(8) == Some(&b' ')
        && b.get(11) == Some(&b':')
    {
        TimeForm::Slash
    } else {
        return LocalTime::Unknown;
    };
    let mut n = 0;
    for &c in b {
        if c.is_ascii_digit() {
            if let Some(slot) = digits.get_mut(n) {
                *slot = c;
            }
            n += 1;
        } else if form != TimeForm::Slash {
            return LocalTime::Unknown;
        }
    }
    if (form == TimeForm::Slash && n != 10) || n > 12 {
        return LocalTime::Unknown;
    }
    let part = |i: usize| digits.get(i..i + 2).map_or(0, digits_value);
    let (yy, mo, dd, hh, mi) = (part(0), part(2), part(4), part(6), part(8));
    let ss = if form == TimeForm::Twelve {
        part(10)
    } else {
        0
    };
    if yy == 0 && mo == 0 && dd == 0 {
        return LocalTime::Unset;
    }
    match calendar(2000 + yy as i32, mo, dd, hh, mi, ss, 0) {
        Ok(dt) => LocalTime::Valid(dt, form),
        Err((code, msg)) => LocalTime::OutOfRange(code, msg),
    }
}

/// Builds a date-time, naming the first component out of range.
pub fn calendar(
    y: i32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
) -> Result<NaiveDateTime, (&'static str, &'static str)> {
    if !(1..=12).contains(&mo) {
        return Err(("time.month_range", "month must be 01 to 12"));
    }
    let Some(date) = NaiveDate::from_ymd_opt(y, mo, d) else {
        return Err(("time.day_range", "day does not exist in that month"));
    };
    let time = time_of_day(h, mi, s, ms)?;
    Ok(date.and_time(time))
}

/// Builds a time of day, naming the first component out of range.
pub fn time_of_day(
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
) -> Result<NaiveTime, (&'static str, &'static str)> {
    if h > 23 {
        return Err(("time.hour_range", "hour must be 00 to 23"));
    }
    if mi > 59 {
        return Err(("time.minute_range", "minutes must be 00 to 59"));
    }
    if s > 59 {
        return Err(("time.second_range", "seconds must be 00 to 59"));
    }
    NaiveTime::from_hms_milli_opt(h, mi, s, ms).ok_or(("time.second_range", "seconds out of range"))
}

/// A UTC time-of-day field of a fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UtcTime {
    /// Valid; `true` when written without milliseconds (`hhmmss`).
    Valid(NaiveTime, bool),
    /// Empty.
    Missing,
    /// A number that is not a time (clones send `0.0`, `31.0`).
    Junk,
    /// Six digits with a component out of range.
    OutOfRange(&'static str, &'static str),
    /// Not a number.
    Bad,
}

/// Parses `hhmmss` or `hhmmss.sss`.
pub fn parse_utc_time(b: &[u8]) -> UtcTime {
    if b.is_empty() {
        return UtcTime::Missing;
    }
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (b.get(..i).unwrap_or(&[]), b.get(i + 1..)),
        None => (b, None),
    };
    if !all_digits(int) || frac.is_some_and(|f| !f.is_empty() && !all_digits(f)) {
        return UtcTime::Bad;
    }
    if int.len() != 6 {
        return UtcTime::Junk;
    }
    let ms = frac.map_or(0, |f| {
        f.iter()
            .copied()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
    });
    let p = |i: usize| int.get(i..i + 2).map_or(0, digits_value);
    match time_of_day(p(0), p(2), p(4), ms) {
        Ok(t) => UtcTime::Valid(t, frac.is_none()),
        Err((c, m)) => UtcTime::OutOfRange(c, m),
    }
}

/// A `ddmm.mmmm` coordinate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord {
    /// Unsigned decimal degrees.
    pub degrees: f64,
    /// Decimals of minutes (4 classic, 5 on 4G).
    pub decimals: usize,
    /// Digits before the decimal point.
    pub int_digits: usize,
}

/// Why a coordinate is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordError {
    /// Not `digits.digits`.
    Format,
    /// Minutes of 60 or more.
    Minutes,
}

/// Parses `ddmm.mmmm` / `dddmm.mmmmm` (also with the leading zero dropped).
pub fn parse_ddmm(b: &[u8]) -> Result<Coord, CoordError> {
    let dot = b.iter().position(|&c| c == b'.');
    let (int, frac) = match dot {
        Some(i) => (b.get(..i).unwrap_or(&[]), b.get(i + 1..).unwrap_or(&[])),
        None => (b, &[][..]),
    };
    if int.len() < 2
        || int.len() > 5
        || !all_digits(int)
        || (!frac.is_empty() && !all_digits(frac))
        || frac.len() > 9
    {
        return Err(CoordError::Format);
    }
    let split = int.len() - 2;
    let deg = f64::from(digits_value(int.get(..split).unwrap_or(&[])));
    let min_int = f64::from(digits_value(int.get(split..).unwrap_or(&[])));
    let min_frac = if frac.is_empty() {
        0.0
    } else {
        f64::from(digits_value(frac)) / 10f64.powi(frac.len() as i32)
    };
    let minutes = min_int + min_frac;
    if minutes >= 60.0 {
        return Err(CoordError::Minutes);
    }
    Ok(Coord {
        degrees: deg + minutes / 60.0,
        decimals: frac.len(),
        int_digits: int.len(),
    })
}

/// Milliseconds since the epoch of a naive date-time taken as UTC.
pub fn millis(dt: NaiveDateTime) -> i64 {
    dt.and_utc().timestamp_millis()
}

/// Derives the UTC date-time of a fix from the device-local date-time and the UTC time of day.
///
/// The local date is the only date sent; the UTC date is the local date, one day before or
/// after, whichever puts UTC within 12 hours of local time. Returns the UTC instant and the
/// zone offset (local minus UTC) rounded to 15 minutes, in seconds.
pub fn derive_utc(local: NaiveDateTime, utc_tod: NaiveTime) -> (NaiveDateTime, i32) {
    let mut utc = local.date().and_time(utc_tod);
    let diff = (local - utc).num_seconds();
    if diff > 12 * 3600 {
        utc += chrono::Duration::days(1);
    } else if diff < -12 * 3600 {
        utc -= chrono::Duration::days(1);
    }
    let diff = (local - utc).num_seconds();
    let offset = ((diff as f64 / 900.0).round() as i64 * 900) as i32;
    (utc, offset)
}

/// Year, month, day of a date-time (for tests and summaries).
pub fn ymd(dt: NaiveDateTime) -> (i32, u32, u32, u32, u32, u32) {
    (
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
    )
}
