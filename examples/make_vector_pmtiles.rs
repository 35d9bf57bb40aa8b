//! Writes a small **synthetic** vector `.pmtiles` file around Lisbon (lat 38.70..38.76,
//! lon -9.20..-9.10), for trying the map's vector tiles offline:
//!
//! ```text
//! cargo run --release --example make_vector_pmtiles [-- OUT.pmtiles]
//! ```
//!
//! (default `samples/lisbon-synthetic.pmtiles`). **Nothing in it is real map data**: the river
//! bank is a smooth made-up curve roughly where the Tagus is, the streets are a made-up grid of
//! several classes (a ring motorway, a riverside trunk road and railway, avenues, streets,
//! service roads, footpaths), the buildings are made-up city blocks, some with courtyards, and
//! the parks, forest and pond are invented shapes. It is only meant to look like a city. The
//! names are made up too, to try the map's labels: a city ("Cidade Fictícia") and quarters
//! ("Bairro Sintético", "Vila Imaginária", ...), the avenues ("Avenida A", "Avenida B", ...),
//! cross streets ("Rua 1", "Rua 2", ...), lanes ("Travessa 1", ...), the riverside road
//! ("Marginal (synthetic)"), the motorways, the river ("Rio (synthetic)"), the park ("Parque
//! Inventado"), the forest and the pond.
//!
//! PMTiles version 3, zooms 10 to 15, tiles in the Protomaps basemap schema (layers `earth`,
//! `landuse`, `water`, `roads`, `buildings`, `places`; properties `kind`, `kind_detail` and
//! `name`), MVT with an
//! extent of 4096, gzip-compressed; directories and metadata gzip-compressed too. Clipping, the
//! MVT encoder and the PMTiles writer are the crate's own (`bn407::map::geometry`,
//! `bn407::map::mvt::encode`, `bn407::map::pmtiles::write`), the ones its tests use, so writer
//! and reader cannot disagree.

use std::collections::HashMap;
use std::path::PathBuf;

use bn407::map::geometry::{P, bbox, clip_line, clip_ring};
use bn407::map::mvt::encode::{GeomWriter, LayerWriter};
use bn407::map::pmtiles::write::{self, Options, gzip};

/// The area the tiles cover.
const LON: (f64, f64) = (-9.20, -9.10);
const LAT: (f64, f64) = (38.70, 38.76);
/// The area features are made for (a little larger, so edge tiles are full).
const WORLD_LON: (f64, f64) = (-9.24, -9.06);
const WORLD_LAT: (f64, f64) = (38.66, 38.80);
/// The area land and river are made for (so that the low zooms are full too).
const WIDE_LON: (f64, f64) = (-9.50, -8.80);
const WIDE_LAT: (f64, f64) = (38.45, 38.95);
const MIN_ZOOM: u8 = 10;
const MAX_ZOOM: u8 = 15;
const EXTENT: f64 = 4096.0;
/// Geometry kept past a tile's edge, in tile units.
const BUFFER: f64 = 64.0;

/// A point in Web Mercator, the world as a unit square (x east, y south).
fn merc(lon: f64, lat: f64) -> P {
    let x = (lon + 180.0) / 360.0;
    let l = lat.to_radians();
    let y = (1.0 - l.tan().asinh() / std::f64::consts::PI) / 2.0;
    (x, y)
}

enum Geom {
    /// Rings, the first the outside, the others holes.
    Polygon(Vec<Vec<P>>),
    Line(Vec<P>),
    Point(P),
}

struct Feature {
    layer: &'static str,
    kind: &'static str,
    detail: &'static str,
    /// The `name` property (none when empty).
    name: &'static str,
    min_zoom: u8,
    geom: Geom,
    /// Bounding box in Mercator: min x, min y, max x, max y.
    bbox: (f64, f64, f64, f64),
}

