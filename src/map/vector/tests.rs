//! Drawing vector tiles: colours where the features are, light and dark, over-zoom, both
//! schemas, and damaged or oversized tiles that give errors, never panics.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::palette::{DARK, LIGHT, Rgb};
use super::style::RoadClass;
use super::*;
use crate::map::mvt::encode::{
    self,
    testing::{Geom, Layer, scene, square, tile},
};
use proptest::prelude::*;

fn rgb(img: &Image, x: usize, y: usize) -> Rgb {
    let [r, g, b, _] = img.pixel(x, y).unwrap();
    [r, g, b]
}

fn save_png(img: &Image, path: &std::path::Path) {
    image::RgbaImage::from_raw(img.size[0] as u32, img.size[1] as u32, img.rgba.clone())
        .unwrap()
        .save(path)
        .unwrap();
}

fn check_scene(dark: bool) {
    let pal = if dark { &DARK } else { &LIGHT };
    let img = render(&scene(), 14, SubSquare::WHOLE, 512, dark).unwrap().0;
    assert_eq!(img.size, [512, 512]);
    // Water left of x = 1536 / 8 = 192 px.
    assert_eq!(rgb(&img, 50, 100), pal.water);
    assert_eq!(rgb(&img, 185, 400), pal.water);
    assert_eq!(rgb(&img, 200, 100), pal.land);
    // The road along y = 2560 / 8 = 320 px, over land and over water.
    assert_eq!(rgb(&img, 400, 320), pal.road[RoadClass::Primary.rank()]);
    assert_eq!(rgb(&img, 100, 320), pal.road[RoadClass::Primary.rank()]);
    assert_ne!(rgb(&img, 400, 310), pal.road[RoadClass::Primary.rank()]);
    // Land elsewhere; the unknown layer's line (y = 450 px) and the point are not drawn.
    assert_eq!(rgb(&img, 450, 450), pal.land);
    assert_eq!(rgb(&img, 300, 450), pal.land);
    assert_eq!(rgb(&img, 375, 375), pal.land);
    // The building (325..450, 50..175 px) and its hole (362..412, 87..137 px).
    assert_eq!(rgb(&img, 340, 150), pal.building);
    assert_eq!(rgb(&img, 430, 70), pal.building);
    assert_eq!(rgb(&img, 387, 112), pal.land);
    assert_ne!(pal.water, pal.land);
    assert_ne!(pal.building, pal.land);
}

#[test]
fn holes_show_whatever_their_winding() {
    // An old (MVT 1) tile may wind a hole like its outside: even-odd still leaves it open.
    let t = tile(&[Layer::one(
        "building",
        Geom::Polygon(vec![
            square(1000, 1000, 3000, 3000),
            square(1500, 1500, 2500, 2500),
        ]),
        vec![],
    )]);
    let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 150, 150), LIGHT.building);
    assert_eq!(rgb(&img, 256, 256), LIGHT.land);
}

#[test]
fn draws_water_roads_and_buildings_with_holes_light() {
    check_scene(false);
}

#[test]
fn draws_water_roads_and_buildings_with_holes_dark() {
    check_scene(true);
    // Dark really is dark.
    let img = render(&scene(), 14, SubSquare::WHOLE, 512, true).unwrap().0;
    let [r, g, b] = rgb(&img, 450, 450);
    assert!(u32::from(r) + u32::from(g) + u32::from(b) < 3 * 60);
}

