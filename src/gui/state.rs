//! App state the panels read (selection, session, settings) and the commands they send.
//!
//! As in rerun's viewer, panels never change each other: they read this state while drawing and
//! push [`Command`]s, which the app applies after the frame is drawn.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::Stats;
use crate::model::store::FrameStore;
use crate::pipeline::Input;
use crate::protocol::{Message, Tree};

/// What the user has selected.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Selection {
    /// Selected frame (its number).
    pub frame: Option<usize>,
    /// Selected node of that frame's tree.
    pub field: Option<usize>,
    /// Field under the mouse (in the tree or the bytes).
    pub hovered_field: Option<usize>,
    /// The shared time cursor: the capture time (seconds since the Unix epoch) under the mouse
    /// in a plot or on the map, set anew every frame.
    pub hovered_time: Option<f64>,
    /// The frame nearest to the time cursor (marked in the list and on the map).
    pub hovered_frame: Option<usize>,
}

/// Devices hidden from the map and the plots.
pub type HiddenDevices = std::collections::BTreeSet<Option<crate::protocol::Imei>>;

/// What the frame list shows in its place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CentralTab {
    /// The frame list.
    #[default]
    Frames,
    /// The selected frame's flow as a chat.
    Conversation,
    /// Every device's track on a map.
    Map,
    /// Speed, battery, intervals... over capture time.
    Plots,
    /// The firmware diff of two sets of captures, side by side.
    Compare,
}

/// Side panel tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SideTab {
    /// Devices.
    #[default]
    Devices,
    /// Flows.
    Flows,
    /// Findings (expert info).
    Findings,
    /// Live mode: listen, relay, checklists, commands.
    Live,
}

impl CentralTab {
    /// Every tab with its label, in the order the tab bar and the View menu show them.
    pub const ALL: [(CentralTab, &'static str); 5] = [
        (CentralTab::Frames, "Frames"),
        (CentralTab::Conversation, "Conversation"),
        (CentralTab::Map, "Map"),
        (CentralTab::Plots, "Plots"),
        (CentralTab::Compare, "Compare"),
    ];
}

/// Colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// How to copy a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyAs {
    /// The one-line text summary.
    Text,
    /// Hex of the bytes.
    Hex,
    /// The JSON object of `decode --format jsonl`.
    Json,
}

/// A change a panel asks for; applied after drawing.
#[derive(Debug, Clone)]
pub enum Command {
    /// Select a frame and scroll to it.
    SelectFrame(usize),
    /// Move the selection by this many visible rows.
    MoveSelection(i64),
    /// Select a field of the selected frame's tree (or none).
    SelectField(Option<usize>),
    /// The field under the mouse.
    HoverField(Option<usize>),
    /// Replace the filter text and apply it.
    SetFilter(String),
    /// Apply the filter text as typed.
    ApplyFilter,
    /// Load these inputs (replacing the session).
    Open(Vec<Input>),
    /// Show the native open dialog.
    OpenDialog,
    /// Stop loading.
    CancelLoad,
    /// Copy the selected frame.
    Copy(CopyAs),
    /// Change the theme.
    SetTheme(ThemeChoice),
    /// Forget the recent files.
    ClearRecent,
    /// Show a central tab.
    ShowTab(CentralTab),
    /// Show a side tab.
    ShowSide(SideTab),
    /// Show or hide the side panel.
    ToggleSide,
    /// Focus the filter field.
    FocusFilter,
    /// The time under the mouse in a plot or on the map, and the frame nearest to it.
    HoverTime {
        /// Seconds since the Unix epoch.
        t: f64,
        /// Nearest frame, if any.
        frame: Option<usize>,
    },
    /// Show or hide the map and plots beside the frame list.
    ToggleGeoPanel,
    /// Change the map's tile source.
    SetTiles(TileSettings),
    /// Ask for a `.pmtiles` file to show on the map.
    OpenPmTilesDialog,
    /// Hide a device from the map and the plots, or show it again.
    ToggleDevice(Option<crate::protocol::Imei>),
    /// Show every device on the map and the plots again.
    ShowAllDevices,
    /// Whether the map and the plots show only the frames the filter keeps.
    SetTracksFollowFilter(bool),
    /// Start live mode with these settings (a new session).
    StartLive(Box<crate::live::LiveConfig>),
    /// Stop live mode (the recording is finished).
    StopLive,
    /// Export: show the dialog, or write a file.
    Export(Box<super::export::ExportCommand>),
    /// Compare: choose sides, run, pick a report line.
    Compare(Box<super::compare::CompareCommand>),
    /// Copy the findings as Markdown, for a ticket.
    CopyFindingsMarkdown,
    /// Send a command to a device over the live session.
    LiveCommand {
        /// The device.
        imei: crate::protocol::Imei,
        /// What to send.
        action: crate::protocol::Action,
    },
}

