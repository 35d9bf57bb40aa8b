//! Decoding of one NMEA sentence: the talker and type, the checksum, and the position of
//! `RMC` (date, time, validity, position, speed, course) and `GGA` (time of day, position,
//! fix quality, satellites, altitude) sentences.

use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{Builder, Direction, FieldDef, Kind, Message, Span, Value};

fields! {
    SENTENCE = "nmea.sentence", "Sentence", None, "Talker and sentence type ('GPRMC': GPS, recommended minimum)";
    TIME = "nmea.time", "UTC time", None, "UTC time of the fix, hhmmss.ss";
    DATE = "nmea.date", "Date", None, "UTC date of the fix, ddmmyy";
    FIX_TIME = "nmea.fix_time", "Fix time (UTC)", None, "Date and time of the fix";
    STATUS = "nmea.status", "Status", None, "A: valid fix, V: receiver warning (no valid fix)";
    LATITUDE = "nmea.latitude", "Latitude", Degrees, "Latitude, ddmm.mmmm on the wire, signed decimal degrees as value";
    LONGITUDE = "nmea.longitude", "Longitude", Degrees, "Longitude, dddmm.mmmm on the wire, signed decimal degrees as value";
    SPEED = "nmea.speed", "Speed", Knots, "Speed over ground in knots";
    COURSE = "nmea.course", "Course", Degrees, "Course over ground, degrees true";
    QUALITY = "nmea.quality", "Fix quality", None, "GGA fix quality: 0 none, 1 GPS, 2 DGPS, ...";
    SATELLITES = "nmea.satellites", "Satellites", None, "Satellites used";
    ALTITUDE = "nmea.altitude", "Altitude", Metres, "Antenna altitude above mean sea level";
    DATA = "nmea.data", "Fields", None, "Fields of a sentence type the analyzer does not decode";
    CHECKSUM = "nmea.checksum", "Checksum", None, "XOR of the bytes between '$' and '*', two hex digits";
    JUNK = "nmea.junk", "Not NMEA", Bytes, "Bytes that are not an NMEA sentence";
}

/// Decodes one sentence (either direction: only devices send NMEA).
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let trimmed = frame.len() - kit::trailing_line_end(frame);
    let body = frame.get(..trimmed).unwrap_or(&[]);
    if body.first() != Some(&b'$') || body.len() < 7 {
        d.junk(
            &JUNK,
            "nmea.junk",
            "not an NMEA sentence (no '$' and talker)",
        );
        return d.msg;
    }
    // Checksum: `*hh` at the end.
    let star = body.iter().rposition(|&c| c == b'*');
    let end = star.unwrap_or(body.len());
    checksum(&mut d, end, body.len());
    let f = kit::split(frame, 1, end, b',');
    let Some(&name) = f.first() else {
        return d.msg;
    };
    let ty = d.text(name).get(2..).unwrap_or(&[]);
    let meaning = match ty {
        b"RMC" => Some("recommended minimum: time, date, position, speed"),
        b"GGA" => Some("fix data: time, position, quality, altitude"),
        b"GSA" => Some("satellites and dilution of precision"),
        b"GSV" => Some("satellites in view"),
        b"VTG" => Some("course and speed"),
        b"GLL" => Some("geographic position"),
        _ => None,
    };
    d.command(&SENTENCE, name, meaning);
    d.msg.kind = Kind::Info;
    match ty {
        b"RMC" => rmc(&mut d, &f, &NMEA_RMC),
        b"GGA" => gga(&mut d, &f),
        _ => {
            if let (Some(first), Some(last)) = (f.get(1), f.last()) {
                d.raw(&DATA, first.join(*last));
            }
        }
    }
    d.msg
}

fn checksum(d: &mut Dec<'_, '_, '_>, star: usize, end: usize) {
    let s = Span::new(star, end);
    let Some(hex) = d.frame.get(star + 1..end).filter(|h| h.len() == 2) else {
        d.warn(
            "nmea.checksum",
            "the sentence has no '*hh' checksum",
            Span::new(star, end),
            &CHECKSUM,
        );
        return;
    };
    let want = kit::hex_byte(hex);
    let got = d
        .frame
        .get(1..star)
        .unwrap_or(&[])
        .iter()
        .fold(0u8, |a, &c| a ^ c);
    d.raw(&CHECKSUM, s);
    match want {
        Some(w) if w == got => {}
        Some(w) => {
            let m = format!("checksum {w:02X} does not match the sentence (XOR is {got:02X})");
            d.error("nmea.checksum", m, s, &CHECKSUM);
        }
        None => d.error(
            "nmea.checksum",
            "the checksum is not two hex digits",
            s,
            &CHECKSUM,
        ),
    }
}

