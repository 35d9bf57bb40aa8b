//! The map: every device's track over the built-in offline basemap, in the `walkers` map
//! widget.
//!
//! walkers owns the view (Web Mercator projection, drag with inertia, wheel and pinch zoom
//! around the pointer, double-click zoom) and draws the tile layer: [`super::tile_layer::TileLayer`]
//! is a `walkers::Tiles` source, online (OpenStreetMap by default, cached on disk) or a local
//! `.pmtiles` file (raster, or vector tiles drawn on the CPU). Everything else is painted here
//! with egui's painter from walkers' projector, in three layers:
//!
//! 1. the built-in basemap (Natural Earth coastlines and borders, [`crate::map::basemap`]),
//!    put in a slot reserved *before* walkers paints its tiles, so tiles cover it where they
//!    are loaded and it shows through everywhere else: the map is never blank, with no
//!    network at all;
//! 2. the tiles (walkers), and over them the names of a vector file's tiles (streets, places,
//!    water, parks: [`crate::map::vector::Label`]) written with egui's fonts with a halo,
//!    the best ranked first, one left out when it would overlap one already written or repeat
//!    the same name within 400 px (the same street in neighbouring tiles), at most 200 a frame; their
//!    place is kept before the tracks are drawn and filled once walkers says which tiles it
//!    drew;
//! 3. tracks, markers, the selection, the time cursor and the overlays (legend, scale,
//!    attribution, the tile source's state).
//!
//! Why not walkers' own `HttpTiles`: it logs a failed download and keeps no state, while the
//! map must say in a corner when its tile source fails; and its vector tiles need the wgpu
//! renderer (the window uses glow, and the headless tests no GPU at all). Why not walkers'
//! plugins for the tracks: the closure of `Map::show` gives the same projector and lets the
//! drawing borrow the map's state directly.
//!
//! Each device's track is a line in its own colour through its valid fixes; last-known
//! positions (invalid fix) are hollow grey circles; the start is a filled circle, the end a
//! square; alarm frames are diamonds coloured by kind with their keyword beside them. Hovering a
//! point shows its time, speed and keyword and sets the shared time cursor; clicking selects its
//! frame; selecting a frame elsewhere highlights its point and centres the map on it. The legend
//! hides and shows devices (on the plots too) and fits the view to one; while a filter is in
//! force the tracks are those of the frames it keeps ("Only filtered frames").
//!
//! Only [`Track::simplified`] at the current zoom is drawn (cached per zoom in the model), and
//! runs of points off screen are skipped, so hundreds of thousands of points stay interactive.
//!
//! One file a subject: the [`camera`] (where the map looks and whether it may still move by
//! itself), the [`tile_source`] and its menu, and what is drawn, one file a kind: the
//! [`basemap`], the [`labels`] of a vector file, the [`tracks`], their [`markers`] (start, end,
//! alarms, selection, time cursor, hover), the [`overlays`] (attribution, tile state, scale)
//! and the [`legend`].

use eframe::egui::{self, Pos2, Rect, Shape, Ui};

use super::shared::filter_toggle;
use super::state::{Command, TileSettings, View};
use crate::map::geo::{self, BBox};
use crate::map::tiles::TileStatus;
use crate::model::tracks::{Track, TrackPoint};
use crate::protocol::Imei;

mod basemap;
mod camera;
mod labels;
mod legend;
mod markers;
mod overlays;
mod tile_source;
mod tracks;

use camera::Camera;
use tile_source::TileSource;

/// Deepest zoom the map goes to (walkers' own limit); past the tile source's deepest level its
/// tiles are enlarged.
pub const MAX_ZOOM: f64 = 26.0;
/// A point this close to the pointer (pixels) is hovered.
const HOVER_RADIUS: f32 = 9.0;
/// Point dots are drawn when fewer than this many points are on screen.
const DOTS_BELOW: usize = 4000;
/// Devices listed in the legend at most.
const MAX_LEGEND: usize = 10;
/// Alarm labels drawn at most.
const MAX_LABELS: usize = 150;

/// One point of one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointRef {
    /// The device of the track.
    pub device: Option<Imei>,
    /// Index into the track's points.
    pub point: usize,
    /// The point's frame.
    pub frame: usize,
}

/// The point nearest to the pointer found so far: its distance (pixels), the point and where
/// it is on screen.
type Nearest = Option<(f32, PointRef, Pos2)>;

