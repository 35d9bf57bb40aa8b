//! Multi-resolution simplification of a track, computed once as points arrive.
//!
//! Points are taken in chunks of [`CHUNK`]. When a chunk is complete (or the track is
//! finished), one Douglas–Peucker pass over it in projected world coordinates gives every
//! interior point its significance: its distance from the chord when it was chosen as a split
//! point, clamped to its parent's significance. A point survives the Douglas–Peucker
//! simplification with tolerance `t` exactly when its significance exceeds `t`, so one pass
//! serves every zoom level: level `z` keeps the points whose significance exceeds half a pixel
//! at zoom `z`, plus the forced ones (the track's first point, invalid fixes, alarms) and the
//! chunk's two ends. Where two chunks meet, each level then drops the junction points that lie
//! within its tolerance of the line through their neighbours, so chunking leaves no trace on a
//! straight road; a dropped point is within one pixel of the drawn line (half a pixel from
//! Douglas–Peucker, at most half more from a dropped junction). The index list of each level is
//! extended once per chunk and never recomputed; points of the open chunk are in every level
//! until the chunk is simplified, held once as a range rather than copied into every list
//! ([`Simplified`] joins the two), so a point costs one byte until its chunk is settled.
//!
//! Cost: O(k log k) a chunk for ordinary tracks; ranges whose points all lie within the finest
//! tolerance are settled at once, so a parked device or a straight road is linear. The worst
//! case (a spiral) is O(k²) a chunk, bounded by the chunk size.

/// Number of zoom levels with their own index list (zoom 0 to `LEVELS - 1`).
pub const LEVELS: usize = 21;

/// Points simplified together (this bounds the worst-case cost and how many newest points are
/// drawn unsimplified).
pub const CHUNK: usize = 4096;

/// Tolerance at zoom 0, in world units: half a pixel of a 256-pixel world.
const TOL0: f64 = 0.5 / 256.0;

/// Douglas–Peucker tolerance of level `z`, world units.
pub fn tolerance(z: usize) -> f64 {
    TOL0 / (1u64 << z.min(62)) as f64
}

/// The points of a track to draw at one zoom: ascending indices into its points, those of
/// the settled chunks kept at that zoom and then every point of the open chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Simplified<'a> {
    settled: &'a [u32],
    open: (u32, u32),
}

impl<'a> Simplified<'a> {
    /// Indices kept.
    pub fn len(&self) -> usize {
        self.settled.len() + (self.open.1 - self.open.0) as usize
    }

    /// True when no index is kept (an empty track).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The indices, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.into_iter()
    }

    /// The indices of the settled chunks (a list kept between calls, not recomputed).
    pub fn settled(&self) -> &'a [u32] {
        self.settled
    }

    /// The indices in a vector of their own.
    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for Simplified<'a> {
    type Item = u32;
    type IntoIter =
        std::iter::Chain<std::iter::Copied<std::slice::Iter<'a, u32>>, std::ops::Range<u32>>;

    fn into_iter(self) -> Self::IntoIter {
        self.settled.iter().copied().chain(self.open.0..self.open.1)
    }
}

impl PartialEq<[u32]> for Simplified<'_> {
    fn eq(&self, other: &[u32]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl PartialEq<&[u32]> for Simplified<'_> {
    fn eq(&self, other: &&[u32]) -> bool {
        *self == **other
    }
}

impl<const N: usize> PartialEq<&[u32; N]> for Simplified<'_> {
    fn eq(&self, other: &&[u32; N]) -> bool {
        *self == other[..]
    }
}

/// The index lists of one track.
#[derive(Debug, Clone)]
pub(crate) struct Levels {
    /// Per level, indices into the track's points of the settled chunks, ascending.
    levels: Vec<Vec<u32>>,
    /// First point of the open chunk.
    start: u32,
    /// Forced flags of the open chunk's points.
    forced: Vec<bool>,
    /// Whether the last point of the previous chunk was forced.
    last_forced: bool,
}

impl Default for Levels {
    fn default() -> Self {
        Self {
            levels: vec![Vec::new(); LEVELS],
            start: 0,
            forced: Vec::new(),
            last_forced: true,
        }
    }
}

