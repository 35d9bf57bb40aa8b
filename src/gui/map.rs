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

use eframe::egui::{self, Color32, Pos2, Rect, Shape, Stroke, Ui, pos2};

use super::shared::filter_toggle;
use super::state::{Command, TileSettings, View};
use super::tile_layer::TileLayer;
use crate::map::geo::{self, BBox};
use crate::map::tiles::{self, TileStatus, cache};
use crate::model::tracks::Track;
use crate::protocol::Imei;

mod draw;

use draw::{OverlayText, point_tooltip};

/// Deepest zoom the map goes to (walkers' own limit); past the tile source's deepest level its
/// tiles are enlarged.
pub const MAX_ZOOM: f64 = 26.0;
/// Zoom "Fit to tracks" goes to at most (a single point).
const FIT_MAX_ZOOM: f64 = 16.0;
/// Pixels kept free around the tracks when fitting.
const FIT_PADDING: f64 = 40.0;
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

/// The map's state: where it looks, what is selected and hovered, and its tile source.
pub struct MapView {
    /// Walkers' state: where it looks, and its drag inertia.
    memory: walkers::MapMemory,
    /// The online tile source, created on first use.
    tiles: Option<TileLayer>,
    /// The tile URL being edited.
    url_edit: Option<String>,
    /// Centre in world coordinates (`[0, 1]²`, see [`geo`]).
    center: (f64, f64),
    zoom: f64,
    /// True once the view was fitted to the tracks (or the user moved it).
    fitted: bool,
    /// True when the user panned or zoomed (no more automatic fitting).
    user_moved: bool,
    /// Keep the newest point in view.
    pub follow: bool,
    /// The view was changed while walkers held its memory (the legend's fit buttons).
    view_changed: bool,
    /// True once the view was handed to walkers (its memory starts elsewhere).
    given: bool,
    /// The session the view was fitted for.
    session: Option<u64>,
    /// True once the whole world was shown for want of tracks.
    world_shown: bool,
    /// The colour each device was drawn in last (for tests and the legend).
    drawn_colours: Vec<(Option<Imei>, Color32)>,
    /// The selected frame when it was last looked up.
    last_selection: Option<usize>,
    /// The frame clicked on the map (not re-centred on).
    clicked: Option<usize>,
    /// The selected frame's point.
    selected: Option<PointRef>,
    /// The point under the mouse.
    hovered: Option<PointRef>,
    /// Where the map was drawn in the last frame (for [`MapView::screen_pos`]).
    last_rect: Rect,
    /// Tracks when the view was last fitted (to refit once loading ends).
    fitted_complete: bool,
    /// The names written on the map in the last frame (from a vector file's tiles).
    labels_drawn: Vec<String>,
}

impl Default for MapView {
    fn default() -> Self {
        Self {
            memory: walkers::MapMemory::default(),
            tiles: None,
            url_edit: None,
            center: (0.5, 0.5),
            zoom: 1.0,
            fitted: false,
            user_moved: false,
            follow: false,
            view_changed: false,
            given: false,
            session: None,
            world_shown: false,
            drawn_colours: Vec::new(),
            last_selection: None,
            clicked: None,
            selected: None,
            hovered: None,
            last_rect: Rect::NOTHING,
            fitted_complete: false,
            labels_drawn: Vec::new(),
        }
    }
}

/// The point of `frame` in `track`, if the frame placed one.
fn point_of_frame(track: &Track, frame: usize) -> Option<usize> {
    let pts = track.points();
    let i = pts.partition_point(|p| (p.frame as usize) < frame);
    pts.get(i).filter(|p| p.frame as usize == frame).map(|_| i)
}

