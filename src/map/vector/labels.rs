//! The names of a vector tile as labels: which features are named on the map, how important
//! each is, and where its label goes in the tile's image. tiny-skia draws no glyphs, so the
//! window writes the labels with its own fonts over the tiles.
//!
//! Labelled, from the `name` property (trimmed, at most [`MAX_LABEL_CHARS`] characters): place
//! points (`places` / `place`) at their point, ranked by `kind` / `kind_detail` / `class`
//! (country, region, city, town, village, suburb, neighbourhood, others) and `population`, left
//! out while `min_zoom` is more than a level deeper; street names (lines of `roads` /
//! `transportation` / `transportation_name`) from display zoom 14 (major roads 13), half-way
//! along the feature's longest piece inside the image, ranked by road class below places; water
//! and park names (polygons or points of `water` / `water_name` / `landuse` / `park`) from zoom
//! 13, in the middle of the part of the feature's box inside the image. A label outside the
//! image (also of an over-zoomed [`super::SubSquare`]) is dropped; at most [`MAX_LABELS`] per
//! tile, the highest ranked. House numbers, POIs and icons are not labelled, and street names
//! are horizontal, not along the street.

use super::props::{Props, Role};
use super::style::{Line, RoadClass, road_line};
use crate::map::geometry::{P, bbox, clip_line, length, point_along};
use crate::map::mvt::{LINESTRING, POINT, POLYGON};

/// Labels returned per tile, at most (the highest ranked are kept).
pub const MAX_LABELS: usize = 300;
/// Characters of a label's text, at most (longer names are not labelled).
pub const MAX_LABEL_CHARS: usize = 64;
/// Display zoom from which street names are labelled (major roads one level earlier).
const STREET_LABEL_ZOOM: f32 = 14.0;
/// Display zoom from which water and park areas are labelled.
const AREA_LABEL_ZOOM: f32 = 13.0;

/// What a label names; the map picks the label's look by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LabelKind {
    /// A place: country, region, city, town, village, suburb, neighbourhood.
    Place,
    /// A street or road.
    Street,
    /// A river, lake, pond or sea.
    Water,
    /// A park or other named land use.
    Park,
}

/// A name to write on the map: where, what, and how important.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Position in the image's pixels (`0..size` both ways): the place's point, the middle of
    /// a street's longest piece in the image, or the middle of an area's box in the image.
    pub pos: [f32; 2],
    /// The name (1 to [`MAX_LABEL_CHARS`] characters).
    pub text: String,
    /// Importance: higher first (countries and cities over suburbs over streets and areas).
    pub rank: u8,
    /// What it names.
    pub kind: LabelKind,
}

/// Layers whose named features are labelled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum LabelLayer {
    Places,
    Roads,
    Water,
    Green,
}

pub(super) fn label_layer(name: &[u8]) -> Option<LabelLayer> {
    Some(match name {
        b"places" | b"place" => LabelLayer::Places,
        b"roads" | b"transportation_name" | b"transportation" | b"streets" => LabelLayer::Roads,
        b"water" | b"water_name" => LabelLayer::Water,
        b"landuse" | b"park" => LabelLayer::Green,
        _ => return None,
    })
}

/// What a named feature is labelled as, before its geometry is looked at.
pub(super) struct LabelSpec<'a> {
    pub(super) text: &'a str,
    pub(super) rank: u8,
    pub(super) kind: LabelKind,
}

/// The rank of a place by its kind or class.
pub(super) fn place_rank(s: &str) -> Option<u8> {
    Some(match s {
        "country" => 240,
        "region" | "state" | "province" => 225,
        "city" => 205,
        "town" => 185,
        "locality" => 170,
        "village" => 155,
        "macrohood" | "borough" | "suburb" => 135,
        "quarter" | "neighbourhood" | "neighborhood" => 125,
        "hamlet" | "isolated_dwelling" | "farm" => 110,
        _ => return None,
    })
}

/// Shortest piece of a street (pixels of a 512-pixel image) worth a label.
pub(super) const MIN_STREET_PX: f64 = 24.0;
/// Smallest area (longest side of its box in the image, pixels of a 512-pixel image) worth a
/// label.
pub(super) const MIN_AREA_PX: f64 = 24.0;

