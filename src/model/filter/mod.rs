//! The display-filter language of the window: a small expression language over stored frames.
//!
//! ```text
//! imei == 864180034124375 && kind == report && !(fix.valid == true)
//! speed_kmh > 80 || severity >= warning
//! report.latitude > 50            (any decoded field: the frame is decoded again to ask it)
//! code == imei.luhn               (has a diagnostic with that code)
//! "help me" || tracker            (plain words are searched in the frame's text)
//! ```
//!
//! Operators: `==` (or `=`), `!=`, `<`, `<=`, `>`, `>=`, `contains`; `&&`/`and`, `||`/`or`,
//! `!`/`not`, parentheses. Two terms side by side mean both (`help me` = `help && me`). A field
//! named alone asks whether the frame has it (`report.altitude`, `fix`), or whether it is true
//! (`alarm`, `fix.valid`). A frame without the field never matches a comparison on it.
//!
//! Parsing is pure and never panics; a wrong expression gives a [`FilterError`] with the
//! column and what was expected. Evaluation ([`Matcher`]) decodes a frame's tree only when the
//! expression names a decoded field.

mod eval;

use std::fmt;

pub use eval::Matcher;

use crate::protocol::{self, Direction, Kind, Severity};

/// Why an expression is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Column (1-based, in characters) where the problem is.
    pub column: usize,
    /// What was expected or what is wrong.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for FilterError {}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains`
    Contains,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
        }
    }
    fn ord(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Eq => o == Equal,
            Op::Ne => o != Equal,
            Op::Lt => o == Less,
            Op::Le => o != Greater,
            Op::Gt => o == Greater,
            Op::Ge => o != Less,
            Op::Contains => false,
        }
    }
}

/// A field the filter can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Imei,
    Kind,
    Keyword,
    Fix,
    FixValid,
    Lat,
    Lon,
    Speed,
    Severity,
    Protocol,
    Direction,
    Firmware,
    Code,
    Flow,
    Frame,
    Len,
    Alarm,
    Tag,
    Text,
    Tree(&'static str),
}

/// Built-in field names, with what they are (for the help and error messages); the values of
/// `kind`, `protocol` and `firmware` come from the protocol registry.
pub fn fields_help() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::with_capacity(FIELDS.len());
    for (name, what) in FIELDS {
        let what = match *name {
            "kind" => Kind::ALL.map(Kind::as_str).join(", "),
            "protocol" => {
                let names: Vec<&str> = protocol::all().map(|p| p.name).collect();
                format!("protocol name ({})", names.join(", "))
            }
            "firmware" => {
                let mut names = vec![protocol::firmware::UNKNOWN.name];
                for p in protocol::all() {
                    names.extend(p.firmware.generations.iter().map(|g| g.name));
                }
                names.join(", ")
            }
            _ => (*what).to_string(),
        };
        out.push((name, what));
    }
    out
}

const FIELDS: &[(&str, &str)] = &[
    ("imei", "device IMEI (text)"),
    ("kind", "kind of message"),
    ("keyword", "keyword or command text"),
    ("fix", "has a position"),
    ("fix.valid", "true for a valid fix"),
    ("fix.lat", "latitude, degrees"),
    ("fix.lon", "longitude, degrees"),
    ("speed_kmh", "speed, km/h"),
    ("severity", "worst diagnostic: none, info, warning, error"),
    ("protocol", "protocol name"),
    ("direction", "to_server, to_device, unknown"),
    ("firmware", "firmware generation"),
    ("code", "has a diagnostic with this code (imei.luhn)"),
    ("flow", "flow number"),
    ("frame", "frame number, as in the list (from 1)"),
    ("len", "frame length, bytes"),
    ("alarm", "true for an alarm"),
    ("tag", "has this firmware tag (coord5, battery, ...)"),
    ("text", "the frame's text"),
];

fn builtin(name: &str) -> Option<Field> {
    Some(match name.to_ascii_lowercase().as_str() {
        "imei" => Field::Imei,
        "kind" => Field::Kind,
        "keyword" => Field::Keyword,
        "fix" => Field::Fix,
        "fix.valid" | "valid" => Field::FixValid,
        "fix.lat" | "lat" => Field::Lat,
        "fix.lon" | "lon" => Field::Lon,
        "speed_kmh" | "fix.speed_kmh" | "speed" => Field::Speed,
        "severity" | "sev" => Field::Severity,
        "protocol" | "proto" => Field::Protocol,
        "direction" | "dir" => Field::Direction,
        "firmware" | "fw" => Field::Firmware,
        "code" => Field::Code,
        "flow" => Field::Flow,
        "frame" => Field::Frame,
        "len" | "length" => Field::Len,
        "alarm" => Field::Alarm,
        "tag" => Field::Tag,
        "text" => Field::Text,
        _ => return None,
    })
}

