//! net layer: in progress.
