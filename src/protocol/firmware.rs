//! Firmware tags: fields or forms that only some firmware generations send.
//!
//! A tag is not a fault. It marks a field so the window can highlight it, the firmware diff can
//! compare captures by it, and each message can carry a best guess of the generation that sent
//! it. Tags are bits of a `u32` so a node carries them for free. Each protocol declares its own
//! generations and tags (a [`Firmware`] in its folder, named by its descriptor); the bits of a
//! frame's tags are read through the firmware of the protocol that decoded it.

use serde::Serialize;

/// A set of firmware tags (bits from a protocol's [`Tag`] table).
pub type Tags = u32;

/// A firmware generation of one protocol.
#[derive(Debug, PartialEq, Eq)]
pub struct Generation {
    /// Short name used in JSON and filters (`4g`).
    pub name: &'static str,
    /// Human description ("4G (BN-40x) firmware").
    pub describe: &'static str,
    /// True when frames of this generation are worth tinting in the list (not the common one).
    pub notable: bool,
}

impl Serialize for Generation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// The generation of a message nothing tells about.
pub static UNKNOWN: Generation = Generation {
    name: "unknown",
    describe: "unknown firmware",
    notable: false,
};

/// One firmware-specific feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// Bit in [`Tags`].
    pub bit: Tags,
    /// Stable name, e.g. `time12`.
    pub name: &'static str,
    /// The generation that sends it.
    pub generation: &'static Generation,
    /// Plain-words explanation for a tooltip.
    pub help: &'static str,
}

/// A protocol's firmware generations and tags.
#[derive(Debug)]
pub struct Firmware {
    /// Every generation (without [`UNKNOWN`]), in the order compact records number them.
    pub generations: &'static [&'static Generation],
    /// Every tag, in bit order.
    pub tags: &'static [Tag],
}

impl Firmware {
    /// A protocol without firmware generations.
    pub const NONE: Firmware = Firmware {
        generations: &[],
        tags: &[],
    };

    /// Names of the tags in a set, in bit order.
    pub fn names(&self, tags: Tags) -> impl Iterator<Item = &'static str> + use<> {
        let all = self.tags;
        all.iter()
            .filter(move |t| tags & t.bit != 0)
            .map(|t| t.name)
    }

    /// The tags in a set.
    pub fn tags_in(&self, tags: Tags) -> impl Iterator<Item = &'static Tag> + use<> {
        let all = self.tags;
        all.iter().filter(move |t| tags & t.bit != 0)
    }

    /// A tag by name, ignoring ASCII case.
    pub fn tag(&self, name: &str) -> Option<&'static Tag> {
        let all = self.tags;
        all.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Compact code of a generation: 0 for unknown (or one not of this protocol), else its
    /// position in [`Firmware::generations`] plus one.
    pub fn code(&self, g: Option<&'static Generation>) -> u8 {
        g.and_then(|g| self.generations.iter().position(|x| std::ptr::eq(*x, g)))
            .and_then(|i| u8::try_from(i + 1).ok())
            .unwrap_or(0)
    }

    /// The generation of a compact code (see [`Firmware::code`]); `None` for unknown.
    pub fn by_code(&self, code: u8) -> Option<&'static Generation> {
        let all = self.generations;
        all.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// A generation by name, ignoring ASCII case.
    pub fn generation(&self, name: &str) -> Option<&'static Generation> {
        let all = self.generations;
        all.iter()
            .copied()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }
}
