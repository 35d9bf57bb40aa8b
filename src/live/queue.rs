//! The way from the socket tasks to the engine: a channel bounded in bytes, so a slow engine
//! slows TCP devices (their connections stop being read) and drops, counted, the datagrams
//! that find no room, instead of holding an unbounded backlog.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::sockets::NetEvent;

/// What an event costs in the queue besides its bytes (its fields, the channel's node).
const EVENT_COST: usize = 128;

/// An event on its way to the engine, holding its share of the queue's budget until the engine
/// is done with it.
pub(super) struct Queued {
    pub(super) ev: NetEvent,
    _room: OwnedSemaphorePermit,
}

/// The way from the socket tasks to the engine, bounded in bytes: a connection whose bytes find
/// no room waits (and so stops reading: TCP flow control slows the device), a datagram that
/// finds no room is dropped and counted (UDP has no way to slow the sender).
#[derive(Clone)]
pub(super) struct Queue {
    tx: Sender<Queued>,
    gauge: Gauge,
}

/// The queue's budget and its drops, as the engine reads them.
#[derive(Clone)]
pub(super) struct Gauge {
    room: Arc<Semaphore>,
    limit: usize,
    /// Datagrams dropped because the queue was full.
    dropped: Arc<AtomicU64>,
}

impl Gauge {
    /// Bytes (with each event's [`EVENT_COST`]) queued now.
    pub(super) fn queued(&self) -> usize {
        self.limit.saturating_sub(self.room.available_permits())
    }

    /// Datagrams dropped so far because the queue was full.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Queue {
    pub(super) fn new(tx: Sender<Queued>, limit: usize) -> Self {
        let limit = limit.clamp(EVENT_COST, u32::MAX as usize);
        Self {
            tx,
            gauge: Gauge {
                room: Arc::new(Semaphore::new(limit)),
                limit,
                dropped: Arc::new(AtomicU64::new(0)),
            },
        }
    }

    /// The budget's fill and drops, for the engine.
    pub(super) fn gauge(&self) -> Gauge {
        self.gauge.clone()
    }

    /// The share of the budget `ev` takes (at most all of it).
    fn cost(&self, ev: &NetEvent) -> u32 {
        let bytes = match ev {
            NetEvent::TcpData { bytes, .. } | NetEvent::Udp { bytes, .. } => bytes.len(),
            _ => 0,
        };
        u32::try_from((bytes + EVENT_COST).min(self.gauge.limit)).unwrap_or(u32::MAX)
    }

    /// Queues `ev`, waiting for room.
    pub(super) async fn send(&self, ev: NetEvent) {
        let n = self.cost(&ev);
        if let Ok(room) = self.gauge.room.clone().acquire_many_owned(n).await {
            let _ = self.tx.send(Queued { ev, _room: room });
        }
    }

    /// Queues a datagram if there is room; drops it (counted) if not.
    pub(super) fn offer(&self, ev: NetEvent) {
        match self
            .gauge
            .room
            .clone()
            .try_acquire_many_owned(self.cost(&ev))
        {
            Ok(room) => {
                let _ = self.tx.send(Queued { ev, _room: room });
            }
            Err(_) => {
                self.gauge.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
