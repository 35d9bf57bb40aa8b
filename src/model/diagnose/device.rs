//! Findings about one device: its session (login and heartbeat answers, tracking switched off),
//! its fixes, its clock, its rhythm, its identity, its commands and its connections.

use super::Finding;
use super::fleet::Context;
use super::state::{DeviceState, EVIDENCE, Evidence};
use crate::present::time::{fmt_clock, fmt_duration, fmt_zone};
use crate::protocol::{Advice, Imei, Kind, Protocol, Severity};

/// A command this long before the end of the capture with no answer is a finding, seconds.
const COMMAND_GRACE_S: i64 = 180;

struct Out<'o> {
    imei: Imei,
    out: &'o mut Vec<Finding>,
}

impl Out<'_> {
    fn add(&mut self, severity: Severity, code: &'static str, message: String, evidence: &[u64]) {
        self.out.push(Finding {
            severity,
            code,
            imei: Some(self.imei.to_string()),
            flow: None,
            message,
            evidence: evidence.iter().copied().take(EVIDENCE).collect(),
        });
    }
}

fn advice(p: Option<&'static Protocol>, a: Advice, imei: &Imei) -> Option<String> {
    p.and_then(|p| p.hooks.advice)
        .and_then(|f| f(a, Some(imei)))
}

