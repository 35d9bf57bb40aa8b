//! What the XML exports (GPX, KML) share: a quick-xml writer with the declaration written,
//! text made fit for XML 1.0, coordinates as decimals.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

/// A writer indented by two spaces, after `<?xml version="1.0" encoding="UTF-8"?>`.
pub(super) fn start<W: Write>(out: W) -> io::Result<Writer<W>> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

/// Text fit for XML 1.0: characters it cannot hold (control characters other than tab, line
/// feed and carriage return; U+FFFE, U+FFFF) become U+FFFD. quick-xml escapes `<`, `&`, quotes.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{80}'..='\u{9f}'))
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if text.chars().any(bad) {
        Cow::Owned(
            text.chars()
                .map(|c| if bad(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// `<name>text</name>`, the text cleaned and escaped.
pub(super) fn element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&clean(text)))?;
    Ok(())
}

/// A coordinate with seven decimals (about a centimetre).
pub(super) fn coord(v: f64) -> String {
    format!("{v:.7}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(clean("a\u{1}b\tc"), "a\u{fffd}b\tc");
        assert!(matches!(clean("plain <&>"), Cow::Borrowed(_)));
    }
}