impl MapView {
    /// The selected frame's point, when it has one.
    pub fn selected(&self) -> Option<PointRef> {
        self.selected
    }
    /// The colour `device`'s track was drawn in last (`None`: not drawn).
    pub fn drawn_colour(&self, device: Option<&Imei>) -> Option<Color32> {
        self.drawn_colours
            .iter()
            .find(|(d, _)| d.as_ref() == device)
            .map(|(_, c)| *c)
    }
    /// The point under the mouse.
    pub fn hovered(&self) -> Option<PointRef> {
        self.hovered
    }
    /// Where the map was drawn in the last frame.
    pub fn rect(&self) -> Rect {
        self.last_rect
    }
    /// The names (streets, places, water, parks) written on the map in the last frame, best
    /// first.
    pub fn labels_drawn(&self) -> &[String] {
        &self.labels_drawn
    }
    /// The zoom level.
    pub fn zoom(&self) -> f64 {
        self.zoom
    }
    /// The centre, `(lon, lat)` degrees.
    pub fn center_lonlat(&self) -> (f64, f64) {
        geo::world_to_lonlat(self.center.0, self.center.1)
    }
    /// Where `(lon, lat)` was on screen in the last frame drawn (`None` before the first).
    pub fn screen_pos(&self, lon: f64, lat: f64) -> Option<Pos2> {
        self.last_rect
            .is_positive()
            .then(|| self.to_screen(self.last_rect, geo::lonlat_to_world(lon, lat)))
    }

    fn scale(&self) -> f64 {
        geo::world_size_px(self.zoom)
    }

    fn to_screen(&self, rect: Rect, w: (f64, f64)) -> Pos2 {
        let s = self.scale();
        let c = rect.center();
        pos2(
            c.x + ((w.0 - self.center.0) * s) as f32,
            c.y + ((w.1 - self.center.1) * s) as f32,
        )
    }

    fn to_world(&self, rect: Rect, p: Pos2) -> (f64, f64) {
        let s = self.scale();
        let c = rect.center();
        (
            self.center.0 + f64::from(p.x - c.x) / s,
            self.center.1 + f64::from(p.y - c.y) / s,
        )
    }

    /// Shows all of `bbox` (nothing when empty).
    fn fit(&mut self, rect: Rect, bbox: &BBox) {
        let Some(v) = geo::fit_bounds(
            bbox,
            f64::from(rect.width()),
            f64::from(rect.height()),
            FIT_PADDING,
            FIT_MAX_ZOOM,
        ) else {
            return;
        };
        self.center = geo::lonlat_to_world(v.lon, v.lat);
        self.zoom = v.zoom;
    }

    /// The whole world, as large as fits.
    fn fit_world(&mut self, rect: Rect) {
        self.center = (0.5, 0.5);
        let z = (f64::from(rect.width().min(rect.height())) / geo::TILE_SIZE).log2();
        self.zoom = z.clamp(0.0, MAX_ZOOM);
    }

    fn zoom_at(&mut self, rect: Rect, anchor: Pos2, dz: f64) {
        let before = self.to_world(rect, anchor);
        self.zoom = (self.zoom + dz).clamp(0.0, MAX_ZOOM);
        let after = self.to_world(rect, anchor);
        self.center.0 += before.0 - after.0;
        self.center.1 += before.1 - after.1;
        self.clamp_center();
    }

    fn clamp_center(&mut self) {
        self.center.0 = self.center.0.clamp(0.0, 1.0);
        self.center.1 = self.center.1.clamp(0.0, 1.0);
    }

    /// The tile source's counts (`None` when tiles are off or not used yet).
    pub fn tile_status(&self) -> Option<&TileStatus> {
        self.tiles.as_ref().map(TileLayer::status)
    }

    /// Drops the tile layer, so that it is opened again on the next frame (a map file chosen
    /// again may have changed, or failed before).
    pub fn reload_tiles(&mut self) {
        self.tiles = None;
    }