#[test]
fn over_zoom_draws_a_quarter_at_full_resolution() {
    let pal = &LIGHT;
    let road = pal.road[RoadClass::Primary.rank()];
    // Tile (z + 1) of the bottom-left quarter: tile x 0..2048, y 2048..4096, scale 1/4.
    let sub = SubSquare { dz: 1, x: 0, y: 1 };
    let img = render(&scene(), 14, sub, 512, false).unwrap().0;
    // The water edge moves from 192 px to 384 px, the road from y = 320 px to y = 128 px.
    assert_eq!(rgb(&img, 375, 50), pal.water);
    assert_eq!(rgb(&img, 393, 50), pal.land);
    assert_eq!(rgb(&img, 450, 128), road);
    assert_eq!(rgb(&img, 450, 300), pal.land);
    // The road is wider at the deeper zoom: 2 to 3 px off its middle is still road.
    assert_eq!(rgb(&img, 450, 130), road);
    let whole = render(&scene(), 14, SubSquare::WHOLE, 512, false)
        .unwrap()
        .0;
    assert_ne!(rgb(&whole, 450, 322), road);
    // The top-right quarter: no water, the building four times larger with its hole.
    let sub = SubSquare { dz: 1, x: 1, y: 0 };
    let img = render(&scene(), 14, sub, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 10, 10), pal.land);
    assert_eq!(rgb(&img, 150, 120), pal.building);
    assert_eq!(rgb(&img, 263, 225), pal.land);
    assert_eq!(rgb(&img, 380, 340), pal.building);
    // Two levels deeper: the square of tile x 1024..1536 touches the water edge at 512 px.
    let sub = SubSquare { dz: 3, x: 2, y: 0 };
    let img = render(&scene(), 14, sub, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 505, 10), pal.water);
    let sub = SubSquare { dz: 3, x: 3, y: 0 };
    let img = render(&scene(), 14, sub, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 5, 10), pal.land);
}

#[test]
fn reads_the_openmaptiles_schema() {
    let t = tile(&[
        Layer::one(
            "landcover",
            Geom::Polygon(vec![square(0, 0, 2048, 2048)]),
            vec![("class", "wood"), ("subclass", "forest")],
        ),
        Layer::one(
            "park",
            Geom::Polygon(vec![square(2048, 0, 4096, 2048)]),
            vec![("class", "park")],
        ),
        Layer::one(
            "water",
            Geom::Polygon(vec![square(0, 2048, 2048, 4096)]),
            vec![("class", "lake")],
        ),
        Layer::new(
            "transportation",
            vec![
                (
                    Geom::Lines(vec![vec![(0, 1024), (4096, 1024)]]),
                    vec![("class", "motorway")],
                ),
                (
                    Geom::Lines(vec![vec![(3076, 0), (3076, 4096)]]),
                    vec![("class", "minor")],
                ),
            ],
        ),
        Layer::one(
            "building",
            Geom::Polygon(vec![square(2400, 2400, 2800, 2800)]),
            vec![],
        ),
    ]);
    let pal = &LIGHT;
    let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 50, 50), pal.forest);
    assert_eq!(rgb(&img, 300, 50), pal.park);
    assert_eq!(rgb(&img, 50, 300), pal.water);
    assert_eq!(rgb(&img, 300, 500), pal.land);
    assert_eq!(rgb(&img, 325, 325), pal.building);
    assert_eq!(rgb(&img, 100, 128), pal.road[RoadClass::Motorway.rank()]);
    // The minor road along x = 384.5 px, 3 px wide, with a 1 px casing each side.
    assert_eq!(rgb(&img, 384, 400), pal.road[RoadClass::Minor.rank()]);
    assert_eq!(rgb(&img, 386, 400), pal.casing[RoadClass::Minor.rank()]);
    assert_eq!(rgb(&img, 382, 400), pal.casing[RoadClass::Minor.rank()]);
    assert_eq!(rgb(&img, 388, 400), pal.land);
    // Where they cross the motorway is on top.
    assert_eq!(rgb(&img, 384, 128), pal.road[RoadClass::Motorway.rank()]);
}