/// The decoded field with this filter name, if any protocol has one.
fn tree_field(name: &str) -> Option<&'static str> {
    protocol::REGISTRY
        .iter()
        .copied()
        .chain([&protocol::unknown::PROTOCOL])
        .flat_map(|p| p.fields.iter())
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .map(|f| f.name)
}

/// A literal after checking it against its field.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Num(f64),
    Str(String),
    Bool(bool),
    /// An ordinal: kind, direction, firmware, severity (0 none .. 3 error).
    Ord(u8),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Field, Op, Lit),
    Has(Field),
    Word(Vec<u8>),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
    needs_tree: bool,
}

impl Filter {
    /// True when evaluating it decodes frames again (it names a decoded field).
    pub fn needs_tree(&self) -> bool {
        self.needs_tree
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
    End,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Op(o) => format!("`{}`", o.as_str()),
        Tok::And => "`&&`".into(),
        Tok::Or => "`||`".into(),
        Tok::Not => "`!`".into(),
        Tok::Open => "`(`".into(),
        Tok::Close => "`)`".into(),
        Tok::End => "the end".into(),
    }
}

fn err(column: usize, message: impl Into<String>) -> FilterError {
    FilterError {
        column,
        message: message.into(),
    }
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '=' | '!' | '<' | '>' | '&' | '|' | '(' | ')' | '"' | '\''
        )
}

/// Splits the source into tokens, each with its 1-based column.
fn lex(src: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = at(i + 1);
        let (tok, len) = match (c, next) {
            ('=', Some('=')) => (Tok::Op(Op::Eq), 2),
            ('=', _) => (Tok::Op(Op::Eq), 1),
            ('!', Some('=')) => (Tok::Op(Op::Ne), 2),
            ('!', _) => (Tok::Not, 1),
            ('<', Some('=')) => (Tok::Op(Op::Le), 2),
            ('<', _) => (Tok::Op(Op::Lt), 1),
            ('>', Some('=')) => (Tok::Op(Op::Ge), 2),
            ('>', _) => (Tok::Op(Op::Gt), 1),
            ('&', Some('&')) => (Tok::And, 2),
            ('&', _) => return Err(err(col, "expected `&&` (a single `&` is not an operator)")),
            ('|', Some('|')) => (Tok::Or, 2),
            ('|', _) => return Err(err(col, "expected `||` (a single `|` is not an operator)")),
            ('(', _) => (Tok::Open, 1),
            (')', _) => (Tok::Close, 1),
            ('"' | '\'', _) => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    match at(j) {
                        None => {
                            return Err(err(
                                col,
                                "this quote is never closed: expected a closing quote",
                            ));
                        }
                        Some('\\') => {
                            if let Some(e) = at(j + 1) {
                                s.push(e);
                            }
                            j += 2;
                        }
                        Some(q) if q == c => break,
                        Some(o) => {
                            s.push(o);
                            j += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), col));
                i = j + 1;
                continue;
            }
            _ => {
                let mut j = i;
                let mut w = String::new();
                while let Some(c) = at(j).filter(|c| is_word_char(*c)) {
                    w.push(c);
                    j += 1;
                }
                let tok = match w.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "contains" => Tok::Op(Op::Contains),
                    _ => Tok::Word(w),
                };
                out.push((tok, col));
                i = j;
                continue;
            }
        };
        out.push((tok, col));
        i += len;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    needs_tree: bool,
    depth: usize,
}