/// Appends `: <advice>` when the protocol has words for it.
fn with_advice(mut s: String, advice: Option<String>) -> String {
    if let Some(a) = advice {
        s.push_str("; ");
        s.push_str(&a);
    }
    s
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Every finding about one device.
pub fn judge(imei: Imei, dev: &DeviceState, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut o = Out { imei, out };
    let flows = ctx.flows_of(&imei);
    let login_unanswered = session(&mut o, dev, ctx, &flows);
    tracking(&mut o, dev, login_unanswered);
    fixes(&mut o, dev);
    clock(&mut o, dev);
    rhythm(&mut o, dev);
    identity(&mut o, dev);
    commands(&mut o, dev, ctx);
    connections(&mut o, ctx, &flows);
}

/// Logins and heartbeats the platform never answered, judged only on flows whose answers the
/// capture would show. Returns true when logins went unanswered.
fn session(o: &mut Out<'_>, dev: &DeviceState, ctx: &Context<'_>, flows: &[u32]) -> bool {
    let (mut logins, mut acks, mut bad_acks, mut beats, mut beat_acks) = (0u64, 0u64, 0u64, 0, 0);
    for &id in flows.iter().filter(|id| ctx.answers_visible(**id)) {
        let Some(t) = ctx.track(id) else { continue };
        logins += u64::from(t.count(0, Kind::Login));
        acks += u64::from(t.count(1, Kind::LoginAck));
        bad_acks += u64::from(t.bad_login_acks);
        beats += t.count(0, Kind::Heartbeat);
        beat_acks += t.count(1, Kind::HeartbeatAck);
    }
    let good_acks = acks.saturating_sub(bad_acks);
    let mut unanswered = false;
    if logins > 0 && good_acks == 0 {
        unanswered = true;
        let mut s = if bad_acks > 0 {
            format!(
                "logged in {} and every answer carried an error (a wrong serial or checksum), so the unit does not take it as accepted",
                plural(logins, "time", "times")
            )
        } else {
            format!(
                "logged in {} and was never accepted",
                plural(logins, "time", "times")
            )
        };
        if dev.reports.count == 0 {
            s.push_str(": the unit never reported");
        }
        let s = with_advice(s, advice(dev.protocol, Advice::LoginNotAccepted, &o.imei));
        o.add(
            Severity::Error,
            "session.login_unanswered",
            s,
            &dev.logins.frames,
        );
    }
    if beats >= 2 && beat_acks == 0 {
        o.add(
            Severity::Warning,
            "session.heartbeat_unanswered",
            format!(
                "sent {} the platform never answered: units drop the connection after a few unanswered heartbeats and reconnect",
                plural(u64::from(beats), "heartbeat", "heartbeats")
            ),
            &dev.heartbeats.frames,
        );
    }
    unanswered
}

/// Logged in or alive, but no report: tracking is switched off.
fn tracking(o: &mut Out<'_>, dev: &DeviceState, login_unanswered: bool) {
    let alive = dev.heartbeats.count >= 2 || (dev.heartbeats.count >= 1 && dev.logins.count >= 1);
    if dev.reports.count > 0 || !alive || login_unanswered {
        return;
    }
    let commands = dev.answered + dev.pending.len() as u64 + dev.unanswered.len() as u64;
    let s = if commands > 0 {
        format!(
            "only heartbeats ({}), no report, although {} sent to it (not acted on yet: a command reaches a sleeping unit only at its next heartbeat, or its firmware ignores it): GPRS tracking is off",
            dev.heartbeats.count,
            plural(commands, "command was", "commands were")
        )
    } else {
        format!(
            "only heartbeats ({}), no report: GPRS tracking is off",
            dev.heartbeats.count
        )
    };
    let s = with_advice(s, advice(dev.protocol, Advice::ActivateTracking, &o.imei));
    o.add(
        Severity::Warning,
        "session.heartbeat_only",
        s,
        &dev.heartbeats.frames,
    );
}

/// Reports without a valid satellite fix.
fn fixes(o: &mut Out<'_>, dev: &DeviceState) {
    let n = dev.reports.count;
    if n < 3 {
        return;
    }
    if dev.valid.count == 0 && dev.no_fix.count == n {
        o.add(
            Severity::Warning,
            "fix.cell_only",
            format!("all {n} reports carry cell data only, no satellite fix: no GNSS reception; check the GPS antenna and the mounting (under metal, inside the dashboard) or whether the unit is indoors"),
            &dev.no_fix.frames,
        );
    } else if dev.valid.count == 0 {
        let mut ev = dev.invalid.frames.clone();
        ev.extend(
            dev.no_fix
                .frames
                .iter()
                .take(EVIDENCE.saturating_sub(ev.len())),
        );
        o.add(
            Severity::Warning,
            "fix.never_valid",
            format!("none of its {n} reports has a valid fix ({} invalid, {} cell only): no satellite reception; check the GPS antenna and the mounting, or whether the unit is indoors", dev.invalid.count, dev.no_fix.count),
            &ev,
        );
    } else if n >= 10 && (dev.invalid.count + dev.no_fix.count) * 2 >= n {
        o.add(
            Severity::Info,
            "fix.mostly_invalid",
            format!(
                "{} of its {n} reports have no valid fix: reception is poor much of the time",
                dev.invalid.count + dev.no_fix.count
            ),
            &dev.invalid.frames,
        );
    }
}

/// The device's time zone, and reports captured long after (or before) their fix time.
fn clock(o: &mut Out<'_>, dev: &DeviceState) {
    if let Some(zone) = dev.zone() {
        let factory = zone == 8 * 3600;
        let factory_words = if factory {
            " (still the factory setting)"
        } else {
            ""
        };
        match dev.last_lon {
            Some(lon) => {
                let expected = (lon / 15.0).round() as i32 * 3600;
                if (zone - expected).abs() >= 3 * 3600 {
                    let s = format!(
                        "device clock set to UTC{}{factory_words} but its position (longitude {lon:.1}°) suggests about UTC{}: local times on the platform and in SMS will look wrong",
                        fmt_zone(zone),
                        fmt_zone(expected)
                    );
                    let s = with_advice(
                        s,
                        advice(dev.protocol, Advice::SetTimezone(expected / 3600), &o.imei),
                    );
                    o.add(Severity::Warning, "device.timezone", s, &dev.valid.frames);
                } else {
                    o.add(
                        Severity::Info,
                        "device.zone",
                        format!(
                            "device clock set to UTC{}{factory_words}, which fits its position",
                            fmt_zone(zone)
                        ),
                        &[],
                    );
                }
            }
            None => o.add(
                Severity::Info,
                "device.zone",
                format!("device clock set to UTC{}{factory_words}", fmt_zone(zone)),
                &[],
            ),
        }
    }
    clock_skew(o, "clock.late", dev.worst_late, &dev.late, |worst| {
        format!(
            "{} captured long after their fix time (up to {} late; the first evidence frame is the latest): buffered while the unit had no connection and sent when it came back; the platform shows them as history, not live",
            plural(dev.late.count, "report was", "reports were"),
            fmt_duration(worst)
        )
    });
    clock_skew(o, "clock.ahead", dev.worst_early, &dev.early, |worst| {
        format!(
            "{} a fix time ahead of the moment it was captured (up to {}; the first evidence frame is the furthest ahead): the unit's date or time is wrong (a wrong time-zone setting shifts the date it derives)",
            plural(dev.early.count, "report has", "reports have"),
            fmt_clock(worst)
        )
    });
}

/// A warning about reports captured far from their fix time, when there are any (`worst`:
/// the furthest one's seconds and frame); its evidence starts with that frame.
fn clock_skew(
    o: &mut Out<'_>,
    code: &'static str,
    worst: Option<(i64, u64)>,
    reports: &Evidence,
    message: impl FnOnce(i64) -> String,
) {
    if let Some((worst, frame)) = worst {
        let evidence: Vec<u64> = std::iter::once(frame)
            .chain(reports.frames.iter().copied().filter(|f| *f != frame))
            .collect();
        o.add(Severity::Warning, code, message(worst), &evidence);
    }
}

/// The report and heartbeat intervals, and gaps over twice the usual interval.
fn rhythm(o: &mut Out<'_>, dev: &DeviceState) {
    if let Some(r) = dev.report_times.rhythm() {
        o.add(
            Severity::Info,
            "timing.reports",
            format!(
                "reports every {} ({} of {} intervals within 25% of it)",
                fmt_duration(r.dominant as i64),
                r.regular,
                r.total
            ),
            &[],
        );
        if r.long > 0 {
            let gaps: Vec<&(u64, u64)> = dev
                .report_times
                .longest()
                .iter()
                .filter(|(s, _)| *s > r.dominant * 2)
                .collect();
            if let Some((secs, _)) = gaps.first() {
                let ev: Vec<u64> = gaps.iter().map(|(_, f)| *f).collect();
                o.add(
                    Severity::Warning,
                    "timing.gaps",
                    format!(
                        "{} over twice the usual report interval of {}; the longest lasted {} (the evidence frames end the gaps, longest first): the unit was off, out of coverage, or its reports were lost",
                        plural(u64::from(r.long), "gap", "gaps"),
                        fmt_duration(r.dominant as i64),
                        fmt_duration(*secs as i64)
                    ),
                    &ev,
                );
            }
        }
    }
    if let Some(r) = dev.heartbeat_times.rhythm() {
        o.add(
            Severity::Info,
            "timing.heartbeats",
            format!(
                "heartbeats every {} ({} of {} intervals within 25% of it)",
                fmt_duration(r.dominant as i64),
                r.regular,
                r.total
            ),
            &[],
        );
    }
}

/// The IMEI's check digit, and reports sent twice.
fn identity(o: &mut Out<'_>, dev: &DeviceState) {
    if dev.luhn.count > 0 {
        o.add(
            Severity::Warning,
            "imei.check_digit",
            "the IMEI's check digit is wrong: a test unit, a clone, or an IMEI typed wrongly when the unit was set up; the platform must be registered with exactly this number".to_string(),
            &dev.luhn.frames,
        );
    }
    if dev.resent.count > 0 {
        let sev = if dev.resent.count >= 3 {
            Severity::Warning
        } else {
            Severity::Info
        };
        o.add(
            sev,
            "frames.resent",
            format!(
                "{} again with the same bytes: the unit resends what it thinks was not received (no answer, or an answer too late)",
                plural(dev.resent.count, "report was sent", "reports were sent")
            ),
            &dev.resent.frames,
        );
    }
}

/// Commands never followed by a reply or a report.
fn commands(o: &mut Out<'_>, dev: &DeviceState, ctx: &Context<'_>) {
    let mut silent: Vec<&super::state::Command> = dev.unanswered.iter().collect();
    let mut too_soon = Vec::new();
    for c in &dev.pending {
        match (c.ts, ctx.last_ts) {
            (Some(t), Some(end)) if end.saturating_sub(t) / 1_000_000_000 >= COMMAND_GRACE_S => {
                silent.push(c)
            }
            (Some(t), Some(end)) => too_soon.push((c, end.saturating_sub(t) / 1_000_000_000)),
            _ => {}
        }
    }
    for c in silent {
        o.add(
            Severity::Warning,
            "command.no_response",
            format!(
                "the command {} was followed by no reply and no report from the unit: it may not have reached it (a sleeping unit takes commands only at its next heartbeat), or the firmware does not know it",
                c.text
            ),
            &[c.frame],
        );
    }
    for (c, secs) in too_soon {
        o.add(
            Severity::Info,
            "command.outcome_unknown",
            format!(
                "the capture ends {} after the command {}: too soon to tell whether the unit acted on it",
                fmt_duration(secs),
                c.text
            ),
            &[c.frame],
        );
    }
}

/// Many short connections, and two connections of one device at once.
fn connections(o: &mut Out<'_>, ctx: &Context<'_>, flows: &[u32]) {
    let mut spans: Vec<(i64, i64, u32, u64)> = flows
        .iter()
        .filter(|id| ctx.is_connection(**id))
        .filter_map(|id| {
            let t = ctx.track(*id)?;
            let (a, b) = t.span?;
            Some((a, b, *id, t.first_frame))
        })
        .collect();
    spans.sort_unstable();
    if spans.len() >= 4 {
        let mut durations: Vec<i64> = spans
            .iter()
            // Capture times come from the input: any two, however far apart.
            .map(|(a, b, _, _)| b.saturating_sub(*a) / 1_000_000_000)
            .collect();
        durations.sort_unstable();
        let median = durations.get(durations.len() / 2).copied().unwrap_or(0);
        let first = spans.first().map_or(0, |s| s.0);
        let last = spans.iter().map(|s| s.1).max().unwrap_or(first);
        let hours = (last.saturating_sub(first) as f64 / 3.6e12).max(1.0 / 60.0);
        let per_hour = spans.len() as f64 / hours;
        if median < 120 && per_hour >= 6.0 {
            let ev: Vec<u64> = spans.iter().map(|s| s.3).collect();
            o.add(
                Severity::Warning,
                "connection.churn",
                format!(
                    "connected {} times in {} (about {per_hour:.0} an hour; half the connections lasted under {}): every reconnect costs the unit a data-session set-up and a TCP handshake, which drains its battery; look at what closes them (the platform's idle timeout, unanswered heartbeats, weak signal)",
                    spans.len(),
                    fmt_duration(last.saturating_sub(first) / 1_000_000_000),
                    fmt_duration(median.max(1))
                ),
                &ev,
            );
        }
    }
    for pair in spans.windows(2) {
        let [(_, a_end, a_id, a_first), (b_start, _, b_id, b_first)] = pair else {
            continue;
        };
        if b_start < a_end {
            o.add(
                Severity::Warning,
                "imei.concurrent",
                format!(
                    "the same IMEI is on two connections at once (flows {a_id} and {b_id} both carry frames): a stale half-open session the platform did not close, or two units configured with one IMEI; commands may go into the wrong one"
                ),
                &[*a_first, *b_first],
            );
            break;
        }
    }
}
