//! Two finished [`Profile`]s in, a ranked [`Comparison`] out: protocols, message kinds, fields
//! (see [`super::fields`]), timing, handshake, keywords, answers to commands, diagnostics and
//! session findings.

use std::collections::{BTreeMap, BTreeSet};

use super::behaviour::{IntervalFact, Rhythmic, Step};
use super::fields::{KindPair, plural};
use super::profile::Profile;
use super::{
    Category, Comparison, Difference, Fact, KindRow, Rank, Representative, SideSummary, Tally,
};
use crate::present::time::fmt_duration;
use crate::protocol::{Kind, REGISTRY, Severity, trim_float as num};

/// An interval this far (share) from the other side's is another interval, not jitter.
const INTERVAL_SLACK: f64 = 0.25;
/// Intervals needed on each side before their regularity is compared.
const REGULAR_MIN: u32 = 10;
/// Occurrences needed on the busier side before rates are compared.
const RATE_MIN: u64 = 5;
/// Rates this many times apart differ.
const RATE_FACTOR: f64 = 3.0;

/// Compares side B against side A.
pub fn compare(a: &Profile, b: &Profile) -> Comparison {
    let mut out = Vec::new();
    let c = Ctx { a, b };
    c.protocols(&mut out);
    c.kinds(&mut out);
    c.timing(&mut out);
    c.handshake(&mut out);
    c.keywords(&mut out);
    c.commands(&mut out);
    c.diagnostics(&mut out);
    c.findings(&mut out);
    out.sort_by_key(|d| (d.rank, d.category));
    let kinds = c.rows();
    let representatives = c.representatives();
    let (sa, sb) = (summary(a), summary(b));
    Comparison {
        a: sa,
        b: sb,
        differences: out,
        kinds,
        representatives,
        frames: [a.frames_kept().clone(), b.frames_kept().clone()],
    }
}

fn summary(p: &Profile) -> SideSummary {
    let iv = |w| p.behaviour.interval(w).map(|f: IntervalFact| f.dominant);
    SideSummary {
        label: p.label.clone(),
        frames: p.frames,
        server_frames: p.server_frames,
        devices: p.devices.len(),
        hours: p.hours(),
        firmware: p.generations.clone(),
        protocols: p.protocol_flows.clone(),
        report_interval: iv(Rhythmic::Reports),
        heartbeat_interval: iv(Rhythmic::Heartbeats),
        reconnects_per_hour: p.behaviour.reconnects().map(|r| r.per_hour()),
    }
}

fn diff(rank: Rank, category: Category, line: String, a: Fact, b: Fact) -> Difference {
    Difference {
        rank,
        category,
        protocol: None,
        kind: None,
        fields: Vec::new(),
        line,
        a,
        b,
    }
}

fn by_severity(s: Severity, worst: Rank) -> Rank {
    match s {
        Severity::Error => worst,
        Severity::Warning => Rank::Behaviour,
        Severity::Info => Rank::Cosmetic,
    }
}

fn share(n: u64, of: u64) -> f64 {
    n as f64 / of.max(1) as f64
}

fn percent(x: f64) -> String {
    format!("{}%", num((x * 1000.0).round() / 10.0))
}

struct Ctx<'p> {
    a: &'p Profile,
    b: &'p Profile,
}