const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> (&Tok, usize) {
        self.toks
            .get(self.pos)
            .map_or((&Tok::End, 0), |(t, c)| (t, *c))
    }
    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks.get(self.pos).cloned().unwrap_or((Tok::End, 0));
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while *self.peek().0 == Tok::Or {
            self.bump();
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        loop {
            match self.peek().0 {
                Tok::And => {
                    self.bump();
                }
                // Terms side by side: both must hold.
                Tok::Word(_) | Tok::Str(_) | Tok::Open | Tok::Not => {}
                _ => break,
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.peek().1, "expression nested too deeply"));
        }
        let r = if *self.peek().0 == Tok::Not {
            self.bump();
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        r
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let (tok, col) = self.bump();
        match tok {
            Tok::Open => {
                let e = self.or()?;
                let (t, c) = self.bump();
                if t != Tok::Close {
                    return Err(err(
                        c,
                        format!(
                            "expected `)` to close the `(` at column {col}, found {}",
                            describe(&t)
                        ),
                    ));
                }
                Ok(e)
            }
            Tok::Str(s) => {
                if let Tok::Op(op) = self.peek().0 {
                    return Err(err(
                        self.peek().1,
                        format!(
                            "a quoted text cannot be compared with `{}`: put a field name before it",
                            op.as_str()
                        ),
                    ));
                }
                Ok(Expr::Word(s.to_ascii_lowercase().into_bytes()))
            }
            Tok::Word(w) => self.term(w, col),
            Tok::End => Err(err(col, "expected a field, a word or `(`, found the end")),
            other => Err(err(
                col,
                format!(
                    "expected a field, a word or `(`, found {}",
                    describe(&other)
                ),
            )),
        }
    }

    fn term(&mut self, w: String, col: usize) -> Result<Expr, FilterError> {
        let field = builtin(&w).or_else(|| tree_field(&w).map(Field::Tree));
        let op = match self.peek().0 {
            Tok::Op(op) => Some(*op),
            _ => None,
        };
        let (Some(field), Some(op)) = (field, op) else {
            return match (field, op) {
                (None, Some(_)) => Err(err(
                    col,
                    format!(
                        "unknown field `{w}`: expected a field such as imei, kind, keyword, speed_kmh, severity, code, or a decoded field such as report.latitude"
                    ),
                )),
                (Some(f), None) => {
                    if let Field::Tree(_) = f {
                        self.needs_tree = true;
                    }
                    Ok(match f {
                        Field::FixValid | Field::Alarm => Expr::Cmp(f, Op::Eq, Lit::Bool(true)),
                        _ => Expr::Has(f),
                    })
                }
                _ => Ok(Expr::Word(w.to_ascii_lowercase().into_bytes())),
            };
        };
        self.bump();
        let (vt, vcol) = self.bump();
        let text = match vt {
            Tok::Word(v) => v,
            Tok::Str(v) => v,
            other => {
                return Err(err(
                    vcol,
                    format!(
                        "expected a value after `{}`, found {}",
                        op.as_str(),
                        describe(&other)
                    ),
                ));
            }
        };
        if let Field::Tree(_) = field {
            self.needs_tree = true;
        }
        let lit = literal(field, op, &text, &w).map_err(|m| err(vcol, m))?;
        Ok(Expr::Cmp(field, op, lit))
    }
}

fn ordinal_of<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    text: &str,
    what: &str,
) -> Result<u8, String> {
    all.iter()
        .position(|x| name(*x).eq_ignore_ascii_case(text))
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
            format!(
                "unknown {what} `{text}`: expected one of {}",
                names.join(", ")
            )
        })
}

const DIRECTIONS: [Direction; 3] = Direction::ALL;

