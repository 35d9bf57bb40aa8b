//! The map's camera: where it looks (centre and zoom), and how it came to look there, which
//! decides whether it may still move by itself.
//!
//! The camera moves by itself in three cases: it frames the tracks (or the whole world, for want
//! of tracks) when a session starts and once more when loading ends; it keeps the newest point
//! in view while "Follow newest" is on; and it centres on a frame selected elsewhere (not on one
//! clicked on the map). [`Framing`] says which of these may still happen; the user's gestures
//! (drag, wheel, the legend's buttons) end the automatic framing, "Fit to tracks" brings it back.
//!
//! walkers keeps a view of its own (its `MapMemory`, with the drag inertia). Each frame the
//! camera hands its view to walkers when it moved by itself ([`Camera::give`]), and reads
//! walkers' view back once walkers has handled the gestures ([`Camera::take`]); [`Handover`]
//! says when the view must be handed over.

use eframe::egui::{Pos2, Rect, pos2};

use super::MAX_ZOOM;
use crate::map::geo::{self, BBox};

/// Zoom "Fit to tracks" goes to at most (a single point).
const FIT_MAX_ZOOM: f64 = 16.0;
/// Pixels kept free around the tracks when fitting.
const FIT_PADDING: f64 = 40.0;

/// How the view was framed in this session: whether it is still fitted to the tracks by
/// itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// A new session: nothing framed yet. The next frame shows the tracks, or the whole world
    /// when there are none yet.
    Fresh,
    /// The whole world is shown for want of tracks; the tracks are fitted as soon as there are
    /// some. `moved`: the user moved the view since.
    World {
        /// The user panned or zoomed since.
        moved: bool,
    },
    /// Fitted to the tracks. Fitted again once, when loading ends, unless the user moved the
    /// view since.
    Tracks {
        /// The tracks were complete (loading had ended) when fitted.
        complete: bool,
        /// The user panned or zoomed since.
        moved: bool,
    },
}

/// When the camera's view must be handed to walkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handover {
    /// Never handed over yet (walkers' memory starts elsewhere).
    Never,
    /// walkers looks where the camera looks.
    InStep,
    /// The camera moved while walkers held its memory (the legend's buttons): hand it over
    /// after walkers is done.
    Changed,
}

/// The map's camera: its view and how it came to be.
#[derive(Debug, Clone)]
pub(super) struct Camera {
    /// Centre in world coordinates (`[0, 1]²`, see [`geo`]).
    center: (f64, f64),
    zoom: f64,
    framing: Framing,
    handover: Handover,
    /// Keep the newest point in view.
    pub follow: bool,
    /// The selected frame when it was last looked up.
    last_selection: Option<usize>,
    /// The frame clicked on the map (not centred on).
    clicked: Option<usize>,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            center: (0.5, 0.5),
            zoom: 1.0,
            framing: Framing::Fresh,
            handover: Handover::Never,
            follow: false,
            last_selection: None,
            clicked: None,
        }
    }
}

impl Camera {
    /// The zoom level.
    pub fn zoom(&self) -> f64 {
        self.zoom
    }

    /// The centre, `(lon, lat)` degrees.
    pub fn center_lonlat(&self) -> (f64, f64) {
        geo::world_to_lonlat(self.center.0, self.center.1)
    }

    /// The view, to tell later whether this frame moved it.
    pub fn view(&self) -> ((f64, f64), f64) {
        (self.center, self.zoom)
    }

    fn scale(&self) -> f64 {
        geo::world_size_px(self.zoom)
    }

    /// Where the world point `w` is on screen, the map drawn in `rect`.
    pub fn to_screen(&self, rect: Rect, w: (f64, f64)) -> Pos2 {
        let s = self.scale();
        let c = rect.center();
        pos2(
            c.x + ((w.0 - self.center.0) * s) as f32,
            c.y + ((w.1 - self.center.1) * s) as f32,
        )
    }

    /// The world point at `p` on screen, the map drawn in `rect`.
    pub fn to_world(&self, rect: Rect, p: Pos2) -> (f64, f64) {
        let s = self.scale();
        let c = rect.center();
        (
            self.center.0 + f64::from(p.x - c.x) / s,
            self.center.1 + f64::from(p.y - c.y) / s,
        )
    }

