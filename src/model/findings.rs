//! Findings about devices and sessions rather than single frames: the support desk's common
//! cases ("logged in but never shows up", "wrong times") stated in plain words.

use serde::Serialize;

use super::Stats;
use crate::protocol::Severity;

/// A finding about a device or a session.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceFinding {
    /// Severity.
    pub severity: Severity,
    /// Stable code.
    pub code: &'static str,
    /// Device.
    pub imei: String,
    /// What it means and what to do.
    pub message: String,
}

/// Findings about each device of a run, in IMEI order.
pub fn device_findings(stats: &Stats) -> Vec<DeviceFinding> {
    let mut out = Vec::new();
    for dev in stats.devices.values() {
        let n = |k: &str| dev.by_kind.get(k).copied().unwrap_or(0);
        let server_seen = dev.flows.iter().any(|id| {
            stats
                .flows
                .iter()
                .any(|f| f.meta.id == *id && f.meta.transport != "raw")
        });
        let mut add = |severity, code, message: String| {
            out.push(DeviceFinding {
                severity,
                code,
                imei: dev.imei.clone(),
                message,
            })
        };
        let reports = n("report") + n("obd") + n("photo");
        if server_seen && n("login") > 0 && n("login_ack") == 0 {
            add(
                Severity::Error,
                "session.no_load",
                format!(
                    "logged in {} time(s) but the server never answered LOAD: the device repeats the login and never reports",
                    n("login")
                ),
            );
        }
        if server_seen && n("heartbeat") > 0 && n("heartbeat_ack") == 0 {
            add(
                Severity::Warning,
                "session.no_on",
                format!(
                    "sent {} heartbeat(s) that the server never answered with ON: the device drops the connection after a few",
                    n("heartbeat")
                ),
            );
        }
        if n("heartbeat") > 0 && reports == 0 {
            let activation = dev.commands.get("C").copied().unwrap_or(0);
            let message = if activation > 0 {
                format!(
                    "only heartbeats, no report, although the server sent {activation} periodic-report command(s) (C): \
                     the unit has not acted on it yet (a command reaches a sleeping unit only at its next heartbeat) \
                     or its firmware ignores it; try the SMS form (e.g. t030s***n123456)"
                )
            } else {
                format!(
                    "only heartbeats, no report: GPRS tracking is off. Activate it with the command **,imei:{},C,30s; \
                     or by SMS (e.g. t030s***n123456)",
                    dev.imei
                )
            };
            add(Severity::Warning, "session.heartbeat_only", message);
        }
        if let (Some(fix), Some((&offset, _))) =
            (dev.last_fix, dev.tz_offsets.iter().max_by_key(|(_, c)| **c))
        {
            let expected = (fix.lon / 15.0).round() as i32 * 3600;
            if (offset - expected).abs() >= 3 * 3600 {
                add(
                    Severity::Warning,
                    "device.timezone",
                    format!(
                        "device clock set to UTC{} but its position (longitude {:.1}°) suggests about UTC{}: local times will look wrong; set the zone by SMS (time zone<password> <hours>)",
                        offset_text(offset),
                        fix.lon,
                        offset_text(expected)
                    ),
                );
            }
        }
    }
    for f in &stats.flows {
        if f.protocol == "unknown" {
            let who = f
                .meta
                .device
                .map_or_else(|| format!("flow {}", f.meta.id), |a| a.to_string());
            out.push(DeviceFinding {
                severity: Severity::Warning,
                code: "flow.unknown_protocol",
                imei: String::new(),
                message: format!("{who} sends bytes no known protocol matches: a device configured for another platform profile?"),
            });
        }
    }
    out
}

fn offset_text(secs: i32) -> String {
    crate::protocol::display(
        crate::protocol::Value::Offset(secs),
        "",
        crate::protocol::Unit::None,
    )
    .trim_start_matches("UTC")
    .to_string()
}
