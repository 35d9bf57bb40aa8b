//! Evaluation of a parsed [`Filter`] on stored frames: built-in fields from the frame record,
//! decoded fields from the frame's tree (decoded again only when the filter names one).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::ops::Deref;

use super::{DIRECTIONS, Expr, Field, Filter, Lit, Op, parse_num, sev_ord};
use crate::model::store::FrameRef;
use crate::protocol::{self, Kind, Tree, Value};

/// Evaluates a filter on frames, decoding a frame's tree only when needed.
#[derive(Debug)]
pub struct Matcher {
    filter: Filter,
    tree: Tree,
    decoded_for: Option<usize>,
}

impl Matcher {
    /// A matcher for `filter`.
    pub fn new(filter: Filter) -> Self {
        Self {
            filter,
            tree: Tree::default(),
            decoded_for: None,
        }
    }

    /// True when the frame matches.
    pub fn matches(&mut self, f: &FrameRef<'_>) -> bool {
        let Self {
            filter,
            tree,
            decoded_for,
        } = self;
        let frame = Frame {
            f,
            bytes: OnceCell::new(),
        };
        if filter.needs_tree && *decoded_for != Some(f.index()) {
            // The bytes the tree was decoded from serve its fields' text too.
            let (_, bytes) = f.decode_and_bytes(tree);
            let _ = frame.bytes.set(bytes);
            *decoded_for = Some(f.index());
        }
        eval(&filter.expr, &frame, tree)
    }
}

/// A frame being evaluated: its bytes are read once, and only when a term needs them (they may
/// come back from the store's temporary file, see [`crate::model::arena`]).
struct Frame<'f, 's> {
    f: &'f FrameRef<'s>,
    bytes: OnceCell<Cow<'s, [u8]>>,
}

impl<'s> Deref for Frame<'_, 's> {
    type Target = FrameRef<'s>;
    fn deref(&self) -> &FrameRef<'s> {
        self.f
    }
}

impl Frame<'_, '_> {
    fn bytes(&self) -> &[u8] {
        self.bytes.get_or_init(|| self.f.bytes())
    }
}

fn contains_ci(hay: &[u8], needle_lower: &[u8]) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    hay.windows(needle_lower.len()).any(|w| {
        w.iter()
            .zip(needle_lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

fn cmp_str(op: Op, have: &str, want: &str) -> bool {
    match op {
        Op::Eq => have.eq_ignore_ascii_case(want),
        Op::Ne => !have.eq_ignore_ascii_case(want),
        Op::Contains => contains_ci(have.as_bytes(), want.to_ascii_lowercase().as_bytes()),
        _ => false,
    }
}

fn cmp_num(op: Op, have: f64, want: f64) -> bool {
    have.partial_cmp(&want).is_some_and(|o| op.ord(o))
}

fn cmp_lit(op: Op, have: Option<f64>, lit: &Lit) -> bool {
    match (have, lit) {
        (Some(h), Lit::Num(w)) => cmp_num(op, h, *w),
        _ => false,
    }
}

fn eval(e: &Expr, f: &Frame<'_, '_>, tree: &Tree) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, f, tree) || eval(b, f, tree),
        Expr::And(a, b) => eval(a, f, tree) && eval(b, f, tree),
        Expr::Not(a) => !eval(a, f, tree),
        Expr::Word(w) => contains_ci(f.bytes(), w),
        Expr::Has(field) => has(*field, f, tree),
        Expr::Cmp(field, op, lit) => cmp(*field, *op, lit, f, tree),
    }
}

fn has(field: Field, f: &Frame<'_, '_>, tree: &Tree) -> bool {
    match field {
        Field::Imei => f.imei().is_some(),
        Field::Keyword => f.keyword().is_some_and(|k| !k.is_empty()),
        Field::Fix | Field::Lat | Field::Lon => f.fix().is_some(),
        Field::FixValid => f.fix().is_some_and(|x| x.2),
        Field::Speed => f.speed_kmh().is_some(),
        Field::Severity | Field::Code => !f.diagnostics().is_empty(),
        Field::Alarm => f.alarm(),
        Field::Tag => f.tags() != 0,
        Field::Tree(name) => tree.nodes.iter().any(|n| n.def.name == name),
        Field::Kind
        | Field::Protocol
        | Field::Direction
        | Field::Firmware
        | Field::Flow
        | Field::Frame
        | Field::Len
        | Field::Text => true,
    }
}

