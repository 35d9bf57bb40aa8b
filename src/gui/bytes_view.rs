//! The bytes view: hex and ASCII of the selected frame. The selected field's bytes are
//! highlighted (the hovered field's more faintly); clicking a byte selects the innermost field
//! holding it.

use std::ops::Range;

use eframe::egui::{self, Color32, FontId, Pos2, Rect, RichText, Sense, TextStyle, Ui, vec2};

use super::state::{Command, Detail, View};
use super::theme::Palette;

/// Bytes per line.
const PER_LINE: usize = 16;
/// Columns before the hex: `0000  `.
const HEX_COL: usize = 6;
/// Column of the ASCII part.
const ASCII_COL: usize = HEX_COL + PER_LINE * 3 + 2;

/// The bytes view's state.
#[derive(Debug, Default)]
pub struct BytesView {
    /// The (frame, field) shown last, to scroll to a newly selected field's bytes.
    shown: Option<(usize, Option<usize>)>,
    /// Lines on screen in the last frame.
    on_screen: std::ops::Range<usize>,
}

/// Column (in characters) of byte `j` of a line in the hex part.
fn hex_col(j: usize) -> usize {
    HEX_COL + j * 3 + usize::from(j >= PER_LINE / 2)
}

/// Byte of a line under column `col`, if any.
fn byte_at_col(col: usize) -> Option<usize> {
    if col >= ASCII_COL {
        let j = col - ASCII_COL;
        return (j < PER_LINE).then_some(j);
    }
    (0..PER_LINE).find(|&j| {
        let c = hex_col(j);
        col >= c && col < c + 3
    })
}

impl BytesView {
    /// The byte range the view highlights for `field` (none for an empty span).
    pub fn highlight(detail: &Detail, field: Option<usize>) -> Option<Range<usize>> {
        let n = detail.tree.nodes.get(field?)?;
        let r = n.span.start as usize..(n.span.end as usize).min(detail.bytes.len());
        (r.start < r.end).then_some(r)
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let Some(detail) = view.detail else {
            ui.centered_and_justified(|ui| ui.label(RichText::new("No frame selected.").weak()));
            return;
        };
        let palette = Palette::of(ui);
        let sel = Self::highlight(detail, view.selection.field);
        let hov = Self::highlight(detail, view.selection.hovered_field);
        match (
            &sel,
            view.selection.field.and_then(|i| detail.tree.nodes.get(i)),
        ) {
            (Some(r), Some(n)) => ui.label(format!(
                "{}: bytes {}..{} ({} bytes)",
                n.def.name,
                r.start,
                r.end,
                r.len()
            )),
            _ => ui.label(
                RichText::new(format!(
                    "{} bytes; click a byte to select its field",
                    detail.bytes.len()
                ))
                .weak(),
            ),
        };
        ui.separator();
        let font = FontId::monospace(TextStyle::Monospace.resolve(ui.style()).size);
        let char_w = ui.ctx().fonts_mut(|f| f.glyph_width(&font, '0'));
        let row_h = ui.ctx().fonts_mut(|f| f.row_height(&font)) + 2.0;
        let lines = detail.bytes.len().div_ceil(PER_LINE);
        let text_color = ui.visuals().text_color();
        let weak = ui.visuals().weak_text_color();
        let commands = &mut *view.commands;
        let Self { shown, on_screen } = self;
        let mut area = egui::ScrollArea::both().id_salt("bytes").auto_shrink(false);
        let now = (detail.frame, view.selection.field);
        if *shown != Some(now) {
            // A newly selected field whose bytes are off screen: bring them into view.
            if let Some(r) = &sel {
                let line = r.start / PER_LINE;
                if !on_screen.contains(&line) {
                    let spacing = ui.spacing().item_spacing.y;
                    area = area.vertical_scroll_offset(line as f32 * (row_h + spacing));
                }
            }
            *shown = Some(now);
        }
        let look = Look {
            detail,
            sel,
            hov,
            palette,
            font,
            char_w,
            row_h,
            text_color,
            weak,
        };
        area.show_rows(ui, row_h, lines, |ui, range| {
            *on_screen = range.clone();
            for line in range {
                hex_line(ui, &look, line, commands);
            }
        });
    }
}

