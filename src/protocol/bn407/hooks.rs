//! What the BN-407 protocol knows besides decoding: how its alarms class, how its photos are put
//! back together, what a platform answers (`LOAD`, `ON`, the SOS acknowledgement), how commands
//! and set-up SMS are worded (from the protocol notes, "Server replies and commands as deployed").

use super::keywords::{self, Keyword};
use super::photo::{self, Assembler, Photo};
use crate::protocol::{
    Action, Advice, AlarmClass, Hooks, Imei, Kind, Media, MediaItem, Message, ReplyOptions,
    SetupStep, SetupTarget,
};

/// The BN-407 hooks, named by its descriptor.
pub const HOOKS: Hooks = Hooks {
    alarm_class: Some(alarm_class),
    session: None,
    media: Some(media),
    reply: Some(reply),
    command: Some(command),
    setup: Some(setup),
    advice: Some(advice),
};

/// Classes an alarm keyword.
fn alarm_class(m: &Message, frame: &[u8]) -> AlarmClass {
    let kw = m.keyword.map(|s| s.slice(frame)).unwrap_or(&[]);
    let t = String::from_utf8_lossy(kw).to_ascii_lowercase();
    match keywords::classify(kw) {
        Keyword::Temperature(_) => return AlarmClass::Temperature,
        Keyword::Oil(_) => return AlarmClass::Fuel,
        _ => {}
    }
    match CLASSES.iter().find(|(k, _)| *k == t) {
        Some(&(_, class)) => class,
        None if t.ends_with(" alarm") => AlarmClass::Vehicle,
        None => AlarmClass::Other,
    }
}

/// Alarm keywords (lower case) that name their class; any other `... alarm` is a vehicle's.
const CLASSES: [(&str, AlarmClass); 7] = [
    ("help me", AlarmClass::Sos),
    ("stockade", AlarmClass::Geofence),
    ("speed", AlarmClass::Speed),
    ("move", AlarmClass::Movement),
    ("sensor alarm", AlarmClass::Sensor),
    ("ac alarm", AlarmClass::Power),
    ("low battery", AlarmClass::Battery),
];

/// Photos from `vt<N>` announcements and `vr` packets.
struct Photos(Assembler);

fn media() -> Box<dyn Media> {
    Box::new(Photos(Assembler::default()))
}

fn item(p: Photo) -> MediaItem {
    MediaItem {
        imei: Some(p.imei),
        expected: p.expected,
        received: p.received,
        missing: p.missing,
        complete: p.looks_like_jpeg,
        bytes: p.jpeg,
        extension: "jpg",
    }
}

impl Media for Photos {
    fn frame(&mut self, device: Imei, m: &Message, frame: &[u8]) -> Vec<MediaItem> {
        let mut out = Vec::new();
        if m.kind == Kind::Report
            && let Some(Keyword::PhotoStart(n)) =
                m.keyword.map(|s| keywords::classify(s.slice(frame)))
            && let Some(p) = self.0.announce(device, n)
        {
            out.push(item(p));
        }
        if m.kind == Kind::Photo
            && let Some(p) = photo::packet_of(frame)
            && let Some(done) = self.0.packet(device, p)
        {
            out.push(item(done));
        }
        out
    }
    fn finish(&mut self) -> Vec<MediaItem> {
        self.0.finish().into_iter().map(item).collect()
    }
    fn dropped(&self) -> u64 {
        self.0.dropped
    }
}

/// What a platform answers: `LOAD` to a login, `ON` to a heartbeat (also one glued to a
/// report), `**,imei:<IMEI>,E;` to an SOS when acknowledging is on.
fn reply(m: &Message, frame: &[u8], opts: &ReplyOptions) -> Option<Vec<u8>> {
    match m.kind {
        Kind::Login => Some(b"LOAD".to_vec()),
        Kind::Heartbeat => Some(b"ON".to_vec()),
        Kind::Report => {
            let glued = m.tags & super::firmware::GLUED_HEARTBEAT.bit != 0;
            let sos = opts.sos_ack
                && m.keyword
                    .is_some_and(|s| s.slice(frame).eq_ignore_ascii_case(b"help me"));
            let mut out = Vec::new();
            if glued {
                out.extend_from_slice(b"ON");
            }
            if sos && let Some(imei) = m.imei {
                out.extend_from_slice(format!("**,imei:{imei},E;").as_bytes());
            }
            (!out.is_empty()).then_some(out)
        }
        _ => None,
    }
}