#[test]
fn damaged_geometry_is_left_out_and_bounds_hold() {
    // An unknown command in one feature, an absurd coordinate in another: both left out,
    // the good feature drawn.
    let mut bad = Vec::new();
    encode::field_bytes(&mut bad, 2, &[]);
    let mut t = tile(&[Layer::new(
        "water",
        vec![
            (Geom::Polygon(vec![square(0, 0, 1000, 1000)]), vec![]),
            (Geom::Polygon(vec![square(2000, 0, 1 << 30, 1000)]), vec![]),
        ],
    )]);
    // A third feature: geometry "command 5".
    let mut f = Vec::new();
    encode::field_varint(&mut f, 3, 3);
    encode::field_bytes(&mut f, 4, &[5, 0, 0]);
    let mut layer = Vec::new();
    encode::field_bytes(&mut layer, 1, b"water");
    encode::field_bytes(&mut layer, 2, &f);
    encode::field_bytes(&mut t, 3, &layer);
    let img = render(&t, 14, SubSquare::WHOLE, 256, false).unwrap().0;
    assert_eq!(rgb(&img, 20, 20), LIGHT.water);
    assert_eq!(rgb(&img, 200, 20), LIGHT.land);

    // More vertices than allowed: drawing stops, the image comes back.
    let zigzag: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 + 1000))
        .map(|i| ((i % 4096), if i % 2 == 0 { 100 } else { 3000 }))
        .collect();
    let t = tile(&[Layer::one(
        "roads",
        Geom::Lines(vec![zigzag]),
        vec![("kind", "path")],
    )]);
    assert_eq!(
        render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0.size,
        [512, 512]
    );

    // Many polygons over the whole tile: the fill budget stops them.
    let many: Vec<_> = (0..5000)
        .map(|_| (Geom::Polygon(vec![square(-10, -10, 4106, 4106)]), vec![]))
        .collect();
    let t = tile(&[Layer::new("water", many)]);
    let start = std::time::Instant::now();
    let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
    assert_eq!(rgb(&img, 100, 100), LIGHT.water);
    // A polygon of edges each crossing the whole image, and a wide road turning back at
    // every vertex: rasterising all of either took seconds; the budget stops them.
    let zigzag: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 - 10))
        .map(|i| (i % 4000, if i % 2 == 0 { 0 } else { 4096 }))
        .collect();
    let t = tile(&[Layer::one("water", Geom::Polygon(vec![zigzag]), vec![])]);
    assert!(render(&t, 14, SubSquare::WHOLE, 512, false).is_ok());
    let scribble: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 - 10))
        .map(|i| ((i / 8) % 4000, 2000 + (i % 2) * 8 + (i / 32000) * 100))
        .collect();
    let t = tile(&[Layer::one(
        "roads",
        Geom::Lines(vec![scribble]),
        vec![("kind", "major_road")],
    )]);
    assert!(render(&t, 18, SubSquare::WHOLE, 512, false).is_ok());
    assert!(start.elapsed() < std::time::Duration::from_secs(3));

    // Bad arguments and a tile too large are errors, not panics.
    assert!(render(&scene(), 14, SubSquare::WHOLE, 0, false).is_err());
    assert!(render(&scene(), 14, SubSquare::WHOLE, MAX_SIZE + 1, false).is_err());
    let out_of_range = SubSquare { dz: 1, x: 2, y: 0 };
    assert!(render(&scene(), 14, out_of_range, 256, false).is_err());
    let too_deep = SubSquare {
        dz: MAX_DZ + 1,
        x: 0,
        y: 0,
    };
    assert!(render(&scene(), 14, too_deep, 256, false).is_err());
    assert!(
        render(
            &vec![0u8; MAX_TILE_BYTES + 1],
            14,
            SubSquare::WHOLE,
            64,
            false
        )
        .is_err()
    );
    // Millions of empty layers would take gigabytes of bookkeeping: refused.
    let empty_layers = [0x1a, 0x00].repeat(4_000_000);
    let e = render(&empty_layers, 14, SubSquare::WHOLE, 64, false).unwrap_err();
    assert!(e.contains("layers"), "{e}");
}

#[test]
fn the_deepest_over_zoom_and_extents_do_not_break() {
    let deep = SubSquare {
        dz: MAX_DZ,
        x: (1 << MAX_DZ) - 1,
        y: 0,
    };
    let img = render(&scene(), 14, deep, 64, false).unwrap().0;
    assert_eq!(rgb(&img, 32, 32), LIGHT.land);
    for extent in [0, 1, 256, u32::MAX] {
        let t = tile(&[Layer {
            name: "water",
            extent,
            features: vec![(Geom::Polygon(vec![square(0, 0, 1, 1)]), vec![])],
        }]);
        assert!(render(&t, 0, SubSquare::WHOLE, 64, true).is_ok());
    }
}

