//! `bn407 diff`: what changed in the devices' messages between two sets of captures (A, the
//! baseline, and B), or between the firmware generations seen in one set (`--by firmware`).
//! Prints the ranked differences as text, JSON or Markdown; the exit status says whether the
//! sides behave the same (0), differ (1), or an input is bad (2).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::model::diff::{Comparison, Fact, Profile, Rank, Which, compare, is_text};
use crate::pipeline::{self, Decoded, Input, RunOptions};
use crate::present::time::fmt_duration;

/// Exit status when the sides differ.
pub const EXIT_DIFFERENT: u8 = 1;

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// A changelog for people.
    Text,
    /// One JSON object for scripts.
    Json,
    /// For a release note or a ticket.
    Markdown,
}

/// What `--by` splits one set of captures by.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffBy {
    /// The firmware generation of each connection (the one most of its messages show).
    Firmware,
}

/// Arguments of `diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Captures of side A, the baseline (server logs and raw streams work too).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Captures of side B, compared against A.
    #[arg(long, num_args = 1.., value_name = "B")]
    pub against: Vec<PathBuf>,
    /// Only the frames of this device (repeat for several; applies to both sides).
    #[arg(long, value_name = "IMEI")]
    pub imei: Vec<String>,
    /// Compare the firmware generations seen in the inputs (no `--against`).
    #[arg(long, value_enum)]
    pub by: Option<DiffBy>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// One comparison with the inputs of each side.
struct Run {
    cmp: Comparison,
    inputs: [Vec<String>; 2],
}

/// Runs `diff`; returns the exit status.
pub fn run(args: &DiffArgs) -> u8 {
    let runs = match (args.by, args.against.is_empty()) {
        (Some(_), false) => {
            Err("--by firmware compares generations in one set: leave out --against".to_string())
        }
        (None, true) => {
            Err("diff needs the captures to compare against: --against B...".to_string())
        }
        (Some(DiffBy::Firmware), true) => by_firmware(args),
        (None, false) => two_sets(args),
    };
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bn407: {e}");
            return crate::cli::EXIT_UNREADABLE;
        }
    };
    let text = match args.format {
        DiffFormat::Text => text(&runs),
        DiffFormat::Markdown => markdown(&runs),
        DiffFormat::Json => format!("{:#}\n", json_of(&runs)),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if runs.iter().all(|r| r.cmp.same()) {
        0
    } else {
        EXIT_DIFFERENT
    }
}

fn inputs_of(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().cloned().map(Input::Path).collect()
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// True when the frame belongs to the devices asked for.
fn wanted(d: &Decoded<'_>, imeis: &[String]) -> bool {
    imeis.is_empty()
        || d.device
            .is_some_and(|i| imeis.iter().any(|x| x == i.as_str()))
}

/// Runs inputs into a profile; the error names the input.
fn side(label: &str, paths: &[PathBuf], imeis: &[String]) -> Result<Profile, String> {
    let mut p = Profile::new(label);
    let mut opts = RunOptions {
        tree: true,
        ..Default::default()
    };
    let out = pipeline::run_all(&inputs_of(paths), &mut opts, &mut |d| {
        if wanted(&d, imeis) {
            p.add(&d);
        }
    });
    if let Some(e) = out.error {
        return Err(e.to_string());
    }
    p.finish(&out.flows);
    if p.frames == 0 {
        let files = names(paths).join(" ");
        return Err(if imeis.is_empty() {
            format!("{files}: no device messages")
        } else {
            format!("{files}: no messages of {}", imeis.join(", "))
        });
    }
    Ok(p)
}

fn two_sets(args: &DiffArgs) -> Result<Vec<Run>, String> {
    let a = side("A", &args.inputs, &args.imei)?;
    let b = side("B", &args.against, &args.imei)?;
    Ok(vec![Run {
        cmp: compare(&a, &b),
        inputs: [names(&args.inputs), names(&args.against)],
    }])
}

/// Standard input read once into memory (the generations take two passes).
fn replayable(paths: &[PathBuf]) -> Result<Vec<Input>, String> {
    paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)
                    .map_err(|e| format!("-: cannot read standard input: {e}"))?;
                Ok(Input::Bytes {
                    name: "-".into(),
                    data: Arc::new(data),
                })
            } else {
                Ok(Input::Path(p.clone()))
            }
        })
        .collect()
}