    /// Creates, replaces or drops the tile layer to match the settings.
    fn sync_tiles(&mut self, ctx: &egui::Context, settings: &TileSettings) {
        if let Some(path) = &settings.pmtiles {
            let name = path.display().to_string();
            let dark = ctx.global_style().visuals.dark_mode;
            if self
                .tiles
                .as_ref()
                .is_none_or(|t| t.url() != name || (t.is_vector() && t.dark() != dark))
            {
                let wake = ctx.clone();
                self.tiles = Some(TileLayer::open_pmtiles(path, dark, move || {
                    wake.request_repaint();
                }));
            }
            return;
        }
        if !settings.online || settings.url.trim().is_empty() {
            self.tiles = None;
            return;
        }
        if self.tiles.as_ref().is_some_and(|t| t.url() == settings.url) {
            return;
        }
        let cache = settings.cache_dir.clone().or_else(cache::default_cache_dir);
        let wake = ctx.clone();
        self.tiles = Some(TileLayer::new(&settings.url, cache, move || {
            wake.request_repaint();
        }));
    }

    /// The toolbar's tile menu.
    fn tile_menu(&mut self, ui: &mut Ui, settings: &TileSettings, view: &mut View<'_>) {
        ui.menu_button("Tiles", |ui| {
            if let Some(p) = &settings.pmtiles {
                ui.label(format!("Local map file: {}", p.display()));
                if ui.button("Close the map file").clicked() {
                    view.commands.push(Command::SetTiles(TileSettings {
                        pmtiles: None,
                        ..settings.clone()
                    }));
                    ui.close();
                }
                ui.separator();
            } else if ui.button("Open a map file (.pmtiles)…").clicked() {
                view.commands.push(Command::OpenPmTilesDialog);
                ui.close();
            }
            let mut online = settings.online;
            if ui
                .checkbox(&mut online, "Online tiles (cached on disk)")
                .clicked()
            {
                view.commands.push(Command::SetTiles(TileSettings {
                    online,
                    ..settings.clone()
                }));
            }
            ui.label("URL template ({z}, {x}, {y}):");
            let edit = self.url_edit.get_or_insert_with(|| settings.url.clone());
            ui.add(egui::TextEdit::singleline(edit).desired_width(360.0));
            ui.horizontal(|ui| {
                if ui.button("Use").clicked() {
                    view.commands.push(Command::SetTiles(TileSettings {
                        url: edit.trim().to_string(),
                        online: true,
                        ..settings.clone()
                    }));
                    ui.close();
                }
                if ui.button("OpenStreetMap").clicked() {
                    *edit = tiles::OSM_URL.to_string();
                }
            });
            ui.weak("Without tiles the built-in basemap is shown (Natural Earth).");
        });
    }

    /// The map's rectangle's world view, read off walkers' projector after it handled this
    /// frame's gestures (drag with inertia, wheel and pinch zoom around the pointer).
    fn take_view(&mut self, projector: &walkers::Projector<'_>) {
        let rect = projector.clip_rect();
        let c = projector.unproject(rect.center().to_vec2());
        self.zoom = projector.zoom();
        self.center = geo::lonlat_to_world(c.x(), c.y());
        self.clamp_center();
    }

    /// Hands this frame's view (after fitting, following or centring on a selection) to
    /// walkers.
    fn give_view(&mut self) {
        let (lon, lat) = self.center_lonlat();
        self.memory.center_at(walkers::lon_lat(lon, lat));
        let _ = self.memory.set_zoom(self.zoom);
    }

