//! A live engine on a loopback port with a sink that keeps what it saw, for the listener tests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bn407::live::{self, Counters, DeviceLink, LiveConfig, LiveEvent, LiveSink};
use bn407::pipeline::Decoded;

/// What the sink saw: (direction, protocol, kind, bytes) per frame, events, last counters.
#[derive(Default)]
pub struct Seen {
    pub frames: Vec<(String, String, String, Vec<u8>)>,
    pub events: Vec<LiveEvent>,
    pub counters: Counters,
    pub links: Vec<DeviceLink>,
}

impl Seen {
    /// The kind of each frame, in order.
    pub fn kinds(&self) -> Vec<&str> {
        self.frames.iter().map(|f| f.2.as_str()).collect()
    }

    /// Connections refused, as events.
    pub fn refused(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, LiveEvent::Refused { .. }))
            .count()
    }
}

/// The sink that fills a [`Seen`].
pub struct Collect(pub Arc<Mutex<Seen>>);

impl LiveSink for Collect {
    fn frame(&mut self, d: &Decoded<'_>) {
        self.0.lock().unwrap().frames.push((
            d.direction.as_str().into(),
            d.protocol.name.into(),
            d.message.kind.as_str().into(),
            d.bytes.to_vec(),
        ));
    }
    fn event(&mut self, e: &LiveEvent) {
        self.0.lock().unwrap().events.push(e.clone());
    }
    fn tick(&mut self, c: &Counters, links: &[DeviceLink]) {
        let mut s = self.0.lock().unwrap();
        s.counters = *c;
        s.links = links.to_vec();
    }
}

/// The engine with `cfg` on 127.0.0.1, any port: its handle, its TCP address, what it saw.
pub fn start(cfg: LiveConfig) -> (live::LiveHandle, SocketAddr, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let cfg = LiveConfig {
        port: 0,
        bind: vec!["127.0.0.1".parse().unwrap()],
        ..cfg
    };
    let h = live::start(cfg, Box::new(Collect(seen.clone()))).unwrap();
    let addr = h
        .bound
        .iter()
        .find(|(t, _)| *t == "tcp")
        .map(|(_, a)| *a)
        .unwrap();
    (h, addr, seen)
}

/// Waits up to 10 s until `what` holds of what the engine saw; fails with its counters.
pub fn wait_until(seen: &Arc<Mutex<Seen>>, what: impl Fn(&Seen) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if what(&seen.lock().unwrap()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = seen.lock().unwrap();
    panic!("timed out waiting; counters {:?}", s.counters);
}
