//! Comparing one message kind's fields on two sides: fields that appear or disappear, the
//! number of separated fields, the order of fields, formats, presence, value ranges and
//! firmware tags. Lines about several fields that changed the same way are merged
//! (`latitude, longitude now 5 decimals`), and a tag that a line already explains (the tag of
//! a new field, of a field whose format changed) goes into that line's facts.

use super::profile::{FieldProfile, KindProfile};
use super::shape::{compatible, describe};
use super::{Category, Difference, Fact, Rank};
use crate::protocol::{Kind, Protocol, Tags, trim_float as num};

/// Frames of a kind needed on each side before presence shares are compared.
const PRESENCE_MIN: u64 = 10;
/// Presence shares this far apart (0..1) differ.
const PRESENCE_GAP: f64 = 0.5;
/// Numbers needed on each side before ranges are compared.
const RANGE_MIN: u64 = 5;
/// Largest magnitudes this many times apart differ (a changed scale or unit).
const RANGE_FACTOR: f64 = 30.0;
/// A field in fewer than this share of its kind's frames is sent on occasion.
const RARE: f64 = 0.2;
/// A shape is significant from this share of a field's occurrences.
const SHAPE_SHARE: f64 = 0.05;

/// One message kind present on both sides.
pub struct KindPair<'p> {
    /// The protocol (for tag names).
    pub protocol: &'static Protocol,
    /// The kind.
    pub kind: Kind,
    /// The line's subject (`report`, or `gt06 report` when several protocols are compared).
    pub subject: String,
    /// Side A's profile of the kind.
    pub a: &'p KindProfile,
    /// Side B's.
    pub b: &'p KindProfile,
    /// Side A's name.
    pub a_label: &'p str,
}

/// A field's label as it reads inside a sentence (`local time`, `ACC (ignition)`).
pub fn label(f: &FieldProfile) -> String {
    let l = f.def.label;
    let mut c = l.chars();
    match (c.next(), c.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            format!(
                "{}{}",
                first.to_lowercase(),
                l.get(first.len_utf8()..).unwrap_or("")
            )
        }
        _ => l.to_string(),
    }
}

/// Plural of a kind's name, for "in 40% of reports".
pub fn plural(kind: Kind) -> String {
    match kind {
        Kind::CommandReply => "command replies".into(),
        Kind::Info => "info messages".into(),
        Kind::Obd => "OBD messages".into(),
        Kind::Unknown => "unknown messages".into(),
        k => format!("{}s", k.as_str().replace('_', " ")),
    }
}

fn pct(part: u64, whole: u64) -> f64 {
    part as f64 / whole.max(1) as f64
}

fn read(k: &KindProfile) -> impl Iterator<Item = &FieldProfile> {
    k.fields.values().filter(|f| f.read > 0)
}