    /// Draws the map with the tile source of `tile_settings`.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>, tile_settings: &TileSettings) {
        self.sync_tiles(ui.ctx(), tile_settings);
        if let Some(t) = &mut self.tiles {
            t.update(ui.ctx());
        }
        let tracks = view.tracks;
        if self.session != Some(view.session_generation) {
            // A new session: start over (a new filter keeps the view).
            self.session = Some(view.session_generation);
            self.fitted = false;
            self.world_shown = false;
            self.user_moved = false;
            self.fitted_complete = false;
            self.selected = None;
        }
        // Hidden devices are left out of everything below (drawing, fitting, following).
        let hidden = view.hidden;
        let shown = |t: &&Track| !hidden.contains(&t.device().copied());
        let bbox = tracks
            .tracks()
            .filter(shown)
            .fold(geo::BBox::EMPTY, |b, t| b.union(&t.bbox()));
        let toolbar = ui.horizontal(|ui| {
            let fit = ui
                .add_enabled(!bbox.is_empty(), egui::Button::new("Fit to tracks"))
                .on_hover_text("Show every track");
            ui.checkbox(&mut self.follow, "Follow newest")
                .on_hover_text("Keep the newest position in view");
            self.tile_menu(ui, tile_settings, view);
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
            (fit.clicked(), minus.clicked(), plus.clicked())
        });
        let (fit_clicked, minus, plus) = toolbar.inner;
        // Where walkers will draw the map: all the room left.
        let rect = ui.available_rect_before_wrap();
        if !rect.is_positive() {
            return;
        }
        self.last_rect = rect;
        let before = (self.center, self.zoom);

        // Where to look.
        if fit_clicked {
            self.fit(rect, &bbox);
            self.user_moved = false;
        } else if !self.fitted
            || (!self.user_moved && view.tracks_complete && !self.fitted_complete)
        {
            if bbox.is_empty() {
                // Nothing to show yet: the whole world, once (the user may move it since).
                if !self.world_shown {
                    self.fit_world(rect);
                    self.world_shown = true;
                }
            } else {
                self.fit(rect, &bbox);
                self.fitted = true;
                self.fitted_complete = view.tracks_complete;
            }
        }
        if minus {
            self.zoom_at(rect, rect.center(), -1.0);
        }
        if plus {
            self.zoom_at(rect, rect.center(), 1.0);
        }

        // The selected frame's point; centred when the selection changed elsewhere.
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
        if selection != self.last_selection {
            if let Some(sel) = self.selected {
                self.last_selection = selection;
                let from_map = self.clicked == selection;
                if let Some(p) = tracks
                    .track(sel.device.as_ref())
                    .and_then(|t| t.points().get(sel.point))
                    && !from_map
                {
                    // Centred (a point clicked on the map stays where it is).
                    self.center = geo::lonlat_to_world(p.lon, p.lat);
                    self.follow = false;
                }
            } else if !view.tracks_complete && selection.is_some() {
                // Its point may not be in the tracks yet: look again next frame.
            } else {
                self.last_selection = selection;
            }
        }
        if self.follow {
            let newest = tracks
                .tracks()
                .filter(shown)
                .filter_map(Track::end)
                .max_by(|a, b| a.frame.cmp(&b.frame));
            if let Some(p) = newest {
                self.center = geo::lonlat_to_world(p.lon, p.lat);
            }
        }
        if (self.center, self.zoom) != before || !self.given {
            self.give_view();
            self.given = true;
        }

