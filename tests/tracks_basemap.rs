//! The built-in world basemap: the asset decodes, has coastlines and borders where they
//! belong, answers box queries, and a damaged asset gives an error, never a panic.

use bn407::map::basemap::{self, Basemap, BasemapError, LineKind, PIECE_POINTS};
use bn407::map::geo::BBox;

const ASSET: &[u8] = include_bytes!("../assets/world-50m.bin");

#[test]
fn world_decodes() {
    assert_eq!(basemap::world_error(), None);
    let world = basemap::world();
    assert!(world.lines.len() > 100, "{} lines", world.lines.len());
    assert!(
        world.point_count() > 50_000,
        "{} points",
        world.point_count()
    );
    let coast = world
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Coastline)
        .count();
    let border = world
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Border)
        .count();
    assert!(
        coast > 100 && border > 100,
        "{coast} coast, {border} border"
    );
    for line in &world.lines {
        assert!(line.points.len() >= 2 && line.points.len() <= PIECE_POINTS);
        for &(lon, lat) in &line.points {
            assert!(line.bbox.contains(lon, lat));
            assert!(lon.abs() <= 180.0 && lat.abs() <= 90.0);
        }
    }
    // The same object every time.
    assert!(std::ptr::eq(world, basemap::world()));
}

#[test]
fn queries_find_what_is_there() {
    let world = basemap::world();
    let europe = BBox::new(-10.0, 35.0, 30.0, 60.0);
    let lines = world.lines_in(&europe);
    assert!(lines.len() > 50, "{}", lines.len());
    assert!(lines.iter().all(|l| l.bbox.intersects(&europe)));
    assert!(lines.iter().any(|l| l.kind == LineKind::Border));
    // The query misses nothing: a linear scan finds the same lines.
    let scan = world
        .lines
        .iter()
        .filter(|l| l.bbox.intersects(&europe))
        .count();
    assert_eq!(lines.len(), scan);
    // Amsterdam lies near the coast and the Dutch-German border.
    let amsterdam = BBox::new(4.0, 52.0, 7.5, 53.5);
    let near = world.lines_in(&amsterdam);
    assert!(near.iter().any(|l| l.kind == LineKind::Coastline));
    assert!(near.iter().any(|l| l.kind == LineKind::Border));
    // The middle of the Pacific has nothing; neither has the empty box.
    assert!(
        world
            .lines_in(&BBox::new(-130.0, -50.0, -120.0, -40.0))
            .is_empty()
    );
    assert!(world.lines_in(&BBox::EMPTY).is_empty());
    // The whole world returns every line once.
    assert_eq!(world.lines_in(&BBox::WORLD).len(), world.lines.len());
    // No artificial lines along the antimeridian or the south pole cut.
    for l in &world.lines {
        let on_meridian = l.points.iter().all(|p| p.0.abs() == 180.0);
        let on_pole = l.points.iter().all(|p| p.1 < -89.9);
        assert!(!on_meridian && !on_pole, "{:?}", l.bbox);
    }
}

#[test]
fn corrupt_assets_do_not_panic() {
    assert!(Basemap::decode(ASSET).is_ok());
    assert_eq!(Basemap::decode(&[]).err(), Some(BasemapError::Truncated(0)));
    assert_eq!(
        Basemap::decode(b"nope, not a map").err(),
        Some(BasemapError::Magic)
    );
    // Every truncation, and a flipped bit at many places, is an error.
    for len in (0..ASSET.len())
        .step_by(997)
        .chain(ASSET.len() - 8..ASSET.len())
    {
        let cut = ASSET.get(..len).unwrap_or_default();
        assert!(Basemap::decode(cut).is_err(), "truncated at {len}");
    }
    for at in (0..ASSET.len()).step_by(1231) {
        let mut bad = ASSET.to_vec();
        if let Some(b) = bad.get_mut(at) {
            *b ^= 0x10;
        }
        assert!(Basemap::decode(&bad).is_err(), "flipped at {at}");
    }
}

/// Builds an asset with a valid checksum around `body` (everything after the magic).
fn with_checksum(body: &[u8]) -> Vec<u8> {
    let mut v = b"BNWM".to_vec();
    v.extend_from_slice(body);
    let h = v.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    v.extend_from_slice(&h.to_le_bytes());
    v
}

#[test]
fn hostile_but_checksummed_assets() {
    // A small valid map: one coastline of 3 points at units 10 (0.1 degree).
    let ok = with_checksum(&[1, 10, 1, 0, 3, 20, 40, 2, 2, 1, 1]);
    let map = Basemap::decode(&ok).expect("decodes");
    assert_eq!(map.lines.len(), 1);
    assert_eq!(
        map.lines.first().map(|l| l.points.clone()),
        Some(vec![(1.0, 2.0), (1.1, 2.1), (1.0, 2.0)])
    );
    let cases: &[(&[u8], &str)] = &[
        (&[2, 10, 0], "version"),
        (&[1, 0, 0], "zero units"),
        (&[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f], "huge line count"),
        (&[1, 10, 1, 7, 2, 0, 0, 2, 2], "bad kind"),
        (
            &[1, 10, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0],
            "huge point count",
        ),
        (&[1, 10, 1, 0, 1, 0, 0], "one point"),
        (&[1, 10, 1, 0, 2, 0xd0, 0x1c, 0, 0, 0], "longitude 185"),
        (&[1, 10, 1, 0, 2, 0, 0xf0, 0x0e, 0, 0], "latitude 96"),
        (
            &[
                1, 10, 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0, 0, 0,
            ],
            "endless varint",
        ),
        (&[1, 10, 1, 0, 2, 0, 0, 0, 0, 9], "trailing byte"),
        (&[1, 10, 0, 5], "trailing after zero lines"),
    ];
    for (body, what) in cases {
        assert!(Basemap::decode(&with_checksum(body)).is_err(), "{what}");
    }
    // Zero lines is a valid, empty map.
    assert!(Basemap::decode(&with_checksum(&[1, 10, 0])).is_ok_and(|m| m.is_empty()));
}
