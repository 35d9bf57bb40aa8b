//! Words and numbers as people read them, for the command line and the window alike: times,
//! positions and units, the few words that sum a frame up, a frame as one line of text and as
//! JSON.
//!
//! Both faces print through here, so `decode` and the window's copy of a frame say the same
//! thing. [`time`] and [`units`] know nothing of the crate (the protocols' field display and the
//! model's findings use them too); the rest reads decoded frames ([`crate::pipeline::Decoded`]).

mod json;
mod json_line;
mod line;
mod summary;
pub mod time;
pub mod units;

pub use json::{frame_json, tree_json};
pub use json_line::frame_json_line;
pub use line::frame_line;
pub use summary::summary;
