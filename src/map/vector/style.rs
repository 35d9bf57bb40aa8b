//! The built-in street style: what a feature of a layer becomes (a fill, or one or two lines,
//! of an order and a colour and width), by the layer's name and the feature's properties.
//!
//! It knows two schemas by layer name and the `kind` / `pmap:kind` / `kind_detail` / `class` /
//! `subclass` properties: Protomaps basemaps (`earth`, `water`, `landuse`, `landcover`,
//! `natural`, `roads`, `transit`, `buildings`, `boundaries`) and OpenMapTiles / OpenFreeMap
//! (`water`, `waterway`, `landcover`, `landuse`, `park`, `transportation`, `building`,
//! `boundary`, `aeroway`); the Shortbread names (`ocean`, `water_polygons`, `water_lines`,
//! `land`, `streets`) map onto the same drawing. Drawn in this order whatever the order of the
//! layers in the tile: land, landuse and landcover (greens, greys, by kind), water, waterways,
//! aeroways, buildings (with an outline from zoom 15), roads (all casings first, then the fills
//! from minor to motorway; paths and tracks dashed), railways (grey with a light dash),
//! ferries, boundaries (dashed). Line widths grow with the zoom. Points (`places`, `pois`) and
//! unknown layers are not drawn; a line of an unknown class in a road layer is a thin grey
//! line. Tunnels and bridges are drawn like other roads.

use super::palette::{Palette, Rgb};
use super::props::{Props, Role};
use crate::map::mvt::{LINESTRING, POLYGON};

/// What a layer holds, by its name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum LayerKind {
    Earth,
    Land,
    Water,
    Waterway,
    Roads,
    Transit,
    Buildings,
    Boundaries,
    Aeroway,
}

pub(super) fn layer_kind(name: &[u8]) -> Option<LayerKind> {
    Some(match name {
        b"earth" => LayerKind::Earth,
        b"landuse" | b"landcover" | b"natural" | b"park" | b"land" | b"sites" => LayerKind::Land,
        b"water" | b"ocean" | b"water_polygons" => LayerKind::Water,
        b"waterway" | b"waterways" | b"water_lines" => LayerKind::Waterway,
        b"roads" | b"transportation" | b"streets" => LayerKind::Roads,
        b"transit" => LayerKind::Transit,
        b"buildings" | b"building" => LayerKind::Buildings,
        b"boundaries" | b"boundary" => LayerKind::Boundaries,
        b"aeroway" => LayerKind::Aeroway,
        _ => return None,
    })
}

/// Draw order, smallest first. Fills of one order keep the order of the tile.
pub(super) mod order {
    pub const EARTH: u16 = 10;
    pub const LAND: u16 = 100; // + rank 0..=3
    pub const WATER: u16 = 200;
    pub const WATERWAY: u16 = 210; // + rank 0..=2
    pub const APRON: u16 = 220;
    pub const RUNWAY_AREA: u16 = 221;
    pub const RUNWAY: u16 = 225; // + 0 taxiway, 1 runway
    pub const BUILDING: u16 = 300;
    pub const BUILDING_LINE: u16 = 301;
    pub const CASING: u16 = 400; // + road rank
    pub const UNKNOWN_LINE: u16 = 419;
    pub const ROAD: u16 = 420; // + road rank
    pub const RAIL: u16 = 450;
    pub const RAIL_DASH: u16 = 451;
    pub const FERRY: u16 = 455;
    pub const BOUNDARY: u16 = 500; // + 0 other, 1 region, 2 country
}

/// Road classes, from the least to the most important (declaration order is drawing order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum RoadClass {
    Path,
    Track,
    Service,
    Minor,
    Tertiary,
    Secondary,
    Primary,
    Trunk,
    Motorway,
}

impl RoadClass {
    pub(super) fn rank(self) -> usize {
        self as usize
    }

    /// Width at zoom 14 on a 512-pixel tile.
    pub(super) fn width(self) -> f32 {
        match self {
            RoadClass::Path => 1.1,
            RoadClass::Track => 1.3,
            RoadClass::Service => 2.0,
            RoadClass::Minor => 3.0,
            RoadClass::Tertiary => 4.0,
            RoadClass::Secondary => 4.5,
            RoadClass::Primary => 5.0,
            RoadClass::Trunk => 5.5,
            RoadClass::Motorway => 6.0,
        }
    }
}