/// Where a frame's tracks and markers are drawn: the painter, the camera and the map's place
/// on screen.
#[derive(Clone, Copy)]
struct Canvas<'a> {
    painter: &'a egui::Painter,
    cam: &'a Camera,
    rect: Rect,
}

impl Canvas<'_> {
    /// Where `p` is on screen.
    fn at(&self, p: &TrackPoint) -> Pos2 {
        self.cam
            .to_screen(self.rect, geo::lonlat_to_world(p.lon(), p.lat()))
    }
}

/// The pointer (`None`: not over the map) and the point nearest to it found so far.
struct Hover {
    pointer: Option<Pos2>,
    nearest: Nearest,
}

impl Hover {
    /// Makes `point` of `track`, at `s` on screen and `dist` pixels from the pointer, the
    /// nearest when it is within [`HOVER_RADIUS`] and nearer than the one found so far.
    fn offer(&mut self, dist: f32, track: &Track, point: usize, frame: u64, s: Pos2) {
        if dist <= HOVER_RADIUS && self.nearest.as_ref().is_none_or(|n| dist < n.0) {
            let device = track.device().copied();
            let frame = frame as usize;
            self.nearest = Some((
                dist,
                PointRef {
                    device,
                    point,
                    frame,
                },
                s,
            ));
        }
    }
}

/// What the toolbar was asked this frame.
struct Toolbar {
    fit: bool,
    zoom_out: bool,
    zoom_in: bool,
}

/// The map's state: its camera, its tile source, what is selected, and where the last frame
/// drew it.
pub struct MapView {
    /// Walkers' state: where it looks, and its drag inertia.
    memory: walkers::MapMemory,
    /// Where the map looks.
    camera: Camera,
    /// The tile layer and its menu.
    source: TileSource,
    /// The session the view was framed for.
    session: Option<u64>,
    /// The selected frame's point.
    selected: Option<PointRef>,
    /// Where the map was drawn in the last frame (for [`MapView::screen_pos`]).
    last_rect: Rect,
}

impl Default for MapView {
    fn default() -> Self {
        Self {
            memory: walkers::MapMemory::default(),
            camera: Camera::default(),
            source: TileSource::default(),
            session: None,
            selected: None,
            last_rect: Rect::NOTHING,
        }
    }
}

/// The point of `frame` in `track`, if the frame placed one.
fn point_of_frame(track: &Track, frame: usize) -> Option<usize> {
    let pts = track.points();
    let i = pts.partition_point(|p| (p.frame() as usize) < frame);
    pts.get(i)
        .filter(|p| p.frame() as usize == frame)
        .map(|_| i)
}

impl MapView {
    /// The selected frame's point, when it has one.
    pub fn selected(&self) -> Option<PointRef> {
        self.selected
    }
    /// Where the map was drawn in the last frame.
    pub fn rect(&self) -> Rect {
        self.last_rect
    }
    /// The zoom level.
    pub fn zoom(&self) -> f64 {
        self.camera.zoom()
    }
    /// The centre, `(lon, lat)` degrees.
    pub fn center_lonlat(&self) -> (f64, f64) {
        self.camera.center_lonlat()
    }
    /// Whether the map keeps the newest point in view ("Follow newest").
    pub fn follow(&self) -> bool {
        self.camera.follow
    }
    /// Where `(lon, lat)` was on screen in the last frame drawn (`None` before the first).
    pub fn screen_pos(&self, lon: f64, lat: f64) -> Option<Pos2> {
        self.last_rect.is_positive().then(|| {
            self.camera
                .to_screen(self.last_rect, geo::lonlat_to_world(lon, lat))
        })
    }

    /// The tile source's counts (`None` when tiles are off or not used yet).
    pub fn tile_status(&self) -> Option<&TileStatus> {
        self.source.layer.as_ref().map(|t| t.status())
    }

    /// Drops the tile layer, so that it is opened again on the next frame (a map file chosen
    /// again may have changed, or failed before).
    pub fn reload_tiles(&mut self) {
        self.source.layer = None;
    }