impl KindPair<'_> {
    fn diff(&self, rank: Rank, category: Category, fields: Vec<&'static str>) -> Difference {
        Difference {
            rank,
            category,
            protocol: Some(self.protocol.name),
            kind: Some(self.kind),
            fields,
            line: String::new(),
            a: Fact::default(),
            b: Fact::default(),
        }
    }

    fn tag_names(&self, bits: Tags) -> String {
        let names: Vec<&str> = self.protocol.firmware.names(bits).collect();
        names.join(", ")
    }

    /// Every difference of this kind.
    pub fn compare(&self, out: &mut Vec<Difference>) {
        let mut mine = Vec::new();
        self.appear(&mut mine);
        self.order(&mut mine);
        for fa in read(self.a) {
            if let Some(fb) = self.b.fields.get(fa.def.name).filter(|f| f.read > 0) {
                self.format(fa, fb, &mut mine);
                self.presence(fa, fb, &mut mine);
                self.range(fa, fb, &mut mine);
            }
        }
        merge(&mut mine);
        self.tags(&mut mine);
        out.append(&mut mine);
    }

    /// Fields on one side only, and the number of separated fields.
    fn appear(&self, out: &mut Vec<Difference>) {
        let (ka, kb) = (self.a, self.b);
        let seps = |k: &KindProfile| k.separators.first().map(|(n, t)| (*n, t.frames.clone()));
        let (sa, sb) = (seps(ka), seps(kb));
        let mut count_told = false;
        let count = match (&sa, &sb) {
            (Some((na, _)), Some((nb, _))) if na != nb => Some(format!(
                "; {nb} comma-separated fields ({na} in {})",
                self.a_label
            )),
            _ => None,
        };
        for (from, to, new) in [(ka, kb, true), (kb, ka, false)] {
            let mut only: Vec<&FieldProfile> = read(to)
                .filter(|f| from.fields.get(f.def.name).is_none_or(|x| x.read == 0))
                .collect();
            let order: Vec<&str> = to.layouts.iter().flat_map(|(l, _)| l.split(',')).collect();
            only.sort_by_key(|f| {
                order
                    .iter()
                    .position(|n| *n == f.def.name)
                    .unwrap_or(usize::MAX)
            });
            if only.is_empty() {
                continue;
            }
            let labels: Vec<String> = only.iter().map(|f| label(f)).collect();
            let shares: Vec<u64> = only
                .iter()
                .map(|f| (pct(f.present.count, to.frames.count) * 100.0).round() as u64)
                .collect();
            let share = if shares.iter().all(|s| Some(s) == shares.first()) {
                format!("{}%", shares.first().copied().unwrap_or(0))
            } else {
                let lo = shares.iter().min().copied().unwrap_or(0);
                let hi = shares.iter().max().copied().unwrap_or(0);
                format!("{lo}-{hi}%")
            };
            // A field most frames go without is sent on occasion (a fix lost, an event): its
            // absence on the other side is behaviour, not a new layout.
            let rare = only
                .iter()
                .all(|f| pct(f.present.count, to.frames.count) < RARE);
            let rank = if rare { Rank::Behaviour } else { Rank::Parser };
            let mut d = self.diff(
                rank,
                Category::Fields,
                only.iter().map(|f| f.def.name).collect(),
            );
            let evidence = only.first().map_or(&[][..], |f| &f.present.frames[..]);
            let absent = Fact::new("absent", &from.frames.frames);
            let listed = Fact::new(labels.join(", "), evidence);
            let count = match count.as_ref() {
                Some(c) if !count_told => {
                    count_told = true;
                    c.as_str()
                }
                _ => "",
            };
            let fields = if only.len() == 1 { "field" } else { "fields" };
            d.line = match (new, rare) {
                (true, _) => format!(
                    "{}: new {fields} {} (in {share} of {}){count}",
                    self.subject,
                    labels.join(", "),
                    plural(self.kind)
                ),
                (false, false) => format!(
                    "{}: {fields} {} gone (in {share} of {} in {}){count}",
                    self.subject,
                    labels.join(", "),
                    plural(self.kind),
                    self.a_label
                ),
                (false, true) => format!(
                    "{}: {fields} {} not seen (in {share} of {} in {}){count}",
                    self.subject,
                    labels.join(", "),
                    plural(self.kind),
                    self.a_label
                ),
            };
            (d.a, d.b) = if new {
                (absent, listed)
            } else {
                (listed, absent)
            };
            out.push(d);
        }
        if let (Some((na, fa)), Some((nb, fb)), false) = (sa, sb, count_told)
            && na != nb
        {
            let mut d = self.diff(Rank::Parser, Category::FieldCount, Vec::new());
            d.line = format!(
                "{}: {nb} comma-separated fields ({na} in {})",
                self.subject, self.a_label
            );
            d.a = Fact::new(format!("{na} fields"), &fa);
            d.b = Fact::new(format!("{nb} fields"), &fb);
            out.push(d);
        }
    }

    /// The order of the fields both sides send, in their most common layouts.
    fn order(&self, out: &mut Vec<Difference>) {
        let (Some((la, ta)), Some((lb, tb))) = (self.a.layouts.first(), self.b.layouts.first())
        else {
            return;
        };
        let a: Vec<&str> = la.split(',').collect();
        let b: Vec<&str> = lb.split(',').collect();
        let a: Vec<&str> = a.iter().copied().filter(|x| b.contains(x)).collect();
        let b: Vec<&str> = b.iter().copied().filter(|x| a.contains(x)).collect();
        if a == b {
            return;
        }
        let name_of = |n: &str| {
            self.b
                .fields
                .get(n)
                .or_else(|| self.a.fields.get(n))
                .map_or_else(|| n.to_string(), label)
        };
        let (mut now, mut was, mut names) = (Vec::new(), Vec::new(), Vec::new());
        for (i, j) in reordered(&a, &b) {
            let (Some(sa), Some(sb)) = (a.get(i..j), b.get(i..j)) else {
                continue;
            };
            now.push(sb.iter().map(|n| name_of(n)).collect::<Vec<_>>().join(", "));
            was.push(sa.iter().map(|n| name_of(n)).collect::<Vec<_>>().join(", "));
            names.extend(
                sb.iter()
                    .filter_map(|n| self.b.fields.get(*n).map(|f| f.def.name)),
            );
        }
        let mut d = self.diff(Rank::Parser, Category::FieldOrder, names);
        d.line = format!(
            "{}: field order now {} ({} in {})",
            self.subject,
            now.join("; "),
            was.join("; "),
            self.a_label
        );
        d.a = Fact::new(la.replace(',', ", "), &ta.frames);
        d.b = Fact::new(lb.replace(',', ", "), &tb.frames);
        out.push(d);
    }

    /// Shapes of one side that fit none of the other's.
    fn format(&self, fa: &FieldProfile, fb: &FieldProfile, out: &mut Vec<Difference>) {
        let total = |f: &FieldProfile| f.shapes.iter().map(|s| s.1.count).sum::<u64>();
        let (na, nb) = (total(fa), total(fb));
        let unmatched = |from: &FieldProfile, n: u64, other: &FieldProfile| {
            from.shapes
                .iter()
                .filter(|(s, t)| {
                    pct(t.count, n) >= SHAPE_SHARE
                        && !other.shapes.iter().any(|(o, _)| compatible(s, o))
                })
                .cloned()
                .collect::<Vec<_>>()
        };
        let (gone, new) = (unmatched(fa, na, fb), unmatched(fb, nb, fa));
        let (Some((sa, ta)), Some((sb, tb))) = (fa.shapes.first(), fb.shapes.first()) else {
            return;
        };
        let mut d = self.diff(Rank::Parser, Category::Format, vec![fa.def.name]);
        let what = match (new.first(), gone.first()) {
            (None, None) => return,
            (Some((s, t)), None) => {
                d.b = Fact::new(format!("`{s}`"), &t.frames);
                d.a = Fact::new(format!("`{sa}`"), &ta.frames);
                let share = (pct(t.count, nb) * 100.0).round();
                format!("also `{s}` ({share}%; never in {})", self.a_label)
            }
            (_, Some((s, t))) => {
                let (s_b, t_b) = new.first().map_or((sb, tb), |(x, y)| (x, y));
                d.a = Fact::new(format!("`{s}`"), &t.frames);
                d.b = Fact::new(format!("`{s_b}`"), &t_b.frames);
                describe(s, s_b, self.a_label)
            }
        };
        d.line = format!("{}: {} now {what}", self.subject, label(fa));
        out.push(d);
    }

    fn presence(&self, fa: &FieldProfile, fb: &FieldProfile, out: &mut Vec<Difference>) {
        let (ka, kb) = (self.a.frames.count, self.b.frames.count);
        if ka < PRESENCE_MIN || kb < PRESENCE_MIN {
            return;
        }
        let (pa, pb) = (pct(fa.present.count, ka), pct(fb.present.count, kb));
        if (pa - pb).abs() < PRESENCE_GAP {
            return;
        }
        let (pa, pb) = ((pa * 100.0).round(), (pb * 100.0).round());
        let mut d = self.diff(Rank::Behaviour, Category::Presence, vec![fa.def.name]);
        d.line = format!(
            "{}: {} now in {pb}% of {} ({pa}% in {})",
            self.subject,
            label(fa),
            plural(self.kind),
            self.a_label
        );
        d.a = Fact::new(format!("{pa}%"), &fa.present.frames);
        d.b = Fact::new(format!("{pb}%"), &fb.present.frames);
        out.push(d);
    }

    fn range(&self, fa: &FieldProfile, fb: &FieldProfile, out: &mut Vec<Difference>) {
        let (Some((la, ha)), Some((lb, hb))) = (fa.range, fb.range) else {
            return;
        };
        if fa.numbers < RANGE_MIN || fb.numbers < RANGE_MIN {
            return;
        }
        let (ma, mb) = (la.abs().max(ha.abs()), lb.abs().max(hb.abs()));
        if ma == 0.0 || mb == 0.0 || (ma / mb).max(mb / ma) < RANGE_FACTOR {
            return;
        }
        let r = |lo: f64, hi: f64| format!("{}..{}", num(lo), num(hi));
        let mut d = self.diff(Rank::Behaviour, Category::Range, vec![fa.def.name]);
        d.line = format!(
            "{}: {} values now {} ({} in {})",
            self.subject,
            label(fa),
            r(lb, hb),
            r(la, ha),
            self.a_label
        );
        d.a = Fact::new(r(la, ha), &fa.present.frames);
        d.b = Fact::new(r(lb, hb), &fb.present.frames);
        out.push(d);
    }

    /// Tags on one side only: into the facts of a line about a field carrying them, else one
    /// line per tag.
    fn tags(&self, out: &mut Vec<Difference>) {
        let bits =
            |f: Option<&FieldProfile>| f.map_or(0, |f| f.tags.iter().fold(0, |a, t| a | t.0));
        // (tag, new on B, fields, frames)
        let mut groups: Vec<(Tags, bool, Vec<&'static str>, Vec<u64>)> = Vec::new();
        let mut names: Vec<&'static str> = self.a.fields.keys().copied().collect();
        names.extend(
            self.b
                .fields
                .keys()
                .filter(|n| !self.a.fields.contains_key(*n)),
        );
        for name in names {
            let (fa, fb) = (self.a.fields.get(name), self.b.fields.get(name));
            let (ta, tb) = (bits(fa), bits(fb));
            for (new, only, f) in [(true, tb & !ta, fb), (false, ta & !tb, fa)] {
                for bit in (0..Tags::BITS).map(|i| 1 << i).filter(|b| only & b != 0) {
                    let frames = f
                        .and_then(|f| f.tags.iter().find(|t| t.0 == bit))
                        .map_or_else(Vec::new, |t| t.1.frames.clone());
                    match groups.iter_mut().find(|g| g.0 == bit && g.1 == new) {
                        Some(g) => g.2.push(name),
                        None => groups.push((bit, new, vec![name], frames)),
                    }
                }
            }
        }
        // Tags each line's facts explain: (line, new on B) -> tags.
        let mut folded: Vec<(usize, bool, Tags)> = Vec::new();
        let mut alone = Vec::new();
        for (bit, new, fields, frames) in groups {
            match out
                .iter()
                .position(|d| fields.iter().any(|f| d.fields.contains(f)))
            {
                Some(i) => match folded.iter_mut().find(|x| x.0 == i && x.1 == new) {
                    Some(x) => x.2 |= bit,
                    None => folded.push((i, new, bit)),
                },
                None => alone.push((bit, new, fields, frames)),
            }
        }
        for (i, new, bits) in folded {
            if let Some(d) = out.get_mut(i) {
                let fact = if new { &mut d.b } else { &mut d.a };
                let n = bits.count_ones();
                let word = if n == 1 { "tag" } else { "tags" };
                fact.value
                    .push_str(&format!(" [{word} {}]", self.tag_names(bits)));
            }
        }
        for (bit, new, fields, frames) in alone {
            let name = self.tag_names(bit);
            let labels: Vec<String> = fields
                .iter()
                .filter_map(|n| self.a.fields.get(n).or_else(|| self.b.fields.get(n)))
                .map(label)
                .collect();
            let help = self
                .protocol
                .firmware
                .tags_in(bit)
                .next()
                .map_or("", |t| t.help);
            let mut d = self.diff(Rank::Cosmetic, Category::Tag, fields);
            let (now, tagged, untagged) = if new {
                ("now", Fact::new(&name, &frames), Fact::new("untagged", &[]))
            } else {
                (
                    "no longer",
                    Fact::new(&name, &frames),
                    Fact::new("untagged", &[]),
                )
            };
            d.line = format!(
                "{}: {} {now} tagged `{name}` ({help})",
                self.subject,
                labels.join(", ")
            );
            (d.a, d.b) = if new {
                (untagged, tagged)
            } else {
                (tagged, untagged)
            };
            out.push(d);
        }
    }
}

