//! The Live panel: starts and stops server, passive or relay mode, shows the laptop's addresses
//! and what to give the device (address, port, the usual set-up SMS of its protocol), the
//! listener's counters, and per device the first-report checklist and the command buttons.
//!
//! Live frames go into the same store as a file's (the engine's sink, in `live/session.rs`,
//! builds the same batches the loader does), so the list, tree, map, plots and findings show
//! them. The panel only asks for things through commands; the window owns the running session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use eframe::egui::{self, RichText, Ui};

use super::state::{Command, View};
use super::theme::Palette;
use crate::live::{DeviceLink, LiveConfig, Mode, record};
use crate::model::checklist::{Checklist, Step};
use crate::present::time::{fmt_duration, fmt_when};
use crate::protocol::{self, Action, SetupTarget};

mod session;
pub use session::{LiveMsg, LiveStatus, WindowSink};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModeChoice {
    Server,
    Passive,
    Relay,
}

/// The panel's own state: the settings being edited and the command inputs.
pub struct LivePanel {
    mode: ModeChoice,
    port: String,
    bind: String,
    tcp: bool,
    udp: bool,
    forward: String,
    record: bool,
    sos_ack: bool,
    interval: String,
    custom: String,
    confirm: Option<(String, Action)>,
    addresses: Vec<IpAddr>,
    addresses_at: Option<Instant>,
    form_error: Option<String>,
    /// Part of an IMEI: the devices shown when there are more than [`SHOWN_DEVICES`].
    find: String,
}

/// Device cards drawn at most: a fleet of thousands on the port would take seconds a frame to
/// lay out (an installer's few devices are always all shown); the others are found by IMEI.
const SHOWN_DEVICES: usize = 50;

impl Default for LivePanel {
    fn default() -> Self {
        Self {
            mode: ModeChoice::Server,
            port: "8888".into(),
            bind: "0.0.0.0".into(),
            tcp: true,
            udp: true,
            forward: String::new(),
            record: true,
            sos_ack: true,
            interval: "30".into(),
            custom: String::new(),
            confirm: None,
            addresses: Vec::new(),
            addresses_at: None,
            form_error: None,
            find: String::new(),
        }
    }
}

/// The laptop's addresses, loopback last.
fn local_addresses() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = if_addrs::get_if_addrs()
        .map(|l| l.into_iter().map(|i| i.ip()).collect())
        .unwrap_or_default();
    out.sort_by_key(|ip| (ip.is_loopback(), ip.is_ipv6(), *ip));
    out.dedup();
    out
}

/// A dot: filled for a step that happened, hollow for one still to come.
fn dot(ui: &mut Ui, done: bool, colour: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    let c = rect.center();
    if done {
        ui.painter().circle_filled(c, 4.0, colour);
    } else {
        ui.painter().circle_stroke(
            c,
            4.0,
            egui::Stroke::new(1.0, ui.visuals().weak_text_color()),
        );
    }
}

fn step_line(
    ui: &mut Ui,
    p: &Palette,
    label: &str,
    step: Option<&Step>,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| match step {
        Some(s) => {
            dot(ui, true, p.info);
            ui.label(label);
            let when = s.ts.map(fmt_when).unwrap_or_default();
            let text = if s.note.is_empty() {
                when
            } else {
                format!("{when} · {}", s.note)
            };
            ui.label(RichText::new(text).small().weak());
            if let Some(f) = s.frame.and_then(|f| usize::try_from(f).ok())
                && ui
                    .small_button(format!("#{}", f + 1))
                    .on_hover_text("Select this frame")
                    .clicked()
            {
                commands.push(Command::SelectFrame(f));
            }
        }
        None => {
            dot(ui, false, p.info);
            ui.label(RichText::new(label).weak());
        }
    });
}