/// What every line of the view needs: the frame, the selected and hovered bytes, colours and
/// the font's measures.
struct Look<'a> {
    detail: &'a Detail,
    sel: Option<Range<usize>>,
    hov: Option<Range<usize>>,
    palette: Palette,
    font: FontId,
    char_w: f32,
    row_h: f32,
    text_color: Color32,
    weak: Color32,
}

/// Line `line` of the view: offset, hex and ASCII, the selected and hovered bytes lit; hovering
/// a byte names it and lights its field, a click selects its field.
fn hex_line(ui: &mut Ui, look: &Look<'_>, line: usize, commands: &mut Vec<Command>) {
    let width = (ASCII_COL + PER_LINE + 1) as f32 * look.char_w;
    let (rect, resp) = ui.allocate_exact_size(vec2(width, look.row_h), Sense::click());
    let base = line * PER_LINE;
    let chunk = look
        .detail
        .bytes
        .get(base..(base + PER_LINE).min(look.detail.bytes.len()))
        .unwrap_or(&[]);
    let painter = ui.painter_at(rect);
    let x = |col: usize| rect.left() + col as f32 * look.char_w;
    let cell = |col: usize, w: usize| {
        Rect::from_min_size(
            Pos2::new(x(col), rect.top()),
            vec2(w as f32 * look.char_w, look.row_h),
        )
    };
    for (j, _) in chunk.iter().enumerate() {
        let off = base + j;
        let lit = |o: usize| {
            if look.sel.as_ref().is_some_and(|r| r.contains(&o)) {
                Some(look.palette.field_bytes)
            } else if look.hov.as_ref().is_some_and(|r| r.contains(&o)) {
                Some(look.palette.hover_bytes)
            } else {
                None
            }
        };
        if let Some(c) = lit(off) {
            // Join the highlight over the gap to the next byte when it is lit too.
            let joins = j + 1 < chunk.len() && lit(off + 1) == Some(c);
            let wide = match (joins, j + 1 == PER_LINE / 2) {
                (true, true) => 4,
                (true, false) => 3,
                _ => 2,
            };
            painter.rect_filled(cell(hex_col(j), wide), 0.0, c);
            painter.rect_filled(cell(ASCII_COL + j, 1), 0.0, c);
        }
    }
    let mut hex = String::new();
    let mut ascii = String::new();
    for (j, b) in chunk.iter().enumerate() {
        if j == PER_LINE / 2 {
            hex.push(' ');
        }
        hex.push_str(&format!("{b:02x} "));
        ascii.push(if (0x20..0x7f).contains(b) {
            *b as char
        } else {
            '.'
        });
    }
    let top = rect.top() + 1.0;
    // The offset (weak), the hex and the ASCII, each in its column.
    let offset = format!("{base:04x}");
    for (col, text, color) in [
        (0, &offset, look.weak),
        (HEX_COL, &hex, look.text_color),
        (ASCII_COL, &ascii, look.text_color),
    ] {
        painter.text(
            Pos2::new(x(col), top),
            egui::Align2::LEFT_TOP,
            text,
            look.font.clone(),
            color,
        );
    }
    let row_text = format!("{base:04x}  {hex} {ascii}");
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &row_text));
    let byte_under = |p: Option<Pos2>| {
        let p = p?;
        let col = ((p.x - rect.left()) / look.char_w).floor();
        if col < 0.0 {
            return None;
        }
        let j = byte_at_col(col as usize)?;
        (j < chunk.len()).then_some(base + j)
    };
    if let Some(off) = byte_under(resp.hover_pos()) {
        commands.push(Command::HoverField(look.detail.tree.node_at(off)));
        resp.clone().on_hover_text(format!(
            "byte {off} = 0x{:02x}",
            look.detail.bytes.get(off).copied().unwrap_or(0)
        ));
    }
    if resp.clicked()
        && let Some(off) = byte_under(resp.interact_pointer_pos())
    {
        commands.push(Command::SelectField(look.detail.tree.node_at(off)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip() {
        for j in 0..PER_LINE {
            assert_eq!(byte_at_col(hex_col(j)), Some(j));
            assert_eq!(byte_at_col(hex_col(j) + 1), Some(j));
            assert_eq!(byte_at_col(ASCII_COL + j), Some(j));
        }
        assert_eq!(byte_at_col(0), None);
    }
}
