//! Geography for the map: Web Mercator (EPSG:3857) projection, great-circle distance,
//! longitude/latitude bounding boxes, and fitting a box into a viewport.
//!
//! Coordinates are signed decimal degrees, longitude first in every pair and signature
//! (`lon, lat`), like GeoJSON and the map crates. "World" coordinates are Web Mercator
//! normalised to the unit square: `x` grows eastwards from 0 at -180° to 1 at +180°, `y` grows
//! southwards from 0 at +85.0511° to 1 at -85.0511°, so (0°, 0°) is (0.5, 0.5). Pixel
//! coordinates at zoom `z` are world coordinates times `256 * 2^z` (256-pixel tiles, the
//! OpenStreetMap tiling). Latitudes beyond ±[`MAX_LAT`] are clamped. Nothing here panics; a NaN
//! in gives a NaN out.

/// Largest latitude Web Mercator shows, degrees: `atan(sinh(π))`.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Side of one map tile, pixels.
pub const TILE_SIZE: f64 = 256.0;

/// Mean Earth radius (IUGG), metres, for [`haversine_m`].
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Radius of the Web Mercator sphere (the WGS 84 equatorial radius), metres, for
/// [`metres_per_pixel`].
pub const MERCATOR_RADIUS_M: f64 = 6_378_137.0;

/// Projects longitude and latitude (degrees) to normalised Web Mercator world coordinates
/// `(x, y)` in `[0, 1]²`; the latitude is clamped to ±[`MAX_LAT`]. Longitudes outside ±180°
/// give `x` outside `[0, 1]` (no wrapping).
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = clamp_lat(lat);
    let x = (lon + 180.0) / 360.0;
    let phi = lat.to_radians();
    let y = 0.5 - (phi.tan() + 1.0 / phi.cos()).ln() / (2.0 * std::f64::consts::PI);
    (x, y.clamp(0.0, 1.0))
}

/// Inverse of [`lonlat_to_world`]: world coordinates to `(lon, lat)` degrees. `y` is clamped to
/// `[0, 1]`, so the latitude stays within ±[`MAX_LAT`].
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let y = y.clamp(0.0, 1.0);
    let n = std::f64::consts::PI * (1.0 - 2.0 * y);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

/// Size of the whole world in pixels at `zoom` (fractional zooms allowed): `256 * 2^zoom`.
pub fn world_size_px(zoom: f64) -> f64 {
    TILE_SIZE * zoom.exp2()
}

/// Projects `(lon, lat)` to global pixel coordinates at `zoom`: the world is
/// [`world_size_px`]`(zoom)` pixels square, origin at the north-west corner.
pub fn lonlat_to_pixel(lon: f64, lat: f64, zoom: f64) -> (f64, f64) {
    let (x, y) = lonlat_to_world(lon, lat);
    let s = world_size_px(zoom);
    (x * s, y * s)
}

/// Inverse of [`lonlat_to_pixel`].
pub fn pixel_to_lonlat(px: f64, py: f64, zoom: f64) -> (f64, f64) {
    let s = world_size_px(zoom);
    world_to_lonlat(px / s, py / s)
}

/// Ground length of one pixel at `lat` and `zoom`, metres, as Web Mercator counts it (for
/// scale bars and tolerances).
pub fn metres_per_pixel(lat: f64, zoom: f64) -> f64 {
    let circumference = 2.0 * std::f64::consts::PI * MERCATOR_RADIUS_M;
    circumference * clamp_lat(lat).to_radians().cos() / world_size_px(zoom)
}

/// Great-circle distance between two `(lon, lat)` points, metres (haversine formula on a
/// sphere of [`EARTH_RADIUS_M`]; within about 0.5 % of the ellipsoidal distance).
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // Rounding can push h a hair past 1 for antipodal points; keep asin's argument in range.
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

fn clamp_lat(lat: f64) -> f64 {
    lat.clamp(-MAX_LAT, MAX_LAT)
}

/// A longitude/latitude box, degrees. The empty box (the [`Default`]) contains nothing and is
/// the identity of [`BBox::union`]. Boxes do not wrap around the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BBox {
    /// Western edge.
    pub min_lon: f64,
    /// Southern edge.
    pub min_lat: f64,
    /// Eastern edge.
    pub max_lon: f64,
    /// Northern edge.
    pub max_lat: f64,
}

impl Default for BBox {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl BBox {
    /// The empty box.
    pub const EMPTY: BBox = BBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    /// The whole world.
    pub const WORLD: BBox = BBox {
        min_lon: -180.0,
        min_lat: -90.0,
        max_lon: 180.0,
        max_lat: 90.0,
    };