fn feature(
    layer: &'static str,
    kind: &'static str,
    detail: &'static str,
    min_zoom: u8,
    geom: Geom,
) -> Feature {
    let bbox = match &geom {
        Geom::Polygon(rings) => bbox(rings.first().map_or(&[][..], |r| r)),
        Geom::Line(l) => bbox(l),
        Geom::Point(p) => (p.0, p.1, p.0, p.1),
    };
    Feature {
        layer,
        kind,
        detail,
        name: "",
        min_zoom,
        geom,
        bbox,
    }
}

/// The same feature with a name.
fn named(name: &'static str, f: Feature) -> Feature {
    Feature { name, ..f }
}

/// A made-up name for the example's streets (leaked: the example runs once).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A ring of `(lon, lat)` corners in Mercator.
fn ring(lonlat: &[(f64, f64)]) -> Vec<P> {
    lonlat.iter().map(|&(lon, lat)| merc(lon, lat)).collect()
}

fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Vec<P> {
    ring(&[(lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1)])
}

/// The made-up north bank of the river: the latitude of the shore at a longitude.
fn shore(lon: f64) -> f64 {
    let t = lon + 9.20;
    let wiggle = 0.0012 * (t * 140.0).sin();
    if t < 0.0 {
        // West of the city the shore flattens out towards the sea.
        38.693 + 0.0883 * -t / (1.0 + 10.0 * -t) + wiggle
    } else {
        38.693 - 0.0883 * t + 5.083 * t * t + wiggle
    }
}

/// The made-up south bank: the river is 1.5 km wide at its narrowest and widens both ways.
fn south_shore(lon: f64) -> f64 {
    let t = lon + 9.20;
    shore(lon) - 0.014 - 0.25 * (t - 0.02).max(0.0) - 0.15 * (0.0 - t).max(0.0)
}

/// On land, with a margin (degrees) from the shore?
fn on_land(lon: f64, lat: f64, margin: f64) -> bool {
    lat > shore(lon) + margin
}

/// In the forest in the west, the central park or the campus (no streets there)?
fn in_green(lon: f64, lat: f64) -> bool {
    in_forest(lon, lat) || in_park(lon, lat)
}

fn in_forest(lon: f64, lat: f64) -> bool {
    let (dx, dy) = ((lon + 9.215) / 0.028, (lat - 38.733) / 0.017);
    dx * dx + dy * dy < 1.0
}

fn in_park(lon: f64, lat: f64) -> bool {
    (-9.1585..=-9.1495).contains(&lon) && (38.7265..=38.7345).contains(&lat)
}

/// A street sampled along `f(t)` for `t` in `0..=1`, cut where it leaves the land or enters
/// green areas (when `avoid_green`), each piece one feature.
#[allow(clippy::too_many_arguments)]
fn street(
    out: &mut Vec<Feature>,
    kind: &'static str,
    detail: &'static str,
    name: &'static str,
    min_zoom: u8,
    avoid_green: bool,
    steps: usize,
    f: impl Fn(f64) -> (f64, f64),
) {
    let mut piece: Vec<P> = Vec::new();
    let mut flush = |piece: &mut Vec<P>| {
        if piece.len() >= 2 {
            out.push(named(
                name,
                feature(
                    "roads",
                    kind,
                    detail,
                    min_zoom,
                    Geom::Line(std::mem::take(piece)),
                ),
            ));
        }
        piece.clear();
    };
    for i in 0..=steps {
        let (lon, lat) = f(i as f64 / steps as f64);
        let ok = on_land(lon, lat, 0.0006) && !(avoid_green && in_green(lon, lat));
        if ok {
            piece.push(merc(lon, lat));
        } else {
            flush(&mut piece);
        }
    }
    flush(&mut piece);
}