/// The label a feature of `layer` gets at display zoom `zoom`, if any: it needs a `name`
/// (trimmed, 1 to [`MAX_LABEL_CHARS`] characters, no control characters), a geometry its
/// layer labels, and a zoom deep enough (its `min_zoom` at most one level deeper).
pub(super) fn label_spec<'a>(
    layer: LabelLayer,
    geom: u64,
    p: &Props<'a>,
    zoom: f32,
) -> Option<LabelSpec<'a>> {
    use Role::{Class, Detail, Kind, Subclass};
    let text = p.name.map(str::trim).filter(|t| {
        !t.is_empty() && t.chars().count() <= MAX_LABEL_CHARS && !t.chars().any(char::is_control)
    })?;
    if p.min_zoom.is_some_and(|m| m as f64 > f64::from(zoom) + 1.0) {
        return None;
    }
    let (rank, kind) = match (layer, geom) {
        (LabelLayer::Places, POINT) => {
            let base = p.pick(&[Detail, Class, Kind], place_rank).unwrap_or(100);
            // Within a class the larger places first: up to 14 more for ten million people.
            let bonus = p
                .population
                .filter(|&n| n > 0)
                .map_or(0, |n| ((n as f64).log10() * 2.0).clamp(0.0, 14.0) as u8);
            (base.saturating_add(bonus), LabelKind::Place)
        }
        (LabelLayer::Roads, LINESTRING) => {
            let class = match p.pick(&[Detail, Kind, Class, Subclass], road_line) {
                Some(Line::Road(c)) => c,
                None | Some(Line::Unknown) => RoadClass::Minor,
                Some(Line::Rail | Line::Ferry) => return None,
            };
            let from = if class >= RoadClass::Primary {
                STREET_LABEL_ZOOM - 1.0
            } else {
                STREET_LABEL_ZOOM
            };
            if zoom < from {
                return None;
            }
            let rank = u8::try_from(class.rank()).unwrap_or(0);
            (40 + 4 * rank.min(8), LabelKind::Street)
        }
        (LabelLayer::Water, POINT) => (95, LabelKind::Water),
        (LabelLayer::Water, POLYGON) if zoom >= AREA_LABEL_ZOOM => (90, LabelKind::Water),
        (LabelLayer::Green, POINT | POLYGON) if zoom >= AREA_LABEL_ZOOM => (80, LabelKind::Park),
        _ => return None,
    };
    Some(LabelSpec { text, rank, kind })
}

/// Where the label of a feature goes in a `size` by `size` image, from its parts in pixels: a
/// point inside the image; half-way along the longest piece of a line inside the image; the
/// middle of the part of a polygon's box inside the image. `None` when nothing (or too little)
/// of the feature is inside.
pub(super) fn label_pos(geom: u64, parts: &[Vec<P>], size: f64) -> Option<P> {
    let scale = size / 512.0;
    match geom {
        POINT => parts
            .iter()
            .filter_map(|p| p.first().copied())
            .find(|p| p.0 >= 0.0 && p.0 < size && p.1 >= 0.0 && p.1 < size),
        LINESTRING => {
            let mut best: Option<(f64, Vec<P>)> = None;
            for part in parts {
                for piece in clip_line(part, 0.0, size) {
                    let len = length(&piece);
                    if best.as_ref().is_none_or(|b| len > b.0) {
                        best = Some((len, piece));
                    }
                }
            }
            let (len, piece) = best?;
            if len < MIN_STREET_PX * scale {
                return None;
            }
            let p = point_along(&piece, len / 2.0)?;
            (p.0 >= 0.0 && p.0 < size && p.1 >= 0.0 && p.1 < size).then_some(p)
        }
        POLYGON => {
            let b = parts
                .iter()
                .map(|r| bbox(r))
                .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |a, b| {
                    (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3))
                });
            let (x0, y0, x1, y1) = (b.0.max(0.0), b.1.max(0.0), b.2.min(size), b.3.min(size));
            let (w, h) = (x1 - x0, y1 - y0);
            (w > 0.0 && h > 0.0 && w.max(h) >= MIN_AREA_PX * scale)
                .then_some(((x0 + x1) / 2.0, (y0 + y1) / 2.0))
        }
        _ => None,
    }
}