pub(super) enum Line {
    Road(RoadClass),
    Rail,
    Ferry,
    Unknown,
}

pub(super) fn road_line(s: &str) -> Option<Line> {
    use RoadClass as R;
    Some(Line::Road(match s {
        "motorway" | "motorway_link" | "highway" => R::Motorway,
        "trunk" | "trunk_link" => R::Trunk,
        "primary" | "primary_link" | "major_road" => R::Primary,
        "secondary" | "secondary_link" | "medium_road" => R::Secondary,
        "tertiary" | "tertiary_link" => R::Tertiary,
        "minor" | "minor_road" | "residential" | "unclassified" | "living_street" | "road"
        | "pedestrian" | "busway" | "bus_guideway" | "raceway" => R::Minor,
        "service" | "other" | "driveway" | "parking_aisle" => R::Service,
        "track" => R::Track,
        "path" | "footway" | "cycleway" | "bridleway" | "steps" | "corridor" | "sidewalk"
        | "crossing" | "pier" => R::Path,
        "rail" | "railway" | "transit" | "light_rail" | "subway" | "tram" | "narrow_gauge"
        | "funicular" | "monorail" | "preserved" | "disused" | "miniature" => {
            return Some(Line::Rail);
        }
        "ferry" => return Some(Line::Ferry),
        _ => return None,
    }))
}

#[derive(Clone, Copy)]
pub(super) enum Land {
    Urban,
    Residential,
    Commercial,
    Industrial,
    Military,
    Farmland,
    Forest,
    Grass,
    Scrub,
    Wetland,
    Sand,
    Rock,
    Ice,
    Park,
    Cemetery,
    Sports,
    Institution,
    Aerodrome,
    Parking,
    Pedestrian,
}

pub(super) fn land_class(s: &str) -> Option<Land> {
    Some(match s {
        "urban_area" | "urban" | "built_up" => Land::Urban,
        "residential" | "neighbourhood" | "suburb" | "quarter" => Land::Residential,
        "commercial" | "retail" => Land::Commercial,
        "industrial" | "railway" | "garages" | "quarry" | "landfill" | "brownfield" | "works"
        | "construction" | "port" => Land::Industrial,
        "military" | "naval_base" | "danger_area" => Land::Military,
        "farmland"
        | "farm"
        | "farmyard"
        | "orchard"
        | "vineyard"
        | "allotments"
        | "greenhouse_horticulture"
        | "plant_nursery"
        | "agriculture"
        | "crop" => Land::Farmland,
        "forest" | "wood" => Land::Forest,
        "grass" | "grassland" | "meadow" | "village_green" | "recreation_ground" | "flowerbed"
        | "fell" => Land::Grass,
        "scrub" | "heath" | "shrubland" => Land::Scrub,
        "wetland" | "marsh" | "swamp" | "bog" | "mud" | "reedbed" => Land::Wetland,
        "sand" | "beach" | "dune" => Land::Sand,
        "rock" | "bare_rock" | "scree" | "barren" | "shingle" => Land::Rock,
        "ice" | "glacier" => Land::Ice,
        "park" | "garden" | "playground" | "nature_reserve" | "national_park"
        | "protected_area" | "dog_park" | "golf_course" | "zoo" | "theme_park" | "camp_site" => {
            Land::Park
        }
        "cemetery" | "grave_yard" => Land::Cemetery,
        "pitch" | "stadium" | "sports_centre" | "track" | "swimming_pool" => Land::Sports,
        "hospital" | "school" | "university" | "college" | "kindergarten" | "library"
        | "education" => Land::Institution,
        "aerodrome" | "airport" | "airfield" => Land::Aerodrome,
        "parking" => Land::Parking,
        "pedestrian" | "platform" | "square" => Land::Pedestrian,
        _ => return None,
    })
}