impl Ctx<'_> {
    fn la(&self) -> &str {
        &self.a.label
    }

    /// Protocols on both sides (the ones whose messages are compared field by field).
    fn common_protocols(&self) -> BTreeSet<&'static str> {
        let b: BTreeSet<&str> = self.b.protocol_frames.keys().copied().collect();
        self.a
            .protocol_frames
            .keys()
            .copied()
            .filter(|p| b.contains(p))
            .collect()
    }

    fn subject(&self, proto: &str, kind: Kind) -> String {
        let all: BTreeSet<&str> = self
            .a
            .protocol_frames
            .keys()
            .chain(self.b.protocol_frames.keys())
            .copied()
            .collect();
        if all.len() > 1 {
            format!("{proto} {}", kind.as_str())
        } else {
            kind.as_str().to_string()
        }
    }

    fn protocols(&self, out: &mut Vec<Difference>) {
        let names = |p: &Profile| -> Vec<&'static str> {
            let flows: Vec<&'static str> = p.protocol_flows.keys().copied().collect();
            if flows.is_empty() {
                p.protocol_frames.keys().copied().collect()
            } else {
                flows
            }
        };
        let (na, nb) = (names(self.a), names(self.b));
        if na == nb {
            return;
        }
        let evidence = |p: &Profile, only: &[&str]| -> Vec<u64> {
            only.iter()
                .filter_map(|n| p.protocol_frames.get(n).and_then(Tally::example))
                .collect()
        };
        let only_b: Vec<&str> = nb.iter().copied().filter(|n| !na.contains(n)).collect();
        let only_a: Vec<&str> = na.iter().copied().filter(|n| !nb.contains(n)).collect();
        let line = format!(
            "protocol now {} ({} in {})",
            nb.join(" and "),
            na.join(" and "),
            self.la()
        );
        let fa = Fact::new(na.join(", "), &evidence(self.a, &only_a));
        let fb = Fact::new(nb.join(", "), &evidence(self.b, &only_b));
        out.push(diff(Rank::Parser, Category::Protocol, line, fa, fb));
    }

    fn kinds(&self, out: &mut Vec<Difference>) {
        let common = self.common_protocols();
        for (new, from, to) in [(true, self.a, self.b), (false, self.b, self.a)] {
            for ((proto, kind), k) in &to.kinds {
                if !common.contains(proto) || from.kinds.contains_key(&(*proto, *kind)) {
                    continue;
                }
                let subject = self.subject(proto, *kind);
                let n = k.frames.count;
                let (line, fa, fb) = if new {
                    (
                        format!("new message kind `{subject}` ({n} frames)"),
                        Fact::new("absent", &[]),
                        Fact::new(format!("{n} frames"), &k.frames.frames),
                    )
                } else {
                    (
                        format!(
                            "message kind `{subject}` gone ({n} frames in {})",
                            self.la()
                        ),
                        Fact::new(format!("{n} frames"), &k.frames.frames),
                        Fact::new("absent", &[]),
                    )
                };
                let mut d = diff(Rank::Parser, Category::Kind, line, fa, fb);
                d.protocol = Some(proto);
                d.kind = Some(*kind);
                out.push(d);
            }
        }
        for ((proto, kind), ka) in &self.a.kinds {
            let Some(kb) = self.b.kinds.get(&(*proto, *kind)) else {
                continue;
            };
            let Some(protocol) = REGISTRY.iter().find(|p| p.name == *proto) else {
                continue;
            };
            let pair = KindPair {
                protocol,
                kind: *kind,
                subject: self.subject(proto, *kind),
                a: ka,
                b: kb,
                a_label: self.la(),
            };
            pair.compare(out);
        }
    }

    /// Frames of a kind on one side (any protocol), for evidence.
    fn kind_frames(p: &Profile, kind: Kind) -> Vec<u64> {
        p.kinds
            .iter()
            .filter(|((_, k), _)| *k == kind)
            .flat_map(|(_, k)| k.frames.frames.iter().copied())
            .collect()
    }

    fn timing(&self, out: &mut Vec<Difference>) {
        for (which, kind, what) in [
            (Rhythmic::Reports, Kind::Report, "reports"),
            (Rhythmic::Heartbeats, Kind::Heartbeat, "heartbeat"),
        ] {
            let (Some(ia), Some(ib)) = (
                self.a.behaviour.interval(which),
                self.b.behaviour.interval(which),
            ) else {
                continue;
            };
            let fact = |i: &IntervalFact, p: &Profile| {
                let (lo, hi) = i.spread;
                let value = format!(
                    "every {} ({}-{} s, {} regular)",
                    fmt_duration(i.dominant as i64),
                    lo,
                    hi,
                    percent(i.regular)
                );
                Fact::new(value, &Self::kind_frames(p, kind))
            };
            let (fa, fb) = (fact(&ia, self.a), fact(&ib, self.b));
            let (da, db) = (ia.dominant as f64, ib.dominant as f64);
            let line = if (da - db).abs() > INTERVAL_SLACK * da.max(db) {
                format!(
                    "{what} every {} ({} in {})",
                    fmt_duration(ib.dominant as i64),
                    fmt_duration(ia.dominant as i64),
                    self.la()
                )
            } else if ia.total >= REGULAR_MIN
                && ib.total >= REGULAR_MIN
                && ((ia.regular >= 0.8 && ib.regular < 0.4)
                    || (ib.regular >= 0.8 && ia.regular < 0.4))
            {
                format!(
                    "{what} {} at about {} ({} in {})",
                    percent(ib.regular),
                    fmt_duration(ib.dominant as i64),
                    percent(ia.regular),
                    self.la()
                )
            } else {
                continue;
            };
            let mut d = diff(Rank::Behaviour, Category::Timing, line, fa, fb);
            d.kind = Some(kind);
            out.push(d);
        }
        let (Some(ra), Some(rb)) = (self.a.behaviour.reconnects(), self.b.behaviour.reconnects())
        else {
            return;
        };
        let (pa, pb) = (ra.per_hour(), rb.per_hour());
        let busier = ra.count.max(rb.count);
        if busier >= 3 && (pa.min(pb) == 0.0 || pa.max(pb) / pa.min(pb) >= RATE_FACTOR) {
            let f = |x: f64| format!("{} per hour", num((x * 10.0).round() / 10.0));
            let line = format!("reconnects {} ({} in {})", f(pb), f(pa), self.la());
            let fa = Fact::new(f(pa), &ra.logins.frames);
            let fb = Fact::new(f(pb), &rb.logins.frames);
            out.push(diff(Rank::Behaviour, Category::Timing, line, fa, fb));
        }
    }

    fn handshake(&self, out: &mut Vec<Difference>) {
        for step in [Step::AfterConnect, Step::AfterLoginAck] {
            let first = |p: &Profile| {
                p.behaviour
                    .handshake
                    .get(&step)
                    .and_then(|l| l.first().cloned())
            };
            let (Some((ka, ta)), Some((kb, tb))) = (first(self.a), first(self.b)) else {
                continue;
            };
            if ka == kb {
                continue;
            }
            let line = format!(
                "{} the device now sends {kb} first ({ka} in {})",
                step.words(),
                self.la()
            );
            let (fa, fb) = (Fact::new(ka, &ta.frames), Fact::new(kb, &tb.frames));
            out.push(diff(Rank::Behaviour, Category::Handshake, line, fa, fb));
        }
    }

    fn keywords(&self, out: &mut Vec<Difference>) {
        let shown = |k: &str| {
            if k.is_empty() {
                "empty keyword".to_string()
            } else {
                format!("keyword `{k}`")
            }
        };
        for (new, from, to) in [(true, self.a, self.b), (false, self.b, self.a)] {
            for ((proto, kind, kw), t) in &to.keywords {
                if !from.kinds.contains_key(&(*proto, *kind)) {
                    continue;
                }
                if let Some(other) = from.keywords.get(&(*proto, *kind, kw.clone())) {
                    if new {
                        self.keyword_rate(proto, *kind, kw, other, t, out);
                    }
                    continue;
                }
                let n = t.count;
                // The other side's frames of the kind show the keyword's absence.
                let context = from
                    .kinds
                    .get(&(*proto, *kind))
                    .map_or(&[][..], |k| &k.frames.frames[..]);
                let what = if n == 1 {
                    kind.as_str().replace('_', " ")
                } else {
                    plural(*kind)
                };
                let (line, fa, fb) = if new {
                    (
                        format!("new {} ({n} {what})", shown(kw)),
                        Fact::new("absent", context),
                        Fact::new(format!("{n} {what}"), &t.frames),
                    )
                } else {
                    (
                        format!("{} gone ({n} {what} in {})", shown(kw), self.la()),
                        Fact::new(format!("{n} {what}"), &t.frames),
                        Fact::new("absent", context),
                    )
                };
                let mut d = diff(Rank::Behaviour, Category::Keyword, line, fa, fb);
                d.protocol = Some(proto);
                d.kind = Some(*kind);
                out.push(d);
            }
        }
    }

    /// A keyword on both sides whose share of its kind changed several times over.
    fn keyword_rate(
        &self,
        proto: &'static str,
        kind: Kind,
        kw: &str,
        ta: &Tally,
        tb: &Tally,
        out: &mut Vec<Difference>,
    ) {
        let of = |p: &Profile| p.kinds.get(&(proto, kind)).map_or(0, |k| k.frames.count);
        let (sa, sb) = (share(ta.count, of(self.a)), share(tb.count, of(self.b)));
        if ta.count.max(tb.count) < RATE_MIN
            || sa.max(sb) / sa.min(sb).max(f64::MIN_POSITIVE) < RATE_FACTOR
            || (sa - sb).abs() < 0.1
        {
            return;
        }
        let what = plural(kind);
        let line = format!(
            "keyword `{kw}` now in {} of {what} ({} in {})",
            percent(sb),
            percent(sa),
            self.la()
        );
        let mut d = diff(
            Rank::Cosmetic,
            Category::Keyword,
            line,
            Fact::new(percent(sa), &ta.frames),
            Fact::new(percent(sb), &tb.frames),
        );
        d.protocol = Some(proto);
        d.kind = Some(kind);
        out.push(d);
    }

    fn commands(&self, out: &mut Vec<Difference>) {
        for (code, la) in &self.a.behaviour.commands {
            let Some(lb) = self.b.behaviour.commands.get(code) else {
                continue;
            };
            let (Some((wa, ta)), Some((wb, tb))) = (la.first(), lb.first()) else {
                continue;
            };
            if wa == wb {
                continue;
            }
            let line = format!(
                "after command `{code}` the device now sends {wb} ({wa} in {})",
                self.la()
            );
            let (fa, fb) = (Fact::new(*wa, &ta.frames), Fact::new(*wb, &tb.frames));
            out.push(diff(Rank::Behaviour, Category::Command, line, fa, fb));
        }
    }

    fn diagnostics(&self, out: &mut Vec<Difference>) {
        let (fa, fb) = (self.a.frames, self.b.frames);
        let codes: BTreeSet<&'static str> = self
            .a
            .diagnostics
            .keys()
            .chain(self.b.diagnostics.keys())
            .copied()
            .collect();
        for code in codes {
            let (pa, pb) = (self.a.diagnostics.get(code), self.b.diagnostics.get(code));
            let Some(p) = pb.or(pa) else { continue };
            let sev = p.severity.as_str();
            let rank = by_severity(p.severity, Rank::Parser);
            let tally = |x: Option<&super::DiagProfile>| {
                x.map_or_else(Tally::default, |x| x.frames.clone())
            };
            let (ta, tb) = (tally(pa), tally(pb));
            let (ra, rb) = (share(ta.count, fa), share(tb.count, fb));
            let line = match (pa, pb) {
                (None, Some(x)) => format!(
                    "new {sev} `{code}` in {} of {fb} frames: {}",
                    tb.count, x.message
                ),
                (Some(x), None) => format!(
                    "{sev} `{code}` gone ({} of {fa} frames in {}): {}",
                    ta.count,
                    self.la(),
                    x.message
                ),
                _ if ta.count.max(tb.count) >= RATE_MIN
                    && ra.max(rb) / ra.min(rb).max(f64::MIN_POSITIVE) >= RATE_FACTOR =>
                {
                    format!(
                        "{sev} `{code}` now in {} of frames ({} in {})",
                        percent(rb),
                        percent(ra),
                        self.la()
                    )
                }
                _ => continue,
            };
            let fact = |t: &Tally, r: f64| {
                if t.count == 0 {
                    Fact::new("absent", &[])
                } else {
                    Fact::new(format!("{} frames ({})", t.count, percent(r)), &t.frames)
                }
            };
            out.push(diff(
                rank,
                Category::Diagnostic,
                line,
                fact(&ta, ra),
                fact(&tb, rb),
            ));
        }
    }

    fn findings(&self, out: &mut Vec<Difference>) {
        let by_code = |p: &Profile| {
            let mut m: BTreeMap<&'static str, (Severity, String, Vec<u64>, u64)> = BTreeMap::new();
            // Informational findings describe the capture (its rhythm, the zone that fits),
            // not a fault a firmware brings or takes away.
            for f in p
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
            {
                let e = m
                    .entry(f.code)
                    .or_insert_with(|| (f.severity, f.message.clone(), f.evidence.clone(), 0));
                e.3 += 1;
            }
            m
        };
        let (ma, mb) = (by_code(self.a), by_code(self.b));
        for (new, from, to) in [(true, &ma, &mb), (false, &mb, &ma)] {
            for (code, (sev, message, frames, n)) in to {
                if from.contains_key(code) {
                    continue;
                }
                let rank = by_severity(*sev, Rank::Behaviour);
                let s = sev.as_str();
                let (line, fa, fb) = if new {
                    (
                        format!("new finding `{code}` ({s}): {message}"),
                        Fact::new("absent", &[]),
                        Fact::new(format!("{n} findings"), frames),
                    )
                } else {
                    (
                        format!("finding `{code}` ({s}) gone in {}: {message}", self.b.label),
                        Fact::new(format!("{n} findings"), frames),
                        Fact::new("absent", &[]),
                    )
                };
                out.push(diff(rank, Category::Finding, line, fa, fb));
            }
        }
    }

    fn rows(&self) -> Vec<KindRow> {
        let keys: BTreeSet<(&'static str, Kind)> = self
            .a
            .kinds
            .keys()
            .chain(self.b.kinds.keys())
            .copied()
            .collect();
        let per_hour = |p: &Profile, n: u64| p.hours().map(|h| n as f64 / h);
        let row = |(protocol, kind), keyword, a, b| KindRow {
            protocol,
            kind,
            keyword,
            a,
            b,
            a_per_hour: per_hour(self.a, a),
            b_per_hour: per_hour(self.b, b),
        };
        let mut out: Vec<KindRow> = keys
            .into_iter()
            .map(|key| {
                let n = |p: &Profile| p.kinds.get(&key).map_or(0, |k| k.frames.count);
                row(key, None, n(self.a), n(self.b))
            })
            .collect();
        let words: BTreeSet<&(&'static str, Kind, String)> = self
            .a
            .keywords
            .keys()
            .chain(self.b.keywords.keys())
            .collect();
        for key in words {
            let n = |p: &Profile| p.keywords.get(key).map_or(0, |t| t.count);
            out.push(row(
                (key.0, key.1),
                Some(key.2.clone()),
                n(self.a),
                n(self.b),
            ));
        }
        out
    }

    fn representatives(&self) -> Vec<Representative> {
        self.rows()
            .into_iter()
            .filter(|r| r.keyword.is_none())
            .map(|r| {
                let rep = |p: &Profile| {
                    p.kinds
                        .get(&(r.protocol, r.kind))
                        .and_then(|k| k.representative())
                };
                Representative {
                    protocol: r.protocol,
                    kind: r.kind,
                    a: rep(self.a),
                    b: rep(self.b),
                }
            })
            .collect()
    }
}