/// The synthetic city.
fn world() -> Vec<Feature> {
    let mut out = Vec::new();
    let (w, e) = WORLD_LON;
    let (s, n) = WORLD_LAT;

    // Land everywhere, the river drawn over it.
    let (ww, we) = WIDE_LON;
    let (ws, wn) = WIDE_LAT;
    out.push(feature(
        "earth",
        "earth",
        "",
        0,
        Geom::Polygon(vec![rect(ww, ws, we, wn)]),
    ));
    let mut river: Vec<(f64, f64)> = (0..=700)
        .map(|i| {
            let lon = ww + (we - ww) * f64::from(i) / 700.0;
            (lon, shore(lon).min(wn))
        })
        .collect();
    river.extend((0..=700).rev().map(|i| {
        let lon = ww + (we - ww) * f64::from(i) / 700.0;
        (lon, south_shore(lon).max(ws))
    }));
    out.push(named(
        "Rio (synthetic)",
        feature(
            "water",
            "water",
            "river",
            0,
            Geom::Polygon(vec![ring(&river)]),
        ),
    ));

    // Green areas and other land use.
    let forest: Vec<(f64, f64)> = (0..48)
        .map(|i| {
            let a = f64::from(i) / 48.0 * std::f64::consts::TAU;
            (-9.215 + 0.028 * a.cos(), 38.733 - 0.017 * a.sin())
        })
        .collect();
    out.push(named(
        "Mata Sintética",
        feature(
            "landuse",
            "forest",
            "",
            0,
            Geom::Polygon(vec![ring(&forest)]),
        ),
    ));
    out.push(named(
        "Parque Inventado",
        feature(
            "landuse",
            "park",
            "",
            0,
            Geom::Polygon(vec![rect(-9.1585, 38.7265, -9.1495, 38.7345)]),
        ),
    ));
    out.push(named(
        "Lago Pequeno",
        feature(
            "water",
            "water",
            "pond",
            12,
            Geom::Polygon(vec![rect(-9.1555, 38.7318, -9.1530, 38.7333)]),
        ),
    ));
    // Made-up places: a city and its quarters.
    for (name, kind, detail, min_zoom, lon, lat) in [
        ("Cidade Fictícia", "locality", "city", 10, -9.1430, 38.7215),
        (
            "Bairro Sintético",
            "neighbourhood",
            "suburb",
            12,
            -9.1760,
            38.7150,
        ),
        (
            "Vila Imaginária",
            "neighbourhood",
            "suburb",
            12,
            -9.1240,
            38.7460,
        ),
        (
            "Alto do Exemplo",
            "neighbourhood",
            "neighbourhood",
            13,
            -9.1880,
            38.7440,
        ),
        (
            "Bairro do Teste",
            "neighbourhood",
            "neighbourhood",
            13,
            -9.1130,
            38.7150,
        ),
    ] {
        out.push(named(
            name,
            feature(
                "places",
                kind,
                detail,
                min_zoom,
                Geom::Point(merc(lon, lat)),
            ),
        ));
    }
    for (kind, r) in [
        ("cemetery", (-9.1705, 38.7195, -9.1655, 38.7225)),
        ("university", (-9.1620, 38.7475, -9.1545, 38.7525)),
        ("hospital", (-9.1375, 38.7405, -9.1335, 38.7435)),
        ("industrial", (-9.1150, 38.7330, -9.1030, 38.7440)),
        ("pitch", (-9.1285, 38.7525, -9.1265, 38.7540)),
        ("grass", (-9.1830, 38.7005, -9.1780, 38.7030)),
    ] {
        out.push(feature(
            "landuse",
            kind,
            "",
            11,
            Geom::Polygon(vec![rect(r.0, r.1, r.2, r.3)]),
        ));
    }

    // Roads. A grid every 0.002 deg of longitude and 0.0016 deg of latitude: every 10th column
    // an avenue, every 10th (offset by 5) a tertiary street, every 6th row a secondary street,
    // the other lines residential streets.
    let grid_lons: Vec<f64> = (0..=90).map(|i| w + 0.002 * f64::from(i)).collect();
    let grid_lats: Vec<f64> = (0..=88).map(|i| s + 0.0016 * f64::from(i)).collect();
    // Road classes: layer kind, detail, first zoom.
    let primary = ("major_road", "primary", 10);
    let secondary = ("medium_road", "secondary", 11);
    let tertiary = ("medium_road", "tertiary", 12);
    let residential = ("minor_road", "residential", 13);
    for (i, &lon) in grid_lons.iter().enumerate() {
        let ((kind, detail, min_zoom), name) = match i % 10 {
            0 => (
                primary,
                leak(format!("Avenida {}", char::from(b'A' + (i / 10) as u8))),
            ),
            5 => (tertiary, leak(format!("Travessa {}", i / 10 + 1))),
            _ => (residential, ""),
        };
        street(&mut out, kind, detail, name, min_zoom, true, 400, |t| {
            (lon, s + (n - s) * t)
        });
    }
    for (j, &lat) in grid_lats.iter().enumerate() {
        let ((kind, detail, min_zoom), name) = match j % 6 {
            3 => (secondary, leak(format!("Rua {}", j / 6 + 1))),
            _ => (residential, ""),
        };
        street(&mut out, kind, detail, name, min_zoom, true, 400, |t| {
            (w + (e - w) * t, lat)
        });
    }
    // Service lanes into some blocks.
    for (i, &lon) in grid_lons.iter().enumerate().step_by(3) {
        for (j, &lat) in grid_lats.iter().enumerate().step_by(2) {
            if (i + j) % 4 == 0 {
                street(&mut out, "minor_road", "service", "", 14, true, 4, |t| {
                    (lon + 0.001, lat + 0.0016 * 0.55 * t)
                });
            }
        }
    }
    // Footpaths in the park and a track through the forest.
    street(&mut out, "path", "footway", "", 14, false, 60, |t| {
        let a = t * std::f64::consts::TAU;
        (-9.1540 + 0.0035 * a.cos(), 38.7305 + 0.0030 * a.sin())
    });
    street(&mut out, "path", "footway", "", 14, false, 20, |t| {
        (-9.1583 + 0.0086 * t, 38.7267 + 0.0076 * t)
    });
    street(&mut out, "path", "track", "", 13, false, 80, |t| {
        (
            -9.235 + 0.04 * t,
            38.722 + 0.02 * t + 0.003 * (t * 9.0).sin(),
        )
    });
    // Roads off the grid: buildings keep away from them.
    let mut off_grid: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut road = |out: &mut Vec<Feature>,
                    kind: &'static str,
                    detail: &'static str,
                    name: &'static str,
                    min_zoom: u8,
                    f: &dyn Fn(f64) -> (f64, f64)| {
        street(out, kind, detail, name, min_zoom, false, 300, f);
        off_grid.push((0..=300).map(|i| f(f64::from(i) / 300.0)).collect());
    };
    // A diagonal avenue from the river up to the ring motorway.
    road(
        &mut out,
        "major_road",
        "primary",
        "Avenida Diagonal",
        10,
        &|t| (-9.1405 - 0.010 * t, 38.7110 + 0.0420 * t),
    );
    // Riverside trunk road and railway.
    road(
        &mut out,
        "major_road",
        "trunk",
        "Marginal (synthetic)",
        10,
        &|t| {
            let lon = w + (e - w) * t;
            (lon, shore(lon) + 0.0016)
        },
    );
    road(&mut out, "rail", "rail", "", 11, &|t| {
        let lon = w + (e - w) * t;
        (lon, shore(lon) + 0.0028)
    });
    // Ring motorway in the north, and one to the west.
    road(
        &mut out,
        "highway",
        "motorway",
        "Circular Norte",
        10,
        &|t| {
            let lon = WIDE_LON.0 + (WIDE_LON.1 - WIDE_LON.0) * t;
            (lon, 38.7545 + 0.0035 * ((lon - w) / (e - w) * 4.0).sin())
        },
    );
    road(&mut out, "highway", "motorway", "Via Oeste", 10, &|t| {
        (
            -9.172 - 0.25 * t,
            38.7395 - 0.018 * t + 0.004 * (t * 10.0).sin(),
        )
    });

    // Buildings: every city block not in the river or a green area.
    let street_gap = 0.00022;
    let depth = 0.00030;
    for (i, win) in grid_lons.windows(2).enumerate() {
        for (j, wlat) in grid_lats.windows(2).enumerate() {
            let (&[lon0, lon1], &[lat0, lat1]) = (win, wlat) else {
                continue;
            };
            let corners = [(lon0, lat0), (lon1, lat0), (lon0, lat1), (lon1, lat1)];
            if corners
                .iter()
                .any(|&(x, y)| !on_land(x, y, 0.0030) || in_green(x, y))
            {
                continue;
            }
            let near = |&(x, y): &(f64, f64)| {
                x > lon0 - 0.0004 && x < lon1 + 0.0004 && y > lat0 - 0.0003 && y < lat1 + 0.0003
            };
            if off_grid.iter().any(|r| r.iter().any(near)) {
                continue;
            }
            let (a0, a1) = (lon0 + street_gap, lon1 - street_gap);
            let (b0, b1) = (lat0 + street_gap * 0.8, lat1 - street_gap * 0.8);
            if (i * 7 + j * 3) % 5 == 0 {
                // One building round a courtyard.
                let outer = rect(a0, b0, a1, b1);
                let mut inner = rect(a0 + depth, b0 + depth * 0.8, a1 - depth, b1 - depth * 0.8);
                inner.reverse();
                out.push(feature(
                    "buildings",
                    "building",
                    "",
                    14,
                    Geom::Polygon(vec![outer, inner]),
                ));
            } else {
                // Rows of houses along the north and south sides, a few along the others.
                let units = 2 + (i + j) % 3;
                let step = (a1 - a0) / units as f64;
                for k in 0..units {
                    let x0 = a0 + step * k as f64;
                    let x1 = x0 + step * 0.94;
                    out.push(feature(
                        "buildings",
                        "building",
                        "",
                        14,
                        Geom::Polygon(vec![rect(x0, b0, x1, b0 + depth * 0.8)]),
                    ));
                    out.push(feature(
                        "buildings",
                        "building",
                        "",
                        14,
                        Geom::Polygon(vec![rect(x0, b1 - depth * 0.8, x1, b1)]),
                    ));
                }
                if (i + 2 * j) % 3 == 0 {
                    out.push(feature(
                        "buildings",
                        "building",
                        "",
                        14,
                        Geom::Polygon(vec![rect(a0, b0 + depth, a0 + depth, b1 - depth)]),
                    ));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// MVT encoding.

/// Rounded to whole tile units, repeated points dropped.
fn quantize(points: &[P]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let q = (x.round() as i64, y.round() as i64);
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    out
}

/// Twice the signed area; positive for a ring turning clockwise on screen (y down).
fn area2(ring: &[(i64, i64)]) -> i64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum()
}

const LAYERS: [&str; 6] = ["earth", "landuse", "water", "roads", "buildings", "places"];

/// The MVT tile `(z, x, y)`, `None` when empty.
fn encode_tile(world: &[Feature], z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
    let n = f64::from(1u32 << z);
    let to_tile = |p: P| {
        (
            (p.0 * n - f64::from(x)) * EXTENT,
            (p.1 * n - f64::from(y)) * EXTENT,
        )
    };
    let margin = BUFFER / EXTENT / n;
    let (tx0, ty0) = (f64::from(x) / n - margin, f64::from(y) / n - margin);
    let (tx1, ty1) = (f64::from(x + 1) / n + margin, f64::from(y + 1) / n + margin);
    let (lo, hi) = (-BUFFER, EXTENT + BUFFER);
    let mut layers: HashMap<&str, LayerWriter> = HashMap::new();
    for f in world {
        if z < f.min_zoom {
            continue;
        }
        let b = f.bbox;
        if b.2 < tx0 || b.0 > tx1 || b.3 < ty0 || b.1 > ty1 {
            continue;
        }
        let mut g = GeomWriter::default();
        let geom_type = match &f.geom {
            Geom::Polygon(rings) => {
                for (i, r) in rings.iter().enumerate() {
                    let t: Vec<P> = r.iter().map(|&p| to_tile(p)).collect();
                    let mut q = quantize(&clip_ring(&t, lo, hi));
                    if q.len() > 1 && q.first() == q.last() {
                        q.pop();
                    }
                    let a = area2(&q);
                    if q.len() < 3 || a == 0 {
                        if i == 0 {
                            break;
                        }
                        continue;
                    }
                    // Outside clockwise, holes counter-clockwise.
                    if (i == 0) != (a > 0) {
                        q.reverse();
                    }
                    g.part(&q, true);
                }
                3
            }
            Geom::Point(p) => {
                let (tx, ty) = to_tile(*p);
                if (lo..hi).contains(&tx) && (lo..hi).contains(&ty) {
                    g.part(&[(tx.round() as i64, ty.round() as i64)], false);
                }
                1
            }
            Geom::Line(l) => {
                let t: Vec<P> = l.iter().map(|&p| to_tile(p)).collect();
                for piece in clip_line(&t, lo, hi) {
                    let q = quantize(&piece);
                    if q.len() >= 2 {
                        g.part(&q, false);
                    }
                }
                2
            }
        };
        if !g.out.is_empty() {
            let props: Vec<(&str, &str)> = [
                ("kind", f.kind),
                ("kind_detail", f.detail),
                ("name", f.name),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
            let layer = layers.entry(f.layer).or_default();
            let id = layer.len() as u64 + 1;
            layer.add(Some(id), &props, geom_type, &g.out);
        }
    }
    let mut out = Vec::new();
    for name in LAYERS {
        if let Some(l) = layers.get(name) {
            l.finish(name, EXTENT as u32, &mut out);
        }
    }
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// PMTiles writing.

/// Column and row of the tile holding `(lon, lat)` at zoom `z`.
fn tile_of(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let (x, y) = merc(lon, lat);
    ((x * n) as u32, (y * n) as u32)
}

fn main() -> std::io::Result<()> {
    let out_path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("samples/lisbon-synthetic.pmtiles"),
        PathBuf::from,
    );
    let world = world();

    // (z, x, y, gzip bytes).
    let mut tiles: Vec<(u8, u32, u32, Vec<u8>)> = Vec::new();
    for z in MIN_ZOOM..=MAX_ZOOM {
        let (x0, y0) = tile_of(z, LON.0, LAT.1);
        let (x1, y1) = tile_of(z, LON.1, LAT.0);
        for x in x0..=x1 {
            for y in y0..=y1 {
                if let Some(mvt) = encode_tile(&world, z, x, y) {
                    tiles.push((z, x, y, gzip(&mvt)?));
                }
            }
        }
    }
    let metadata = concat!(
        r#"{"name":"Lisbon (synthetic)","#,
        r#""description":"Made-up streets, buildings and parks around Lisbon for testing; not real map data","#,
        r#""attribution":"synthetic data (bn407 examples/make_vector_pmtiles.rs)","#,
        r#""type":"baselayer","format":"pbf","#,
        r#""vector_layers":[{"id":"earth","fields":{"kind":"String"}},"#,
        r#"{"id":"landuse","fields":{"kind":"String","name":"String"}},"#,
        r#"{"id":"water","fields":{"kind":"String","kind_detail":"String","name":"String"}},"#,
        r#"{"id":"roads","fields":{"kind":"String","kind_detail":"String","name":"String"}},"#,
        r#"{"id":"buildings","fields":{"kind":"String"}},"#,
        r#"{"id":"places","fields":{"kind":"String","kind_detail":"String","name":"String"}}]}"#
    );
    let options = Options {
        tile_type: 1, // MVT
        tiles_gzipped: true,
        gzip_internal: true,
        metadata: metadata.as_bytes(),
        bounds: [LON.0, LAT.0, LON.1, LAT.1],
        center_zoom: 13,
    };
    let bytes = write::to_bytes(&tiles, &options)?;
    if let Some(parent) = out_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out_path, &bytes)?;
    println!(
        "{}: {} tiles (zoom {MIN_ZOOM} to {MAX_ZOOM}), {} bytes",
        out_path.display(),
        tiles.len(),
        bytes.len()
    );
    Ok(())
}
