//! Decoding context shared by the sentence decoders: the frame, the message being built, the
//! tree builder, and the comma-separated fields of the body.

use crate::protocol::{FieldDef, Span, Tags, Value};

/// Most fields kept apart; anything past this stays in the last field (photo hex is one field).
pub const MAX_FIELDS: usize = 48;

/// The comma-separated fields of a frame body, as spans into the frame.
pub struct Fields {
    spans: [Span; MAX_FIELDS],
    len: usize,
}

impl Fields {
    /// Splits `frame[start..end]` at commas.
    pub fn split(frame: &[u8], start: usize, end: usize) -> Self {
        let mut spans = [Span::default(); MAX_FIELDS];
        let mut len = 0;
        let mut from = start;
        let body = frame.get(start..end).unwrap_or(&[]);
        for (i, &c) in body.iter().enumerate() {
            if c == b',' && len + 1 < MAX_FIELDS {
                if let Some(s) = spans.get_mut(len) {
                    *s = Span::new(from, start + i);
                }
                len += 1;
                from = start + i + 1;
            }
        }
        if let Some(s) = spans.get_mut(len) {
            *s = Span::new(from, end);
        }
        Self {
            spans,
            len: len + 1,
        }
    }
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when there is no field (never: an empty body has one empty field).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The span of field `i`.
    pub fn get(&self, i: usize) -> Option<Span> {
        if i < self.len {
            self.spans.get(i).copied()
        } else {
            None
        }
    }
}

/// The decoding context of a sentence: the frame, the message being built and the tree
/// builder, as every text family's ([`crate::protocol::kit::Dec`]), with the BN-407's own
/// helpers below.
pub type Ctx<'f, 'b, 't> = crate::protocol::kit::Dec<'f, 'b, 't>;

impl Ctx<'_, '_, '_> {
    /// Checks a coordinate's `magnitude` (degrees, sign dropped) against its axis's bound
    /// (90° for a latitude, 180° for a longitude): beyond it, a `coord.lat_range` /
    /// `coord.lon_range` error on `def` whose message `m` makes from the bound, and false.
    pub fn coord_in_range(
        &mut self,
        is_lat: bool,
        magnitude: f64,
        s: Span,
        def: &'static FieldDef,
        m: impl FnOnce(f64) -> String,
    ) -> bool {
        let limit = if is_lat { 90.0 } else { 180.0 };
        if magnitude > limit {
            let code = if is_lat {
                "coord.lat_range"
            } else {
                "coord.lon_range"
            };
            self.error(code, m(limit), s, def);
            return false;
        }
        true
    }
    /// Adds a node with tags, and records the tags on the message.
    pub fn tagged(&mut self, def: &'static FieldDef, span: Span, value: Value, tags: Tags) {
        self.msg.tags |= tags;
        self.b.add_tagged(def, span, value, tags);
    }
    /// Adds a number node, or an error when the text is not a number. Empty adds nothing.
    pub fn number(&mut self, def: &'static FieldDef, span: Span, tags: Tags) -> Option<f64> {
        let t = self.text(span);
        if t.is_empty() {
            return None;
        }
        let t = t.strip_suffix(b"%").unwrap_or(t);
        match super::values::parse_decimal(t) {
            Some(v) => {
                self.tagged(def, span, Value::Num(v), tags);
                Some(v)
            }
            None => {
                self.tagged(def, span, Value::Raw, tags);
                let m = format!("{} must be a number, got '{}'", def.label, self.str(span));
                self.error("number.parse", m, span, def);
                None
            }
        }
    }
    /// Keeps fields `from..` as extra fields; non-empty ones get one warning.
    pub fn extras(&mut self, f: &Fields, from: usize) {
        let mut first_nonempty: Option<Span> = None;
        let mut count = 0;
        for i in from..f.len() {
            let Some(s) = f.get(i) else { continue };
            if s.is_empty() {
                continue;
            }
            count += 1;
            first_nonempty.get_or_insert(s);
            self.add(&super::fields::EXTRA, s, Value::Raw);
        }
        if let Some(s) = first_nonempty {
            let last = f.get(f.len().saturating_sub(1)).unwrap_or(s);
            let m = format!(
                "{count} field(s) after the last one any known firmware defines; kept as extra fields"
            );
            self.warn("fields.count", m, s.join(last), &super::fields::EXTRA);
        }
    }
}