/// Settings remembered between runs (eframe persistence).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// Theme.
    pub theme: ThemeChoice,
    /// Side panel shown.
    pub show_side: bool,
    /// Side panel tab.
    pub side_tab: SideTab,
    /// Central tab.
    pub central: CentralTab,
    /// Recent filters, newest first.
    pub recent_filters: Vec<String>,
    /// Map and plots shown beside the frame list.
    pub geo_panel: bool,
    /// The map's online tiles.
    pub tiles: TileSettings,
    /// The map and the plots show only the frames the filter keeps.
    pub tracks_follow_filter: bool,
}

/// The map's online tile source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TileSettings {
    /// Fetch tiles (the built-in basemap is always drawn underneath).
    pub online: bool,
    /// URL template with `{z}`, `{x}` and `{y}`.
    pub url: String,
    /// Where tiles are cached (`None`: the user's cache directory).
    pub cache_dir: Option<PathBuf>,
    /// A local `.pmtiles` file shown instead of the online tiles.
    pub pmtiles: Option<PathBuf>,
}

impl Default for TileSettings {
    fn default() -> Self {
        Self {
            online: true,
            url: crate::map::tiles::OSM_URL.to_string(),
            cache_dir: None,
            pmtiles: None,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            recent: Vec::new(),
            theme: ThemeChoice::System,
            show_side: true,
            side_tab: SideTab::Devices,
            central: CentralTab::Frames,
            recent_filters: Vec::new(),
            geo_panel: false,
            tiles: TileSettings::default(),
            tracks_follow_filter: true,
        }
    }
}

impl Settings {
    /// Most recent files kept.
    pub const MAX_RECENT: usize = 10;

    /// Puts `path` first in the recent files.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(Self::MAX_RECENT);
    }
}

/// Loading progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadProgress {
    /// Bytes read.
    pub bytes_read: u64,
    /// Total bytes, when known.
    pub bytes_total: Option<u64>,
    /// Frames so far.
    pub frames: u64,
}

/// A finding about a device, a flow or the capture (from [`crate::model::Diagnoser`]).
pub use crate::model::SessionFinding;

/// What was loaded, and what is known about it.
#[derive(Default)]
pub struct Session {
    /// Names of the inputs.
    pub names: Vec<String>,
    /// The inputs (what an export or a comparison reads again).
    pub inputs: Vec<Input>,
    /// Totals, devices, findings: when loading has finished.
    pub stats: Option<Stats>,
    /// Device and session findings: when loading has finished.
    pub device_findings: Vec<SessionFinding>,
    /// Progress while loading.
    pub loading: Option<LoadProgress>,
    /// The one-line error of an input that could not be read.
    pub error: Option<String>,
    /// True when the user stopped the loading.
    pub cancelled: bool,
    /// The filter expression in force (empty: none).
    pub filter: String,
    /// What the network layer counted: when loading has finished.
    pub net: Option<crate::net::NetStats>,
}

