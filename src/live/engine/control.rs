//! The engine's side of the user: commands to devices on request, and the tick that closes
//! idle connections, keeps the recording's time and tells the window where each device is.

use std::time::{Duration, Instant, SystemTime};

use super::{ConnState, DeviceLink, Engine, MAX_QUEUED};
use crate::live::{LiveEvent, LiveSink};
use crate::protocol::{Action, Diagnostic, Imei, Severity, Span};

impl Engine {
    /// A command to a device: now over TCP, after its next datagram over UDP.
    pub(super) fn command(&mut self, imei: Imei, action: &Action) {
        let target = self
            .conns
            .iter()
            .filter(|(_, c)| c.imei == Some(imei) && c.open)
            .max_by_key(|(_, c)| c.last)
            .map(|(id, c)| (*id, c.protocol, c.udp.is_some(), c.flow));
        let fail = |sink: &mut Box<dyn LiveSink>, reason: &str| {
            sink.event(&LiveEvent::CommandFailed {
                imei: imei.to_string(),
                reason: reason.to_string(),
            });
        };
        let Some((id, protocol, udp, flow)) = target else {
            fail(&mut self.sink, "the device has no open connection");
            return;
        };
        let bytes = protocol
            .and_then(|p| p.hooks.command)
            .and_then(|f| f(action, Some(&imei)));
        let Some(bytes) = bytes else {
            fail(
                &mut self.sink,
                "its protocol has no such command (try a custom command)",
            );
            return;
        };
        self.counters.commands += 1;
        self.an.note(
            flow,
            1,
            Diagnostic::new(
                Severity::Info,
                "live.command",
                format!("sent by the analyzer on request: {}", action.describe()),
                Span::new(0, 0),
            ),
        );
        if udp {
            if let Some(c) = self.conns.get_mut(&id)
                && c.queued.len() < MAX_QUEUED
            {
                c.queued.push(bytes);
            }
        } else {
            self.send(id, bytes);
        }
        self.sink.event(&LiveEvent::CommandSent {
            imei: imei.to_string(),
            what: action.describe(),
            queued: udp,
        });
    }

    pub(super) fn tick(&mut self) {
        self.last_tick = Instant::now();
        let idle: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.last.elapsed() >= self.cfg.idle && !c.closing)
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            self.counters.closed_idle += 1;
            if self.conns.get(&id).is_some_and(|c| c.udp.is_some()) {
                self.counters.udp_expired += 1;
            }
            self.close(id);
        }
        if let Some(r) = self.recorder.as_mut() {
            let _ = r.tick(SystemTime::now());
        }
        let mut links: Vec<DeviceLink> = self
            .conns
            .values()
            .filter_map(|c| {
                Some(DeviceLink {
                    imei: c.imei?.to_string(),
                    flow: c.flow,
                    transport: if c.udp.is_some() { "udp" } else { "tcp" },
                    peer: c.device,
                    state: if c.open {
                        ConnState::Open
                    } else {
                        ConnState::Closed
                    },
                    idle_s: c.last.elapsed().as_secs(),
                    queued: c.queued.len(),
                    protocol: c.protocol.map_or("unknown", |p| p.name),
                })
            })
            .collect();
        links.sort_by(|a, b| a.imei.cmp(&b.imei).then(a.flow.cmp(&b.flow)));
        self.counters.flows_forgotten = self.an.forgotten();
        self.counters.datagrams_dropped = self.sockets.queue.dropped();
        // Once a second: the kernel's table (a file read) and the flow summaries.
        let second = self.last_flows.elapsed() >= Duration::from_secs(1);
        if second {
            self.counters.datagrams_dropped_kernel = self.sockets.kernel.read();
        }
        self.sink.tick(&self.counters, &links);
        if second {
            self.last_flows = Instant::now();
            self.sink.flows(self.an.summaries());
        }
    }
}
