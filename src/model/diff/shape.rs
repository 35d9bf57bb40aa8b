//! The format of a field: a shape signature of its raw text, and how two shapes compare.
//!
//! A shape keeps what a parser depends on and drops what only the value decides: every digit
//! becomes `d` (so `2405011000` is `dddddddddd`, a 10-digit time), every run of letters becomes
//! `A` (upper case), `a` (lower case) or `Aa` (mixed), and punctuation, spaces, signs and units
//! stay as they are (`87%` is `#%`). For fields whose value is a number, the integer part's
//! length is the value's, not the format's: it becomes `#` (any number of digits) unless it is
//! zero-padded (`00908.1234` keeps its 5 digits, `4512.1234` is `#.dddd`); its decimals stay
//! exact and a minus sign is dropped (a negative temperature is a value, not a format). Fields
//! of binary frames have their length in bytes as their shape (`<4>`).
//!
//! `#` matches a digit run of any length, so a longitude of `15112.0000` (`#.dddd`) fits one of
//! `00908.0000` (`ddddd.dddd`): other positions are not other formats.

use crate::protocol::Value;

/// Longest shape kept, in characters (longer ones end with `…`).
const MAX_SHAPE: usize = 40;
/// Binary fields longer than this have the shape `<#>`.
const MAX_BINARY: usize = 16;

/// True when the value is a number whose integer part's length the value decides.
fn numeric(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Num(_) | Value::Coord(_) | Value::Blob(_) | Value::Offset(_)
    )
}

/// The shape of a field's raw bytes; `text` is false for fields of binary frames.
pub fn shape(raw: &[u8], value: &Value, text: bool) -> String {
    if !text {
        return if raw.len() > MAX_BINARY {
            "<#>".to_string()
        } else {
            format!("<{}>", raw.len())
        };
    }
    let num = numeric(value);
    if num && matches!(value, Value::Int(_)) && raw.iter().all(u8::is_ascii_hexdigit) {
        return "#".to_string();
    }
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        let run = raw
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| same_class(**b, c))
            .count()
            .max(1);
        let piece = raw.get(i..i + run).unwrap_or(&[]);
        if c.is_ascii_digit() {
            let after_point = i > 0 && raw.get(i - 1) == Some(&b'.');
            let padded = run > 1 && c == b'0';
            if num && !after_point && !padded {
                out.push('#');
            } else {
                out.extend(std::iter::repeat_n('d', run));
            }
        } else if c.is_ascii_alphabetic() {
            let upper = piece.iter().all(u8::is_ascii_uppercase);
            let lower = piece.iter().all(u8::is_ascii_lowercase);
            out.push_str(match (upper, lower) {
                (true, _) => "A",
                (_, true) => "a",
                _ => "Aa",
            });
        } else if num && c == b'-' && raw.get(i + 1).is_some_and(u8::is_ascii_digit) {
            // The sign of a number is its value's.
        } else if c.is_ascii_graphic() || c == b' ' {
            out.push(char::from(c));
        } else {
            out.push('?');
        }
        i += run;
    }
    if out.chars().count() > MAX_SHAPE {
        out = out.chars().take(MAX_SHAPE).collect();
        out.push('…');
    }
    out
}

fn same_class(a: u8, b: u8) -> bool {
    (a.is_ascii_digit() && b.is_ascii_digit())
        || (a.is_ascii_alphabetic() && b.is_ascii_alphabetic())
        || (a == b && a == b' ')
}

/// One token of a shape: a digit run (`None` for `#`, any length), or any other character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Digits(Option<usize>, bool),
    Char(char),
}

fn tokens(s: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut prev = None;
    for c in s.chars() {
        let after_point = prev == Some('.');
        match (c, out.last_mut()) {
            ('d', Some(Token::Digits(Some(n), _))) if prev == Some('d') => *n += 1,
            ('d', _) => out.push(Token::Digits(Some(1), after_point)),
            ('#', _) => out.push(Token::Digits(None, after_point)),
            (c, _) => out.push(Token::Char(c)),
        }
        prev = Some(c);
    }
    out
}

