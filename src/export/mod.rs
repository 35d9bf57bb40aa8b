//! Exports: what the analyzer shows, in the format the receiving tool expects. Support staff
//! paste findings into tickets, send tracks to customers and hand frames to platform developers
//! who use Wireshark.
//!
//! | format | what it holds | opened with |
//! |---|---|---|
//! | [`Format::Jsonl`] | one JSON object per frame, the `decode --format jsonl` contract | scripts, `jq` |
//! | [`Format::Csv`] | one row per frame, fixed [`csv::COLUMNS`], RFC 4180, spreadsheet-safe | spreadsheets |
//! | [`Format::Gpx`] | GPX 1.1: a track per device, segments, alarm waypoints, time and speed | GPS tools, Garmin |
//! | [`Format::Kml`] | KML 2.2: tracks and alarm placemarks, a style per device | Google Earth |
//! | [`Format::Geojson`] | RFC 7946: a LineString per track segment, a Point per alarm | geojson.io, QGIS |
//! | [`Format::Pcapng`] | the frames' packets, diagnostics and findings as packet comments | Wireshark, tshark |
//! | [`Format::Photos`] | the JPEGs the devices sent, named by IMEI and time | any image viewer |
//! | [`Format::Markdown`] | the findings report, ready to paste into a ticket | ticket systems |
//! | [`Format::Png`] | the map: tracks over the offline basemap, start/end, alarms, a scale | e-mail |
//!
//! The writers work on what the window has too (decoded frames, tracks, the frame store,
//! findings), so the window calls the same functions as `bn407 export` ([`run`] drives them
//! from inputs, for the command line or a background thread).
//!
//! # Memory
//!
//! The filter is evaluated per frame as the pipeline delivers it ([`Selector`]: each frame
//! alone in a one-frame store, so the window's filter language means the same here) and frames
//! are not kept unless the format needs them at the end: JSON lines and CSV stream (constant
//! memory); the map formats keep the tracks (a point per fix); the findings keep the bounded
//! diagnosis state; pcapng keeps the frames it will write in the compact frame store (about 64
//! bytes a frame besides its bytes), because a frame's comment needs the findings judged at the
//! end and "both directions of their flows" needs to know every frame the filter keeps first.

pub mod csv;
pub mod geojson;
mod glyphs;
pub mod gpx;
pub mod kml;
pub mod map;
pub mod markdown;
pub mod pcapng;
pub mod photos;
pub mod png;
mod run;
mod select;
mod xml;

pub use run::{ExportError, Request, Summary, run};
pub use select::Selector;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per frame (the `decode --format jsonl` contract).
    Jsonl,
    /// One row per frame, fixed columns (RFC 4180, UTF-8, spreadsheet-safe).
    Csv,
    /// GPX 1.1 tracks (a track per device), alarm waypoints.
    Gpx,
    /// KML tracks and alarm placemarks, styled per device.
    Kml,
    /// GeoJSON FeatureCollection: LineStrings per device, Points for alarms.
    Geojson,
    /// pcapng of the frames' packets with diagnostics and findings as packet comments.
    Pcapng,
    /// The photos the devices sent, as JPEG files in the output folder.
    Photos,
    /// The findings report in Markdown.
    Markdown,
    /// A PNG image of the map: tracks over the offline basemap.
    Png,
}

impl Format {
    /// What one written item is called in messages (`frames`, `points`, ...).
    pub fn unit(self) -> &'static str {
        match self {
            Format::Jsonl | Format::Csv => "frames",
            Format::Gpx | Format::Kml | Format::Geojson | Format::Png => "track points",
            Format::Pcapng => "packets",
            Format::Photos => "photos",
            Format::Markdown => "findings",
        }
    }
}

/// Where the pcapng export takes its packets from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PcapScope {
    /// Every frame of each flow that has a kept frame: both directions, for context.
    #[default]
    Flows,
    /// Only the frames the filter keeps.
    Frames,
}
