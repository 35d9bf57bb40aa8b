//! BN-407 firmware generations and tags: fields or forms that only some firmware generations send.
//!
//! A tag is not a fault. It marks a field so the window can highlight it, the firmware diff can
//! compare captures by it, and each message can carry a best guess of the generation that sent
//! it. Tags are bits of a `u32` so a node carries them for free.

use crate::protocol::firmware::{Firmware, Generation, Tag, Tags};

macro_rules! generations {
    ($($id:ident = $name:literal, $describe:literal, $notable:literal;)*) => {
        $(#[doc = $describe] pub static $id: Generation = Generation { name: $name, describe: $describe, notable: $notable };)*
        /// Every generation, in order.
        pub static GENERATIONS: &[&Generation] = &[$(&$id),*];
    };
}

generations! {
    CLASSIC = "classic", "classic 2G firmware", false;
    EXTENDED = "extended", "extended I/O firmware", true;
    FOUR_G = "4g", "4G (BN-40x) firmware", true;
    OBD_FW = "obd", "OBD firmware", true;
    ALTERNATIVE = "alternative", "alternative-sentence firmware", true;
    CLONE = "clone", "a clone or look-alike firmware", true;
}

/// The BN-407 text protocol's generations and tags.
pub static FIRMWARE: Firmware = Firmware {
    generations: GENERATIONS,
    tags: ALL,
};

macro_rules! tags {
    ($($id:ident = $bit:expr, $name:literal, $gen:ident, $help:literal;)*) => {
        $(#[doc = $help] pub const $id: Tag = Tag { bit: 1 << $bit, name: $name, generation: &$gen, help: $help };)*
        /// Every tag, in bit order.
        pub const ALL: &[Tag] = &[$($id),*];
    };
}

tags! {
    TIME12 = 0, "time12", FOUR_G, "12-digit local time with seconds (YYMMDDhhmmss): sent by 4G and newer extended firmware";
    COORD5 = 1, "coord5", FOUR_G, "coordinates with 5 decimals of minutes: sent only by 4G firmware";
    UTC_HHMMSS = 2, "utc_hhmmss", FOUR_G, "UTC time without milliseconds (hhmmss): sent by 4G firmware";
    BATTERY = 3, "battery", FOUR_G, "battery level in field 3 (100%-style): sent only by 4G firmware";
    EMPTY_KEYWORD = 4, "empty_keyword", FOUR_G, "empty keyword: 4G firmware leaves it empty on periodic reports";
    ALTITUDE = 5, "altitude", EXTENDED, "altitude slot: sent by extended firmware";
    ACC = 6, "acc", EXTENDED, "ignition (ACC) slot: sent by extended I/O firmware";
    DOOR = 7, "door", EXTENDED, "door slot: sent by extended I/O firmware";
    FUEL = 8, "fuel", EXTENDED, "fuel level slots: sent by extended firmware with a fuel sensor";
    TEMPERATURE = 9, "temperature", EXTENDED, "temperature slot: sent by extended firmware with a probe";
    PREFIX_HEMISPHERE = 10, "prefix_hemisphere", CLONE, "hemisphere letter written before its number: sent by one clone";
    GLUED_HEARTBEAT = 11, "glued_heartbeat", CLASSIC, "heartbeat glued to the next report in one frame: sent by some firmware";
    SLASH_TIME = 12, "slash_time", CLONE, "local time as YY/MM/DD hh:mm: sent by some firmware";
    LON_SHORT = 13, "lon_short", CLONE, "longitude with its leading zero dropped: sent by some firmware";
    JUNK_UTC = 14, "junk_utc", CLONE, "UTC time slot holding a non-time number (e.g. 0.0): sent by clones";
    OBD = 15, "obd", OBD_FW, "OBD sentence with engine data: sent by OBD firmware";
    ALT_SENTENCE = 16, "alt_sentence", ALTERNATIVE, "alternative sentence ending with '*': sent by other firmware";
    DTC_SLOT = 17, "dtc_slot", EXTENDED, "trouble code carried in a report slot: sent by extended OBD-capable firmware";
    FIELD3_NUMBER = 18, "field3_number", CLONE, "a decimal number in field 3 (e.g. 61.0): sent by some clones";
    TEN_DIGIT_TIME = 19, "time10", CLASSIC, "10-digit local time without seconds (YYMMDDhhmm): classic firmware";
}

/// Best guess of the generation that sent a message carrying these tags.
///
/// Clone markers win (they are unmistakable), then whole-sentence markers (OBD, alternative),
/// then 4G markers other than the 12-digit time (which newer extended firmware sends too),
/// then the extended I/O slots, then the 12-digit time alone.
pub fn guess(tags: Tags, is_report: bool) -> Option<&'static Generation> {
    let has = |t: Tag| tags & t.bit != 0;
    let any_of = |g: &Generation| {
        ALL.iter()
            .any(|t| std::ptr::eq(t.generation, g) && tags & t.bit != 0)
    };
    if any_of(&CLONE) && !has(LON_SHORT) && !has(SLASH_TIME) {
        return Some(&CLONE);
    }
    if has(OBD) {
        return Some(&OBD_FW);
    }
    if has(ALT_SENTENCE) {
        return Some(&ALTERNATIVE);
    }
    if has(COORD5) || has(BATTERY) || has(EMPTY_KEYWORD) || has(UTC_HHMMSS) {
        return Some(&FOUR_G);
    }
    if any_of(&EXTENDED) {
        return Some(&EXTENDED);
    }
    if has(TIME12) {
        return Some(&FOUR_G);
    }
    if has(SLASH_TIME) || has(LON_SHORT) {
        return Some(&CLONE);
    }
    if is_report || has(GLUED_HEARTBEAT) || has(TEN_DIGIT_TIME) {
        return Some(&CLASSIC);
    }
    None
}
