//! The tiles of a local `.pmtiles` file: one worker thread opens the file (its header and root
//! directory can be large), says what it holds, then reads and draws the tiles asked for.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::{Reply, Request};
use crate::map::image::Image;
use crate::map::pmtiles::PmTiles;

/// What the worker found on opening the file: whether its tiles are vector tiles, and its
/// deepest zoom; or why the file cannot be used.
pub type Opened = Result<(bool, u8), String>;

/// Starts the worker thread for the file at `path` (vector tiles drawn with the light or the
/// `dark` style): it answers [`Request`]s with [`Reply`]s whose image `convert` made (on the
/// worker), and calls `wake` after each. A tile outside the file's area fails with an empty
/// error (no error to show).
pub fn spawn<I: Send + 'static>(
    path: &Path,
    dark: bool,
    convert: impl Fn(Image) -> I + Send + 'static,
    wake: impl Fn() + Send + 'static,
) -> (Sender<Request>, Receiver<Reply<I>>, Receiver<Opened>) {
    let (tx, req_rx) = channel::<Request>();
    let (reply_tx, rx) = channel();
    let (open_tx, opened) = channel();
    let file = path.to_path_buf();
    let _ = std::thread::Builder::new()
        .name("bn407-pmtiles".into())
        .spawn(move || {
            let mut pm = match PmTiles::open(&file) {
                Ok(pm) => pm,
                Err(e) => {
                    let _ = open_tx.send(Err(e));
                    wake();
                    return;
                }
            };
            let _ = open_tx.send(Ok((pm.is_vector(), pm.max_zoom)));
            wake();
            while let Ok(req) = req_rx.recv() {
                let (z, x, y) = req.key;
                let mut labels = Vec::new();
                let result = match pm.tile_image(z, x, y, dark) {
                    Ok(Some((image, l))) => {
                        labels = l;
                        Ok((convert(image), false))
                    }
                    // Outside the file's area: not an error.
                    Ok(None) => Err(String::new()),
                    Err(e) => Err(e),
                };
                if reply_tx
                    .send(Reply {
                        key: req.key,
                        result,
                        labels,
                        pruned: 0,
                    })
                    .is_err()
                {
                    return;
                }
                wake();
            }
        });
    (tx, rx, opened)
}
