//! The streamed `jsonl` line of a frame is, byte for byte, the frame's JSON object printed, for
//! every frame of every sample (BN-407 text and server log) and of the other families'
//! captures in the fuzz seeds.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use bn407::pipeline::{self, Input, RunOptions};
use bn407::present::{frame_json, frame_json_line};

fn inputs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["samples", "fuzz/corpus/capture"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let capture = [".pcap", ".pcapng", ".log"]
                .iter()
                .any(|x| name.ends_with(x));
            if capture && (dir == "samples" || name.starts_with("seed-")) {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_streamed_line_is_the_json_object_printed() {
    let mut frames = 0;
    for path in inputs() {
        let mut opts = RunOptions {
            tree: true,
            ..Default::default()
        };
        pipeline::run_all(&[Input::Path(path.clone())], &mut opts, &mut |d| {
            assert_eq!(
                frame_json_line(&d),
                frame_json(&d).to_string(),
                "{} frame {}",
                path.display(),
                d.index
            );
            frames += 1;
        });
    }
    assert!(frames > 300, "{frames} frames compared");
}