        let dark = ui.visuals().dark_mode;
        // The basemap goes under the tiles walkers paints: a place is kept for it now and
        // filled once walkers' projector for this frame is known.
        let basemap_slot = ui.painter().add(Shape::Noop);
        let overlay = self.overlay_text();
        let mut memory = std::mem::take(&mut self.memory);
        let mut tiles = self.tiles.take();
        let (lon, lat) = self.center_lonlat();
        let mut map = walkers::Map::new(None, &mut memory, walkers::lon_lat(lon, lat))
            .zoom_with_ctrl(false)
            .double_click_to_zoom(true);
        if let Some(t) = tiles.as_mut() {
            map = map.with_layer(t, 1.0);
        }
        let zoom_before = self.zoom;
        let mut label_slot = None;
        map.show(ui, |ui, response, projector, _| {
            self.take_view(projector);
            if response.dragged() || self.zoom != zoom_before {
                self.user_moved = true;
            }
            if response.dragged() {
                self.follow = false;
            }
            let painter = ui.painter_at(rect);
            painter.set(basemap_slot, Shape::Vec(self.basemap_shapes(rect, dark)));
            // The names go over the tiles and under the tracks; which tiles walkers drew is
            // known once it is done with them.
            label_slot = Some((painter.clone(), painter.add(Shape::Noop)));
            self.draw_contents(ui, &painter, response, view, &overlay);
        });
        self.memory = memory;
        match (label_slot, &tiles) {
            (Some((painter, slot)), Some(t)) => {
                let shapes = self.label_shapes(&painter, rect, t, dark);
                painter.set(slot, Shape::Vec(shapes));
            }
            _ => self.labels_drawn.clear(),
        }
        self.tiles = tiles;
        if std::mem::take(&mut self.view_changed) {
            self.give_view();
        }
    }

    /// Tracks, markers, the selection, the hovered point and the overlays, over the tiles.
    fn draw_contents(
        &mut self,
        ui: &mut Ui,
        painter: &egui::Painter,
        response: &egui::Response,
        view: &mut View<'_>,
        overlay: &OverlayText,
    ) {
        let rect = self.last_rect;
        let tracks = view.tracks;
        // A click counts where it happened, even if the pointer left since (touch screens).
        let pointer = response
            .hover_pos()
            .or_else(|| response.interact_pointer_pos());
        let mut nearest: Option<(f32, PointRef, Pos2)> = None;
        let mut labels = 0;
        let text_colour = ui.visuals().strong_text_color();
        let label_bg = ui.visuals().extreme_bg_color.gamma_multiply(0.85);
        self.drawn_colours.clear();
        for track in tracks.tracks().filter(|t| !view.is_hidden(t.device())) {
            let colour = view.device_colour(track.device());
            self.drawn_colours.push((track.device().copied(), colour));
            self.draw_track(painter, rect, track, colour, pointer, &mut nearest);
            self.draw_markers(
                painter,
                rect,
                track,
                pointer,
                &mut nearest,
                &mut labels,
                (text_colour, label_bg),
            );
        }
        // Selection, hover and the time cursor on top.
        let sel_stroke = Stroke::new(3.0, ui.visuals().selection.stroke.color);
        if let Some(sel) = self.selected
            && let Some(p) = tracks
                .track(sel.device.as_ref())
                .and_then(|t| t.points().get(sel.point))
        {
            let s = self.to_screen(rect, geo::lonlat_to_world(p.lon, p.lat));
            painter.circle_stroke(s, 10.0, Stroke::new(5.0, Color32::WHITE));
            painter.circle_stroke(s, 10.0, sel_stroke);
        }
        if let Some(t) = view.selection.hovered_time {
            for track in tracks.tracks().filter(|t| !view.is_hidden(t.device())) {
                let in_range = track
                    .series()
                    .time_range()
                    .is_some_and(|(a, b)| t >= a && t <= b);
                if !in_range {
                    continue;
                }
                if let Some(p) = track.nearest_point(t).and_then(|i| track.points().get(i)) {
                    let s = self.to_screen(rect, geo::lonlat_to_world(p.lon, p.lat));
                    // A ring, so that the marker under it stays visible.
                    painter.circle_stroke(s, 9.0, Stroke::new(4.0, Color32::BLACK));
                    painter.circle_stroke(s, 9.0, Stroke::new(2.5, Color32::from_rgb(255, 190, 0)));
                }
            }
        }
        self.hovered = nearest.map(|(_, p, _)| p);
        if let Some((_, pref, s)) = nearest {
            painter.circle_stroke(s, 7.0, Stroke::new(2.0, text_colour));
            if let Some(p) = tracks
                .track(pref.device.as_ref())
                .and_then(|t| t.points().get(pref.point))
            {
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
                let response = response.clone();
                response.on_hover_ui_at_pointer(|ui| point_tooltip(ui, &pref, p, keyword));
            }
            if response.clicked() {
                self.clicked = Some(pref.frame);
                view.commands.push(Command::SelectFrame(pref.frame));
            }
        }
        self.draw_overlays(ui, painter, rect, view, overlay);
        self.legend(ui, rect, view);
    }
}
