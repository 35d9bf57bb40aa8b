//! The diff's drivers and reports, shared by `bn407 diff` and the window's Compare tab: run two
//! sets of inputs (or the firmware generations of one set) into profiles and compare them
//! ([`two_sets`], [`by_firmware`]), and write the outcome as a changelog ([`text`]), Markdown
//! ([`markdown`]) or JSON ([`json_of`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Comparison, Fact, Profile, Rank, Which, compare, is_text};
use crate::pipeline::{self, Decoded, Input, RunOptions};
use crate::present::time::fmt_duration;

/// One comparison with the names of each side's inputs.
#[derive(Debug, Clone)]
pub struct Run {
    /// The outcome.
    pub cmp: Comparison,
    /// Names of side A's and side B's inputs.
    pub inputs: [Vec<String>; 2],
}

/// Paths as inputs.
pub fn inputs_of(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().cloned().map(Input::Path).collect()
}

/// True when the frame belongs to the devices asked for.
fn wanted(d: &Decoded<'_>, imeis: &[String]) -> bool {
    imeis.is_empty()
        || d.device
            .is_some_and(|i| imeis.iter().any(|x| x == i.as_str()))
}

/// The inputs' names, for messages and reports.
fn names(inputs: &[Input]) -> Vec<String> {
    inputs.iter().map(Input::name).collect()
}

/// Runs inputs into a profile (only the frames of `imeis`, when given); the error names the
/// input.
pub fn side(label: &str, inputs: &[Input], imeis: &[String]) -> Result<Profile, String> {
    let mut p = Profile::new(label);
    let mut opts = RunOptions {
        tree: true,
        ..Default::default()
    };
    let out = pipeline::run_all(inputs, &mut opts, &mut |d| {
        if wanted(&d, imeis) {
            p.add(&d);
        }
    });
    if let Some(e) = out.error {
        return Err(e.to_string());
    }
    p.finish(&out.flows);
    if p.frames == 0 {
        let files = names(inputs).join(" ");
        return Err(if imeis.is_empty() {
            format!("{files}: no device messages")
        } else {
            format!("{files}: no messages of {}", imeis.join(", "))
        });
    }
    Ok(p)
}

/// Side A (`a`, the baseline) against side B.
pub fn two_sets(a: &[Input], b: &[Input], imeis: &[String]) -> Result<Vec<Run>, String> {
    let pa = side("A", a, imeis)?;
    let pb = side("B", b, imeis)?;
    Ok(vec![Run {
        cmp: compare(&pa, &pb),
        inputs: [names(a), names(b)],
    }])
}

/// Standard input read once into memory (the generations take two passes).
pub fn replayable(paths: &[PathBuf]) -> Result<Vec<Input>, String> {
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
pub fn by_firmware(inputs: &[Input], imeis: &[String]) -> Result<Vec<Run>, String> {
    let mut votes: BTreeMap<u32, BTreeMap<&'static str, u64>> = BTreeMap::new();
    let first = pipeline::run_all(inputs, &mut RunOptions::default(), &mut |d| {
        if let Some(g) = d.message.firmware.filter(|_| wanted(&d, imeis)) {
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
    let out = pipeline::run_all(inputs, &mut opts, &mut |d| {
        if let Some(g) = of_flow.get(&d.flow.id).filter(|_| wanted(&d, imeis)) {
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
    let files = names(inputs);
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
pub fn frame_text(cmp: &Comparison, which: Which, index: Option<u64>) -> Option<String> {
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
pub fn row_name(k: &crate::model::diff::KindRow) -> String {
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

/// The report as a changelog for people.
pub fn text(runs: &[Run]) -> String {
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

/// The report in Markdown, for a release note or a ticket.
pub fn markdown(runs: &[Run]) -> String {
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

/// The report as one JSON object, for scripts.
pub fn json_of(runs: &[Run]) -> Value {
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