    /// A new session: the view is framed again.
    pub fn restart(&mut self) {
        self.framing = Framing::Fresh;
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

    /// Sets whether the user moved the view since it was framed.
    fn set_moved(&mut self, now: bool) {
        match &mut self.framing {
            Framing::Fresh => {}
            Framing::World { moved } | Framing::Tracks { moved, .. } => *moved = now,
        }
    }

    /// "Fit to tracks": shows every track, and lets the camera fit them again when loading
    /// ends.
    pub fn fit_tracks(&mut self, rect: Rect, bbox: &BBox) {
        self.fit(rect, bbox);
        self.set_moved(false);
    }

    /// A legend button: shows one track; the user chose the view (no automatic framing, no
    /// following), handed to walkers once it is done with this frame.
    pub fn fit_device(&mut self, rect: Rect, bbox: &BBox) {
        self.fit(rect, bbox);
        self.handover = Handover::Changed;
        self.set_moved(true);
        self.follow = false;
    }

    /// Frames the view by itself when its [`Framing`] asks for it: the tracks in `bbox` (the
    /// whole world when it is empty), `complete` once loading has ended.
    pub fn frame(&mut self, rect: Rect, bbox: &BBox, complete: bool) {
        let tracks = |moved| Framing::Tracks { complete, moved };
        match self.framing {
            Framing::Fresh if bbox.is_empty() => {
                // Nothing to show yet: the whole world, once (the user may move it since).
                self.fit_world(rect);
                self.framing = Framing::World { moved: false };
            }
            Framing::World { .. } if bbox.is_empty() => {}
            Framing::Fresh => {
                self.fit(rect, bbox);
                self.framing = tracks(false);
            }
            Framing::World { moved } => {
                self.fit(rect, bbox);
                self.framing = tracks(moved);
            }
            Framing::Tracks {
                complete: false,
                moved: false,
            } if complete && !bbox.is_empty() => {
                self.fit(rect, bbox);
                self.framing = tracks(false);
            }
            Framing::Tracks { .. } => {}
        }
    }

    /// Zooms by `dz` levels keeping `anchor` (on screen) in place.
    pub fn zoom_at(&mut self, rect: Rect, anchor: Pos2, dz: f64) {
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

    /// Centres on `(lon, lat)`.
    fn center_on(&mut self, lon: f64, lat: f64) {
        self.center = geo::lonlat_to_world(lon, lat);
    }

    /// A point of the map was clicked: its frame is selected, and not centred on.
    pub fn clicked(&mut self, frame: usize) {
        self.clicked = Some(frame);
    }

    /// Follows the selection: centres on the selected frame's point (`at`, `(lon, lat)`, when
    /// it has one) when the selection changed elsewhere than on the map. While loading
    /// (`complete` false) a selected frame without a point is looked for again next frame.
    pub fn follow_selection(
        &mut self,
        selection: Option<usize>,
        at: Option<(f64, f64)>,
        complete: bool,
    ) {
        if selection == self.last_selection {
            return;
        }
        if let Some((lon, lat)) = at {
            self.last_selection = selection;
            if self.clicked != selection {
                // Centred (a point clicked on the map stays where it is).
                self.center_on(lon, lat);
                self.follow = false;
            }
        } else if !complete && selection.is_some() {
            // Its point may not be in the tracks yet: look again next frame.
        } else {
            self.last_selection = selection;
        }
    }

    /// While following: keeps the newest point, `(lon, lat)`, in the centre.
    pub fn follow_newest(&mut self, newest: Option<(f64, f64)>) {
        if self.follow
            && let Some((lon, lat)) = newest
        {
            self.center_on(lon, lat);
        }
    }

    /// Hands this frame's view to walkers when it moved by itself since `before` (or was
    /// never handed over).
    pub fn give_if_moved(&mut self, before: ((f64, f64), f64), memory: &mut walkers::MapMemory) {
        if self.view() != before || self.handover == Handover::Never {
            self.give(memory);
        }
    }

    /// Hands the view to walkers if it changed while walkers held its memory.
    pub fn give_if_changed(&mut self, memory: &mut walkers::MapMemory) {
        if self.handover == Handover::Changed {
            self.give(memory);
        }
    }

    /// Hands the view to walkers.
    fn give(&mut self, memory: &mut walkers::MapMemory) {
        let (lon, lat) = self.center_lonlat();
        memory.center_at(walkers::lon_lat(lon, lat));
        let _ = memory.set_zoom(self.zoom);
        self.handover = Handover::InStep;
    }

    /// Reads the view back from walkers' projector after it handled this frame's gestures
    /// (drag with inertia, wheel and pinch zoom around the pointer); `dragged`: the map was
    /// dragged. A gesture ends the automatic framing, a drag the following too.
    pub fn take(&mut self, projector: &walkers::Projector<'_>, dragged: bool) {
        let zoom_before = self.zoom;
        let rect = projector.clip_rect();
        let c = projector.unproject(rect.center().to_vec2());
        self.zoom = projector.zoom();
        self.center = geo::lonlat_to_world(c.x(), c.y());
        self.clamp_center();
        if dragged || self.zoom != zoom_before {
            self.set_moved(true);
        }
        if dragged {
            self.follow = false;
        }
    }
}
