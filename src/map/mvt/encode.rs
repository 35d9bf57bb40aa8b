//! Writing vector tiles (MVT protobuf), for the tests and for the example that makes the vector
//! sample (`examples/make_vector_pmtiles.rs`): the same writer for both, so that what the tests
//! read is what the sample holds. Not used by the analyzer itself.

use crate::map::varint::{self, zigzag};

/// Appends field `field` holding the bytes `b` (wire type 2).
pub fn field_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
    varint::write(out, field << 3 | 2);
    varint::write(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Appends field `field` holding the number `v` (wire type 0).
pub fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint::write(out, field << 3);
    varint::write(out, v);
}

/// A feature's geometry commands (MoveTo, LineTo, ClosePath with zigzag deltas), part by part.
#[derive(Debug, Default)]
pub struct GeomWriter {
    /// The command integers so far.
    pub out: Vec<u64>,
    cursor: (i64, i64),
}

impl GeomWriter {
    /// Adds a part (a point, a line, or a ring closed when `close`) in tile coordinates.
    pub fn part(&mut self, points: &[(i64, i64)], close: bool) {
        for (i, &(x, y)) in points.iter().enumerate() {
            if i == 0 {
                self.out.push(1 | 1 << 3);
            } else if i == 1 {
                self.out.push(2 | ((points.len() as u64 - 1) << 3));
            }
            self.out.push(zigzag(x - self.cursor.0));
            self.out.push(zigzag(y - self.cursor.1));
            self.cursor = (x, y);
        }
        if close {
            self.out.push(7 | 1 << 3);
        }
    }
}

/// One layer being written: its features, and the keys and values they use (each once).
#[derive(Debug, Default)]
pub struct LayerWriter<'a> {
    features: Vec<u8>,
    keys: Vec<&'a str>,
    values: Vec<&'a str>,
    count: usize,
}

impl<'a> LayerWriter<'a> {
    fn index(list: &mut Vec<&'a str>, s: &'a str) -> u64 {
        match list.iter().position(|x| *x == s) {
            Some(i) => i as u64,
            None => {
                list.push(s);
                list.len() as u64 - 1
            }
        }
    }

    /// Adds a feature: its id (none when `None`), string properties, geometry type
    /// ([`super::POINT`], [`super::LINESTRING`], [`super::POLYGON`]) and commands.
    pub fn add(
        &mut self,
        id: Option<u64>,
        props: &[(&'a str, &'a str)],
        geom_type: u64,
        geometry: &[u64],
    ) {
        let mut tags = Vec::new();
        for &(k, v) in props {
            varint::write(&mut tags, Self::index(&mut self.keys, k));
            varint::write(&mut tags, Self::index(&mut self.values, v));
        }
        let mut packed = Vec::new();
        for &g in geometry {
            varint::write(&mut packed, g);
        }
        let mut body = Vec::new();
        self.count += 1;
        if let Some(id) = id {
            field_varint(&mut body, 1, id);
        }
        field_bytes(&mut body, 2, &tags);
        field_varint(&mut body, 3, geom_type);
        field_bytes(&mut body, 4, &packed);
        field_bytes(&mut self.features, 2, &body);
    }

    /// Features added so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no feature was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends the layer, named `name`, of `extent` units a side, to the tile `out`.
    pub fn finish(&self, name: &str, extent: u32, out: &mut Vec<u8>) {
        let mut body = Vec::new();
        field_varint(&mut body, 15, 2);
        field_bytes(&mut body, 1, name.as_bytes());
        body.extend_from_slice(&self.features);
        for k in &self.keys {
            field_bytes(&mut body, 3, k.as_bytes());
        }
        for v in &self.values {
            let mut value = Vec::new();
            field_bytes(&mut value, 1, v.as_bytes());
            field_bytes(&mut body, 4, &value);
        }
        field_varint(&mut body, 5, u64::from(extent));
        field_bytes(out, 3, &body);
    }
}

