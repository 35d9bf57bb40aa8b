//! Web Mercator projection, haversine distance, bounding boxes and fit-to-viewport.

use bn407::map::geo::{
    BBox, MAX_LAT, fit_bounds, haversine_m, lonlat_to_pixel, lonlat_to_world, metres_per_pixel,
    pixel_to_lonlat, world_to_lonlat,
};

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() <= eps
}

#[test]
fn known_points() {
    assert_eq!(lonlat_to_world(0.0, 0.0), (0.5, 0.5));
    let (x, y) = lonlat_to_world(-180.0, 85.0511);
    assert!(close(x, 0.0, 1e-12) && close(y, 0.0, 1e-5), "{x} {y}");
    let (x, y) = lonlat_to_world(180.0, -85.0511);
    assert!(close(x, 1.0, 1e-12) && close(y, 1.0, 1e-5), "{x} {y}");
    // Beyond the Mercator limit the latitude is clamped, the poles included.
    assert!(close(lonlat_to_world(10.0, 90.0).1, 0.0, 1e-12));
    assert!(close(lonlat_to_world(10.0, -90.0).1, 1.0, 1e-12));
    assert_eq!(lonlat_to_world(10.0, 89.0), lonlat_to_world(10.0, MAX_LAT));
    // Amsterdam is north of the equator, east of Greenwich: upper half, right half.
    let (x, y) = lonlat_to_world(4.9, 52.37);
    assert!(x > 0.5 && y < 0.5);
    // The OSM tile of Amsterdam Centraal is (525, 336) at zoom 10, (8415, 5383) at zoom 14.
    let (px, py) = lonlat_to_pixel(4.9003, 52.3791, 10.0);
    assert_eq!(((px / 256.0).floor(), (py / 256.0).floor()), (525.0, 336.0));
    let (px, py) = lonlat_to_pixel(4.9003, 52.3791, 14.0);
    assert_eq!(
        ((px / 256.0).floor(), (py / 256.0).floor()),
        (8415.0, 5383.0)
    );
}

#[test]
fn round_trips() {
    for &(lon, lat) in &[
        (0.0, 0.0),
        (4.89940, 52.37765),
        (-9.1393, 38.7223),
        (179.999, -85.0),
        (-179.999, 85.0),
        (151.2093, -33.8688),
    ] {
        let (x, y) = lonlat_to_world(lon, lat);
        let (lon2, lat2) = world_to_lonlat(x, y);
        assert!(
            close(lon, lon2, 1e-9) && close(lat, lat2, 1e-9),
            "{lon},{lat} -> {lon2},{lat2}"
        );
        for z in 0..=18 {
            let zoom = f64::from(z);
            let (px, py) = lonlat_to_pixel(lon, lat, zoom);
            let size = 256.0 * 2f64.powi(z);
            assert!(close(px, x * size, 1e-6) && close(py, y * size, 1e-6));
            let (lon3, lat3) = pixel_to_lonlat(px, py, zoom);
            assert!(close(lon, lon3, 1e-9) && close(lat, lat3, 1e-9), "zoom {z}");
        }
    }
}

#[test]
fn pixels_double_each_zoom() {
    for z in 0..18 {
        let (a, b) = lonlat_to_pixel(12.5, -41.0, f64::from(z));
        let (c, d) = lonlat_to_pixel(12.5, -41.0, f64::from(z + 1));
        assert!(close(c, 2.0 * a, 1e-6) && close(d, 2.0 * b, 1e-6));
    }
    assert_eq!(lonlat_to_pixel(0.0, 0.0, 0.0), (128.0, 128.0));
    // About 156 km a pixel at zoom 0 on the equator, 0.6 m at zoom 18.
    assert!(close(metres_per_pixel(0.0, 0.0), 156_543.0, 1.0));
    assert!(close(metres_per_pixel(0.0, 18.0), 0.597, 0.001));
}

#[test]
fn nan_does_not_panic() {
    let (x, y) = lonlat_to_world(f64::NAN, f64::NAN);
    assert!(x.is_nan() && y.is_nan());
    let _ = world_to_lonlat(f64::NAN, f64::INFINITY);
    let _ = lonlat_to_pixel(f64::INFINITY, f64::NEG_INFINITY, f64::NAN);
    assert!(haversine_m((f64::NAN, 0.0), (0.0, 0.0)).is_nan());
}

