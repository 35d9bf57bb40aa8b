//! Meanings of GT06 codes: protocol numbers, alarm codes, voltage and signal levels, upload
//! modes. Sources: the project's GT06 notes, the Concox GT06 communication protocol, and the
//! protocol numbers public decoders handle.

use crate::protocol::{AlarmClass, Kind};

/// A protocol number's name and the kind of message it is.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// Protocol number.
    pub ty: u8,
    /// Name for people.
    pub name: &'static str,
    /// Kind of the device's message.
    pub kind: Kind,
    /// True when this decoder reads its content field by field.
    pub decoded: bool,
}

const fn t(ty: u8, name: &'static str, kind: Kind, decoded: bool) -> TypeInfo {
    TypeInfo {
        ty,
        name,
        kind,
        decoded,
    }
}

/// Every protocol number known by name.
pub static TYPES: &[TypeInfo] = &[
    t(0x01, "login", Kind::Login, true),
    t(0x10, "GPS", Kind::Report, true),
    t(0x11, "GPS + LBS (wide cell)", Kind::Report, true),
    t(0x12, "GPS + LBS", Kind::Report, true),
    t(0x13, "status", Kind::Heartbeat, true),
    t(0x14, "satellites", Kind::Info, false),
    t(0x15, "string", Kind::CommandReply, true),
    t(0x16, "GPS + LBS + status (alarm)", Kind::Report, true),
    t(0x17, "Wi-Fi / LBS (address query)", Kind::Report, true),
    t(0x18, "multi-cell LBS (extended)", Kind::Report, true),
    t(0x19, "LBS + status (alarm)", Kind::Report, true),
    t(0x1a, "GPS + phone number", Kind::Report, true),
    t(0x1e, "GPS + multi-cell LBS", Kind::Report, true),
    t(0x1f, "time synchronisation", Kind::Info, false),
    t(0x21, "string (extended)", Kind::CommandReply, true),
    t(0x22, "GPS + LBS (2)", Kind::Report, true),
    t(0x23, "heartbeat", Kind::Heartbeat, true),
    t(0x24, "GPS + LBS (3)", Kind::Report, true),
    t(0x26, "GPS + LBS + status (alarm 2)", Kind::Report, true),
    t(0x27, "GPS + LBS + status (alarm 3)", Kind::Report, true),
    t(0x28, "multi-cell LBS", Kind::Report, true),
    t(0x2a, "GPS + address request", Kind::Report, true),
    t(0x2c, "multi-cell LBS + Wi-Fi", Kind::Report, true),
    t(0x2d, "GPS + LBS (4)", Kind::Report, true),
    t(0x2e, "multi-cell LBS (2)", Kind::Report, true),
    t(0x31, "GPS + LBS (5)", Kind::Report, false),
    t(0x32, "GPS + LBS + status (AZ735)", Kind::Report, false),
    t(0x33, "Wi-Fi / alarm (AZ735)", Kind::Report, false),
    t(0x34, "GPS (X1)", Kind::Report, false),
    t(0x35, "photo information", Kind::Photo, false),
    t(0x36, "photo data", Kind::Photo, false),
    t(0x37, "GPS + LBS + module (6)", Kind::Report, true),
    t(0x40, "battery management", Kind::Info, false),
    t(0x41, "multimedia", Kind::Photo, false),
    t(0x61, "vendor information", Kind::Info, false),
    t(0x65, "OBD fault codes", Kind::Obd, false),
    t(0x66, "OBD parameters", Kind::Obd, false),
    t(0x69, "Wi-Fi + LBS", Kind::Report, true),
    t(0x70, "modular GPS", Kind::Report, false),
    t(0x80, "server command", Kind::Command, true),
    t(0x81, "command / string (2)", Kind::CommandReply, true),
    t(0x82, "command (3)", Kind::Command, false),
    t(0x8a, "time request", Kind::TimeRequest, true),
    t(0x8c, "OBD data", Kind::Obd, false),
    t(0x94, "information", Kind::Info, true),
    t(0x95, "alarm (JC100)", Kind::Report, true),
    t(0x97, "address answer", Kind::Command, false),
    t(0x9b, "serial port data", Kind::Info, true),
    t(0xa0, "GPS + LBS (GK310)", Kind::Report, true),
    t(0xa1, "multi-cell LBS (GK310)", Kind::Report, true),
    t(0xa2, "multi-cell LBS + Wi-Fi (GK310)", Kind::Report, true),
    t(0xa3, "geofence alarm (GK310)", Kind::Report, false),
    t(0xa4, "multi-fence alarm (GK310)", Kind::Report, false),
    t(0xa5, "LBS alarm (GK310)", Kind::Report, false),
    t(0xa7, "LBS address request (GK310)", Kind::Report, false),
    t(0xf3, "Wi-Fi (4)", Kind::Report, false),
    t(0xfd, "version information", Kind::Info, false),
];

/// What a protocol number is, when known.
pub fn type_info(ty: u8) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.ty == ty)
}