#[test]
fn truncated_tiles_give_errors_not_panics() {
    let t = scene();
    let mut errors = 0;
    for n in 0..t.len() {
        if render(&t[..n], 14, SubSquare::WHOLE, 64, false).is_err() {
            errors += 1;
        }
    }
    // Almost every cut ends inside a field.
    assert!(errors > t.len() / 2, "{errors} of {}", t.len());
    assert!(render(&t[..t.len() - 1], 14, SubSquare::WHOLE, 64, false).is_err());
    let damaged = [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
    let e = render(&damaged, 14, SubSquare::WHOLE, 64, false).unwrap_err();
    assert!(e.contains("cut short"), "{e}");
}

/// Named features: two places, a primary road, a river, and names the map must not get.
fn named_scene() -> Vec<u8> {
    tile(&[
        Layer::new(
            "places",
            vec![
                (
                    Geom::Point(1000, 1000),
                    vec![
                        ("kind", "locality"),
                        ("kind_detail", "city"),
                        ("name", "Cidade Fictícia"),
                    ],
                ),
                (
                    Geom::Point(3000, 1000),
                    vec![("kind", "neighbourhood"), ("name", "Bairro Sintético")],
                ),
                // No name, an empty one, one too long, one outside the tile.
                (Geom::Point(2000, 500), vec![("kind", "locality")]),
                (Geom::Point(2100, 500), vec![("name", "  ")]),
                (
                    Geom::Point(2200, 500),
                    vec![(
                        "name",
                        "an overly long name of more than sixty-four characters, which is left out",
                    )],
                ),
                (Geom::Point(-50, 500), vec![("name", "Outside")]),
            ],
        ),
        Layer::new(
            "roads",
            vec![
                (
                    Geom::Lines(vec![vec![(0, 1800), (4096, 1800)]]),
                    vec![
                        ("kind", "major_road"),
                        ("kind_detail", "primary"),
                        ("name", "Avenida A"),
                    ],
                ),
                // Too short a piece in the image for a label.
                (
                    Geom::Lines(vec![vec![(4000, 3000), (4200, 3000)]]),
                    vec![("kind", "minor_road"), ("name", "Beco")],
                ),
            ],
        ),
        Layer::one(
            "water",
            Geom::Polygon(vec![square(0, 3072, 2048, 4096)]),
            vec![("kind", "water"), ("name", "Rio (synthetic)")],
        ),
    ])
}

fn found<'a>(labels: &'a [Label], text: &str) -> Option<&'a Label> {
    labels.iter().find(|l| l.text == text)
}

#[test]
fn labels_places_streets_and_water_where_they_are() {
    let (_, labels) = render(&named_scene(), 14, SubSquare::WHOLE, 512, false).unwrap();
    let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
    // Best first: the city, the neighbourhood, the water, the road.
    assert_eq!(
        texts,
        [
            "Cidade Fictícia",
            "Bairro Sintético",
            "Rio (synthetic)",
            "Avenida A"
        ]
    );
    let city = found(&labels, "Cidade Fictícia").unwrap();
    assert_eq!((city.pos, city.kind), ([125.0, 125.0], LabelKind::Place));
    let quarter = found(&labels, "Bairro Sintético").unwrap();
    assert_eq!(quarter.pos, [375.0, 125.0]);
    assert!(city.rank > quarter.rank);
    // The middle of the road's piece in the image, and of the water's box.
    let road = found(&labels, "Avenida A").unwrap();
    assert_eq!((road.pos, road.kind), ([256.0, 225.0], LabelKind::Street));
    let river = found(&labels, "Rio (synthetic)").unwrap();
    assert_eq!((river.pos, river.kind), ([128.0, 448.0], LabelKind::Water));
    assert!(quarter.rank > river.rank && river.rank > road.rank);
    // Farther out only the places: streets from zoom 13 (major roads), areas from 13.
    let (_, labels) = render(&named_scene(), 12, SubSquare::WHOLE, 512, false).unwrap();
    let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["Cidade Fictícia", "Bairro Sintético"]);
    // The dark style labels the same; the image size scales the positions.
    let (_, labels) = render(&named_scene(), 14, SubSquare::WHOLE, 256, true).unwrap();
    assert_eq!(
        found(&labels, "Bairro Sintético").unwrap().pos,
        [187.5, 62.5]
    );
}

