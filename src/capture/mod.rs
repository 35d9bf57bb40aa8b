//! capture layer: in progress.