/// Which frames the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Visible {
    /// Every frame.
    #[default]
    All,
    /// The frames matching the filter, in order (more may come while `done` is false).
    Some {
        /// Frame numbers.
        rows: Vec<u32>,
        /// True when the filter has seen every frame.
        done: bool,
    },
}

impl Visible {
    /// Number of rows shown, given the store's length.
    pub fn len(&self, total: usize) -> usize {
        match self {
            Visible::All => total,
            Visible::Some { rows, .. } => rows.len(),
        }
    }
    /// True when no row is shown.
    pub fn is_empty(&self, total: usize) -> bool {
        self.len(total) == 0
    }
    /// Frame number of row `row`.
    pub fn frame(&self, row: usize, total: usize) -> Option<usize> {
        match self {
            Visible::All => (row < total).then_some(row),
            Visible::Some { rows, .. } => rows.get(row).map(|r| *r as usize),
        }
    }
    /// Row showing frame `frame`, if shown.
    pub fn row_of(&self, frame: usize, total: usize) -> Option<usize> {
        match self {
            Visible::All => (frame < total).then_some(frame),
            Visible::Some { rows, .. } => {
                let f = u32::try_from(frame).ok()?;
                rows.binary_search(&f).ok()
            }
        }
    }
}

/// The selected frame decoded again with its tree.
pub struct Detail {
    /// Frame number.
    pub frame: usize,
    /// The frame's bytes.
    pub bytes: Vec<u8>,
    /// The message (with the stored diagnostics).
    pub message: Message,
    /// The field tree.
    pub tree: Tree,
    /// The protocol that decoded it.
    pub protocol: &'static crate::protocol::Protocol,
}

/// What panels read while drawing.
pub struct View<'a> {
    /// All frames.
    pub store: &'a FrameStore,
    /// The session.
    pub session: &'a Session,
    /// Which frames the list shows.
    pub visible: &'a Visible,
    /// The filter expression in force (empty: none).
    pub filter: &'a str,
    /// The selection.
    pub selection: &'a Selection,
    /// The selected frame, decoded.
    pub detail: Option<&'a Detail>,
    /// The tracks and time series the map and the plots show (fed from the store as frames
    /// arrive): of the frames the filter keeps when `tracks_filtered`, else of every frame.
    pub tracks: &'a crate::model::tracks::TrackBuilder,
    /// True once every frame meant for `tracks` is in and loading has ended.
    pub tracks_complete: bool,
    /// Every frame's tracks (device colours are taken from their order here, so that a device
    /// keeps its colour whatever the filter).
    pub all_tracks: &'a crate::model::tracks::TrackBuilder,
    /// True when `tracks` holds only the frames the filter keeps.
    pub tracks_filtered: bool,
    /// Changes whenever `tracks` is replaced by other tracks (a new session, a new filter, the
    /// filter switched on or off), so that views caching them start over.
    pub tracks_generation: u64,
    /// Changes with every new session (opened files).
    pub session_generation: u64,
    /// Devices hidden from the map and the plots.
    pub hidden: &'a HiddenDevices,
    /// The live session, when one was started.
    pub live: Option<&'a super::live::LiveStatus>,
    /// Commands to apply after drawing.
    pub commands: &'a mut Vec<Command>,
}

impl View<'_> {
    /// The colour of `device` on the map and in the plots: by its first appearance among
    /// every frame, whatever the filter.
    pub fn device_colour(&self, device: Option<&crate::protocol::Imei>) -> eframe::egui::Color32 {
        let i = self
            .all_tracks
            .track(device)
            .or_else(|| self.tracks.track(device))
            .map_or(0, crate::model::tracks::Track::ordinal);
        super::shared::track_colour(i)
    }

    /// True when the user hid `device` from the map and the plots.
    pub fn is_hidden(&self, device: Option<&crate::protocol::Imei>) -> bool {
        self.hidden.contains(&device.copied())
    }
}
