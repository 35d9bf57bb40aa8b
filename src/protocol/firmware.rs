//! Firmware tags: fields or forms that only some firmware generations send.
//!
//! A tag is not a fault. It marks a field so the window can highlight it, the firmware diff can
//! compare captures by it, and each message can carry a best guess of the generation that sent
//! it. Tags are bits of a `u32` so a node carries them for free.

use serde::Serialize;

/// A set of firmware tags (bits from [`Tag`]).
pub type Tags = u32;

/// Firmware generations of the BN-407 text protocol family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Generation {
    /// Nothing in the message tells.
    #[default]
    Unknown,
    /// Classic 2G GPS103 firmware: 10-digit local time, 4-decimal coordinates.
    Classic,
    /// Extended I/O firmware: altitude, ACC, door, fuel and temperature slots.
    Extended,
    /// 4G firmware of the BN-40x line: 12-digit time, 5-decimal coordinates, battery level.
    FourG,
    /// OBD firmware: `OBD` sentences with engine data and trouble codes.
    Obd,
    /// Firmware sending the alternative `*`-terminated sentence.
    Alternative,
    /// Clones and look-alikes: prefix hemispheres, junk UTC times, odd field 3.
    Clone,
}

impl Generation {
    /// Every generation, in order (the order compact records and filters number them by).
    pub const ALL: [Generation; 7] = [
        Generation::Unknown,
        Generation::Classic,
        Generation::Extended,
        Generation::FourG,
        Generation::Obd,
        Generation::Alternative,
        Generation::Clone,
    ];

    /// Short name used in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Generation::Unknown => "unknown",
            Generation::Classic => "classic",
            Generation::Extended => "extended",
            Generation::FourG => "4g",
            Generation::Obd => "obd",
            Generation::Alternative => "alternative",
            Generation::Clone => "clone",
        }
    }
    /// Human description.
    pub fn describe(self) -> &'static str {
        match self {
            Generation::Unknown => "unknown firmware",
            Generation::Classic => "classic 2G firmware",
            Generation::Extended => "extended I/O firmware",
            Generation::FourG => "4G (BN-40x) firmware",
            Generation::Obd => "OBD firmware",
            Generation::Alternative => "alternative-sentence firmware",
            Generation::Clone => "a clone or look-alike firmware",
        }
    }
}

/// One firmware-specific feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// Bit in [`Tags`].
    pub bit: Tags,
    /// Stable name, e.g. `time12`.
    pub name: &'static str,
    /// The generation that sends it.
    pub generation: Generation,
    /// Plain-words explanation for a tooltip.
    pub help: &'static str,
}

macro_rules! tags {
    ($($id:ident = $bit:expr, $name:literal, $gen:ident, $help:literal;)*) => {
        $(#[doc = $help] pub const $id: Tag = Tag { bit: 1 << $bit, name: $name, generation: Generation::$gen, help: $help };)*
        /// Every tag, in bit order.
        pub const ALL: &[Tag] = &[$($id),*];
    };
}

tags! {
    TIME12 = 0, "time12", FourG, "12-digit local time with seconds (YYMMDDhhmmss): sent by 4G and newer extended firmware";
    COORD5 = 1, "coord5", FourG, "coordinates with 5 decimals of minutes: sent only by 4G firmware";
    UTC_HHMMSS = 2, "utc_hhmmss", FourG, "UTC time without milliseconds (hhmmss): sent by 4G firmware";
    BATTERY = 3, "battery", FourG, "battery level in field 3 (100%-style): sent only by 4G firmware";
    EMPTY_KEYWORD = 4, "empty_keyword", FourG, "empty keyword: 4G firmware leaves it empty on periodic reports";
    ALTITUDE = 5, "altitude", Extended, "altitude slot: sent by extended firmware";
    ACC = 6, "acc", Extended, "ignition (ACC) slot: sent by extended I/O firmware";
    DOOR = 7, "door", Extended, "door slot: sent by extended I/O firmware";
    FUEL = 8, "fuel", Extended, "fuel level slots: sent by extended firmware with a fuel sensor";
    TEMPERATURE = 9, "temperature", Extended, "temperature slot: sent by extended firmware with a probe";
    PREFIX_HEMISPHERE = 10, "prefix_hemisphere", Clone, "hemisphere letter written before its number: sent by one clone";
    GLUED_HEARTBEAT = 11, "glued_heartbeat", Classic, "heartbeat glued to the next report in one frame: sent by some firmware";
    SLASH_TIME = 12, "slash_time", Clone, "local time as YY/MM/DD hh:mm: sent by some firmware";
    LON_SHORT = 13, "lon_short", Clone, "longitude with its leading zero dropped: sent by some firmware";
    JUNK_UTC = 14, "junk_utc", Clone, "UTC time slot holding a non-time number (e.g. 0.0): sent by clones";
    OBD = 15, "obd", Obd, "OBD sentence with engine data: sent by OBD firmware";
    ALT_SENTENCE = 16, "alt_sentence", Alternative, "alternative sentence ending with '*': sent by other firmware";
    DTC_SLOT = 17, "dtc_slot", Extended, "trouble code carried in a report slot: sent by extended OBD-capable firmware";
    FIELD3_NUMBER = 18, "field3_number", Clone, "a decimal number in field 3 (e.g. 61.0): sent by some clones";
    TEN_DIGIT_TIME = 19, "time10", Classic, "10-digit local time without seconds (YYMMDDhhmm): classic firmware";
}

/// Names of the tags in a set, in bit order.
pub fn names(tags: Tags) -> impl Iterator<Item = &'static str> {
    ALL.iter()
        .filter(move |t| tags & t.bit != 0)
        .map(|t| t.name)
}

/// The tags in a set.
pub fn tags_in(tags: Tags) -> impl Iterator<Item = &'static Tag> {
    ALL.iter().filter(move |t| tags & t.bit != 0)
}

/// Best guess of the generation that sent a message carrying these tags.
///
/// Clone markers win (they are unmistakable), then whole-sentence markers (OBD, alternative),
/// then 4G markers other than the 12-digit time (which newer extended firmware sends too),
/// then the extended I/O slots, then the 12-digit time alone.
pub fn guess(tags: Tags, is_report: bool) -> Generation {
    let has = |t: Tag| tags & t.bit != 0;
    let any_of = |g: Generation| ALL.iter().any(|t| t.generation == g && tags & t.bit != 0);
    if any_of(Generation::Clone) && !has(LON_SHORT) && !has(SLASH_TIME) {
        return Generation::Clone;
    }
    if has(OBD) {
        return Generation::Obd;
    }
    if has(ALT_SENTENCE) {
        return Generation::Alternative;
    }
    if has(COORD5) || has(BATTERY) || has(EMPTY_KEYWORD) || has(UTC_HHMMSS) {
        return Generation::FourG;
    }
    if any_of(Generation::Extended) {
        return Generation::Extended;
    }
    if has(TIME12) {
        return Generation::FourG;
    }
    if has(SLASH_TIME) || has(LON_SHORT) {
        return Generation::Clone;
    }
    if is_report || has(GLUED_HEARTBEAT) || has(TEN_DIGIT_TIME) {
        return Generation::Classic;
    }
    Generation::Unknown
}