/// The stretches `[i, j)` where two orders of the same names differ, each as short as it can
/// be while holding the same names on both sides.
fn reordered(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < a.len().min(b.len()) {
        if a.get(i) == b.get(i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < a.len().min(b.len()) {
            let (Some(sa), Some(sb)) = (a.get(i..j), b.get(i..j)) else {
                break;
            };
            if sa.iter().all(|x| sb.contains(x)) {
                break;
            }
            j += 1;
        }
        out.push((i, j));
        i = j;
    }
    out
}

/// Merges lines of one kind that say the same of several fields (`latitude, longitude now 5
/// decimals (4 in A)`).
fn merge(list: &mut Vec<Difference>) {
    let mut out: Vec<Difference> = Vec::new();
    for d in list.drain(..) {
        let mergeable = matches!(
            d.category,
            Category::Format | Category::Presence | Category::Range
        );
        let parts = |d: &Difference| -> Option<(String, String, String)> {
            let (head, tail) = d.line.split_once(" now ")?;
            let (subject, field) = head.rsplit_once(": ")?;
            Some((subject.to_string(), field.to_string(), tail.to_string()))
        };
        let mine = parts(&d);
        let same = out.iter_mut().find(|o| {
            mergeable
                && o.category == d.category
                && matches!((parts(o), &mine), (Some(x), Some(y)) if x.0 == y.0 && x.2 == y.2)
        });
        match (same, mine) {
            (Some(o), Some((_, field, _))) => {
                if let Some((head, tail)) = o.line.split_once(" now ") {
                    o.line = format!("{head}, {field} now {tail}");
                }
                o.fields.extend(d.fields);
            }
            _ => out.push(d),
        }
    }
    *list = out;
}
