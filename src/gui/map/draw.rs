//! Drawing the map: the built-in basemap, tiles, tracks, markers and overlays (legend, scale,
//! attribution, the tile source's state).

use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, Ui, pos2};

use super::{DOTS_BELOW, HOVER_RADIUS, MAX_LABELS, MAX_LEGEND, MapView, PointRef};
use crate::gui::shared::{alarm_colour, device_name};
use crate::gui::state::{Command, View};
use crate::gui::tile_layer::TileLayer;
use crate::map::basemap::{self, LineKind};
use crate::map::geo::{self, BBox};
use crate::map::pmtiles::VECTOR_TILE_SIZE;
use crate::map::vector::{Label, LabelKind};
use crate::model::tracks::{Track, TrackPoint};
use crate::present::time::fmt_ts;
use crate::present::units::{fmt_km, fmt_length, fmt_position_fine, fmt_speed};

/// The corner texts that depend on the tile source.
pub(super) struct OverlayText {
    attribution: String,
    status: String,
    /// True when the status is a failure (drawn in the warning colour).
    bad: bool,
}

impl MapView {
    /// The built-in basemap (land, coastlines, borders, the world's edge) as shapes, for the
    /// place kept for it under the tiles.
    pub(super) fn basemap_shapes(&self, rect: Rect, dark: bool) -> Vec<Shape> {
        let (land, coast, border) = if dark {
            (
                Color32::from_rgb(0x1e, 0x24, 0x2b),
                Color32::from_rgb(0x5f, 0x86, 0xb0),
                Color32::from_rgb(0x6a, 0x5d, 0x70),
            )
        } else {
            (
                Color32::from_rgb(0xf2, 0xef, 0xe9),
                Color32::from_rgb(0x6f, 0x94, 0xc0),
                Color32::from_rgb(0xb4, 0x9e, 0xb8),
            )
        };
        let mut shapes = vec![Shape::rect_filled(rect, 0.0, land)];
        let (w0, h0) = self.to_world(rect, rect.left_top());
        let (w1, h1) = self.to_world(rect, rect.right_bottom());
        let (lon0, lat1) = geo::world_to_lonlat(w0.clamp(0.0, 1.0), h0);
        let (lon1, lat0) = geo::world_to_lonlat(w1.clamp(0.0, 1.0), h1);
        let view_box = BBox::new(lon0, lat0, lon1, lat1);
        let clip = rect.expand(4.0);
        for line in basemap::world().lines_in(&view_box) {
            let stroke = match line.kind {
                LineKind::Coastline => Stroke::new(1.2, coast),
                LineKind::Border => Stroke::new(0.8, border),
            };
            let mut pts: Vec<Pos2> = Vec::with_capacity(line.points.len());
            for &(lon, lat) in &line.points {
                let s = self.to_screen(rect, geo::lonlat_to_world(lon, lat));
                // Skip points within a pixel of the previous one (a continent at zoom 1).
                if pts.last().is_some_and(|l| l.distance_sq(s) < 1.0) {
                    continue;
                }
                pts.push(s);
            }
            if pts.len() >= 2 && Rect::from_points(&pts).intersects(clip) {
                shapes.push(Shape::line(pts, stroke));
            }
        }
        // The world's edge.
        let edge = Rect::from_min_max(
            self.to_screen(rect, (0.0, 0.0)),
            self.to_screen(rect, (1.0, 1.0)),
        );
        shapes.push(Shape::rect_stroke(
            edge,
            0.0,
            Stroke::new(1.0, coast.gamma_multiply(0.5)),
            egui::StrokeKind::Outside,
        ));
        shapes
    }

    /// The texts of the corners that depend on the tile source (read before walkers borrows
    /// it for the frame).
    pub(super) fn overlay_text(&self) -> OverlayText {
        let attribution = match &self.tiles {
            Some(t) => format!("{} · Basemap: {}", t.attribution(), basemap::ATTRIBUTION),
            None => format!("Basemap: {}", basemap::ATTRIBUTION),
        };
        let (status, bad) = match (&self.tiles, basemap::world_error()) {
            (_, Some(e)) => (format!("Built-in basemap unavailable: {e}"), true),
            (None, None) => (
                "Built-in basemap (offline) · online tiles off".to_string(),
                false,
            ),
            (Some(t), None) => {
                let s = t.status();
                match &s.error {
                    Some(e) if s.ready == 0 => (
                        format!("Tiles unavailable ({e}) · built-in basemap shown"),
                        true,
                    ),
                    Some(e) => (
                        format!("Tiles: {} shown, {} failed ({e})", s.ready, s.failed),
                        true,
                    ),
                    None if s.pending > 0 => (
                        format!("Tiles: {} shown, {} loading…", s.ready, s.pending),
                        false,
                    ),
                    None if t.is_local() => (format!("Map file: {} tile(s) shown", s.ready), false),
                    None => (
                        format!("Tiles: {} shown ({} from the cache)", s.ready, s.from_cache),
                        false,
                    ),
                }
            }
        };
        OverlayText {
            attribution,
            status,
            bad,
        }
    }

