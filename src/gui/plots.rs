//! The plots: each device's time series over capture time (speed, altitude, battery, fuel,
//! temperature, fix validity, ignition, and the intervals between reports and between
//! heartbeats, the first thing to look at when a battery drains too fast), one plot per
//! quantity with a shared time axis.
//!
//! The time under the mouse is the shared time cursor: the map marks each device's position
//! at that time and the frame list marks the nearest frame; a click selects it. Series are
//! copied into the plot's point type once per new sample, not every frame.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use eframe::egui::{self, Color32, Id, Ui};
use egui_plot::{GridInput, GridMark, HoverPosition, Line, Plot, PlotPoint, Points, VLine};

use super::shared::{device_name, filter_toggle};
use super::state::{Command, HiddenDevices, View};
use crate::model::tracks::{Series, SeriesKind, Track, TrackBuilder};
use crate::present::time::fmt_axis_time;
use crate::protocol::Imei;

/// Height of one plot at least (more when the panel has room for every plot).
const PLOT_HEIGHT: f32 = 60.0;

/// Samples of a series drawn as they are at most; longer series are drawn as the minimum and
/// maximum of each of [`MAX_POINTS`]` / 2` runs of samples (spikes stay visible).
const MAX_POINTS: usize = 20_000;

/// One series as plot points.
#[derive(Debug, Default)]
struct Cached {
    /// Samples in the series when `points` was made.
    source_len: usize,
    points: Vec<PlotPoint>,
}

impl Cached {
    fn update(&mut self, src: &Series<'_>) {
        let len = src.len();
        if len == self.source_len {
            return;
        }
        if len <= MAX_POINTS && len > self.source_len {
            // Appended samples only.
            let from = self.points.len();
            self.points
                .extend(src.points().skip(from).map(|p| PlotPoint::new(p[0], p[1])));
        } else {
            self.points = decimate(len, |i| src.point(i), MAX_POINTS);
        }
        self.source_len = len;
    }
}

/// At most about `max` points of the `len` samples `at(i)` (`[t, value]`): the lowest and
/// highest sample of each run, in time order.
fn decimate(len: usize, at: impl Fn(usize) -> Option<[f64; 2]>, max: usize) -> Vec<PlotPoint> {
    let point = |p: [f64; 2]| PlotPoint::new(p[0], p[1]);
    if len <= max {
        return (0..len).filter_map(&at).map(point).collect();
    }
    let run = len.div_ceil((max / 2).max(1));
    let mut out = Vec::with_capacity(max + 2);
    for first in (0..len).step_by(run) {
        let chunk = || (first..(first + run).min(len)).filter_map(&at);
        let lo = chunk().min_by(|a, b| a[1].total_cmp(&b[1]));
        let hi = chunk().max_by(|a, b| a[1].total_cmp(&b[1]));
        if let (Some(lo), Some(hi)) = (lo, hi) {
            let (a, b) = if lo[0] <= hi[0] { (lo, hi) } else { (hi, lo) };
            out.push(point(a));
            if a != b {
                out.push(point(b));
            }
        }
    }
    out
}

/// Devices plotted together at most.
const MAX_DEVICES: usize = 12;

/// Which devices the plots show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeviceChoice {
    /// Every device, one line each.
    #[default]
    All,
    /// The device of the selected frame.
    Selected,
    /// One device.
    One(Option<Imei>),
}

/// The plots' state.
#[derive(Debug, Default)]
pub struct PlotsView {
    /// Which devices are shown.
    pub devices: DeviceChoice,
    /// Per device and series: the samples already copied, as plot points.
    cache: BTreeMap<(Option<Imei>, SeriesKind), Cached>,
    /// The [`View::tracks_generation`] the cache was filled from.
    generation: u64,
}

/// The tracks of `tracks` that `devices` picks, with their index in `tracks`: every device
/// not `hidden`, the device of the selected frame (`selected`: `None` when no frame is
/// selected), or one device.
fn pick<'t>(
    devices: DeviceChoice,
    tracks: &'t TrackBuilder,
    selected: Option<Option<Imei>>,
    hidden: &HiddenDevices,
) -> Vec<(usize, &'t Track)> {
    tracks
        .tracks()
        .enumerate()
        .filter(|(_, t)| match devices {
            DeviceChoice::All => !hidden.contains(&t.device().copied()),
            DeviceChoice::Selected => selected.is_none_or(|d| t.device().copied() == d),
            DeviceChoice::One(d) => t.device().copied() == d,
        })
        .collect()
}