/// True when a field of shape `a` and one of shape `b` read the same way: the same characters,
/// digit runs of the same length where both are fixed (`#` fits any run).
pub fn compatible(a: &str, b: &str) -> bool {
    let (ta, tb) = (tokens(a), tokens(b));
    ta.len() == tb.len()
        && ta.iter().zip(&tb).all(|(x, y)| match (x, y) {
            (Token::Digits(None, _), Token::Digits(..))
            | (Token::Digits(..), Token::Digits(None, _)) => true,
            _ => x == y,
        })
}

/// How shape `b` differs from shape `a`, in words to follow "now": `12 digits (10 in A)`,
/// `5 decimals (4 in A)`, `empty (...)`, or both shapes.
pub fn describe(a: &str, b: &str, a_label: &str) -> String {
    if b.is_empty() {
        return format!("empty (`{a}` in {a_label})");
    }
    if a.is_empty() {
        return format!("filled: `{b}` (empty in {a_label})");
    }
    let (ta, tb) = (tokens(a), tokens(b));
    if ta.len() == tb.len() {
        let mut runs = Vec::new();
        let mut other = false;
        for (x, y) in ta.iter().zip(&tb) {
            match (x, y) {
                (Token::Digits(Some(m), pa), Token::Digits(Some(n), pb)) if m != n && pa == pb => {
                    runs.push((*m, *n, *pa));
                }
                _ if x == y => {}
                _ => other = true,
            }
        }
        if let ([(m, n, point)], false) = (runs.as_slice(), other) {
            let what = if *point { "decimals" } else { "digits" };
            return format!("{n} {what} ({m} in {a_label})");
        }
    }
    format!("`{b}` (`{a}` in {a_label})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str, v: Value) -> String {
        shape(raw.as_bytes(), &v, true)
    }

    #[test]
    fn times_keep_every_digit_and_numbers_only_their_decimals() {
        assert_eq!(text("2405011000", Value::LocalTime(0)), "dddddddddd");
        assert_eq!(text("240501100000", Value::LocalTime(0)), "dddddddddddd");
        assert_eq!(text("100000.000", Value::TimeOfDay(0)), "dddddd.ddd");
        assert_eq!(text("12.34", Value::Num(12.34)), "#.dd");
        assert_eq!(text("-5.5", Value::Num(-5.5)), "#.d");
        assert_eq!(text("+17", Value::Num(17.0)), "+#");
        assert_eq!(text("87%", Value::Num(87.0)), "#%");
        assert_eq!(text("1a2b", Value::Int(0x1a2b)), "#");
        assert_eq!(text("00908.0000", Value::Coord(-9.1)), "ddddd.dddd");
        assert_eq!(text("3843.00000", Value::Coord(38.7)), "#.ddddd");
        assert_eq!(text("A", Value::Enum("valid")), "A");
        assert_eq!(text("help me", Value::Raw), "a a");
        assert_eq!(text("", Value::Raw), "");
        assert_eq!(shape(&[0, 1, 2], &Value::Int(1), false), "<3>");
    }

    #[test]
    fn other_positions_fit_and_other_formats_do_not() {
        assert!(compatible("ddddd.dddd", "#.dddd"));
        assert!(compatible("#.dddd", "#.dddd"));
        assert!(!compatible("#.dddd", "#.ddddd"));
        assert!(!compatible("dddddddddd", "dddddddddddd"));
        assert!(!compatible("#%", "#"));
        assert_eq!(
            describe("dddddddddd", "dddddddddddd", "A"),
            "12 digits (10 in A)"
        );
        assert_eq!(describe("#.dddd", "#.ddddd", "A"), "5 decimals (4 in A)");
        assert_eq!(describe("#.dd", "", "A"), "empty (`#.dd` in A)");
        assert_eq!(describe("#.dd", "#%", "A"), "`#%` (`#.dd` in A)");
    }
}
