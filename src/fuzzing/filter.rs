//! Target `filter`: filter expressions parsed and evaluated on stored frames.

use std::sync::{Arc, OnceLock};

use crate::model::store::{FrameStore, StoreBuilder};
use crate::pipeline::{self, Input, RunOptions};

/// Stored frames the filter target evaluates its expressions on: a few BN-407 messages of
/// several firmware generations and kinds, and GT06 frames, decoded once.
fn filter_store() -> &'static FrameStore {
    static STORE: OnceLock<FrameStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let text = b"##,imei:864180034124375,A;\r\n\
            imei:864180034124375,tracker,250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,12.50,180.0,,1,0,85%,;\r\n\
            imei:864180034124375,help me,250101120100,,F,120100.000,A,3843.2560,N,00908.7620,W,0.00,0.0;\r\n\
            864180034124375;\r\n\
            imei:864180034124375,tracker,250101120200,,L,,,1a2b,,3c4d,,,;\r\n\
            imei:865456055519122,sensor alarm,2208011920,,L,;\r\n"
            .to_vec();
        let mut b = StoreBuilder::new();
        let _ = pipeline::run_all(
            &[Input::Bytes {
                name: "filter".into(),
                data: Arc::new(text),
            }],
            &mut RunOptions::default(),
            &mut |d| b.add(&d),
        );
        let mut store = FrameStore::new();
        store.append(b.take());
        store
    })
}

/// Target `filter`: the bytes as a filter expression (the window's and `export --filter`'s
/// language), parsed and, when valid, evaluated on a few stored frames.
pub fn filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match crate::model::filter::parse(&text) {
        Ok(Some(f)) => {
            let mut m = crate::model::filter::Matcher::new(f);
            for frame in filter_store().iter() {
                let _ = m.matches(&frame);
            }
        }
        Ok(None) => {}
        Err(e) => {
            assert!(
                e.column <= text.chars().count() + 1,
                "error column past the end"
            );
        }
    }
}
