//! What several panels show alike, in one place they all read: a device's name and colour, an
//! alarm's colour, a finding's evidence frames, a row of tabs, the "Only filtered frames" switch
//! of the map and the plots, and the start of a panel's worker thread. Panels never import each other;
//! what two of them share lives here.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui::{Color32, Ui};

use super::state::{Command, View};
use crate::protocol::{AlarmClass, Imei};

/// The colour of the `i`-th device (in [`crate::model::tracks::TrackBuilder::tracks`] order),
/// on the map and in the plots (and the exported maps: [`crate::model::tracks::DEVICE_RGB`]);
/// [`View::device_colour`] picks `i`.
pub fn track_colour(i: usize) -> Color32 {
    let [r, g, b] = crate::model::tracks::device_rgb(i);
    Color32::from_rgb(r, g, b)
}

/// A device's name for legends: its IMEI, or "no device".
pub fn device_name(d: Option<&Imei>) -> String {
    d.map_or_else(|| "no device".to_string(), |d| d.to_string())
}

/// An alarm's colour, by what it is about (`None`: another alarm).
pub fn alarm_colour(class: Option<AlarmClass>) -> Color32 {
    match class.unwrap_or(AlarmClass::Other) {
        AlarmClass::Sos => Color32::from_rgb(0xe0, 0x10, 0x10),
        AlarmClass::Geofence => Color32::from_rgb(0x8e, 0x24, 0xaa),
        AlarmClass::Speed => Color32::from_rgb(0xf0, 0x90, 0x00),
        AlarmClass::Movement | AlarmClass::Sensor => Color32::from_rgb(0xe8, 0x5d, 0x04),
        AlarmClass::Battery | AlarmClass::Power => Color32::from_rgb(0x6d, 0x4c, 0x41),
        AlarmClass::Vehicle | AlarmClass::Temperature | AlarmClass::Fuel | AlarmClass::Other => {
            Color32::from_rgb(0xc2, 0x18, 0x5b)
        }
    }
}

/// The evidence frames of a finding, as the list numbers them (from 1), for a tooltip.
pub fn evidence_text(frames: &[u64]) -> String {
    let shown: Vec<String> = frames
        .iter()
        .take(10)
        .map(|f| format!("#{}", f + 1))
        .collect();
    let more = if frames.len() > 10 { " ..." } else { "" };
    format!(
        "Frames {}{more}: click to select the first",
        shown.join(" ")
    )
}

/// A row of tabs (the central tabs, the side panel's), `current` selected: a click on another
/// pushes `show` of it.
pub fn tab_row<T: Copy + PartialEq>(
    ui: &mut Ui,
    current: T,
    tabs: &[(T, &str)],
    show: fn(T) -> Command,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        for &(tab, label) in tabs {
            if ui.selectable_label(current == tab, label).clicked() {
                commands.push(show(tab));
            }
        }
    });
}

/// "Only filtered frames" beside the map's and the plots' tools, while a filter is in force:
/// whether they show what the list shows or every frame.
pub fn filter_toggle(ui: &mut Ui, view: &mut View<'_>) {
    if view.filter.is_empty() {
        return;
    }
    let mut on = view.tracks_filtered;
    if ui
        .checkbox(&mut on, "Only filtered frames")
        .on_hover_text(format!(
            "Show only the frames the filter keeps ({}), as the list does",
            view.filter
        ))
        .changed()
    {
        view.commands.push(Command::SetTracksFollowFilter(on));
    }
}

/// Starts `work` on a thread named `name`, with a channel and a cancel flag of its own: the
/// thread gets the sender and the flag, the caller keeps the receiver and the flag (to cancel).
/// The result tells whether the thread started; when it did not, the receiver is disconnected.
pub fn start_worker<T: Send + 'static>(
    name: &str,
    work: impl FnOnce(Sender<T>, Arc<AtomicBool>) + Send + 'static,
) -> (Receiver<T>, Arc<AtomicBool>, std::io::Result<()>) {
    let (tx, rx) = channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || work(tx, flag))
        .map(drop);
    (rx, cancel, spawned)
}