impl Land {
    pub(super) fn look(self, p: &Palette) -> (u16, Rgb) {
        let (rank, color) = match self {
            Land::Urban => (0, p.residential),
            Land::Residential => (0, p.residential),
            Land::Commercial => (0, p.commercial),
            Land::Industrial => (0, p.industrial),
            Land::Military => (0, p.military),
            Land::Aerodrome => (0, p.aerodrome),
            Land::Farmland => (1, p.farmland),
            Land::Forest => (1, p.forest),
            Land::Grass => (1, p.grass),
            Land::Scrub => (1, p.scrub),
            Land::Wetland => (1, p.wetland),
            Land::Sand => (1, p.sand),
            Land::Rock => (1, p.rock),
            Land::Ice => (1, p.ice),
            Land::Park => (2, p.park),
            Land::Cemetery => (2, p.cemetery),
            Land::Sports => (2, p.sports),
            Land::Institution => (2, p.institution),
            Land::Parking => (3, p.parking),
            Land::Pedestrian => (3, p.pedestrian),
        };
        (order::LAND + rank, color)
    }
}

/// How one line bucket is stroked.
#[derive(Clone, Copy)]
pub(super) struct LineSpec {
    pub(super) order: u16,
    pub(super) color: Rgb,
    pub(super) width: f32,
    /// On and off lengths.
    pub(super) dash: Option<(f32, f32)>,
    pub(super) round: bool,
    /// Left out (rather than drawn solid) when there is too much of it to dash.
    pub(super) optional: bool,
}

impl LineSpec {
    pub(super) fn solid(order: u16, color: Rgb, width: f32) -> Self {
        LineSpec {
            order,
            color,
            width,
            dash: None,
            round: true,
            optional: false,
        }
    }
}

/// What a feature becomes.
pub(super) enum Look {
    Fill {
        order: u16,
        color: Rgb,
        outline: Option<LineSpec>,
    },
    Lines([Option<LineSpec>; 2]),
}

/// The width factor at a zoom: moderate growth, about x1.35 per level around zoom 14.
pub(super) fn zoom_scale(zoom: f32) -> f32 {
    1.35f32.powf(zoom - 14.0).clamp(0.25, 4.0)
}

pub(super) struct Styler<'p> {
    pub(super) pal: &'p Palette,
    pub(super) zoom: f32,
    /// Zoom scale times image scale (size / 512).
    pub(super) s: f32,
    /// Image scale alone.
    pub(super) px: f32,
}