impl Levels {
    /// Adds point `index` (the next index of the track). Returns true when the open chunk is
    /// full and [`Levels::settle`] should run.
    pub(crate) fn push(&mut self, index: u32, forced: bool) -> bool {
        if self.forced.is_empty() {
            self.start = index;
        }
        self.forced.push(forced);
        self.forced.len() >= CHUNK
    }

    /// Simplifies the open chunk now (the next point starts a new chunk). `world` gives the
    /// projected position of a point by index.
    pub(crate) fn settle(&mut self, world: &dyn Fn(u32) -> (f64, f64)) {
        if self.forced.is_empty() {
            return;
        }
        let start = self.start;
        let xy: Vec<(f64, f64)> = (0u32..)
            .take(self.forced.len())
            .map(|i| world(start.saturating_add(i)))
            .collect();
        let sig = significance(&xy);
        let first_forced = self.forced.first().copied().unwrap_or(true);
        for (level, z) in self.levels.iter_mut().zip(0..) {
            let tol = tolerance(z);
            let settled = level.len();
            let kept = sig
                .iter()
                .zip(&self.forced)
                .zip(0u32..)
                .filter(|((s, f), _)| **f || **s > tol)
                .map(|(_, i)| start.saturating_add(i));
            level.extend(kept);
            // The chunk ends were kept for the chunks' sake only: drop them where they add
            // nothing at this level (the previous chunk's last point, then this one's first).
            if settled > 0 {
                prune(level, settled - 1, self.last_forced, tol, world);
                let at = level.partition_point(|&i| i < start);
                prune(level, at, first_forced, tol, world);
            }
        }
        self.last_forced = self.forced.last().copied().unwrap_or(true);
        self.forced.clear();
    }

    /// The index list for `zoom` (rounded up; beyond the last level, the last level).
    pub(crate) fn get(&self, zoom: f64) -> Simplified<'_> {
        let z = if zoom.is_nan() {
            LEVELS - 1
        } else {
            (zoom.ceil().max(0.0) as usize).min(LEVELS - 1)
        };
        let open = u32::try_from(self.forced.len()).unwrap_or(u32::MAX);
        Simplified {
            settled: self.levels.get(z).map_or(&[], Vec::as_slice),
            open: (self.start, self.start.saturating_add(open)),
        }
    }
}

/// Removes `level[pos]` when it is not forced and lies within `tol` of the segment joining
/// its neighbours in the list.
fn prune(
    level: &mut Vec<u32>,
    pos: usize,
    forced: bool,
    tol: f64,
    world: &dyn Fn(u32) -> (f64, f64),
) {
    if forced || pos == 0 {
        return;
    }
    let (Some(&a), Some(&p), Some(&b)) = (level.get(pos - 1), level.get(pos), level.get(pos + 1))
    else {
        return;
    };
    if segment_distance(world(p), world(a), world(b)) <= tol {
        level.remove(pos);
    }
}

/// Clamped Douglas–Peucker significance of every point; the ends get infinity.
fn significance(xy: &[(f64, f64)]) -> Vec<f64> {
    let n = xy.len();
    let mut sig = vec![0.0; n];
    if let Some(s) = sig.first_mut() {
        *s = f64::INFINITY;
    }
    if let Some(s) = sig.last_mut() {
        *s = f64::INFINITY;
    }
    let finest = tolerance(LEVELS - 1);
    let mut stack = vec![(0usize, n.saturating_sub(1), f64::INFINITY)];
    while let Some((a, b, parent)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (Some(&pa), Some(&pb)) = (xy.get(a), xy.get(b)) else {
            continue;
        };
        let mut best = (a, -1.0f64);
        for (i, &p) in xy.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance(p, pa, pb);
            if d > best.1 {
                best = (i, d);
            }
        }
        // A NaN distance (which finite coordinates cannot give) leaves the first point, at 0.
        let (m, d) = (best.0.max(a + 1), best.1.max(0.0).min(parent));
        if d < finest {
            // Every point between a and b is within the finest tolerance: none is kept at any
            // level, whatever the order of splits; they keep significance d (< every tolerance).
            for s in sig.iter_mut().take(b).skip(a + 1) {
                *s = d;
            }
            continue;
        }
        if let Some(s) = sig.get_mut(m) {
            *s = d;
        }
        stack.push((a, m, d));
        stack.push((m, b, d));
    }
    sig
}

/// Distance from `p` to the segment `a`–`b`.
#[doc(hidden)]
pub fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}
