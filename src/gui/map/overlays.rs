//! What is written over the map: the attribution (bottom right), the tile source's state (top
//! right), a word when there is nothing to show (centre) and the scale bar (bottom left).

use eframe::egui::{self, Align2, FontId, Rect, Stroke, Ui, pos2};

use super::camera::Camera;
use crate::gui::state::View;
use crate::gui::tile_layer::TileLayer;
use crate::map::basemap;
use crate::map::geo;
use crate::model::tracks::Track;
use crate::present::units::fmt_length;

/// The corner texts that depend on the tile source.
pub(super) struct OverlayText {
    attribution: String,
    status: String,
    /// True when the status is a failure (drawn in the warning colour).
    bad: bool,
}

/// The texts of the corners that depend on the tile source `tiles` (read before walkers
/// borrows it for the frame).
pub(super) fn text(tiles: Option<&TileLayer>) -> OverlayText {
    let attribution = match tiles {
        Some(t) => format!("{} · Basemap: {}", t.attribution(), basemap::ATTRIBUTION),
        None => format!("Basemap: {}", basemap::ATTRIBUTION),
    };
    let (status, bad) = match (tiles, basemap::world_error()) {
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
                None => {
                    let mut text =
                        format!("Tiles: {} shown ({} from the cache)", s.ready, s.from_cache);
                    if s.forgotten + s.cache_pruned > 0 {
                        text.push_str(&format!(
                            " · within bounds: {} forgotten in memory, {} old files removed from the cache",
                            s.forgotten, s.cache_pruned
                        ));
                    }
                    (text, false)
                }
            }
        }
    };
    OverlayText {
        attribution,
        status,
        bad,
    }
}

/// Draws the overlays over the map in `rect`.
pub(super) fn draw(
    ui: &Ui,
    painter: &egui::Painter,
    rect: Rect,
    cam: &Camera,
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
    let (_, lat) = cam.center_lonlat();
    let mpp = geo::metres_per_pixel(lat, cam.zoom());
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