/// Tiles for tests, in a few words.
#[cfg(test)]
pub(crate) mod testing {
    use super::{GeomWriter, LayerWriter};

    /// A feature's geometry, in tile coordinates.
    pub enum Geom {
        /// Rings: exteriors clockwise (y down), holes counter-clockwise.
        Polygon(Vec<Vec<(i32, i32)>>),
        /// Lines.
        Lines(Vec<Vec<(i32, i32)>>),
        /// One point.
        Point(i32, i32),
    }

    /// A layer: name, extent, features with string properties.
    pub struct Layer {
        pub name: &'static str,
        pub extent: u32,
        pub features: Vec<(Geom, Vec<(&'static str, &'static str)>)>,
    }

    impl Layer {
        /// A layer of the usual extent (4096) holding `features`.
        pub fn new(
            name: &'static str,
            features: Vec<(Geom, Vec<(&'static str, &'static str)>)>,
        ) -> Layer {
            Layer {
                name,
                extent: 4096,
                features,
            }
        }

        /// A layer of the usual extent holding one feature: `geom` with the properties `props`.
        pub fn one(
            name: &'static str,
            geom: Geom,
            props: Vec<(&'static str, &'static str)>,
        ) -> Layer {
            Layer::new(name, vec![(geom, props)])
        }
    }

    /// Geometry type and command integers.
    pub fn geometry(g: &Geom) -> (u64, Vec<u64>) {
        let mut w = GeomWriter::default();
        let wide = |pts: &[(i32, i32)]| -> Vec<(i64, i64)> {
            pts.iter()
                .map(|&(x, y)| (i64::from(x), i64::from(y)))
                .collect()
        };
        let t = match g {
            Geom::Polygon(rings) => {
                for r in rings {
                    w.part(&wide(r), true);
                }
                3
            }
            Geom::Lines(lines) => {
                for l in lines {
                    w.part(&wide(l), false);
                }
                2
            }
            Geom::Point(x, y) => {
                w.part(&wide(&[(*x, *y)]), false);
                1
            }
        };
        (t, w.out)
    }

    /// The tile holding `layers` (features without ids).
    pub fn tile(layers: &[Layer]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in layers {
            let mut w = LayerWriter::default();
            for (g, props) in &l.features {
                let (t, geom) = geometry(g);
                w.add(None, props, t, &geom);
            }
            w.finish(l.name, l.extent, &mut out);
        }
        out
    }

    /// An axis-aligned square ring, clockwise with y down (an exterior).
    pub fn square(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<(i32, i32)> {
        vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    /// The same square counter-clockwise (a hole).
    pub fn hole(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<(i32, i32)> {
        vec![(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    }

    /// The test scene, Protomaps names: land everywhere, water left of x = 1536, a major road
    /// along y = 2560, a building (2600..3600, 400..1400) with a hole (2900..3300, 700..1100),
    /// a place point and an unknown layer's line along y = 3600.
    pub fn scene() -> Vec<u8> {
        tile(&[
            Layer::one(
                "earth",
                Geom::Polygon(vec![square(-64, -64, 4160, 4160)]),
                vec![("kind", "earth")],
            ),
            Layer::one(
                "water",
                Geom::Polygon(vec![square(-64, -64, 1536, 4160)]),
                vec![("kind", "water")],
            ),
            Layer::one(
                "roads",
                Geom::Lines(vec![vec![(-64, 2560), (2000, 2560), (4160, 2560)]]),
                vec![("kind", "major_road"), ("kind_detail", "primary")],
            ),
            Layer::one(
                "buildings",
                Geom::Polygon(vec![
                    square(2600, 400, 3600, 1400),
                    hole(2900, 700, 3300, 1100),
                ]),
                vec![("kind", "building")],
            ),
            Layer::one(
                "places",
                Geom::Point(3000, 3000),
                vec![("kind", "locality")],
            ),
            Layer::one(
                "mystery",
                Geom::Lines(vec![vec![(0, 3600), (4096, 3600)]]),
                vec![("kind", "what")],
            ),
        ])
    }
}