/// The generations of one set: a first pass gives each connection the generation most of its
/// messages show; the second profiles each generation's connections (logins and heartbeats,
/// which show none, go with their connection). The most common generation is the baseline.
fn by_firmware(args: &DiffArgs) -> Result<Vec<Run>, String> {
    let inputs = replayable(&args.inputs)?;
    let mut votes: BTreeMap<u32, BTreeMap<&'static str, u64>> = BTreeMap::new();
    let first = pipeline::run_all(&inputs, &mut RunOptions::default(), &mut |d| {
        if let Some(g) = d.message.firmware.filter(|_| wanted(&d, &args.imei)) {
            *votes
                .entry(d.flow.id)
                .or_default()
                .entry(g.name)
                .or_default() += 1;
        }
    });
    if let Some(e) = first.error {
        return Err(e.to_string());
    }
    let of_flow: BTreeMap<u32, &'static str> = votes
        .into_iter()
        .filter_map(|(f, v)| v.into_iter().max_by_key(|x| x.1).map(|(g, _)| (f, g)))
        .collect();
    let mut sides: BTreeMap<&'static str, Profile> = BTreeMap::new();
    let mut opts = RunOptions {
        tree: true,
        ..Default::default()
    };
    let out = pipeline::run_all(&inputs, &mut opts, &mut |d| {
        if let Some(g) = of_flow.get(&d.flow.id).filter(|_| wanted(&d, &args.imei)) {
            sides.entry(g).or_insert_with(|| Profile::new(*g)).add(&d);
        }
    });
    if let Some(e) = out.error {
        return Err(e.to_string());
    }
    let mut sides: Vec<Profile> = sides.into_values().collect();
    for p in &mut sides {
        p.finish(&out.flows);
    }
    sides.sort_by_key(|p| std::cmp::Reverse(p.frames));
    let files = names(&args.inputs);
    let Some((base, rest)) = sides.split_first() else {
        return Err(format!(
            "{}: no message shows a firmware generation",
            files.join(" ")
        ));
    };
    Ok(rest
        .iter()
        .map(|b| Run {
            cmp: compare(base, b),
            inputs: [files.clone(), files.clone()],
        })
        .collect())
}

/// A frame as one line: its text, or hex for binary frames (both shortened).
fn frame_text(cmp: &Comparison, which: Which, index: Option<u64>) -> Option<String> {
    let f = cmp.frame(which, index?)?;
    let bytes = &f.bytes;
    let mut s = if is_text(bytes) {
        String::from_utf8_lossy(bytes).trim().to_string()
    } else {
        crate::protocol::hex(bytes.get(..64).unwrap_or(bytes))
    };
    if s.chars().count() > 160 {
        s = s.chars().take(160).collect::<String>() + "…";
    }
    Some(s)
}

fn header(s: &crate::model::diff::SideSummary, inputs: &[String]) -> String {
    let mut parts = vec![format!(
        "{} device frames from {} device(s)",
        s.frames, s.devices
    )];
    if let Some(h) = s.hours {
        parts.push(format!("over {}", fmt_duration((h * 3600.0) as i64)));
    }
    let join = |m: &BTreeMap<&str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    parts.push(format!("firmware {}", join(&s.firmware)));
    parts.push(format!("flows {}", join(&s.protocols)));
    if let Some(r) = s.report_interval {
        parts.push(format!("reports every {}", fmt_duration(r as i64)));
    }
    if let Some(r) = s.heartbeat_interval {
        parts.push(format!("heartbeat every {}", fmt_duration(r as i64)));
    }
    format!("{} ({}): {}", s.label, inputs.join(" "), parts.join("; "))
}