    pub(super) fn draw_track(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        track: &Track,
        colour: Color32,
        pointer: Option<Pos2>,
        nearest: &mut Option<(f32, PointRef, Pos2)>,
    ) {
        let clip = rect.expand(20.0);
        let stroke = Stroke::new(2.5, colour);
        let mut run: Vec<Pos2> = Vec::new();
        let mut prev: Option<Pos2> = None;
        let mut dots: Vec<(Pos2, bool)> = Vec::new();
        let mut too_many = false;
        let points = track.points();
        let world = track.world();
        for &i in track.simplified(self.zoom) {
            let (Some(p), Some(w)) = (points.get(i as usize), world.get(i as usize)) else {
                continue;
            };
            let s = self.to_screen(rect, *w);
            if clip.contains(s) {
                if dots.len() < DOTS_BELOW {
                    dots.push((s, p.valid));
                } else {
                    too_many = true;
                }
                if let Some(ptr) = pointer {
                    let d2 = ptr.distance_sq(s);
                    if d2 <= HOVER_RADIUS * HOVER_RADIUS
                        && nearest.as_ref().is_none_or(|n| d2 < n.0 * n.0)
                    {
                        *nearest = Some((
                            d2.sqrt(),
                            PointRef {
                                device: track.device().copied(),
                                point: i as usize,
                                frame: p.frame as usize,
                            },
                            s,
                        ));
                    }
                }
            }
            if !p.valid {
                continue;
            }
            let visible = prev.is_none_or(|q| Rect::from_two_pos(q, s).intersects(clip));
            if !visible && run.len() >= 2 {
                painter.add(Shape::line(std::mem::take(&mut run), stroke));
            }
            if !visible {
                run.clear();
            }
            if run.is_empty()
                && let Some(q) = prev
                && visible
            {
                run.push(q);
            }
            // Points within a pixel of the last one drawn add nothing to the line.
            if visible && run.last().is_none_or(|l| l.distance_sq(s) >= 1.0) {
                run.push(s);
            }
            prev = Some(s);
        }
        if run.len() >= 2 {
            painter.add(Shape::line(run, stroke));
        }
        let grey = Color32::from_gray(130);
        for (s, valid) in dots {
            if valid {
                if !too_many {
                    painter.circle_filled(s, 2.5, colour);
                }
            } else {
                painter.circle_stroke(s, 4.0, Stroke::new(1.5, grey));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn draw_markers(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        track: &Track,
        pointer: Option<Pos2>,
        nearest: &mut Option<(f32, PointRef, Pos2)>,
        labels: &mut usize,
        (text_colour, label_bg): (Color32, Color32),
    ) {
        let at = |p: &TrackPoint| self.to_screen(rect, geo::lonlat_to_world(p.lon, p.lat));
        let white = Stroke::new(2.0, Color32::WHITE);
        if let Some(p) = track.start() {
            painter.circle(at(p), 6.0, Color32::from_rgb(0x2e, 0x9e, 0x3e), white);
        }
        if let Some(p) = track.end()
            && track.len() > 1
        {
            let r = Rect::from_center_size(at(p), egui::vec2(11.0, 11.0));
            painter.rect(
                r,
                1.0,
                Color32::from_rgb(0x20, 0x20, 0x20),
                white,
                egui::StrokeKind::Outside,
            );
        }
        let points = track.points();
        for alarm in track.alarms() {
            let Some(i) = alarm.point else { continue };
            let Some(p) = points.get(i as usize) else {
                continue;
            };
            let s = at(p);
            if !rect.expand(10.0).contains(s) {
                continue;
            }
            let text = alarm.meaning.unwrap_or(&alarm.keyword);
            let colour = alarm_colour(Some(alarm.class));
            let d = 8.0;
            painter.add(Shape::convex_polygon(
                vec![
                    s + egui::vec2(0.0, -d),
                    s + egui::vec2(d, 0.0),
                    s + egui::vec2(0.0, d),
                    s + egui::vec2(-d, 0.0),
                ],
                colour,
                Stroke::new(1.5, Color32::WHITE),
            ));
            if *labels < MAX_LABELS {
                *labels += 1;
                let galley = painter.layout_no_wrap(
                    text.to_string(),
                    FontId::proportional(12.0),
                    text_colour,
                );
                let pos = s + egui::vec2(14.0, -galley.size().y / 2.0);
                let bg = Rect::from_min_size(pos, galley.size()).expand(2.0);
                painter.rect_filled(bg, 3.0, label_bg);
                painter.galley(pos, galley, text_colour);
            }
            if let Some(ptr) = pointer {
                let dist = ptr.distance(s);
                // Alarms win over ordinary points at the same place.
                let dist = (dist - 2.0).max(0.0);
                if dist <= HOVER_RADIUS && nearest.as_ref().is_none_or(|n| dist < n.0) {
                    *nearest = Some((
                        dist,
                        PointRef {
                            device: track.device().copied(),
                            point: i as usize,
                            frame: p.frame as usize,
                        },
                        s,
                    ));
                }
            }
        }
    }

    /// The device legend, top left: a button per track that fits the map to it.
    pub(super) fn legend(&mut self, ui: &mut Ui, rect: Rect, view: &mut View<'_>) {
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect.shrink(6.0))
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        child.spacing_mut().item_spacing.y = 2.0;
        let bg = child.visuals().extreme_bg_color.gamma_multiply(0.85);
        let mut fit = None;
        let mut toggle = None;
        let placed = view.tracks.tracks().filter(|t| !t.is_empty()).count();
        for t in view
            .tracks
            .tracks()
            .filter(|t| !t.is_empty())
            .take(MAX_LEGEND)
        {
            let hidden = view.is_hidden(t.device());
            let alarms = if t.alarms().is_empty() {
                String::new()
            } else {
                format!(", {} alarm(s)", t.alarms().len())
            };
            let label = format!(
                "{}  {} pts, {}{alarms}",
                device_name(t.device()),
                t.len(),
                fmt_km(t.length_m()),
            );
            let colour = view.device_colour(t.device());
            let (shown_clicked, fit_clicked) = child
                .horizontal(|ui| {
                    let mut shown = !hidden;
                    let tip = format!("Show {} on the map and the plots", device_name(t.device()));
                    let check = ui.add(egui::Checkbox::without_text(&mut shown));
                    // Named for screen readers (and tests) though it shows no text.
                    check.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::CheckBox, true, shown, &tip)
                    });
                    let check = check.on_hover_text(tip);
                    let (r, _) = ui.allocate_exact_size(egui::vec2(16.0, 12.0), Sense::hover());
                    ui.painter().rect_filled(r.expand(3.0), 2.0, bg);
                    let swatch = if hidden {
                        colour.gamma_multiply(0.3)
                    } else {
                        colour
                    };
                    ui.painter().line_segment(
                        [r.left_center(), r.right_center()],
                        Stroke::new(3.0, swatch),
                    );
                    let text = egui::RichText::new(label).small();
                    let text = if hidden { text.weak() } else { text };
                    let fit = ui
                        .add_enabled(!hidden, egui::Button::new(text).fill(bg))
                        .on_hover_text("Show this device's track")
                        .clicked();
                    (check.changed(), fit)
                })
                .inner;
            if shown_clicked {
                toggle = Some(t.device().copied());
            }
            if fit_clicked {
                fit = Some(t.bbox());
            }
        }
        if let Some(d) = toggle {
            view.commands.push(Command::ToggleDevice(d));
        }
        if !view.hidden.is_empty()
            && child
                .add(egui::Button::new(
                    egui::RichText::new(format!("Show all ({} hidden)", view.hidden.len())).small(),
                ))
                .clicked()
        {
            view.commands.push(Command::ShowAllDevices);
        }
        if placed > MAX_LEGEND {
            child.label(
                egui::RichText::new(format!("and {} more device(s)", placed - MAX_LEGEND))
                    .small()
                    .background_color(bg),
            );
        }
        if let Some(b) = fit {
            self.fit(rect, &b);
            self.view_changed = true;
            self.user_moved = true;
            self.follow = false;
        }
    }

    pub(super) fn draw_overlays(
        &self,
        ui: &Ui,
        painter: &egui::Painter,
        rect: Rect,
        view: &View<'_>,
        text: &OverlayText,
    ) {
        let visuals = ui.visuals();
        let bg = visuals.extreme_bg_color.gamma_multiply(0.85);
        let fg = visuals.text_color();
        let font = FontId::proportional(11.0);
        // Attribution, bottom right.
        let g = painter.layout_no_wrap(text.attribution.clone(), font.clone(), fg);
        let pos = rect.right_bottom() - g.size() - egui::vec2(4.0, 4.0);
        painter.rect_filled(Rect::from_min_size(pos, g.size()).expand(2.0), 2.0, bg);
        painter.galley(pos, g, fg);
        // The tile source's state, top right.
        let colour = if text.bad { visuals.warn_fg_color } else { fg };
        let g = painter.layout(
            text.status.clone(),
            font.clone(),
            colour,
            rect.width() * 0.6,
        );
        let pos = rect.right_top() + egui::vec2(-g.size().x - 6.0, 6.0);
        painter.rect_filled(Rect::from_min_size(pos, g.size()).expand(3.0), 2.0, bg);
        painter.galley(pos, g, colour);
        if view.tracks.tracks().all(Track::is_empty) {
            let msg = if view.store.is_empty() {
                "No frames loaded"
            } else if view.tracks_complete {
                "No positions in these frames"
            } else {
                "Reading positions…"
            };
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                msg,
                FontId::proportional(16.0),
                fg,
            );
        }
        // Scale bar, bottom left.
        let (_, lat) = self.center_lonlat();
        let mpp = geo::metres_per_pixel(lat, self.zoom);
        if mpp.is_finite() && mpp > 0.0 {
            let target = mpp * 100.0;
            let pow = 10f64.powf(target.log10().floor());
            let nice = [1.0, 2.0, 5.0]
                .iter()
                .map(|m| m * pow)
                .rfind(|v| *v <= target)
                .unwrap_or(pow);
            let px = (nice / mpp) as f32;
            let x0 = rect.left() + 10.0;
            let y0 = rect.bottom() - 12.0;
            let label = fmt_length(nice);
            painter.rect_filled(
                Rect::from_min_max(pos2(x0 - 4.0, y0 - 16.0), pos2(x0 + px + 4.0, y0 + 4.0)),
                2.0,
                bg,
            );
            painter.line_segment([pos2(x0, y0), pos2(x0 + px, y0)], Stroke::new(2.0, fg));
            painter.text(pos2(x0, y0 - 2.0), Align2::LEFT_BOTTOM, label, font, fg);
        }
    }
}

