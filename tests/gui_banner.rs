//! The findings banner: session findings stand above the frame list, and its button filters the
//! list to the device concerned.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gui_support;

use egui_kittest::kittest::Queryable as _;
use gui_support::{open_all as open, settle};

#[test]
fn a_device_the_server_never_answered_is_named_above_the_list() {
    let mut h = open(&["samples/no-answer.pcap", "samples/first-report.pcapng"]);
    let total = h.state().row_count();
    assert!(
        h.query_all_by_label_contains("never answered LOAD")
            .next()
            .is_some()
    );
    // Only the unanswered device is named in the banner; its button filters the list to it.
    h.get_by_label("Show its frames").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().session().filter, "imei == 864035052304178");
    assert_eq!(
        h.state().row_count(),
        6,
        "the six logins, of {total} frames"
    );
}

#[test]
fn no_banner_when_the_session_is_healthy() {
    let h = open(&["samples/first-report.pcapng"]);
    assert!(h.query_all_by_label("Show its frames").next().is_none());
}