#[test]
fn haversine_distances() {
    let amsterdam = (4.9041, 52.3676);
    let lisbon = (-9.1393, 38.7223);
    let d = haversine_m(amsterdam, lisbon);
    assert!((d - 1_860_000.0).abs() < 18_600.0, "{d}");
    assert_eq!(haversine_m(amsterdam, amsterdam), 0.0);
    assert!(close(
        haversine_m(amsterdam, lisbon),
        haversine_m(lisbon, amsterdam),
        1e-6
    ));
    // One degree of latitude is about 111.2 km; antipodes are half the circumference.
    assert!(close(haversine_m((0.0, 0.0), (0.0, 1.0)), 111_195.0, 10.0));
    let half = std::f64::consts::PI * 6_371_008.8;
    assert!(close(haversine_m((0.0, 0.0), (180.0, 0.0)), half, 1.0));
    assert!(close(haversine_m((10.0, 45.0), (-170.0, -45.0)), half, 1.0));
}

#[test]
fn bbox_operations() {
    let mut b = BBox::default();
    assert!(b.is_empty());
    assert!(!b.contains(0.0, 0.0));
    assert_eq!(b.center(), None);
    b.expand(4.0, 52.0);
    assert!(!b.is_empty() && b.contains(4.0, 52.0));
    b.expand(f64::NAN, 1.0);
    b.expand(5.0, 53.0);
    assert_eq!(b, BBox::new(5.0, 53.0, 4.0, 52.0));
    assert!(b.contains(4.5, 52.5) && !b.contains(3.9, 52.5));
    assert_eq!(b.center(), Some((4.5, 52.5)));
    let c = BBox::point(-9.0, 38.0);
    let u = b.union(&c);
    assert_eq!(u, BBox::new(-9.0, 38.0, 5.0, 53.0));
    assert_eq!(u.union(&BBox::EMPTY), u);
    assert_eq!(BBox::EMPTY.union(&u), u);
    assert!(u.intersects(&b) && !b.intersects(&c) && !b.intersects(&BBox::EMPTY));
    assert_eq!(b.padded(1.0), BBox::new(3.0, 51.0, 6.0, 54.0));
    assert!(b.padded(-1.0).is_empty());
    assert_eq!(
        BBox::from_points([(1.0, 2.0), (f64::INFINITY, 0.0), (3.0, -4.0)]),
        BBox::new(1.0, -4.0, 3.0, 2.0)
    );
}

#[test]
fn fit_bounds_views() {
    assert_eq!(fit_bounds(&BBox::EMPTY, 800.0, 600.0, 20.0, 18.0), None);
    // The whole Mercator world fits a 256-pixel square at zoom 0.
    let world = BBox::new(-180.0, -MAX_LAT, 180.0, MAX_LAT);
    let v = fit_bounds(&world, 256.0, 256.0, 0.0, 18.0).expect("view");
    assert!(close(v.zoom, 0.0, 1e-9) && close(v.lon, 0.0, 1e-9) && close(v.lat, 0.0, 1e-9));
    let v = fit_bounds(&world, 1024.0, 512.0, 0.0, 18.0).expect("view");
    assert!(close(v.zoom, 1.0, 1e-9), "{v:?}");
    // A single point gets the maximum zoom, centred on it.
    let v = fit_bounds(&BBox::point(4.9, 52.37), 800.0, 600.0, 20.0, 17.0).expect("view");
    assert_eq!(v.zoom, 17.0);
    assert!(close(v.lon, 4.9, 1e-9) && close(v.lat, 52.37, 1e-9));
    // A box fits: its corners land inside the padded viewport at that zoom, and one more zoom
    // level would not fit.
    let b = BBox::new(4.85, 52.35, 4.92, 52.39);
    let (w, h, pad) = (800.0, 600.0, 20.0);
    let v = fit_bounds(&b, w, h, pad, 19.0).expect("view");
    let (cx, cy) = lonlat_to_pixel(v.lon, v.lat, v.zoom);
    for (lon, lat) in [(b.min_lon, b.min_lat), (b.max_lon, b.max_lat)] {
        let (px, py) = lonlat_to_pixel(lon, lat, v.zoom);
        assert!((px - cx).abs() <= w / 2.0 - pad + 1e-6, "{v:?}");
        assert!((py - cy).abs() <= h / 2.0 - pad + 1e-6, "{v:?}");
    }
    let (x0, y0) = lonlat_to_pixel(b.min_lon, b.max_lat, v.zoom + 0.1);
    let (x1, y1) = lonlat_to_pixel(b.max_lon, b.min_lat, v.zoom + 0.1);
    assert!(x1 - x0 > w - 2.0 * pad || y1 - y0 > h - 2.0 * pad);
    // Odd viewports and NaN do not panic.
    assert!(fit_bounds(&b, 0.0, -5.0, 100.0, f64::NAN).is_some());
    let nan = BBox {
        min_lon: f64::NAN,
        ..b
    };
    assert_eq!(fit_bounds(&nan, 100.0, 100.0, 0.0, 18.0), None);
    let inf = BBox {
        max_lat: f64::INFINITY,
        ..b
    };
    assert_eq!(fit_bounds(&inf, 100.0, 100.0, 0.0, 18.0), None);
}