fn parse_num(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn literal(field: Field, op: Op, text: &str, name: &str) -> Result<Lit, String> {
    let only_eq = |what: &str| -> Result<(), String> {
        if matches!(op, Op::Eq | Op::Ne) {
            Ok(())
        } else {
            Err(format!(
                "`{name}` is {what}: use `==` or `!=`, not `{}`",
                op.as_str()
            ))
        }
    };
    let text_ops = || -> Result<(), String> {
        if matches!(op, Op::Eq | Op::Ne | Op::Contains) {
            Ok(())
        } else {
            Err(format!(
                "`{name}` is text: use `==`, `!=` or `contains`, not `{}`",
                op.as_str()
            ))
        }
    };
    let number = || -> Result<Lit, String> {
        if op == Op::Contains {
            return Err(format!("`{name}` is a number: `contains` does not apply"));
        }
        parse_num(text)
            .map(Lit::Num)
            .ok_or_else(|| format!("expected a number for `{name}`, found `{text}`"))
    };
    let boolean = || -> Result<Lit, String> {
        only_eq("true or false")?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Lit::Bool(true)),
            "false" | "no" | "0" => Ok(Lit::Bool(false)),
            _ => Err(format!(
                "expected true or false for `{name}`, found `{text}`"
            )),
        }
    };
    match field {
        Field::Imei | Field::Keyword | Field::Protocol | Field::Code | Field::Text => {
            text_ops()?;
            Ok(Lit::Str(text.to_string()))
        }
        Field::Tag => {
            text_ops()?;
            let all_tags = || protocol::all().flat_map(|p| p.firmware.tags.iter());
            if op != Op::Contains && !all_tags().any(|t| t.name.eq_ignore_ascii_case(text)) {
                let names: Vec<&str> = all_tags().map(|t| t.name).collect();
                return Err(format!("unknown tag `{text}`: expected one of {}", names.join(", ")));
            }
            Ok(Lit::Str(text.to_string()))
        }
        Field::Kind => {
            only_eq("a kind")?;
            ordinal_of(&Kind::ALL, Kind::as_str, text, "kind").map(Lit::Ord)
        }
        Field::Direction => {
            only_eq("a direction")?;
            ordinal_of(&DIRECTIONS, Direction::as_str, text, "direction").map(Lit::Ord)
        }
        Field::Firmware => {
            only_eq("a firmware generation")?;
            let known = text.eq_ignore_ascii_case(protocol::firmware::UNKNOWN.name)
                || protocol::all().any(|p| p.firmware.generation(text).is_some());
            if !known {
                let names: Vec<String> = fields_help()
                    .into_iter()
                    .filter(|(n, _)| *n == "firmware")
                    .map(|(_, w)| w)
                    .collect();
                return Err(format!(
                    "unknown firmware `{text}`: expected one of {}",
                    names.join(", ")
                ));
            }
            Ok(Lit::Str(text.to_string()))
        }
        Field::Severity => {
            if op == Op::Contains {
                return Err("`severity` is ordered: use ==, !=, <, <=, >, >=".into());
            }
            match text.to_ascii_lowercase().as_str() {
                "none" => Ok(Lit::Ord(0)),
                t => Severity::parse(t)
                    .map(|s| Lit::Ord(sev_ord(Some(s))))
                    .ok_or_else(|| format!("unknown severity `{text}`: expected none, info, warning or error")),
            }
        }
        Field::FixValid | Field::Alarm => boolean(),
        Field::Fix => Err("`fix` alone asks whether a frame has a position; compare fix.valid, fix.lat, fix.lon or speed_kmh".into()),
        Field::Lat | Field::Lon | Field::Speed | Field::Flow | Field::Frame | Field::Len => number(),
        Field::Tree(_) => match text.to_ascii_lowercase().as_str() {
            "true" | "false" if matches!(op, Op::Eq | Op::Ne) => Ok(Lit::Bool(text.eq_ignore_ascii_case("true"))),
            _ => match parse_num(text) {
                Some(n) if op != Op::Contains => Ok(Lit::Num(n)),
                _ => {
                    if matches!(op, Op::Eq | Op::Ne | Op::Contains) {
                        Ok(Lit::Str(text.to_string()))
                    } else {
                        Err(format!("expected a number after `{}`, found `{text}`", op.as_str()))
                    }
                }
            },
        },
    }
}

fn sev_ord(s: Option<Severity>) -> u8 {
    match s {
        None => 0,
        Some(Severity::Info) => 1,
        Some(Severity::Warning) => 2,
        Some(Severity::Error) => 3,
    }
}

/// Parses a filter expression. An empty (or blank) expression is `Ok(None)`: everything shows.
pub fn parse(src: &str) -> Result<Option<Filter>, FilterError> {
    if src.trim().is_empty() {
        return Ok(None);
    }
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        needs_tree: false,
        depth: 0,
    };
    let expr = p.or()?;
    let (t, col) = p.bump();
    if t != Tok::End {
        let msg = if t == Tok::Close {
            "this `)` closes nothing".to_string()
        } else if let Tok::Op(op) = t {
            format!("`{}` needs a field on its left", op.as_str())
        } else {
            format!("expected `&&`, `||` or the end, found {}", describe(&t))
        };
        return Err(err(col, msg));
    }
    Ok(Some(Filter {
        expr,
        needs_tree: p.needs_tree,
    }))
}
