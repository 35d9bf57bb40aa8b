//! The export driver: runs inputs through the pipeline, keeps what the format needs (see the
//! [module documentation](super) on memory) and writes the output file, for `bn407 export` and
//! for the window's export in a background thread.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::csv::CsvWriter;
use super::map::{DEFAULT_SILENCE_S, device_tracks};
use super::pcapng::Row;
use super::png::DEFAULT_SIZE;
use super::{Format, PcapScope, Selector, markdown, pcapng, photos, png};
use crate::model::filter::FilterError;
use crate::model::store::StoreBuilder;
use crate::model::tracks::TrackBuilder;
use crate::model::{Diagnoser, SessionFinding, Stats};
use crate::pipeline::{self, Decoded, Input, RunError, RunOptions};

/// What to export.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The format.
    pub format: Format,
    /// A filter expression in the window's language (blank: every frame).
    pub filter: String,
    /// Only frames of this device.
    pub imei: Option<String>,
    /// pcapng: whole flows or only the kept frames.
    pub scope: PcapScope,
    /// Map formats: the longest silence inside one track segment, seconds.
    pub silence_s: f64,
    /// PNG: width and height, pixels.
    pub size: (u32, u32),
}

impl Request {
    /// A request for `format` with the defaults: every frame, whole flows, 10-minute silences,
    /// a 1200 × 800 image.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            filter: String::new(),
            imei: None,
            scope: PcapScope::Flows,
            silence_s: DEFAULT_SILENCE_S,
            size: DEFAULT_SIZE,
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Frames decoded.
    pub frames: u64,
    /// Frames the filter and device kept.
    pub kept: u64,
    /// Items written ([`Format::unit`]: frames, track points, packets, photos, findings).
    pub written: u64,
    /// Files written (the output, or the photos).
    pub files: Vec<PathBuf>,
    /// The input was damaged part-way: everything before the damage was exported.
    pub damaged: Option<RunError>,
}

impl Summary {
    /// What was written, in one line (`exported 150 track points (162 of 162 frames kept) to
    /// ride.gpx`), for the command line and the window alike.
    pub fn line(&self, format: Format, out: &Path) -> String {
        format!(
            "exported {} {} ({} of {} frames kept) to {}",
            self.written,
            format.unit(),
            self.kept,
            self.frames,
            out.display()
        )
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The filter expression is wrong.
    #[error("--filter: {0}")]
    Filter(#[from] FilterError),
    /// An input cannot be read; nothing was written.
    #[error("{0}")]
    Input(RunError),
    /// The output cannot be written.
    #[error("{}: {error}", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
}

/// The output: a file created on first write (so that an unreadable input leaves none
/// behind), or standard output for `-`.
struct Out {
    path: PathBuf,
    w: Option<BufWriter<Box<dyn Write>>>,
}

impl Out {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            w: None,
        }
    }

    fn open(&mut self) -> io::Result<&mut BufWriter<Box<dyn Write>>> {
        if self.w.is_none() {
            let inner: Box<dyn Write> = if self.path.as_os_str() == "-" {
                Box::new(io::stdout())
            } else {
                Box::new(File::create(&self.path)?)
            };
            self.w = Some(BufWriter::new(inner));
        }
        self.w
            .as_mut()
            .ok_or_else(|| io::Error::other("output not open"))
    }

