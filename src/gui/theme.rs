//! Colours of the window: row tints by severity and firmware tags, badges, and the legend.

use eframe::egui::{self, Color32, RichText, Ui};

use crate::protocol::Severity;

/// Colours that depend on light or dark mode.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Row tint of a frame with an error.
    pub error_bg: Color32,
    /// Row tint of a frame with a warning.
    pub warning_bg: Color32,
    /// Row tint of a frame with firmware-specific fields.
    pub firmware_bg: Color32,
    /// Text of an error badge.
    pub error: Color32,
    /// Text of a warning badge.
    pub warning: Color32,
    /// Text of an info badge.
    pub info: Color32,
    /// Text of a firmware tag badge.
    pub firmware: Color32,
    /// Highlight of the selected field's bytes.
    pub field_bytes: Color32,
    /// Highlight of the hovered field's bytes.
    pub hover_bytes: Color32,
    /// Device bubble in the conversation.
    pub device_bubble: Color32,
    /// Server bubble in the conversation.
    pub server_bubble: Color32,
}

impl Palette {
    /// The palette for the current visuals.
    pub fn of(ui: &Ui) -> Self {
        if ui.visuals().dark_mode {
            Self {
                error_bg: Color32::from_rgb(80, 30, 30),
                warning_bg: Color32::from_rgb(75, 60, 20),
                firmware_bg: Color32::from_rgb(30, 40, 56),
                error: Color32::from_rgb(255, 110, 100),
                warning: Color32::from_rgb(240, 190, 70),
                info: Color32::from_rgb(140, 180, 240),
                firmware: Color32::from_rgb(120, 180, 255),
                field_bytes: Color32::from_rgb(40, 90, 150),
                hover_bytes: Color32::from_rgb(60, 60, 70),
                device_bubble: Color32::from_rgb(35, 55, 80),
                server_bubble: Color32::from_rgb(45, 65, 45),
            }
        } else {
            Self {
                error_bg: Color32::from_rgb(255, 215, 212),
                warning_bg: Color32::from_rgb(255, 240, 195),
                firmware_bg: Color32::from_rgb(232, 241, 255),
                error: Color32::from_rgb(190, 20, 20),
                warning: Color32::from_rgb(160, 100, 0),
                info: Color32::from_rgb(30, 90, 170),
                firmware: Color32::from_rgb(20, 80, 170),
                field_bytes: Color32::from_rgb(170, 205, 255),
                hover_bytes: Color32::from_rgb(225, 225, 232),
                device_bubble: Color32::from_rgb(225, 237, 252),
                server_bubble: Color32::from_rgb(225, 245, 225),
            }
        }
    }

    /// Badge colour of a severity.
    pub fn severity(&self, s: Severity) -> Color32 {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }

    /// Row tint of a severity.
    pub fn row_bg(&self, s: Option<Severity>, firmware_specific: bool) -> Option<Color32> {
        match s {
            Some(Severity::Error) => Some(self.error_bg),
            Some(Severity::Warning) => Some(self.warning_bg),
            _ if firmware_specific => Some(self.firmware_bg),
            _ => None,
        }
    }
}

/// A small coloured badge.
pub fn badge(ui: &mut Ui, text: &str, color: Color32) -> egui::Response {
    let frame = egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(3.0)
        .inner_margin(egui::Margin::symmetric(3, 0));
    frame
        .show(ui, |ui| ui.label(RichText::new(text).small().color(color)))
        .inner
}

/// Letter of a severity badge.
pub fn severity_letter(s: Severity) -> &'static str {
    match s {
        Severity::Error => "E",
        Severity::Warning => "W",
        Severity::Info => "I",
    }
}

/// The legend of the row tints.
pub fn legend(ui: &mut Ui, p: &Palette) {
    let swatch = |ui: &mut Ui, c: Color32, text: &str| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
        ui.painter().rect_filled(rect, 2.0, c);
        ui.label(RichText::new(text).small());
    };
    swatch(ui, p.error_bg, "error");
    swatch(ui, p.warning_bg, "warning");
    swatch(ui, p.firmware_bg, "firmware-specific fields");
}