pub(super) fn point_tooltip(ui: &mut Ui, pref: &PointRef, p: &TrackPoint, keyword: Option<String>) {
    ui.strong(format!("Frame #{}", pref.frame + 1));
    ui.label(format!("Device {}", device_name(pref.device.as_ref())));
    match p.t_ns {
        Some(t) => ui.label(format!("Captured {}", fmt_ts(t))),
        None => ui.label("No capture time"),
    };
    if let Some(ms) = p.fix_time_ms {
        ui.label(format!("Fix time {}", fmt_ts(ms.saturating_mul(1_000_000))));
    }
    match p.speed_kmh {
        Some(v) => ui.label(format!("Speed {}", fmt_speed(f64::from(v)))),
        None => ui.label("No speed"),
    };
    if let Some(k) = keyword {
        ui.label(format!("Keyword {k}"));
    }
    if let Some(a) = &p.alarm {
        ui.colored_label(alarm_colour(p.alarm_class), format!("Alarm: {a}"));
    }
    ui.label(fmt_position_fine(p.lat, p.lon));
    if !p.valid {
        ui.weak("Last-known position (invalid fix)");
    }
    ui.weak("Click to select the frame");
}

/// Map labels (names from a vector file's tiles) written per frame, at most.
const MAX_MAP_LABELS: usize = 200;
/// Labels looked at per frame, at most (the best first).
const MAX_LABEL_TRIES: usize = 3000;
/// Labels gathered from the tiles per frame, at most.
const MAX_LABEL_CANDIDATES: usize = 20_000;
/// A label repeating the text of one already written closer than this (screen pixels) is left
/// out: the same street or place in neighbouring tiles is written once.
const LABEL_REPEAT_PX: f32 = 400.0;