/// The periodic interval as the protocol writes it: two digits and a unit (`30s`, `05m`,
/// `01h`), whole units only.
pub fn interval_text(secs: u32) -> String {
    if secs < 60 {
        format!("{:02}s", secs.max(1))
    } else if secs < 3600 {
        format!("{:02}m", secs / 60)
    } else {
        format!("{:02}h", (secs / 3600).min(99))
    }
}

/// A command `**,imei:<IMEI>,<code>[,<arg>];`. The notes show deployed servers sending it
/// without the `;` too; the analyzer sends it, because a terminated command reads back as one
/// frame from a recording whatever the segmentation.
fn command(a: &Action, imei: Option<&Imei>) -> Option<Vec<u8>> {
    let imei = imei?;
    let code = match a {
        Action::PositionNow => "B".to_string(),
        Action::Periodic(s) => format!("C,{}", interval_text(*s)),
        Action::Stop => "D".into(),
        Action::Arm => "L".into(),
        Action::Disarm => "M".into(),
        Action::Photo => "160".into(),
        Action::RelayCut => "J".into(),
        Action::RelayRestore => "K".into(),
        Action::Custom(t) => {
            let t = t.trim().trim_end_matches(';');
            if t.starts_with("**,") {
                return Some(format!("{t};").into_bytes());
            }
            t.to_string()
        }
    };
    Some(format!("**,imei:{imei},{code};").into_bytes())
}

const PASSWORD_NOTE: &str = "123456 is the factory password: use the unit's own if it was changed";

/// The SMS that point a unit at a server (they vary by firmware; these are the common ones).
fn setup(t: &SetupTarget<'_>) -> Vec<SetupStep> {
    vec![
        SetupStep {
            what: "server address and port",
            sms: format!("adminip123456 {} {}", t.host, t.port),
            note: PASSWORD_NOTE,
        },
        SetupStep {
            what: "mobile data APN (your SIM operator's)",
            sms: "apn123456 <apn>".into(),
            note: PASSWORD_NOTE,
        },
        SetupStep {
            what: if t.udp {
                "report over GPRS, UDP"
            } else {
                "report over GPRS, TCP"
            },
            sms: if t.udp {
                "gprs123456,0,1".into()
            } else {
                "gprs123456".into()
            },
            note: "firmware offering both transports takes gprs123456,0,0 (TCP) or gprs123456,0,1 (UDP)",
        },
        SetupStep {
            what: "report every 30 s",
            sms: "t030s***n123456".into(),
            note: "some firmware wants fix030s***n123456; over GPRS the server's **,imei:<IMEI>,C,30s; does the same",
        },
        SetupStep {
            what: "check the settings",
            sms: "check123456".into(),
            note: "the unit answers with its GPRS, APN, IP and port settings",
        },
    ]
}

fn advice(a: Advice, imei: Option<&Imei>) -> Option<String> {
    let id = imei.map_or_else(|| "<IMEI>".to_string(), |i| i.to_string());
    Some(match a {
        Advice::ActivateTracking => format!(
            "activate it with the command **,imei:{id},C,30s; or by SMS (e.g. t030s***n123456)"
        ),
        Advice::SetTimezone(h) => format!("set the zone by SMS: time zone123456 {h}"),
        Advice::LoginNotAccepted => "the platform never answered LOAD, which a unit needs before it reports: register the IMEI on the platform (servers accept only units they know) and check that the port takes this protocol".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_words() {
        assert_eq!(interval_text(30), "30s");
        assert_eq!(interval_text(90), "01m");
        assert_eq!(interval_text(300), "05m");
        assert_eq!(interval_text(3600), "01h");
    }
}