impl LivePanel {
    /// The settings as a live configuration, or why they are wrong.
    fn config(&self) -> Result<LiveConfig, String> {
        let port: u16 = self.port.trim().parse().map_err(|_| {
            format!(
                "the port must be a number from 1 to 65535, not `{}`",
                self.port
            )
        })?;
        let bind: Vec<IpAddr> = self
            .bind
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| format!("`{s}` is not an IP address")))
            .collect::<Result<_, _>>()?;
        let mode = match self.mode {
            ModeChoice::Server => Mode::Server,
            ModeChoice::Passive => Mode::Passive,
            ModeChoice::Relay if self.forward.trim().is_empty() => {
                return Err("relay mode needs the platform's address (host:port)".into());
            }
            ModeChoice::Relay => Mode::Relay(self.forward.trim().to_string()),
        };
        let record = self
            .record
            .then(|| record::RecordConfig::new(record::default_path(SystemTime::now())));
        Ok(LiveConfig {
            port,
            bind,
            tcp: self.tcp,
            udp: self.udp,
            mode,
            sos_ack: self.sos_ack,
            record,
            ..LiveConfig::default()
        })
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let p = Palette::of(ui);
        let status = view.live;
        let running = status.is_some_and(|s| s.running);
        if self
            .addresses_at
            .is_none_or(|t| t.elapsed() > Duration::from_secs(10))
        {
            self.addresses = local_addresses();
            self.addresses_at = Some(Instant::now());
        }
        egui::ScrollArea::vertical().id_salt("live").show(ui, |ui| {
            ui.add_enabled_ui(!running, |ui| self.form(ui, &p));
            ui.horizontal(|ui| {
                if running {
                    if ui.button("Stop listening").clicked() {
                        view.commands.push(Command::StopLive);
                    }
                } else if ui.button("Start listening").clicked() {
                    match self.config() {
                        Ok(cfg) => {
                            self.form_error = None;
                            view.commands.push(Command::StartLive(Box::new(cfg)));
                        }
                        Err(e) => self.form_error = Some(e),
                    }
                }
            });
            if let Some(e) = self
                .form_error
                .as_ref()
                .or(status.and_then(|s| s.error.as_ref()))
            {
                ui.colored_label(p.error, e);
            }
            if let Some(s) = status {
                self.running(ui, &p, s, view.commands);
            }
            ui.separator();
            self.instructions(ui);
        });
    }

    fn form(&mut self, ui: &mut Ui, p: &Palette) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.mode, ModeChoice::Server, "Server")
                .on_hover_text(
                    "Answer the devices as their platform would (login, heartbeat, SOS)",
                );
            ui.selectable_value(&mut self.mode, ModeChoice::Relay, "Relay")
                .on_hover_text("Pass every byte both ways to the devices' real platform");
            ui.selectable_value(&mut self.mode, ModeChoice::Passive, "Passive")
                .on_hover_text("Answer nothing: listen and record");
        });
        egui::Grid::new("live-form").num_columns(2).show(ui, |ui| {
            ui.label("Port");
            ui.add(egui::TextEdit::singleline(&mut self.port).desired_width(70.0));
            ui.end_row();
            ui.label("Bind");
            ui.add(egui::TextEdit::singleline(&mut self.bind).desired_width(160.0))
                .on_hover_text(
                    "Addresses to listen on (comma-separated); 0.0.0.0 or :: is every interface",
                );
            ui.end_row();
            if self.mode == ModeChoice::Relay {
                ui.label("Platform");
                ui.add(
                    egui::TextEdit::singleline(&mut self.forward)
                        .hint_text("platform.example.com:8888")
                        .desired_width(200.0),
                );
                ui.end_row();
            }
        });
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.tcp, "TCP");
            ui.checkbox(&mut self.udp, "UDP");
            ui.checkbox(&mut self.record, "Record")
                .on_hover_text("Every byte both ways, to a pcapng file in your data folder");
            if self.mode == ModeChoice::Server {
                ui.checkbox(&mut self.sos_ack, "Acknowledge SOS");
            }
        });
        let every = self
            .bind
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .any(|s| s.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified()))
            || self.bind.trim().is_empty();
        if every {
            ui.colored_label(
                p.warning,
                "Every interface: anyone who can reach this laptop on this port can send to it.",
            );
        }
    }

    fn running(&mut self, ui: &mut Ui, p: &Palette, s: &LiveStatus, commands: &mut Vec<Command>) {
        let c = &s.counters;
        ui.separator();
        if s.running {
            let mode = match &s.mode {
                Some(Mode::Server) => "server".to_string(),
                Some(Mode::Passive) => "passive".to_string(),
                Some(Mode::Relay(t)) => format!("relay to {t}"),
                None => String::new(),
            };
            ui.label(RichText::new(format!("Listening ({mode}): {}", s.bound.join(", "))).strong());
        } else {
            ui.label(RichText::new("Stopped").strong());
        }
        if let Some(r) = &s.recording {
            ui.label(RichText::new(format!("Recording: {}", r.display())).small());
        }
        ui.label(
            RichText::new(format!(
                "{} TCP open, {} accepted, {} refused (limit), {} UDP peers, {} datagrams · {} frames, {} answers, {} commands",
                c.open, c.accepted, c.refused_limit, c.udp_peers, c.datagrams, c.frames, c.replies, c.commands
            ))
            .small(),
        );
        ui.label(
            RichText::new(format!(
                "closed: {} by devices, {} flooding without a frame, {} silent · {} platform unreachable · {} datagrams dropped with the analyzer behind, {} by the system",
                c.closed_by_device, c.closed_unframed, c.closed_idle, c.platform_unreachable, c.datagrams_dropped,
                c.kernel_drops()
            ))
            .small()
            .weak(),
        );
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_nanos()).ok())
            .unwrap_or(0);
        let many = s.checklists.len() > SHOWN_DEVICES;
        if many {
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("Find a device");
                ui.add(
                    egui::TextEdit::singleline(&mut self.find)
                        .hint_text("part of an IMEI")
                        .desired_width(160.0),
                )
                .labelled_by(label.id);
            });
        }
        let find = self.find.trim().to_string();
        let matching: Vec<&Checklist> = s
            .checklists
            .iter()
            .filter(|cl| !many || cl.imei.contains(find.as_str()))
            .collect();
        let shown = matching.get(..SHOWN_DEVICES).unwrap_or(&matching);
        // Each shown device's latest link, in one pass over the links (thousands on a fleet).
        let mut links: HashMap<&str, Option<&DeviceLink>> =
            shown.iter().map(|cl| (cl.imei.as_str(), None)).collect();
        for l in &s.links {
            if let Some(slot) = links.get_mut(l.imei.as_str()) {
                *slot = Some(l);
            }
        }
        for cl in shown {
            let link = links.get(cl.imei.as_str()).copied().flatten();
            ui.separator();
            self.device(ui, p, cl, link, now, s.running, commands);
        }
        if matching.len() > SHOWN_DEVICES {
            ui.separator();
            ui.weak(format!(
                "{} of {} devices shown; type part of an IMEI to find the others",
                SHOWN_DEVICES,
                matching.len()
            ));
        }
        if !s.events.is_empty() {
            egui::CollapsingHeader::new(format!("Events ({})", s.events.len()))
                .id_salt("live-events")
                .show(ui, |ui| {
                    for e in s.events.iter().rev().take(50) {
                        ui.label(RichText::new(e).small().weak());
                    }
                });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn device(
        &mut self,
        ui: &mut Ui,
        p: &Palette,
        cl: &Checklist,
        link: Option<&DeviceLink>,
        now: i64,
        running: bool,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.label(RichText::new(&cl.imei).strong());
            if let Some(l) = link {
                let state = match l.state {
                    crate::live::ConnState::Open => "open",
                    crate::live::ConnState::Closed => "closed",
                };
                ui.label(
                    RichText::new(format!(
                        "{} {} {state} · last frame {} ago",
                        l.protocol,
                        l.transport,
                        fmt_duration(i64::try_from(l.idle_s).unwrap_or(i64::MAX))
                    ))
                    .small(),
                );
            }
        });
        step_line(ui, p, "Connected", cl.connected.as_ref(), commands);
        step_line(ui, p, "Logged in", cl.logged_in.as_ref(), commands);
        step_line(ui, p, "Login accepted", cl.accepted.as_ref(), commands);
        step_line(
            ui,
            p,
            "Heartbeat answered",
            cl.heartbeat_answered.as_ref(),
            commands,
        );
        step_line(ui, p, "First report", cl.first_report.as_ref(), commands);
        step_line(ui, p, "First fix", cl.first_fix.as_ref(), commands);
        step_line(ui, p, "First valid fix", cl.first_valid.as_ref(), commands);
        if let Some(s) = cl.time_to_valid_s {
            ui.label(
                RichText::new(format!(
                    "   first valid fix {} after connecting",
                    fmt_duration(s)
                ))
                .small(),
            );
        }
        if cl.alarm_count > 0 {
            let names: Vec<&str> = cl.alarms.iter().map(|a| a.note.as_str()).collect();
            ui.label(
                RichText::new(format!(
                    "   {} alarm(s): {}",
                    cl.alarm_count,
                    names.join(", ")
                ))
                .color(p.error),
            );
        }
        if let Some(iv) = cl.report_interval_s() {
            ui.label(
                RichText::new(format!("   reports every {}", fmt_duration(iv as i64))).small(),
            );
        }
        if let Some(m) = cl.missing(now) {
            ui.colored_label(p.warning, m);
        }
        if running {
            self.buttons(ui, cl, link, commands);
        }
    }

    fn buttons(
        &mut self,
        ui: &mut Ui,
        cl: &Checklist,
        link: Option<&DeviceLink>,
        commands: &mut Vec<Command>,
    ) {
        let Some(imei) = protocol::Imei::new(cl.imei.as_bytes()) else {
            return;
        };
        let udp = link.is_some_and(|l| l.transport == "udp");
        let mut send = |a: Action| commands.push(Command::LiveCommand { imei, action: a });
        ui.horizontal_wrapped(|ui| {
            if ui.small_button("Position now").clicked() {
                send(Action::PositionNow);
            }
            ui.add(egui::TextEdit::singleline(&mut self.interval).desired_width(36.0));
            if ui.small_button("s: report periodically").clicked() {
                match self.interval.trim().parse::<u32>() {
                    Ok(s) if s > 0 => send(Action::Periodic(s)),
                    _ => self.form_error = Some("the interval must be a number of seconds".into()),
                }
            }
            if ui.small_button("Stop").clicked() {
                send(Action::Stop);
            }
            if ui.small_button("Arm").clicked() {
                send(Action::Arm);
            }
            if ui.small_button("Disarm").clicked() {
                send(Action::Disarm);
            }
            if ui.small_button("Photo").clicked() {
                send(Action::Photo);
            }
            if ui.small_button("Cut relay…").clicked() {
                self.confirm = Some((cl.imei.clone(), Action::RelayCut));
            }
            if ui.small_button("Restore relay…").clicked() {
                self.confirm = Some((cl.imei.clone(), Action::RelayRestore));
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.custom)
                    .hint_text("free-form command")
                    .desired_width(180.0),
            );
            if ui.small_button("Send").clicked() && !self.custom.trim().is_empty() {
                send(Action::Custom(self.custom.trim().to_string()));
            }
        });
        if udp {
            ui.label(
                RichText::new("UDP: commands wait and go out right after the unit's next datagram (carrier NAT drops anything sent earlier).")
                    .small()
                    .weak(),
            );
        }
        if let Some((who, action)) = self.confirm.clone()
            && who == cl.imei
        {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} on {who}? It can stop a moving vehicle.",
                    action.describe()
                ));
                if ui.button("Yes, send").clicked() {
                    commands.push(Command::LiveCommand { imei, action });
                    self.confirm = None;
                }
                if ui.button("Cancel").clicked() {
                    self.confirm = None;
                }
            });
        }
    }

    fn instructions(&self, ui: &mut Ui) {
        ui.label(RichText::new("What to give the device").strong());
        let port: u16 = self.port.trim().parse().unwrap_or(8888);
        let shown: Vec<&IpAddr> = self
            .addresses
            .iter()
            .filter(|ip| !ip.is_loopback())
            .take(4)
            .collect();
        if shown.is_empty() {
            ui.label("No network address: connect the laptop to a network first.");
        }
        for ip in &shown {
            ui.label(format!(
                "Address {ip}, port {port} ({})",
                match (self.tcp, self.udp) {
                    (true, true) => "TCP or UDP",
                    (true, false) => "TCP",
                    _ => "UDP",
                }
            ));
        }
        let host = shown
            .first()
            .map_or_else(|| "<address>".to_string(), |ip| ip.to_string());
        let target = SetupTarget {
            host: &host,
            port,
            udp: !self.tcp && self.udp,
        };
        if let Some(steps) = protocol::HOME.hooks.setup.map(|f| f(&target)) {
            ui.label(RichText::new(format!("SMS to the unit ({}):", protocol::HOME.title)).small());
            if let Some(first) = steps.first() {
                ui.label(RichText::new(first.note).small().weak());
            }
            for s in steps {
                ui.horizontal(|ui| {
                    ui.monospace(&s.sms);
                    ui.label(RichText::new(s.what).small());
                })
                .response
                .on_hover_text(s.note);
            }
        }
        ui.label(
            RichText::new(
                "The device must reach this laptop: a public address, or port forwarding on the router in front of it. Otherwise run `bn407 listen` on a server the devices reach, and stream its recording here.",
            )
            .small()
            .weak(),
        );
    }
}