    /// Draws the map with the tile source of `tile_settings`.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>, tile_settings: &TileSettings) {
        self.source.sync(ui.ctx(), tile_settings);
        if let Some(t) = &mut self.source.layer {
            t.update(ui.ctx());
        }
        if self.session != Some(view.session_generation) {
            // A new session: start over (a new filter keeps the view).
            self.session = Some(view.session_generation);
            self.camera.restart();
            self.selected = None;
        }
        // Hidden devices are left out of everything below (drawing, fitting, following).
        let bbox = view
            .tracks
            .tracks()
            .filter(|t| !view.is_hidden(t.device()))
            .fold(BBox::EMPTY, |b, t| b.union(&t.bbox()));
        let asked = self.toolbar(ui, view, tile_settings, &bbox);
        // Where walkers will draw the map: all the room left.
        let rect = ui.available_rect_before_wrap();
        if !rect.is_positive() {
            return;
        }
        self.last_rect = rect;
        self.aim(rect, view, &bbox, &asked);
        self.show(ui, rect, view);
    }

    /// The toolbar above the map: fit, follow, tiles, zoom, what is placed, the filter switch.
    fn toolbar(
        &mut self,
        ui: &mut Ui,
        view: &mut View<'_>,
        tile_settings: &TileSettings,
        bbox: &BBox,
    ) -> Toolbar {
        let tracks = view.tracks;
        ui.horizontal(|ui| {
            let fit = ui
                .add_enabled(!bbox.is_empty(), egui::Button::new("Fit to tracks"))
                .on_hover_text("Show every track");
            ui.checkbox(&mut self.camera.follow, "Follow newest")
                .on_hover_text("Keep the newest position in view");
            self.source.menu(ui, tile_settings, view);
            let minus = ui.small_button("−").on_hover_text("Zoom out");
            let plus = ui.small_button("+").on_hover_text("Zoom in");
            let placed: usize = tracks.tracks().map(Track::len).sum();
            let skipped: u64 = tracks
                .tracks()
                .map(|t| {
                    let s = t.skipped();
                    s.zero + s.out_of_range + s.over_capacity
                })
                .sum();
            let mut text = format!("{placed} position(s) of {} device(s)", tracks.len());
            if skipped > 0 {
                text.push_str(&format!(", {skipped} not placed (0°,0° or out of range)"));
            }
            ui.label(egui::RichText::new(text).weak());
            filter_toggle(ui, view);
            Toolbar {
                fit: fit.clicked(),
                zoom_out: minus.clicked(),
                zoom_in: plus.clicked(),
            }
        })
        .inner
    }

    /// Where to look this frame: the toolbar's asks, the automatic framing, the selection
    /// (centred when it changed elsewhere) and following; the view is handed to walkers when
    /// it moved.
    fn aim(&mut self, rect: Rect, view: &View<'_>, bbox: &BBox, asked: &Toolbar) {
        let before = self.camera.view();
        if asked.fit {
            self.camera.fit_tracks(rect, bbox);
        } else {
            self.camera.frame(rect, bbox, view.tracks_complete);
        }
        if asked.zoom_out {
            self.camera.zoom_at(rect, rect.center(), -1.0);
        }
        if asked.zoom_in {
            self.camera.zoom_at(rect, rect.center(), 1.0);
        }
        let tracks = view.tracks;
        let shown = |t: &&Track| !view.is_hidden(t.device());
        let selection = view.selection.frame;
        self.selected = selection.and_then(|f| {
            tracks.tracks().filter(shown).find_map(|t| {
                point_of_frame(t, f).map(|point| PointRef {
                    device: t.device().copied(),
                    point,
                    frame: f,
                })
            })
        });
        let at = self
            .selected
            .and_then(|sel| markers::point(tracks, &sel))
            .map(|p| (p.lon(), p.lat()));
        self.camera
            .follow_selection(selection, at, view.tracks_complete);
        let newest = tracks
            .tracks()
            .filter(shown)
            .filter_map(Track::end)
            .max_by(|a, b| a.frame().cmp(&b.frame()))
            .map(|p| (p.lon(), p.lat()));
        self.camera.follow_newest(newest);
        self.camera.give_if_moved(before, &mut self.memory);
    }

    /// Shows walkers' map in `rect` with the basemap under its tiles and the names, tracks,
    /// markers and overlays over them.
    fn show(&mut self, ui: &mut Ui, rect: Rect, view: &mut View<'_>) {
        let dark = ui.visuals().dark_mode;
        // The basemap goes under the tiles walkers paints: a place is kept for it now and
        // filled once walkers' projector for this frame is known.
        let basemap_slot = ui.painter().add(Shape::Noop);
        let overlay = overlays::text(self.source.layer.as_ref());
        let mut memory = std::mem::take(&mut self.memory);
        let mut tiles = self.source.layer.take();
        let (lon, lat) = self.camera.center_lonlat();
        let mut map = walkers::Map::new(None, &mut memory, walkers::lon_lat(lon, lat))
            .zoom_with_ctrl(false)
            .double_click_to_zoom(true);
        if let Some(t) = tiles.as_mut() {
            map = map.with_layer(t, 1.0);
        }
        let mut label_slot = None;
        map.show(ui, |ui, response, projector, _| {
            self.camera.take(projector, response.dragged());
            let painter = ui.painter_at(rect);
            painter.set(
                basemap_slot,
                Shape::Vec(basemap::shapes(&self.camera, rect, dark)),
            );
            // The names go over the tiles and under the tracks; which tiles walkers drew is
            // known once it is done with them.
            label_slot = Some((painter.clone(), painter.add(Shape::Noop)));
            self.draw_contents(ui, &painter, response, view);
            overlays::draw(ui, &painter, rect, &self.camera, view, &overlay);
            if let Some(b) = legend::ui(ui, rect, view) {
                self.camera.fit_device(rect, &b);
            }
        });
        self.memory = memory;
        if let (Some((painter, slot)), Some(t)) = (label_slot, &tiles) {
            let shapes = labels::shapes(&painter, &self.camera, rect, t, dark);
            painter.set(slot, Shape::Vec(shapes));
        }
        self.source.layer = tiles;
        self.camera.give_if_changed(&mut self.memory);
    }

    /// Tracks, markers, the selection, the time cursor and the hovered point, over the tiles.
    fn draw_contents(
        &mut self,
        ui: &mut Ui,
        painter: &egui::Painter,
        response: &egui::Response,
        view: &mut View<'_>,
    ) {
        let canvas = Canvas {
            painter,
            cam: &self.camera,
            rect: self.last_rect,
        };
        let tracks = view.tracks;
        // A click counts where it happened, even if the pointer left since (touch screens).
        let pointer = response
            .hover_pos()
            .or_else(|| response.interact_pointer_pos());
        let mut hover = Hover {
            pointer,
            nearest: None,
        };
        let text_colour = ui.visuals().strong_text_color();
        let mut labels = markers::AlarmLabels {
            written: 0,
            text: text_colour,
            background: ui.visuals().extreme_bg_color.gamma_multiply(0.85),
        };
        for track in tracks.tracks().filter(|t| !view.is_hidden(t.device())) {
            let colour = view.device_colour(track.device());
            tracks::draw(&canvas, track, colour, &mut hover);
            markers::draw(&canvas, track, &mut hover, &mut labels);
        }
        // Selection, hover and the time cursor on top.
        if let Some(p) = self.selected.and_then(|sel| markers::point(tracks, &sel)) {
            let colour = ui.visuals().selection.stroke.color;
            markers::selection(&canvas, p, colour);
        }
        if let Some(t) = view.selection.hovered_time {
            let shown = tracks.tracks().filter(|t| !view.is_hidden(t.device()));
            markers::time_cursor(&canvas, shown, t);
        }
        let nearest = hover.nearest;
        if let Some((_, pref, s)) = nearest {
            painter.circle_stroke(s, 7.0, egui::Stroke::new(2.0, text_colour));
            if let Some(p) = markers::point(tracks, &pref) {
                if let Some(t) = p.t_seconds() {
                    view.commands.push(Command::HoverTime {
                        t,
                        frame: Some(pref.frame),
                    });
                }
                let keyword = view
                    .store
                    .get(pref.frame)
                    .and_then(|f| f.keyword().map(str::to_string));
                let alarm = tracks
                    .track(pref.device.as_ref())
                    .and_then(|t| t.alarm_at(pref.point))
                    .map(|a| &*a.keyword);
                let response = response.clone();
                response.on_hover_ui_at_pointer(|ui| {
                    markers::tooltip(ui, &pref, p, keyword, alarm);
                });
            }
            if response.clicked() {
                self.camera.clicked(pref.frame);
                view.commands.push(Command::SelectFrame(pref.frame));
            }
        }
    }
}