/// A label's font size and colour, and the colour of its halo.
fn label_look(label: &Label, dark: bool) -> (f32, Color32, Color32) {
    let size = match label.kind {
        LabelKind::Place if label.rank >= 180 => 15.0,
        LabelKind::Place if label.rank >= 150 => 13.5,
        LabelKind::Place => 12.5,
        LabelKind::Street | LabelKind::Water | LabelKind::Park => 11.0,
    };
    let colour = match (label.kind, dark) {
        (LabelKind::Place, false) => Color32::from_rgb(0x22, 0x22, 0x22),
        (LabelKind::Street, false) => Color32::from_rgb(0x44, 0x44, 0x44),
        (LabelKind::Water, false) => Color32::from_rgb(0x1d, 0x5a, 0x85),
        (LabelKind::Park, false) => Color32::from_rgb(0x2b, 0x64, 0x2b),
        (LabelKind::Place, true) => Color32::from_rgb(0xee, 0xee, 0xee),
        (LabelKind::Street, true) => Color32::from_rgb(0xc4, 0xc4, 0xc4),
        (LabelKind::Water, true) => Color32::from_rgb(0x8c, 0xc0, 0xe8),
        (LabelKind::Park, true) => Color32::from_rgb(0x9c, 0xcf, 0x9c),
    };
    let halo = if dark {
        Color32::from_black_alpha(210)
    } else {
        Color32::from_white_alpha(230)
    };
    (size, colour, halo)
}