#[test]
fn over_zoom_moves_labels_and_drops_those_outside() {
    // The top-right quarter (tile x 2048..4096, y 0..2048) drawn at 512 pixels.
    let sub = SubSquare { dz: 1, x: 1, y: 0 };
    let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
    let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["Bairro Sintético", "Avenida A"]);
    assert_eq!(
        found(&labels, "Bairro Sintético").unwrap().pos,
        [238.0, 250.0]
    );
    assert_eq!(found(&labels, "Avenida A").unwrap().pos, [256.0, 450.0]);
    // The bottom-left quarter: the water fills its bottom half.
    let sub = SubSquare { dz: 1, x: 0, y: 1 };
    let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
    let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["Rio (synthetic)"]);
    assert_eq!(labels[0].pos, [256.0, 384.0]);
    // Deep in the middle of the tile: nothing named there.
    let sub = SubSquare {
        dz: 6,
        x: 40,
        y: 40,
    };
    let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
    assert!(labels.is_empty(), "{labels:?}");
}

#[test]
fn labels_are_capped_keeping_the_best() {
    // 10,000 named villages, then one city: at most the cap, the city among them.
    let mut features: Vec<_> = (0..10_000)
        .map(|i| {
            (
                Geom::Point(i % 4096, (i * 7) % 4096),
                vec![("kind", "village"), ("name", "Aldeia")],
            )
        })
        .collect();
    features.push((
        Geom::Point(2048, 2048),
        vec![("kind", "city"), ("name", "Cidade")],
    ));
    let t = tile(&[Layer::new("place", features)]);
    let (_, labels) = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap();
    assert_eq!(labels.len(), MAX_LABELS);
    assert_eq!(labels[0].text, "Cidade");
    assert_eq!(labels[0].pos, [256.0, 256.0]);
    assert!(
        labels
            .iter()
            .all(|l| l.text.chars().count() <= MAX_LABEL_CHARS)
    );
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000),
                                dz in 0u8..4, dark in any::<bool>()) {
        let _ = render(&bytes, 14, SubSquare { dz, x: 0, y: 0 }, 64, dark);
    }

    #[test]
    fn damaged_tiles_never_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
                                 cut in any::<usize>()) {
        let mut t = scene();
        for (at, b) in changes {
            let n = t.len();
            t[at % n] = b;
        }
        let n = t.len();
        t.truncate(n - cut % (n / 4));
        let _ = render(&t, 14, SubSquare { dz: 1, x: 1, y: 1 }, 128, false);
    }
}

/// Draws tiles of the synthetic sample (`examples/make_vector_pmtiles.rs`, or the file in
/// `BN407_PMTILES`) into PNG files in the temporary directory, to look at:
/// `cargo test --release --lib render_sample -- --ignored --nocapture`.
#[test]
#[ignore = "needs samples/lisbon-synthetic.pmtiles (cargo run --release --example make_vector_pmtiles); writes PNG files to look at"]
fn render_sample_to_png() {
    let path = std::env::var("BN407_PMTILES")
        .unwrap_or_else(|_| "samples/lisbon-synthetic.pmtiles".to_string());
    let mut pm = crate::map::pmtiles::PmTiles::open(std::path::Path::new(&path)).unwrap();
    assert!(pm.is_vector());
    // Central Lisbon, and the riverside.
    let tile_of = |z: u8, lat: f64, lon: f64| {
        let n = f64::from(1u32 << z);
        let lat = f64::to_radians(lat);
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
        (x, y)
    };
    let centre = (38.725, -9.15);
    let river = (38.697, -9.165);
    for (z, (lat, lon), dark, name) in [
        (10, centre, false, "z10"),
        (12, centre, false, "z12"),
        (13, centre, false, "z13"),
        (14, centre, false, "z14"),
        (15, centre, false, "z15"),
        (15, centre, true, "z15-dark"),
        (17, centre, false, "z17"),
        (13, river, true, "river-z13-dark"),
        (16, river, false, "river-z16"),
    ] {
        let (x, y) = tile_of(z, lat, lon);
        let start = std::time::Instant::now();
        let img = pm.tile_image(z, x, y, dark).unwrap().unwrap().0;
        let ms = start.elapsed().as_millis();
        let out = std::env::temp_dir().join(format!("bn407-vector-{name}.png"));
        save_png(&img, &out);
        println!("{} ({z}/{x}/{y}, {ms} ms)", out.display());
    }
}