    /// Flushes (creating the file if nothing was written); returns the file written.
    fn finish(mut self) -> io::Result<Vec<PathBuf>> {
        self.open()?.flush()?;
        Ok(if self.path.as_os_str() == "-" {
            Vec::new()
        } else {
            vec![self.path]
        })
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.open()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.w {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// What a format keeps while the pipeline runs.
enum Keep {
    Jsonl(Out),
    Csv(CsvWriter<Out>),
    Map {
        tracks: TrackBuilder,
        flows: Vec<(u64, u32)>,
    },
    Pcap {
        store: Box<StoreBuilder>,
        rows: Vec<(u64, bool)>,
        diagnoser: Box<Diagnoser>,
    },
    Photos(Box<Stats>),
    Findings {
        stats: Box<Stats>,
        kept: Vec<u64>,
    },
}

/// Runs `inputs` through the pipeline and writes the export to `out` (`-`: standard output;
/// for photos, a folder). `opts` carries cancellation and progress (its `tree` is set here).
pub fn run(
    inputs: &[Input],
    req: &Request,
    out: &Path,
    opts: &mut RunOptions<'_>,
) -> Result<Summary, ExportError> {
    let mut sel = Selector::new(&req.filter, req.imei.as_deref())?;
    let filtered = !sel.keeps_all();
    let output_error = |error: io::Error| ExportError::Output {
        path: out.to_owned(),
        error,
    };
    let mut keep = match req.format {
        Format::Jsonl => Keep::Jsonl(Out::new(out)),
        Format::Csv => Keep::Csv(CsvWriter::new(Out::new(out))),
        Format::Gpx | Format::Kml | Format::Geojson | Format::Png => Keep::Map {
            tracks: TrackBuilder::new(),
            flows: Vec::new(),
        },
        Format::Pcapng => Keep::Pcap {
            store: Box::new(StoreBuilder::new()),
            rows: Vec::new(),
            diagnoser: Box::default(),
        },
        Format::Photos => Keep::Photos(Box::default()),
        Format::Markdown => Keep::Findings {
            stats: Box::default(),
            kept: Vec::new(),
        },
    };
    opts.tree = req.format == Format::Jsonl;
    let mut summary = Summary::default();
    let mut failed: Option<io::Error> = None;
    let scope = req.scope;
    let result = pipeline::run_all(inputs, opts, &mut |d: Decoded<'_>| {
        summary.frames += 1;
        let kept = sel.keep(&d);
        summary.kept += u64::from(kept);
        let streamed = match &mut keep {
            Keep::Jsonl(file) if kept => {
                let line = crate::present::frame_json_line(&d);
                writeln!(file, "{line}").map(|()| 1)
            }
            Keep::Csv(csv) if kept => csv.frame(&d).map(|()| 1),
            Keep::Map { tracks, flows } if kept => {
                tracks.add(&d);
                if d.message.fix.is_some() {
                    flows.push((d.index, d.flow.id));
                }
                Ok(0)
            }
            Keep::Pcap {
                store,
                rows,
                diagnoser,
            } => {
                diagnoser.add(&d);
                if kept || scope == PcapScope::Flows {
                    store.add(&d);
                    rows.push((d.index, kept));
                }
                Ok(0)
            }
            Keep::Photos(stats) if kept => {
                stats.add(&d);
                Ok(0)
            }
            Keep::Findings { stats, kept: k } => {
                stats.add(&d);
                if kept && filtered {
                    k.push(d.index);
                }
                Ok(0)
            }
            _ => Ok(0),
        };
        match streamed {
            Ok(n) => summary.written += n,
            Err(e) => {
                if failed.is_none() {
                    failed = Some(e);
                }
            }
        }
    });
    if let Some(e) = failed {
        return Err(output_error(e));
    }
    match result.error {
        Some(e @ RunError::Unreadable(_)) => return Err(ExportError::Input(e)),
        Some(e) => summary.damaged = Some(e),
        None => {}
    }
    let title = inputs
        .iter()
        .map(Input::name)
        .collect::<Vec<_>>()
        .join(", ");
    let flows = result.flows;
    let mut file = Out::new(out);
    match keep {
        Keep::Jsonl(file) => {
            summary.files = file.finish().map_err(output_error)?;
            return Ok(summary);
        }
        Keep::Csv(csv) => {
            let file = csv.finish().map_err(output_error)?;
            summary.files = file.finish().map_err(output_error)?;
            return Ok(summary);
        }
        Keep::Map {
            mut tracks,
            flows: frame_flows,
        } => {
            tracks.finish();
            let flow_of = |frame: u64| {
                frame_flows
                    .binary_search_by_key(&frame, |(f, _)| *f)
                    .ok()
                    .and_then(|i| frame_flows.get(i))
                    .map(|(_, flow)| *flow)
            };
            let devices = device_tracks(tracks.tracks(), &flow_of, req.silence_s);
            summary.written = devices.iter().map(|d| d.track.len() as u64).sum();
            let w = file.open().map_err(output_error)?;
            let written = match req.format {
                Format::Gpx => super::gpx::write(w, &devices, &title).map(|_| ()),
                Format::Kml => super::kml::write(w, &devices, &title).map(|_| ()),
                Format::Geojson => super::geojson::write(w, &devices).map(|_| ()),
                _ => png::render(&devices, req.size.0, req.size.1).and_then(|b| w.write_all(&b)),
            };
            written.map_err(output_error)?;
        }
        Keep::Pcap {
            mut store,
            rows,
            diagnoser,
        } => {
            let findings = diagnoser.finish(&flows);
            let store = store.take();
            let number = |i: usize| rows.get(i).map_or(0, |r| r.0);
            let kept: Vec<Row> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.1)
                .map(|(index, r)| Row { index, number: r.0 })
                .collect();
            let chosen = match scope {
                PcapScope::Frames => kept,
                PcapScope::Flows if !filtered => kept,
                PcapScope::Flows => pcapng::rows_of_flows(&store, &kept, number),
            };
            let what = match (filtered, scope) {
                (false, _) => "every frame".to_string(),
                (true, PcapScope::Frames) => format!("the frames kept by {}", describe(req)),
                (true, PcapScope::Flows) => {
                    format!("the flows of the frames kept by {}", describe(req))
                }
            };
            let note = format!("bn407 export of {what} from {title}");
            let w = file.open().map_err(output_error)?;
            let count =
                pcapng::write(w, &store, &chosen, &findings, &note).map_err(output_error)?;
            summary.written = count.packets;
        }
        Keep::Photos(mut stats) => {
            stats.finish(flows);
            let files = photos::write(out, &stats.photos).map_err(output_error)?;
            summary.written = files.len() as u64;
            summary.files = files;
            return Ok(summary);
        }
        Keep::Findings { mut stats, kept } => {
            stats.finish(flows);
            let chosen: Vec<&SessionFinding> = stats
                .diagnosis
                .iter()
                .filter(|f| about(f, req, &stats))
                .filter(|f| !filtered || f.evidence.iter().any(|e| kept.binary_search(e).is_ok()))
                .collect();
            summary.written = chosen.len() as u64;
            let text = markdown::findings(&stats, &chosen, &title);
            let w = file.open().map_err(output_error)?;
            w.write_all(text.as_bytes()).map_err(output_error)?;
        }
    }
    summary.files = file.finish().map_err(output_error)?;
    Ok(summary)
}

/// The filter and device in words, for the pcapng header.
fn describe(req: &Request) -> String {
    let mut parts = Vec::new();
    if !req.filter.trim().is_empty() {
        parts.push(format!("the filter `{}`", req.filter.trim()));
    }
    if let Some(i) = &req.imei {
        parts.push(format!("device {i}"));
    }
    parts.join(" and ")
}

/// True when a finding concerns the requested device (every finding without `--imei`): one
/// about the device, or about one of its flows.
fn about(f: &SessionFinding, req: &Request, stats: &Stats) -> bool {
    let Some(want) = &req.imei else {
        return true;
    };
    if f.imei.as_deref() == Some(want.as_str()) {
        return true;
    }
    let Some(flow) = f.flow else {
        return false;
    };
    stats
        .devices
        .values()
        .any(|d| d.imei == *want && d.flows.contains(&flow))
}