impl MapView {
    /// The names of a vector file's tiles drawn this frame, as shapes: each tile's labels
    /// placed in the world by their tile, the best (highest rank) first, a label left out when
    /// its box overlaps one already written or it repeats one written nearby; at most
    /// [`MAX_MAP_LABELS`]. Remembers the texts written ([`MapView::labels_drawn`]).
    pub(super) fn label_shapes(
        &mut self,
        painter: &egui::Painter,
        rect: Rect,
        tiles: &TileLayer,
        dark: bool,
    ) -> Vec<Shape> {
        self.labels_drawn.clear();
        let size = f64::from(VECTOR_TILE_SIZE);
        let near = rect.expand(40.0);
        let mut candidates: Vec<(&Label, Pos2)> = Vec::new();
        'tiles: for ((z, x, y), labels) in tiles.drawn_labels() {
            let n = 2f64.powi(i32::from(z));
            for label in labels {
                let world = (
                    (f64::from(x) + f64::from(label.pos[0]) / size) / n,
                    (f64::from(y) + f64::from(label.pos[1]) / size) / n,
                );
                let p = self.to_screen(rect, world);
                if near.contains(p) {
                    candidates.push((label, p));
                    if candidates.len() >= MAX_LABEL_CANDIDATES {
                        break 'tiles;
                    }
                }
            }
        }
        // Best first; the rest of the order only keeps the choice steady from frame to frame.
        candidates.sort_by(|(a, p), (b, q)| {
            b.rank
                .cmp(&a.rank)
                .then_with(|| a.text.cmp(&b.text))
                .then_with(|| p.x.total_cmp(&q.x))
                .then_with(|| p.y.total_cmp(&q.y))
        });
        let mut placed: Vec<(Rect, &str, Pos2)> = Vec::new();
        let mut shapes = Vec::new();
        for (label, p) in candidates.into_iter().take(MAX_LABEL_TRIES) {
            if placed.len() >= MAX_MAP_LABELS {
                break;
            }
            if placed
                .iter()
                .any(|(_, t, q)| *t == label.text && q.distance(p) < LABEL_REPEAT_PX)
            {
                continue;
            }
            let (font, colour, halo) = label_look(label, dark);
            let galley =
                painter.layout_no_wrap(label.text.clone(), FontId::proportional(font), colour);
            let at = Align2::CENTER_CENTER
                .anchor_size(p, galley.size())
                .min
                .round();
            let text_rect = Rect::from_min_size(at, galley.size());
            let room = text_rect.expand2(egui::vec2(4.0, 2.0));
            if !rect.contains_rect(room) || placed.iter().any(|(r, ..)| r.intersects(room)) {
                continue;
            }
            for (dx, dy) in [
                (-1.0, 0.0),
                (1.0, 0.0),
                (0.0, -1.0),
                (0.0, 1.0),
                (-1.0, -1.0),
                (1.0, 1.0),
                (-1.0, 1.0),
                (1.0, -1.0),
            ] {
                shapes.push(Shape::galley_with_override_text_color(
                    at + egui::vec2(dx, dy),
                    galley.clone(),
                    halo,
                ));
            }
            shapes.push(Shape::galley(at, galley, colour));
            placed.push((room, &label.text, p));
            self.labels_drawn.push(label.text.clone());
        }
        shapes
    }
}
