//! The conversation check: every acknowledgement must echo the type and serial of a device
//! frame still waiting for its answer, and must itself carry a correct CRC. A unit whose login
//! is answered with another serial (or a bad CRC) treats it as no answer and logs in forever.

use std::collections::VecDeque;

use super::frame::Layout;
use super::values;
use crate::protocol::{Diagnostic, Direction, Kind, Message, Session, Severity, Span};

/// Device frames remembered while they wait for an answer (older ones are forgotten).
pub const KEEP: usize = 32;

/// Device frames waiting for their acknowledgement, per flow.
#[derive(Debug, Default)]
pub struct AckCheck {
    pending: VecDeque<(u8, u16)>,
    seen_device: bool,
}

/// A fresh checker for one flow.
pub fn new_session() -> Box<dyn Session> {
    Box::new(AckCheck::default())
}

fn name(ty: u8) -> &'static str {
    values::type_info(ty).map_or("message", |t| t.name)
}

impl AckCheck {
    /// Frames waiting for an answer, oldest first: (type, serial).
    pub fn pending(&self) -> impl Iterator<Item = &(u8, u16)> {
        self.pending.iter()
    }

    fn answer(&mut self, lay: &Layout, msg: &mut Message) {
        let Some((at, serial)) = lay.serial else {
            return;
        };
        if !self.seen_device {
            return; // the capture began after the frame this answers
        }
        let ty = lay.ty;
        if let Some(i) = self
            .pending
            .iter()
            .position(|&(t, s)| t == ty && (s == serial || ty == 0x8a))
        {
            self.pending.remove(i);
            return;
        }
        let consequence = if ty == 0x01 {
            "the unit takes it for no answer and keeps logging in forever"
        } else {
            "the unit takes it for no answer and sends the data again"
        };
        let waiting: Vec<String> = self
            .pending
            .iter()
            .filter(|&&(t, _)| t == ty)
            .map(|&(_, s)| format!("{s:04x}"))
            .collect();
        let m = if waiting.is_empty() {
            format!(
                "acknowledges {} serial {serial:04x}, but no such frame waits for an answer: {consequence}",
                name(ty)
            )
        } else {
            format!(
                "acknowledges {} serial {serial:04x}, the device's frame had serial {}: {consequence}",
                name(ty),
                waiting.join(", ")
            )
        };
        msg.diag(
            Diagnostic::new(Severity::Error, "gt06.ack_serial", m, Span::new(at, at + 2))
                .on(super::fields::SERIAL.name),
        );
    }
}

impl Session for AckCheck {
    fn observe(&mut self, dir: Direction, frame: &[u8], msg: &mut Message) {
        let Some(lay) = Layout::of(frame) else {
            return;
        };
        let answer = matches!(
            msg.kind,
            Kind::LoginAck | Kind::HeartbeatAck | Kind::Ack | Kind::TimeReply
        ) && !lay.wifi_count;
        if answer {
            if lay.crc_ok(frame) == Some(false)
                && let Some((at, _)) = lay.crc
            {
                let m =
                    "the platform's answer has a wrong CRC: the unit ignores it, as if unanswered";
                msg.diag(
                    Diagnostic::new(Severity::Error, "gt06.ack_crc", m, Span::new(at, at + 2))
                        .on(super::fields::CRC.name),
                );
            }
            self.answer(&lay, msg);
            return;
        }
        if dir == Direction::ToDevice || msg.kind.natural_direction() != Direction::ToServer {
            return;
        }
        let Some((_, serial)) = lay.serial else {
            return;
        };
        self.seen_device = true;
        if values::acknowledged(lay.ty) || lay.ty == 0x8a {
            self.pending.push_back((lay.ty, serial));
            if self.pending.len() > KEEP {
                self.pending.pop_front();
            }
        }
    }
}