/// A kind's name, or a keyword's with its kind (`report `sensor alarm``).
fn row_name(k: &crate::model::diff::KindRow) -> String {
    match &k.keyword {
        Some(w) if w.is_empty() => format!("{} (empty keyword)", k.kind.as_str()),
        Some(w) => format!("{} `{w}`", k.kind.as_str()),
        None => k.kind.as_str().to_string(),
    }
}

/// Counts (and rates) of each message kind and keyword on both sides, in one line.
fn kinds_line(c: &Comparison) -> String {
    let rate = |n: u64, h: Option<f64>| match h {
        Some(h) if n > 0 => format!(
            "{n} ({}/h)",
            crate::protocol::trim_float((h * 10.0).round() / 10.0)
        ),
        _ => n.to_string(),
    };
    let rows: Vec<String> = c
        .kinds
        .iter()
        .map(|k| {
            format!(
                "{} {} / {}",
                row_name(k),
                rate(k.a, k.a_per_hour),
                rate(k.b, k.b_per_hour)
            )
        })
        .collect();
    format!(
        "messages ({} / {}): {}\n",
        c.a.label,
        c.b.label,
        rows.join(", ")
    )
}

fn evidence(cmp: &Comparison, which: Which, label: &str, f: &Fact) -> String {
    let at = f
        .example()
        .map_or_else(|| "-".to_string(), |i| format!("#{i}"));
    match frame_text(cmp, which, f.example()) {
        Some(t) => format!("{label} {at} {}: {t}", f.value),
        None => format!("{label} {at} {}", f.value),
    }
}

fn text(runs: &[Run]) -> String {
    let mut s = String::new();
    if runs.is_empty() {
        s.push_str("one firmware generation only: nothing to compare\n");
    }
    for r in runs {
        let c = &r.cmp;
        s.push_str(&format!(
            "{}\n{}\n",
            header(&c.a, &r.inputs[0]),
            header(&c.b, &r.inputs[1])
        ));
        s.push_str(&kinds_line(c));
        if c.same() {
            s.push_str(&format!(
                "no differences: {} behaves as {}\n",
                c.b.label, c.a.label
            ));
            continue;
        }
        s.push_str(&format!(
            "{} differences of {} from {}:\n",
            c.differences.len(),
            c.b.label,
            c.a.label
        ));
        let mut rank = None;
        for d in &c.differences {
            if rank != Some(d.rank) {
                rank = Some(d.rank);
                s.push_str(&format!("\n{}:\n", d.rank.words()));
            }
            s.push_str(&format!("  {}\n", d.line));
            s.push_str(&format!(
                "      {}\n",
                evidence(c, Which::A, &c.a.label, &d.a)
            ));
            s.push_str(&format!(
                "      {}\n",
                evidence(c, Which::B, &c.b.label, &d.b)
            ));
        }
        s.push('\n');
    }
    s
}