impl Styler<'_> {
    pub(super) fn look(&self, layer: LayerKind, geom: u64, p: &Props) -> Option<Look> {
        use Role::{Class, Detail, Kind, Subclass};
        let pal = self.pal;
        let fill = |order, color| {
            Some(Look::Fill {
                order,
                color,
                outline: None,
            })
        };
        match (layer, geom) {
            (LayerKind::Earth, POLYGON) => fill(order::EARTH, pal.land),
            (LayerKind::Land, POLYGON) => {
                let land = p.pick(&[Kind, Class, Subclass, Detail], land_class)?;
                let (order, color) = land.look(pal);
                fill(order, color)
            }
            (LayerKind::Water, POLYGON) => fill(order::WATER, pal.water),
            (LayerKind::Water | LayerKind::Waterway, LINESTRING) => {
                let (rank, width) = p
                    .pick(&[Kind, Class, Detail], |s| match s {
                        "river" => Some((2, 2.5)),
                        "canal" => Some((1, 2.0)),
                        _ => None,
                    })
                    .unwrap_or((0, 1.0));
                let w = (width * self.s).max(0.6 * self.px);
                Some(Look::Lines([
                    Some(LineSpec::solid(order::WATERWAY + rank, pal.waterway, w)),
                    None,
                ]))
            }
            (LayerKind::Aeroway, POLYGON) => {
                match p.pick(&[Kind, Class, Detail], |s| match s {
                    "apron" | "helipad" => Some(order::APRON),
                    "runway" | "taxiway" => Some(order::RUNWAY_AREA),
                    "aerodrome" | "airport" => Some(order::LAND),
                    _ => None,
                })? {
                    order::APRON => fill(order::APRON, pal.apron),
                    order::RUNWAY_AREA => fill(order::RUNWAY_AREA, pal.runway),
                    _ => fill(order::LAND, pal.aerodrome),
                }
            }
            (LayerKind::Aeroway | LayerKind::Land, LINESTRING) => {
                let runway = p.pick(&[Kind, Class, Detail], |s| match s {
                    "runway" => Some(true),
                    "taxiway" => Some(false),
                    _ => None,
                })?;
                let (rank, width) = if runway { (1, 6.0) } else { (0, 2.0) };
                let w = (width * self.s).max(0.8 * self.px);
                Some(Look::Lines([
                    Some(LineSpec {
                        round: false,
                        ..LineSpec::solid(order::RUNWAY + rank, pal.runway, w)
                    }),
                    None,
                ]))
            }
            (LayerKind::Buildings, POLYGON) => Some(Look::Fill {
                order: order::BUILDING,
                color: pal.building,
                outline: (self.zoom >= 15.0).then(|| LineSpec {
                    round: false,
                    ..LineSpec::solid(order::BUILDING_LINE, pal.building_line, 0.8 * self.px)
                }),
            }),
            (LayerKind::Roads | LayerKind::Transit, LINESTRING) => {
                let line = p
                    .pick(&[Detail, Kind, Class, Subclass], road_line)
                    .unwrap_or(Line::Unknown);
                Some(Look::Lines(self.line(line)))
            }
            (LayerKind::Boundaries, LINESTRING) => {
                let level = p
                    .admin_level
                    .or_else(|| {
                        p.pick(&[Kind, Detail, Class], |s| match s {
                            "country" => Some(2),
                            "region" | "state" | "disputed" => Some(4),
                            _ => None,
                        })
                    })
                    .unwrap_or(8);
                let (rank, width) = match level {
                    ..=2 => (2, 1.8),
                    3..=4 => (1, 1.3),
                    _ => (0, 0.9),
                };
                let w = width * self.px * self.s.clamp(0.8, 1.6);
                Some(Look::Lines([
                    Some(LineSpec {
                        dash: Some((w * 4.0, w * 2.5)),
                        round: false,
                        ..LineSpec::solid(order::BOUNDARY + rank, pal.boundary, w)
                    }),
                    None,
                ]))
            }
            _ => None,
        }
    }

    pub(super) fn line(&self, line: Line) -> [Option<LineSpec>; 2] {
        let pal = self.pal;
        match line {
            Line::Road(class) => {
                let rank = class.rank();
                let color = pal.road.get(rank).copied().unwrap_or(pal.unknown);
                let casing_color = pal.casing.get(rank).copied().unwrap_or(pal.unknown);
                let w = (class.width() * self.s).max(0.6 * self.px);
                let rank16 = rank as u16;
                match class {
                    RoadClass::Path | RoadClass::Track => {
                        let w = w.max(self.px);
                        [
                            Some(LineSpec {
                                dash: Some((w * 2.5, w * 1.5)),
                                round: false,
                                ..LineSpec::solid(order::ROAD + rank16, color, w)
                            }),
                            None,
                        ]
                    }
                    _ => {
                        // Casings from zoom 12 (thin lines look doubled below), for service
                        // roads from zoom 15.
                        let from = if class == RoadClass::Service {
                            15.0
                        } else {
                            12.0
                        };
                        let casing = (self.zoom >= from).then(|| {
                            LineSpec::solid(
                                order::CASING + rank16,
                                casing_color,
                                w + 2.0 * (1.0 * self.s).max(0.5 * self.px),
                            )
                        });
                        [
                            casing,
                            Some(LineSpec::solid(order::ROAD + rank16, color, w)),
                        ]
                    }
                }
            }
            Line::Rail => {
                let w = (1.6 * self.s).max(0.8 * self.px);
                let dash = (self.zoom >= 13.0).then(|| LineSpec {
                    dash: Some((w * 3.0, w * 3.0)),
                    round: false,
                    optional: true,
                    ..LineSpec::solid(order::RAIL_DASH, pal.rail_dash, w * 0.5)
                });
                [
                    Some(LineSpec {
                        round: false,
                        ..LineSpec::solid(order::RAIL, pal.rail, w)
                    }),
                    dash,
                ]
            }
            Line::Ferry => {
                let w = (1.0 * self.s).max(0.7 * self.px);
                [
                    Some(LineSpec {
                        dash: Some((w * 4.0, w * 3.0)),
                        round: false,
                        ..LineSpec::solid(order::FERRY, pal.ferry, w)
                    }),
                    None,
                ]
            }
            Line::Unknown => [
                Some(LineSpec::solid(
                    order::UNKNOWN_LINE,
                    pal.unknown,
                    0.8 * self.px,
                )),
                None,
            ],
        }
    }
}