/// Time of day `hhmmss[.sss]` in milliseconds.
pub(super) fn time_of_day(t: &[u8]) -> Option<u32> {
    let (h, m, s) = (kit::two(t, 0)?, kit::two(t, 2)?, kit::two(t, 4)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let frac = match t.get(6..) {
        None | Some([]) => 0.0,
        Some(f) => kit::decimal(f)?,
    };
    // A fraction of a second (`.sss`); digits past the seconds without a point are not one.
    if !(0.0..1.0).contains(&frac) {
        return None;
    }
    Some((h * 3600 + m * 60 + s) * 1000 + (frac * 1000.0).round() as u32)
}

/// Latitude at `f[i]`, `f[i+1]` and longitude at `f[i+2]`, `f[i+3]`.
fn position(d: &mut Dec<'_, '_, '_>, f: &[Span], i: usize, defs: &Rmc) -> Option<(f64, f64)> {
    // A coordinate with no hemisphere letter is read as north or east, and said (as units of
    // other families send it; the BN-407 decoder does the same).
    let coord = |d: &mut Dec<'_, '_, '_>, at: usize, def, (plus, side): (u8, &str)| {
        let (v, h) = (*f.get(at)?, *f.get(at + 1)?);
        if d.text(v).is_empty() {
            return None;
        }
        let missing = d.text(h).is_empty();
        let c = d.coordinate(def, v, h, defs.coordinate, |t, hemi| {
            kit::ddmm(t, if missing { plus } else { hemi })
        })?;
        if missing {
            let m = format!("no hemisphere letter after {}: assumed {side}", d.str(v));
            d.warn(defs.hemisphere, m, v.join(h), def);
        }
        Some(c)
    };
    let lat = coord(d, i, defs.latitude, (b'N', "north"));
    let lon = coord(d, i + 2, defs.longitude, (b'E', "east"));
    Some((lat?, lon?))
}

/// The fields an RMC sentence fills: raw NMEA names its own, and a protocol that embeds the
/// sentence (Xexun) passes its own, so the same reader serves both.
pub struct Rmc {
    /// UTC time of day.
    pub time: &'static FieldDef,
    /// A / V.
    pub status: &'static FieldDef,
    /// Latitude.
    pub latitude: &'static FieldDef,
    /// Longitude.
    pub longitude: &'static FieldDef,
    /// Speed in knots.
    pub speed: &'static FieldDef,
    /// Course.
    pub course: &'static FieldDef,
    /// ddmmyy.
    pub date: &'static FieldDef,
    /// Date and time together (derived).
    pub fix_time: &'static FieldDef,
    /// Diagnostic code of a malformed coordinate.
    pub coordinate: &'static str,
    /// Diagnostic code of a coordinate with no hemisphere letter.
    pub hemisphere: &'static str,
}

/// An [`Rmc`] of the field statics named `TIME`, `STATUS`, `LATITUDE`, `LONGITUDE`, `SPEED`,
/// `COURSE`, `DATE` and `FIX_TIME` where it is written (each protocol's `fields!` declares its
/// own), with `$coordinate` as the code of a malformed coordinate and `$hemisphere` of a missing
/// hemisphere letter.
macro_rules! rmc_fields {
    ($coordinate:literal, $hemisphere:literal) => {
        $crate::protocol::nmea::Rmc {
            time: &TIME,
            status: &STATUS,
            latitude: &LATITUDE,
            longitude: &LONGITUDE,
            speed: &SPEED,
            course: &COURSE,
            date: &DATE,
            fix_time: &FIX_TIME,
            coordinate: $coordinate,
            hemisphere: $hemisphere,
        }
    };
}
pub(crate) use rmc_fields;

/// Raw NMEA's own RMC fields.
static NMEA_RMC: Rmc = rmc_fields!("nmea.coordinate", "nmea.hemisphere_missing");

/// Reads an RMC sentence whose fields are `f` (`f[0]` the sentence name) into nodes of
/// `defs` and the message's fix; the kind becomes `Report`.
pub fn rmc(d: &mut Dec<'_, '_, '_>, f: &[Span], defs: &Rmc) {
    let at = |i: usize| f.get(i).copied().unwrap_or_default();
    let tod = time_of_day(d.text(at(1)));
    if let Some(t) = tod {
        d.add(defs.time, at(1), Value::TimeOfDay(t));
    }
    let valid = d.text(at(2)) == b"A";
    let meaning = if valid { "valid fix" } else { "no valid fix" };
    d.add(defs.status, at(2), Value::Enum(meaning));
    let pos = position(d, f, 3, defs);
    let speed = d.num(defs.speed, at(7));
    let course = d.num(defs.course, at(8));
    d.raw(defs.date, at(9));
    let time = kit::ddmmyy_hhmmss(d.text(at(9)), d.text(at(1)))
        .map(|ms| ms + i64::from(tod.unwrap_or(0) % 1000));
    if let Some(ms) = time {
        d.b.derived(defs.fix_time, at(1).join(at(9)), Value::UtcTime(ms));
    }
    d.msg.kind = Kind::Report;
    d.fix(
        pos,
        time,
        valid,
        speed.map(kit::knots_to_kmh),
        course.map(|c| c as f32),
    );
}

fn gga(d: &mut Dec<'_, '_, '_>, f: &[Span]) {
    let at = |i: usize| f.get(i).copied().unwrap_or_default();
    if let Some(t) = time_of_day(d.text(at(1))) {
        d.add(&TIME, at(1), Value::TimeOfDay(t));
    }
    let pos = position(d, f, 2, &NMEA_RMC);
    let quality = d.num(&QUALITY, at(6));
    d.num(&SATELLITES, at(7));
    d.altitude(&ALTITUDE, at(9));
    d.msg.kind = Kind::Report;
    d.fix(pos, None, quality.is_some_and(|q| q > 0.0), None, None);
}
