//! Online tiles: two worker threads fetch over HTTP, from the disk cache first while a copy is
//! fresh, and leave the network alone for a while after it failed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cache::{cached, prune, store};
use super::{Reply, Request};
use crate::map::image::Image;

/// How long the network is left alone after a failure.
pub const RETRY_AFTER: Duration = Duration::from_secs(30);

/// How a tile that was not fetched because the network is resting fails.
pub const OFFLINE: &str = "offline";

/// Worker threads fetching tiles.
const WORKERS: usize = 2;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A PNG, JPEG or WebP tile decoded.
pub fn decode(bytes: &[u8]) -> Result<Image, String> {
    let img = image::load_from_memory(bytes).map_err(|e| format!("not an image: {e}"))?;
    Ok(Image::from_decoded(&img))
}

/// Bytes written to the disk cache since it was last pruned, shared by a source's workers;
/// starts full so that the first tile written prunes what earlier runs left.
struct Written(AtomicU64);

impl Written {
    /// Notes `len` bytes written to `file` (`<source>/<z>/<x>/<y>`); every eighth of `limit`
    /// written, prunes the source's folder. Files removed.
    fn note(&self, file: &std::path::Path, len: usize, limit: u64) -> usize {
        let since = self.0.fetch_add(len as u64, Ordering::Relaxed) + len as u64;
        if since < limit / 8 {
            return 0;
        }
        self.0.store(0, Ordering::Relaxed);
        match file.ancestors().nth(3) {
            Some(source) => prune(source, limit),
            None => 0,
        }
    }
}

/// A tile: from the cache while fresh; else from the network (cached for next time); a stale
/// copy when the network fails or rests, so that offline a tile seen once is always there.
/// The image and whether it came from the cache.
fn fetch(
    agent: &ureq::Agent,
    req: &Request,
    offline_since: &AtomicU64,
    written: &Written,
    pruned: &mut usize,
) -> Result<(Image, bool), String> {
    let copy = cached(req.file.as_ref());
    if let Some((bytes, false)) = &copy {
        return decode(bytes).map(|i| (i, true));
    }
    let failed_at = offline_since.load(Ordering::Relaxed);
    if failed_at != 0 && now_secs().saturating_sub(failed_at) < RETRY_AFTER.as_secs() {
        return match &copy {
            Some((bytes, _)) => decode(bytes).map(|i| (i, true)),
            None => Err(format!("{OFFLINE} (not in the cache)")),
        };
    }
    let got = agent
        .get(&req.url)
        .call()
        .and_then(|mut r| r.body_mut().with_config().limit(4 << 20).read_to_vec());
    match got {
        Ok(bytes) => {
            offline_since.store(0, Ordering::Relaxed);
            let image = decode(&bytes);
            if image.is_ok()
                && let Some(file) = &req.file
            {
                store(file, &bytes);
                *pruned += written.note(file, bytes.len(), req.cache_limit);
            }
            image.map(|i| (i, false))
        }
        Err(e) => {
            offline_since.store(now_secs().max(1), Ordering::Relaxed);
            match &copy {
                Some((bytes, _)) => decode(bytes).map(|i| (i, true)),
                None => Err(e.to_string()),
            }
        }
    }
}

/// Starts the worker threads of an online source: they take [`Request`]s, and answer each with
/// a [`Reply`] whose image `convert` made (on the worker), then call `wake`. They end when
/// either channel is dropped.
pub fn spawn<I: Send + 'static>(
    convert: impl Fn(Image) -> I + Send + Sync + 'static,
    wake: impl Fn() + Send + Sync + 'static,
) -> (Sender<Request>, Receiver<Reply<I>>) {
    let (tx, req_rx) = channel::<Request>();
    let (reply_tx, rx) = channel();
    let req_rx = Arc::new(Mutex::new(req_rx));
    let wake = Arc::new(wake);
    let convert = Arc::new(convert);
    let offline_since = Arc::new(AtomicU64::new(0));
    let written = Arc::new(Written(AtomicU64::new(u64::MAX / 2)));
    for n in 0..WORKERS {
        let written = Arc::clone(&written);
        let req_rx = Arc::clone(&req_rx);
        let reply_tx = reply_tx.clone();
        let wake = Arc::clone(&wake);
        let convert = Arc::clone(&convert);
        let offline_since = Arc::clone(&offline_since);
        let _ = std::thread::Builder::new()
            .name(format!("bn407-tiles-{n}"))
            .spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(15)))
                    .user_agent(concat!(
                        "bn407-analyzer/",
                        env!("CARGO_PKG_VERSION"),
                        " (BN-407 protocol analyzer)"
                    ))
                    .build()
                    .into();
                loop {
                    let next = match req_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(req) = next else { return };
                    let mut pruned = 0;
                    let result = fetch(&agent, &req, &offline_since, &written, &mut pruned);
                    let reply = Reply {
                        key: req.key,
                        result: result.map(|(image, cached)| (convert(image), cached)),
                        labels: Vec::new(),
                        pruned,
                    };
                    if reply_tx.send(reply).is_err() {
                        return;
                    }
                    wake();
                }
            });
    }
    (tx, rx)
}