fn markdown(runs: &[Run]) -> String {
    let mut s = String::new();
    if runs.is_empty() {
        s.push_str("One firmware generation only: nothing to compare.\n");
    }
    for r in runs {
        let (c, [ia, ib]) = (&r.cmp, &r.inputs);
        s.push_str(&format!(
            "## Firmware diff: {} against {}\n\n",
            c.b.label, c.a.label
        ));
        s.push_str(&format!(
            "| | {} | {} |\n|---|---|---|\n",
            c.a.label, c.b.label
        ));
        let interval =
            |x: Option<u64>| x.map_or_else(|| "-".to_string(), |v| fmt_duration(v as i64));
        let gens = |m: &BTreeMap<&str, u64>| m.keys().copied().collect::<Vec<_>>().join(", ");
        let rows = [
            ("inputs", ia.join(" "), ib.join(" ")),
            (
                "device frames",
                c.a.frames.to_string(),
                c.b.frames.to_string(),
            ),
            ("devices", c.a.devices.to_string(), c.b.devices.to_string()),
            ("firmware", gens(&c.a.firmware), gens(&c.b.firmware)),
            ("protocols", gens(&c.a.protocols), gens(&c.b.protocols)),
            (
                "report interval",
                interval(c.a.report_interval),
                interval(c.b.report_interval),
            ),
            (
                "heartbeat interval",
                interval(c.a.heartbeat_interval),
                interval(c.b.heartbeat_interval),
            ),
        ];
        for (k, a, b) in rows {
            s.push_str(&format!("| {k} | {a} | {b} |\n"));
        }
        for k in &c.kinds {
            s.push_str(&format!("| {} | {} | {} |\n", row_name(k), k.a, k.b));
        }
        s.push('\n');
        if c.same() {
            s.push_str(&format!(
                "No differences: {} behaves as {}.\n\n",
                c.b.label, c.a.label
            ));
            continue;
        }
        let mut rank: Option<Rank> = None;
        for d in &c.differences {
            if rank != Some(d.rank) {
                rank = Some(d.rank);
                let mut h = d.rank.words().to_string();
                if let Some(first) = h.get(..1) {
                    h = first.to_uppercase() + h.get(1..).unwrap_or("");
                }
                s.push_str(&format!("### {h}\n\n"));
            }
            s.push_str(&format!("- **{}**\n", d.line.replace('*', "\\*")));
            for (which, label, f) in [(Which::A, &c.a.label, &d.a), (Which::B, &c.b.label, &d.b)] {
                let at = f
                    .example()
                    .map_or_else(|| "-".to_string(), |i| format!("#{i}"));
                let frame = frame_text(c, which, f.example())
                    .map(|t| format!(": `{}`", t.replace('`', "'")))
                    .unwrap_or_default();
                s.push_str(&format!("  - {label} {at} {}{frame}\n", f.value));
            }
        }
        s.push('\n');
    }
    s
}

fn fact_json(c: &Comparison, which: Which, f: &Fact) -> Value {
    json!({
        "value": f.value,
        "frames": f.frames,
        "example": f.example().map(|i| json!({"frame": i, "text": frame_text(c, which, Some(i))})),
    })
}

fn json_of(runs: &[Run]) -> Value {
    let comparisons: Vec<Value> = runs
        .iter()
        .map(|r| {
            let c = &r.cmp;
            let side = |s: &crate::model::diff::SideSummary, inputs: &[String]| {
                let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.insert("inputs".into(), json!(inputs));
                }
                v
            };
            json!({
                "a": side(&c.a, &r.inputs[0]),
                "b": side(&c.b, &r.inputs[1]),
                "same": c.same(),
                "differences": c.differences.iter().map(|d| json!({
                    "rank": d.rank,
                    "category": d.category,
                    "protocol": d.protocol,
                    "kind": d.kind,
                    "fields": d.fields,
                    "line": d.line,
                    "a": fact_json(c, Which::A, &d.a),
                    "b": fact_json(c, Which::B, &d.b),
                })).collect::<Vec<_>>(),
                "kinds": c.kinds,
                "representatives": c.representatives.iter().map(|rep| json!({
                    "protocol": rep.protocol,
                    "kind": rep.kind,
                    "a": rep.a.map(|i| json!({"frame": i, "text": frame_text(c, Which::A, Some(i))})),
                    "b": rep.b.map(|i| json!({"frame": i, "text": frame_text(c, Which::B, Some(i))})),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "same": runs.iter().all(|r| r.cmp.same()),
        "differences": runs.iter().map(|r| r.cmp.differences.len()).sum::<usize>(),
        "comparisons": comparisons,
    })
}
