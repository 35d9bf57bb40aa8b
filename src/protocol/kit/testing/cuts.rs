//! `stream` cut into pieces: one function shared by the families' unit tests
//! (`kit::testing`) and the integration tests' `decode_support`, which include this file.

/// `stream` cut at `cuts` (each at most its length; any order, repeats allowed) into pieces.
pub fn cut_at<'s>(stream: &'s [u8], cuts: &[usize]) -> Vec<&'s [u8]> {
    let mut cuts = cuts.to_vec();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for c in cuts {
        pieces.push(&stream[from..c]);
        from = c;
    }
    pieces.push(&stream[from..]);
    pieces
}
