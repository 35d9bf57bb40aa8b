//! Reports in Markdown (CommonMark with GitHub-style tables), ready to paste into a ticket.
//!
//! A report is a title, a summary line and sections, each with paragraphs and a table
//! ([`Report`]); [`render`] writes any report, escaping every piece of text so that what a
//! device sent (a keyword quoted in a finding, say) shows as text and cannot become a link, an
//! image, HTML or a broken table. The findings are one such report ([`FindingsReport`],
//! [`findings`]); the firmware diff plugs in the same way: build a [`Report`] from the diff and
//! call [`firmware_diff`].

use std::fmt::Write as _;

use crate::model::diagnose::by_subject;
use crate::model::{SessionFinding, Stats};
use crate::protocol::Severity;

/// A table: column headings and rows of plain text (escaped when rendered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows; a row shorter than the headings is padded with empty cells.
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Plain text (escaped).
    Text(String),
    /// An identifier shown as code (`session.login_unanswered`), in backticks.
    Code(String),
}

/// A section: a heading, paragraphs of plain text, an optional table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The heading (level 3).
    pub heading: String,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
    /// The table.
    pub table: Option<Table>,
}

/// A whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Title (level 2 heading).
    pub title: String,
    /// One paragraph under the title.
    pub summary: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// `text` as literal Markdown text on one line: a backslash before every character that could
/// start inline markup or end a table cell (CommonMark lets any ASCII punctuation be escaped),
/// and before a first character that could start a block (a heading, a list, a quote); line
/// breaks become spaces.
pub fn escape(text: &str) -> String {
    escape_text(text, true)
}

/// Like [`escape`] for a table cell, where nothing starts a block.
fn escape_cell(text: &str) -> String {
    escape_text(text, false)
}

fn escape_text(text: &str, block: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '+' | '-' | '=' | '!' if block && i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Code in backticks; a backtick inside (never in the analyzer's codes) is dropped.
fn code(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c != '`' && !c.is_control())
        .collect();
    format!("`{clean}`")
}

/// Writes a report as Markdown.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {}\n", escape(&report.title));
    if !report.summary.is_empty() {
        let _ = writeln!(s, "{}\n", escape(&report.summary));
    }
    for sec in &report.sections {
        let _ = writeln!(s, "### {}\n", escape(&sec.heading));
        for p in &sec.paragraphs {
            let _ = writeln!(s, "{}\n", escape(p));
        }
        if let Some(t) = &sec.table {
            let heads: Vec<String> = t.columns.iter().map(|c| escape_cell(c)).collect();
            let _ = writeln!(s, "| {} |", heads.join(" | "));
            let _ = writeln!(s, "|{}", "---|".repeat(heads.len().max(1)));
            for row in &t.rows {
                let mut cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => escape_cell(t),
                        Cell::Code(t) => code(t),
                    })
                    .collect();
                cells.resize(heads.len().max(cells.len()), String::new());
                let _ = writeln!(s, "| {} |", cells.join(" | "));
            }
            s.push('\n');
        }
    }
    s
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// The findings of a run as a report.
#[derive(Clone, Copy)]
pub struct FindingsReport<'a> {
    /// The run's totals (devices' protocol and frame counts, frames, flows).
    pub stats: &'a Stats,
    /// The findings to list (all of `stats.diagnosis`, or those an export kept).
    pub findings: &'a [&'a SessionFinding],
    /// What was analysed (file names), for the title.
    pub source: &'a str,
}

impl FindingsReport<'_> {
    /// The report: a section per device, flow and the capture, a row per finding.
    pub fn report(&self) -> Report {
        let st = self.stats;
        let summary = st.findings_headline(self.findings.iter().copied()) + ".";
        let sections = by_subject(self.findings.iter().copied())
            .into_iter()
            .map(|g| {
                let about = g
                    .imei
                    .and_then(|i| crate::protocol::Imei::new(i.as_bytes()))
                    .and_then(|i| st.devices.get(&i))
                    .map(|d| {
                        format!(
                            "Protocol {}, firmware {}, {} frames, {} alarms.",
                            d.protocol, d.firmware, d.frames, d.alarms
                        )
                    });
                let rows = g
                    .findings
                    .iter()
                    .map(|f| {
                        let frames = f
                            .evidence
                            .iter()
                            .map(|n| format!("#{n}"))
                            .collect::<Vec<_>>()
                            .join(" ");
                        vec![
                            Cell::Text(severity_word(f.severity).into()),
                            Cell::Code(f.code.into()),
                            Cell::Text(f.message.clone()),
                            Cell::Text(frames),
                        ]
                    })
                    .collect();
                let mut title = g.title;
                if let Some(first) = title.get(..1) {
                    title = first.to_uppercase() + title.get(1..).unwrap_or("");
                }
                Section {
                    heading: title,
                    paragraphs: about.into_iter().collect(),
                    table: Some(Table {
                        columns: ["Severity", "Code", "What is wrong and what to do", "Frames"]
                            .map(String::from)
                            .to_vec(),
                        rows,
                    }),
                }
            })
            .collect();
        Report {
            title: format!("BN-407 Analyzer findings: {}", self.source),
            summary,
            sections,
        }
    }
}

/// The findings as Markdown (frame numbers as `decode` prints them).
pub fn findings(stats: &Stats, findings: &[&SessionFinding], source: &str) -> String {
    render(
        &FindingsReport {
            stats,
            findings,
            source,
        }
        .report(),
    )
}

/// The firmware diff as Markdown: its builder turns the diff into a [`Report`] (a section per
/// difference, a table of what each firmware sends) and this renders it like the findings.
pub fn firmware_diff(diff: &Report) -> String {
    render(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_text_cannot_become_markup() {
        for (text, escaped) in [
            ("a|b", "a\\|b"),
            ("[x](http://e)", "\\[x\\](http://e)"),
            ("<img src=x>", "\\<img src=x\\>"),
            ("# not a heading #1", "\\# not a heading #1"),
            ("line\nbreak", "line break"),
        ] {
            assert_eq!(escape(text), escaped, "{text:?}");
        }
        let r = Report {
            title: "T".into(),
            summary: String::new(),
            sections: vec![Section {
                heading: "S".into(),
                paragraphs: vec![],
                table: Some(Table {
                    columns: vec!["a".into(), "b".into()],
                    rows: vec![vec![Cell::Code("x`y".into())]],
                }),
            }],
        };
        assert_eq!(
            render(&r),
            "## T\n\n### S\n\n| a | b |\n|---|---|\n| `xy` |  |\n\n"
        );
    }
}
