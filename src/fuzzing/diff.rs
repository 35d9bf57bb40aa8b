//! Target `diff`: the firmware diff of two inputs, reported in every format.

use std::sync::Arc;

use crate::pipeline::{self, Input, RunOptions};

/// Target `diff`: two inputs for the firmware diff, side A and side B, each recognised by its
/// content like a file (the first byte gives the share of the rest that is A), compared and
/// reported in every format; then the two as one set compared by firmware generation.
pub fn diff(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let cut = rest.len() * usize::from(*first) / 255;
    let (a, b) = rest.split_at(cut.min(rest.len()));
    let side = |label: &str, bytes: &[u8]| {
        let mut p = crate::model::diff::Profile::new(label);
        let mut opts = RunOptions {
            tree: true,
            decoders: Some(0),
            ..Default::default()
        };
        let out = pipeline::run_all(
            &[Input::Bytes {
                name: label.into(),
                data: Arc::new(bytes.to_vec()),
            }],
            &mut opts,
            &mut |d| p.add(&d),
        );
        p.finish(&out.flows);
        p
    };
    let pa = side("A", a);
    let pb = side("B", b);
    let cmp = crate::model::diff::compare(&pa, &pb);
    render_all(&[crate::model::diff::report::Run {
        cmp,
        inputs: [vec!["A".into()], vec!["B".into()]],
    }]);
    let inputs = [Input::Bytes {
        name: "AB".into(),
        data: Arc::new(rest.to_vec()),
    }];
    if let Ok(runs) = crate::model::diff::report::by_firmware(&inputs, &[]) {
        render_all(&runs);
    }
}

/// Every form of the diff's report (text, Markdown, JSON).
fn render_all(runs: &[crate::model::diff::report::Run]) {
    use crate::model::diff::report;
    let _ = report::text(runs);
    let _ = report::markdown(runs);
    let _ = report::json_of(runs).to_string();
}