fn cmp(field: Field, op: Op, lit: &Lit, f: &Frame<'_, '_>, tree: &Tree) -> bool {
    let s = |have: Option<&str>| match (have, lit) {
        (Some(h), Lit::Str(w)) => cmp_str(op, h, w),
        _ => false,
    };
    let ord = |have: u8| match lit {
        Lit::Ord(w) => op.ord(have.cmp(w)),
        _ => false,
    };
    let index_of = |v: Option<usize>| u8::try_from(v.unwrap_or(0)).unwrap_or(0);
    match field {
        Field::Imei => s(f.imei().map(|i| i.as_str())),
        Field::Keyword => s(f.keyword()),
        Field::Protocol => s(Some(f.protocol().name)),
        Field::Text => s(std::str::from_utf8(f.bytes()).ok()),
        Field::Code => match (op, lit) {
            (Op::Ne, Lit::Str(w)) => !f
                .diagnostics()
                .iter()
                .any(|d| d.code.eq_ignore_ascii_case(w)),
            _ => f.diagnostics().iter().any(|d| s(Some(d.code))),
        },
        Field::Tag => match (op, lit) {
            (Op::Ne, Lit::Str(w)) => !f
                .protocol()
                .firmware
                .names(f.tags())
                .any(|n| n.eq_ignore_ascii_case(w)),
            _ => f.protocol().firmware.names(f.tags()).any(|n| s(Some(n))),
        },
        Field::Kind => ord(index_of(Kind::ALL.iter().position(|k| *k == f.kind()))),
        Field::Direction => ord(index_of(
            DIRECTIONS.iter().position(|d| *d == f.direction()),
        )),
        Field::Firmware => s(Some(
            f.firmware()
                .map_or(protocol::firmware::UNKNOWN.name, |g| g.name),
        )),
        Field::Severity => ord(sev_ord(f.severity())),
        Field::FixValid => match (f.fix(), lit) {
            (Some((_, _, v)), Lit::Bool(w)) => (v == *w) == (op == Op::Eq),
            _ => false,
        },
        Field::Alarm => match lit {
            Lit::Bool(w) => (f.alarm() == *w) == (op == Op::Eq),
            _ => false,
        },
        Field::Fix => false,
        Field::Lat => cmp_lit(op, f.fix().map(|x| x.0), lit),
        Field::Lon => cmp_lit(op, f.fix().map(|x| x.1), lit),
        Field::Speed => cmp_lit(op, f.speed_kmh(), lit),
        Field::Flow => cmp_lit(op, Some(f64::from(f.flow())), lit),
        Field::Frame => cmp_lit(op, Some((f.index() + 1) as f64), lit),
        Field::Len => cmp_lit(op, Some(f.byte_len() as f64), lit),
        Field::Tree(name) => tree.nodes.iter().filter(|n| n.def.name == name).any(|n| {
            let raw = std::str::from_utf8(n.span.slice(f.bytes())).unwrap_or("");
            match lit {
                Lit::Num(w) => node_num(n.value, raw).is_some_and(|h| cmp_num(op, h, *w)),
                Lit::Bool(w) => matches!(n.value, Value::Bool(b) if (b == *w) == (op == Op::Eq)),
                Lit::Str(w) => {
                    cmp_str(op, raw, w)
                        || (op != Op::Ne
                            && cmp_str(op, &protocol::display(n.value, raw, n.def.unit), w))
                }
                Lit::Ord(_) => false,
            }
        }),
    }
}

fn node_num(v: Value, raw: &str) -> Option<f64> {
    match v {
        Value::Int(i) => Some(i as f64),
        Value::Num(n) | Value::Coord(n) => Some(n),
        Value::UtcTime(ms) | Value::LocalTime(ms) => Some(ms as f64),
        Value::TimeOfDay(ms) => Some(f64::from(ms)),
        Value::Offset(s) => Some(f64::from(s)),
        Value::Blob(n) => Some(f64::from(n)),
        Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        Value::Raw | Value::Enum(_) | Value::None => parse_num(raw.trim()),
    }
}