/// Types a platform acknowledges with an empty frame of the same type (the notes' list).
pub fn acknowledged(ty: u8) -> bool {
    matches!(
        ty,
        0x01 | 0x10
            | 0x11
            | 0x12
            | 0x13
            | 0x15
            | 0x16
            | 0x18
            | 0x19
            | 0x1a
            | 0x1e
            | 0x22
            | 0x23
            | 0x24
            | 0x26
            | 0x27
            | 0x28
            | 0x2a
            | 0x2c
            | 0x2d
            | 0x2e
            | 0x37
            | 0x95
            | 0xa0
            | 0xa1
            | 0xa2
    )
}

/// An alarm code's meaning.
#[derive(Debug, Clone, Copy)]
pub struct Alarm {
    /// Stable event name (`sos`).
    pub event: &'static str,
    /// Words for people.
    pub meaning: &'static str,
    /// The class, `None` when the code is not an alarm (normal, ACC on).
    pub class: Option<AlarmClass>,
}

const fn a(event: &'static str, meaning: &'static str, class: Option<AlarmClass>) -> Alarm {
    Alarm {
        event,
        meaning,
        class,
    }
}

/// The alarm byte of status messages (0x16, 0x19, 0x26, 0x27, 0x13's first alarm byte).
pub fn alarm(code: u8) -> Option<Alarm> {
    use AlarmClass as C;
    Some(match code {
        0x00 => a("normal", "normal", None),
        0x01 => a("sos", "SOS", Some(C::Sos)),
        0x02 => a("power_cut", "power cut", Some(C::Power)),
        0x03 => a("vibration", "shock / vibration", Some(C::Sensor)),
        0x04 => a("geofence_enter", "entered fence", Some(C::Geofence)),
        0x05 => a("geofence_exit", "left fence", Some(C::Geofence)),
        0x06 => a("overspeed", "over speed", Some(C::Speed)),
        0x09 => a("movement", "moved (displacement)", Some(C::Movement)),
        0x0e => a("low_battery", "low external battery", Some(C::Battery)),
        0x0f => a("low_battery", "low battery", Some(C::Battery)),
        0x11 => a("power_off", "powered off", Some(C::Power)),
        0x13 => a("tampering", "tampering / removal", Some(C::Sensor)),
        0x14 => a("door", "door", Some(C::Vehicle)),
        0x23 => a("fall", "fall down", Some(C::Other)),
        0x29 => a("acceleration", "harsh acceleration", Some(C::Vehicle)),
        0x2a | 0x2b => a("cornering", "sharp turn", Some(C::Vehicle)),
        0x2c => a("accident", "collision", Some(C::Vehicle)),
        0x30 => a("braking", "harsh braking", Some(C::Vehicle)),
        0xfe => a("acc_on", "ACC on", None),
        0xff => a("acc_off", "ACC off", None),
        _ => return None,
    })
}

/// The alarm byte of 0x95 frames (JC100).
pub fn alarm_95(code: u8) -> Option<Alarm> {
    use AlarmClass as C;
    Some(match code {
        0x01 => a("sos", "SOS", Some(C::Sos)),
        0x80 => a("vibration", "vibration", Some(C::Sensor)),
        0x87 => a("overspeed", "over speed", Some(C::Speed)),
        0x90 => a("acceleration", "harsh acceleration", Some(C::Vehicle)),
        0x91 => a("braking", "harsh braking", Some(C::Vehicle)),
        0x92 => a("cornering", "sharp turn", Some(C::Vehicle)),
        0x93 => a("accident", "collision", Some(C::Vehicle)),
        _ => return None,
    })
}

/// Bits 3-5 of the terminal information byte.
pub fn status_alarm(bits: u8) -> &'static str {
    match bits {
        0 => "normal",
        1 => "shock",
        2 => "power cut",
        3 => "low battery",
        4 => "SOS",
        6 => "geofence",
        7 => "removal / over speed",
        _ => "reserved",
    }
}

/// The voltage level 0-6.
pub fn voltage_level(level: u64) -> Option<&'static str> {
    Some(match level {
        0 => "no power (shut down)",
        1 => "extremely low battery",
        2 => "very low battery (low battery alarm)",
        3 => "low battery (usable)",
        4 => "medium",
        5 => "high",
        6 => "full",
        _ => return None,
    })
}

/// The GSM signal level 0-4.
pub fn gsm(level: u64) -> Option<&'static str> {
    Some(match level {
        0 => "no signal",
        1 => "extremely weak",
        2 => "weak",
        3 => "good",
        4 => "strong",
        _ => return None,
    })
}

/// Why a 0x22 position was uploaded.
pub fn upload_mode(mode: u64) -> &'static str {
    match mode {
        0x00 => "timed",
        0x01 => "fixed distance",
        0x02 => "turning",
        0x03 => "ACC change",
        0x04 => "last position after stopping",
        0x05 => "network reconnect",
        0x06 => "ephemeris refresh",
        0x07 => "button",
        0x08 => "power on",
        0x0a => "static update",
        _ => "other",
    }
}

/// BCD bytes as digits; `None` when a nibble is past 9 (`F` fillers are dropped).
pub fn bcd_digits(b: &[u8]) -> Option<String> {
    let mut s = String::with_capacity(b.len() * 2);
    for &v in b {
        for n in [v >> 4, v & 0x0f] {
            match n {
                0..=9 => s.push(char::from(b'0' + n)),
                0x0f => {}
                _ => return None,
            }
        }
    }
    Some(s)
}