/// The series of `chosen` that have samples, with their total sample counts: one plot each.
fn series_counts(chosen: &[(usize, &Track)]) -> Vec<(SeriesKind, usize)> {
    SeriesKind::ALL
        .into_iter()
        .map(|k| {
            let n = chosen.iter().map(|(_, t)| t.series().get(k).len()).sum();
            (k, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Grid marks at round times: seconds, minutes, hours, days.
fn time_grid(input: GridInput) -> Vec<GridMark> {
    const STEPS: [f64; 17] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        21_600.0, 43_200.0, 86_400.0,
    ];
    let (lo, hi) = input.bounds;
    let min_step = input.base_step_size.max(1e-9);
    let mut out = Vec::new();
    // Three levels of marks, as egui_plot's own spacer: fine, medium, coarse.
    let mut steps: Vec<f64> = STEPS.iter().copied().filter(|s| *s >= min_step).collect();
    let mut day = 86_400.0 * 2.0;
    while steps.len() < 3 {
        steps.push(day);
        day *= 2.0;
    }
    for step in steps.iter().take(3) {
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        if last.saturating_sub(first) > 2000 {
            continue;
        }
        for k in first..=last {
            let value = k as f64 * step;
            if out.iter().any(|m: &GridMark| m.value == value) {
                continue;
            }
            out.push(GridMark {
                value,
                step_size: *step,
            });
        }
    }
    out
}

impl PlotsView {
    /// The points plotted for `device`'s series `kind` (`[time, value]`; a long series as its
    /// minima and maxima), as last drawn.
    pub fn plotted(&self, device: Option<&Imei>, kind: SeriesKind) -> Vec<[f64; 2]> {
        self.cache
            .get(&(device.copied(), kind))
            .map_or_else(Vec::new, |c| c.points.iter().map(|p| [p.x, p.y]).collect())
    }

    /// The series the plots show for `tracks` (the selected frame's device `selected`, the
    /// `hidden` devices left out) and their total sample counts over the devices plotted: one
    /// plot each, as [`PlotsView::ui`] draws them.
    pub fn series(
        &self,
        tracks: &TrackBuilder,
        selected: Option<Option<Imei>>,
        hidden: &HiddenDevices,
    ) -> Vec<(SeriesKind, usize)> {
        let mut chosen = pick(self.devices, tracks, selected, hidden);
        chosen.truncate(MAX_DEVICES);
        series_counts(&chosen)
    }

    /// Draws the plots.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let tracks = view.tracks;
        self.toolbar(ui, view);
        // Each device in its map colour (by index in `tracks`).
        let colours: Vec<Color32> = tracks
            .tracks()
            .map(|t| view.device_colour(t.device()))
            .collect();
        let chosen = self.chosen(ui, view);
        self.refresh(view, &chosen);
        let kinds = series_counts(&chosen);
        if kinds.is_empty() {
            ui.centered_and_justified(|ui| {
                ui.label(if view.store.is_empty() {
                    "No frames loaded."
                } else {
                    "Nothing to plot: these frames carry no positions, vitals or repeated reports."
                });
            });
            return;
        }
        // Every plot covers the same time span, so the time axes line up.
        let span = chosen
            .iter()
            .filter_map(|(_, t)| t.series().time_range())
            .fold(None, |acc: Option<(f64, f64)>, (a, b)| match acc {
                None => Some((a, b)),
                Some((lo, hi)) => Some((lo.min(a), hi.max(b))),
            });
        let look = Look {
            span,
            cursor: view.selection.hovered_time,
            selected_t: view
                .selection
                .frame
                .and_then(|f| view.store.get(f))
                .and_then(|f| f.ts())
                .map(|ns| ns as f64 / 1e9),
            accent: ui.visuals().selection.stroke.color,
            link: Id::unique("bn407-plots-time"),
            // Every plot on screen when there is room; else scroll.
            height: ((ui.available_height() - 24.0) / kinds.len() as f32 - 22.0).max(PLOT_HEIGHT),
            // (Only the last plot shows its time axis.)
            last: kinds.last().map(|k| k.0),
            colours,
        };
        let mut hovered: Option<f64> = None;
        let mut clicked = false;
        let cache = &self.cache;
        egui::ScrollArea::vertical()
            .id_salt("plots")
            .auto_shrink(false)
            .show(ui, |ui| {
                for (kind, _) in &kinds {
                    if let Some((t, click)) = plot(ui, *kind, &look, &chosen, cache) {
                        hovered = Some(t);
                        clicked |= click;
                    }
                }
            });
        if let Some(t) = hovered {
            let frame = chosen
                .iter()
                .filter_map(|(_, tr)| tr.series().nearest(t))
                .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
                .map(|(_, f)| f as usize);
            view.commands.push(Command::HoverTime { t, frame });
            if clicked && let Some(f) = frame {
                view.commands.push(Command::SelectFrame(f));
            }
        }
    }

    /// The bar above the plots: which devices, the filter switch, "Show all", a hint.
    fn toolbar(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let tracks = view.tracks;
        ui.horizontal(|ui| {
            let current = match self.devices {
                DeviceChoice::All => "All devices".to_string(),
                DeviceChoice::Selected => "The selected frame's device".to_string(),
                DeviceChoice::One(d) => device_name(d.as_ref()),
            };
            egui::ComboBox::from_label("plotted")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.devices, DeviceChoice::All, "All devices");
                    ui.selectable_value(
                        &mut self.devices,
                        DeviceChoice::Selected,
                        "The selected frame's device",
                    );
                    for t in tracks.tracks() {
                        let d = t.device().copied();
                        ui.selectable_value(
                            &mut self.devices,
                            DeviceChoice::One(d),
                            device_name(d.as_ref()),
                        );
                    }
                });
            filter_toggle(ui, view);
            if !view.hidden.is_empty()
                && ui
                    .button(format!("Show all ({} hidden)", view.hidden.len()))
                    .on_hover_text("Devices hidden on the map's legend are left out here too")
                    .clicked()
            {
                view.commands.push(Command::ShowAllDevices);
            }
            ui.label(
                egui::RichText::new(
                    "Hover: the time cursor on the map and the list. Click: select the frame. \
                     Drag: pan; Ctrl+wheel: zoom; double-click: reset.",
                )
                .weak(),
            );
        });
    }

    /// The tracks plotted, with their index in the session's tracks (at most [`MAX_DEVICES`],
    /// with a word when there are more).
    fn chosen<'t>(&self, ui: &mut Ui, view: &View<'t>) -> Vec<(usize, &'t Track)> {
        let selected_device = view
            .selection
            .frame
            .and_then(|f| view.store.get(f))
            .map(|f| f.imei().copied());
        let mut chosen = pick(self.devices, view.tracks, selected_device, view.hidden);
        let more = chosen.len().saturating_sub(MAX_DEVICES);
        if more > 0 {
            chosen.truncate(MAX_DEVICES);
            ui.label(
                egui::RichText::new(format!(
                    "Showing the first {MAX_DEVICES} devices; {more} more: choose one above."
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        chosen
    }

    /// Brings the cache up to date with the tracks `chosen`.
    fn refresh(&mut self, view: &View<'_>, chosen: &[(usize, &Track)]) {
        let tracks = view.tracks;
        // Other tracks (another session, filter, or the filter switched on or off): start over.
        if self.generation != view.tracks_generation {
            self.cache.clear();
            self.generation = view.tracks_generation;
        }
        // Copy new samples into the cache (a long series as its minima and maxima).
        for (_, t) in chosen {
            for s in t.series().iter() {
                let c = self.cache.entry((t.device().copied(), s.kind)).or_default();
                c.update(&s);
            }
        }
        self.cache
            .retain(|(d, _), _| tracks.track(d.as_ref()).is_some());
    }
}

/// What every plot shares: the time span, the cursor and the selected frame's time, colours,
/// the link between the plots' time axes, the height, and which plot shows its time axis.
struct Look {
    span: Option<(f64, f64)>,
    cursor: Option<f64>,
    selected_t: Option<f64>,
    accent: Color32,
    link: Id,
    height: f32,
    last: Option<SeriesKind>,
    colours: Vec<Color32>,
}

/// One plot: `kind` of every track `chosen`, its title above it. Returns the time under the
/// pointer when hovered, and whether it was clicked.
fn plot(
    ui: &mut Ui,
    kind: SeriesKind,
    look: &Look,
    chosen: &[(usize, &Track)],
    cache: &BTreeMap<(Option<Imei>, SeriesKind), Cached>,
) -> Option<(f64, bool)> {
    let unit = kind.unit();
    ui.label(if unit.is_empty() {
        egui::RichText::new(kind.label()).strong()
    } else {
        egui::RichText::new(format!("{} ({unit})", kind.label())).strong()
    });
    let plot = Plot::new(("bn407-plot", kind))
        .height(look.height)
        .link_axis(look.link, [true, false])
        .link_cursor(look.link, [true, false])
        .allow_scroll(false)
        .show_axes([look.last == Some(kind), true])
        .x_grid_spacer(time_grid)
        .x_axis_formatter(|m: GridMark, r: &RangeInclusive<f64>| {
            fmt_axis_time(m.value, r.end() - r.start())
        })
        .y_axis_min_width(48.0)
        .label_formatter(move |pos: &HoverPosition<'_>| {
            let (name, p) = match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => (*plot_name, position),
                HoverPosition::Elsewhere { position } => ("", position),
            };
            let t = fmt_axis_time(p.x, 0.0);
            Some(if name.is_empty() {
                t
            } else {
                format!("{name}\n{t}\n{:.1} {unit}", p.y)
            })
        });
    let plot = match look.span {
        Some((lo, hi)) => plot.include_x(lo).include_x(hi),
        None => plot,
    };
    let plot = match kind {
        SeriesKind::FixValid | SeriesKind::Ignition => plot.include_y(-0.1).include_y(1.1),
        _ => plot.include_y(0.0),
    };
    let resp = plot.show(ui, |pui| {
        for (i, t) in chosen {
            let Some(points) = cache.get(&(t.device().copied(), kind)).map(|c| &c.points) else {
                continue;
            };
            let name = device_name(t.device());
            let colour = look.colours.get(*i).copied().unwrap_or(Color32::GRAY);
            pui.line(
                Line::new(name.clone(), points.as_slice())
                    .color(colour)
                    .width(1.5),
            );
            if points.len() < 2000 {
                pui.points(
                    Points::new(name, points.as_slice())
                        .color(colour)
                        .radius(2.0),
                );
            }
        }
        if let Some(t) = look.selected_t {
            pui.vline(
                VLine::new("selected frame", t)
                    .color(look.accent)
                    .width(1.5),
            );
        }
        if let Some(t) = look.cursor {
            pui.vline(
                VLine::new("time cursor", t)
                    .color(Color32::from_rgb(0xff, 0xb0, 0x00))
                    .width(1.0),
            );
        }
        pui.pointer_coordinate()
    });
    if resp.response.hovered()
        && let Some(p) = resp.inner
    {
        return Some((p.x, resp.response.clicked()));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::tracks::TimeSeries;

    #[test]
    fn long_series_keep_their_extremes() {
        let value = |i: u32| if i == 77_777 { 500.0 } else { f64::from(i % 7) };
        let src: Vec<[f64; 2]> = (0..100_000).map(|i| [f64::from(i), value(i)]).collect();
        let d = decimate(src.len(), |i| src.get(i).copied(), 1000);
        assert!(d.len() <= 1002, "{}", d.len());
        assert!(d.windows(2).all(|w| w[0].x <= w[1].x));
        assert!(d.iter().any(|p| p.y == 500.0));
        // A series that grows, as while a capture loads.
        let mut ts = TimeSeries::default();
        let mut c = Cached::default();
        let add = |ts: &mut TimeSeries, range: std::ops::Range<u32>| {
            for i in range {
                ts.frame(f64::from(i), u64::from(i));
                ts.push(SeriesKind::Speed, value(i));
            }
        };
        add(&mut ts, 0..10);
        c.update(&ts.get(SeriesKind::Speed));
        add(&mut ts, 10..20);
        c.update(&ts.get(SeriesKind::Speed));
        assert_eq!(c.points.len(), 20);
        assert!(c.points.iter().zip(0..).all(|(p, i)| p.x == f64::from(i)));
        add(&mut ts, 20..100_000);
        c.update(&ts.get(SeriesKind::Speed));
        assert!(c.points.len() <= MAX_POINTS + 2);
        assert!(c.points.iter().any(|p| p.y == 500.0));
    }
}