    /// The box with the given edges (swapped when given the wrong way round).
    pub fn new(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> Self {
        let mut b = Self::EMPTY;
        b.expand(lon1, lat1);
        b.expand(lon2, lat2);
        b
    }

    /// The box holding just one point (empty when the point is not finite).
    pub fn point(lon: f64, lat: f64) -> Self {
        Self::new(lon, lat, lon, lat)
    }

    /// The smallest box holding every finite point of `points`.
    pub fn from_points(points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        let mut b = Self::EMPTY;
        for (lon, lat) in points {
            b.expand(lon, lat);
        }
        b
    }

    /// True when the box holds no point.
    pub fn is_empty(&self) -> bool {
        !(self.min_lon <= self.max_lon && self.min_lat <= self.max_lat)
    }

    /// Grows the box to hold `(lon, lat)`; a non-finite point is ignored.
    pub fn expand(&mut self, lon: f64, lat: f64) {
        if !(lon.is_finite() && lat.is_finite()) {
            return;
        }
        self.min_lon = self.min_lon.min(lon);
        self.min_lat = self.min_lat.min(lat);
        self.max_lon = self.max_lon.max(lon);
        self.max_lat = self.max_lat.max(lat);
    }

    /// The smallest box holding both boxes.
    pub fn union(&self, other: &BBox) -> BBox {
        if other.is_empty() {
            return *self;
        }
        if self.is_empty() {
            return *other;
        }
        BBox {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
        }
    }

    /// True when `(lon, lat)` lies inside the box or on its edge.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }

    /// True when the boxes share at least one point (edges count).
    pub fn intersects(&self, other: &BBox) -> bool {
        !self.is_empty()
            && !other.is_empty()
            && self.min_lon <= other.max_lon
            && other.min_lon <= self.max_lon
            && self.min_lat <= other.max_lat
            && other.min_lat <= self.max_lat
    }

    /// The box grown by `margin` degrees on every side (an empty box stays empty; a negative
    /// margin that would turn the box inside out gives the empty box).
    pub fn padded(&self, margin: f64) -> BBox {
        if self.is_empty() || !margin.is_finite() {
            return *self;
        }
        let b = BBox {
            min_lon: self.min_lon - margin,
            min_lat: self.min_lat - margin,
            max_lon: self.max_lon + margin,
            max_lat: self.max_lat + margin,
        };
        if b.is_empty() { BBox::EMPTY } else { b }
    }

    /// The centre `(lon, lat)`, or `None` for the empty box.
    pub fn center(&self) -> Option<(f64, f64)> {
        (!self.is_empty()).then(|| {
            (
                (self.min_lon + self.max_lon) / 2.0,
                (self.min_lat + self.max_lat) / 2.0,
            )
        })
    }

    /// Width and height, degrees (zero for the empty box).
    pub fn size(&self) -> (f64, f64) {
        if self.is_empty() {
            (0.0, 0.0)
        } else {
            (self.max_lon - self.min_lon, self.max_lat - self.min_lat)
        }
    }
}

/// Where a map should look: centre and zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Zoom level; fractional (floor it for whole tile levels).
    pub zoom: f64,
}

/// The view that shows all of `bbox` in a viewport of `width` × `height` pixels, keeping
/// `padding` pixels free on every side, at the largest zoom that fits, capped at `max_zoom`
/// (a single point or a tiny box gets `max_zoom`). The centre is the middle of the box in
/// projected coordinates. `None` for an empty or non-finite box; a viewport smaller than the
/// padding is treated as one pixel wide.
pub fn fit_bounds(
    bbox: &BBox,
    width: f64,
    height: f64,
    padding: f64,
    max_zoom: f64,
) -> Option<View> {
    if bbox.is_empty()
        || ![bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat]
            .iter()
            .all(|v| v.is_finite())
    {
        return None;
    }
    let max_zoom = if max_zoom.is_finite() {
        max_zoom.clamp(0.0, 30.0)
    } else {
        30.0
    };
    let pad = if padding.is_finite() {
        padding.max(0.0)
    } else {
        0.0
    };
    let avail = |v: f64| {
        if v.is_finite() {
            (v - 2.0 * pad).max(1.0)
        } else {
            1.0
        }
    };
    let (w, h) = (avail(width), avail(height));
    let (x0, y1) = lonlat_to_world(bbox.min_lon, bbox.min_lat);
    let (x1, y0) = lonlat_to_world(bbox.max_lon, bbox.max_lat);
    let (dx, dy) = ((x1 - x0).abs(), (y1 - y0).abs());
    // Zoom z shows w / (256 * 2^z) of the world across; take the tighter of both axes.
    let fit = |span: f64, px: f64| {
        if span > 0.0 {
            (px / (TILE_SIZE * span)).log2()
        } else {
            f64::INFINITY
        }
    };
    let zoom = fit(dx, w).min(fit(dy, h)).clamp(0.0, max_zoom);
    let (lon, lat) = world_to_lonlat((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    Some(View { lon, lat, zoom })
}
