//! Intervals between a device's messages: the dominant interval, its spread and the gaps, kept in
//! a bounded histogram so a capture of any length costs the same memory.

use std::collections::BTreeMap;

/// Distinct interval buckets kept; further intervals are only counted.
const MAX_BUCKETS: usize = 512;
/// Longest gaps remembered.
const TOP_GAPS: usize = 5;

/// The bucket an interval (seconds) falls in: a second below two minutes, five seconds below
/// ten, thirty seconds below an hour, five minutes above. Jitter of a report timer falls in one
/// bucket or its neighbour.
fn bucket(secs: u64) -> u64 {
    match secs {
        0..120 => secs,
        120..600 => secs / 5 * 5,
        600..3600 => secs / 30 * 30,
        _ => secs / 300 * 300,
    }
}

/// Intervals between successive events of one kind (capture time).
#[derive(Debug, Default, Clone)]
pub struct Intervals {
    prev: Option<(i64, u64)>,
    /// Intervals by bucket: how many, and their milliseconds together.
    hist: BTreeMap<u64, (u32, u64)>,
    overflow: u32,
    count: u32,
    /// The longest intervals: (seconds, frame that ended it).
    gaps: Vec<(u64, u64)>,
}

/// What the intervals amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rhythm {
    /// The most common interval, seconds (its bucket).
    pub dominant: u64,
    /// Intervals within 25 % of the dominant one.
    pub regular: u32,
    /// All intervals.
    pub total: u32,
    /// Intervals over twice the dominant one.
    pub long: u32,
}

impl Intervals {
    /// An event at `ts_ns` in frame `frame`.
    pub fn event(&mut self, ts_ns: i64, frame: u64) {
        if let Some((prev, _)) = self.prev
            && ts_ns >= prev
        {
            // Capture times come from the input: any two, however far apart.
            let diff = ts_ns.saturating_sub(prev);
            let secs = u64::try_from(diff / 1_000_000_000).unwrap_or(0);
            let ms = u64::try_from(diff / 1_000_000).unwrap_or(0);
            self.count = self.count.saturating_add(1);
            let b = bucket(secs);
            let full = self.hist.len() >= MAX_BUCKETS;
            match self.hist.get_mut(&b) {
                Some((n, sum)) => {
                    *n += 1;
                    *sum += ms;
                }
                None if !full => {
                    self.hist.insert(b, (1, ms));
                }
                None => self.overflow = self.overflow.saturating_add(1),
            }
            // Longest first, the earlier frame first among equals; most intervals are too
            // short to enter a full list.
            let enters =
                self.gaps.len() < TOP_GAPS || self.gaps.last().is_some_and(|&(s, _)| secs > s);
            if enters {
                let at = self.gaps.partition_point(|&(s, _)| s >= secs);
                self.gaps.insert(at, (secs, frame));
                self.gaps.truncate(TOP_GAPS);
            }
        }
        if self.prev.is_none_or(|(p, _)| ts_ns >= p) {
            self.prev = Some((ts_ns, frame));
        }
    }

    /// The dominant interval and how regular the events are; `None` with fewer than three
    /// intervals or when no interval recurs.
    pub fn rhythm(&self) -> Option<Rhythm> {
        if self.count < 3 {
            return None;
        }
        // The dominant bucket, counting its neighbours (a 30 s timer jitters over 29..31).
        let near = |d: u64| -> u32 {
            let lo = d.saturating_sub(d / 4);
            let hi = d + d / 4;
            self.hist.range(lo..=hi).map(|(_, (n, _))| *n).sum()
        };
        let (&dominant, _) = self
            .hist
            .iter()
            .filter(|(k, _)| **k > 0)
            .max_by(|a, b| near(*a.0).cmp(&near(*b.0)).then(b.0.cmp(a.0)))?;
        let regular = near(dominant);
        if regular < 2 {
            return None;
        }
        let long = self
            .hist
            .range(dominant.saturating_mul(2) + 1..)
            .map(|(_, (n, _))| *n)
            .sum();
        Some(Rhythm {
            dominant,
            regular,
            total: self.count,
            long,
        })
    }

    /// The mean of the intervals within 25 % of the dominant one, seconds: the interval a timer
    /// keeps, without the rounding of the buckets.
    pub fn typical(&self) -> Option<f64> {
        let d = self.rhythm()?.dominant;
        let range = d.saturating_sub(d / 4)..=d + d / 4;
        let (n, ms) = self
            .hist
            .range(range)
            .fold((0u32, 0u64), |(n, ms), (_, (k, s))| (n + k, ms + s));
        (n > 0).then(|| ms as f64 / 1000.0 / f64::from(n))
    }

    /// The spread of the intervals: the buckets holding the 10th and the 90th percentile,
    /// seconds; `None` before the first interval.
    pub fn spread(&self) -> Option<(u64, u64)> {
        let kept: u32 = self.hist.values().map(|(n, _)| n).sum();
        let at = |share: u32| {
            let want = (u64::from(kept) * u64::from(share) / 100).max(1);
            let mut seen = 0u64;
            self.hist.iter().find_map(|(b, (n, _))| {
                seen += u64::from(*n);
                (seen >= want).then_some(*b)
            })
        };
        Some((at(10)?, at(90)?))
    }

    /// The longest intervals seen, longest first: (seconds, frame that ended it).
    pub fn longest(&self) -> &[(u64, u64)] {
        &self.gaps
    }

    /// Number of intervals.
    pub fn count(&self) -> u32 {
        self.count
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn dominant_interval_survives_jitter_and_gaps() {
        let mut iv = Intervals::default();
        let mut t = 0;
        for (i, step) in [30, 31, 29, 30, 30, 600, 30, 31, 30].iter().enumerate() {
            t += step * S;
            iv.event(t, i as u64);
        }
        let r = iv.rhythm().unwrap_or_else(|| panic!("rhythm"));
        assert!((29..=31).contains(&r.dominant), "{r:?}");
        assert_eq!(r.long, 1);
        assert_eq!(iv.longest().first(), Some(&(600, 5)));
        assert_eq!(iv.spread(), Some((29, 31)));
        let typical = iv.typical().unwrap_or_else(|| panic!("typical"));
        // The first event starts the count: 31, 29, 30, 30, 30, 31, 30 and the gap.
        assert!((typical - 211.0 / 7.0).abs() < 1e-9, "{typical}");
    }

    #[test]
    fn too_few_intervals_say_nothing() {
        let mut iv = Intervals::default();
        iv.event(0, 0);
        iv.event(30 * S, 1);
        assert_eq!(iv.rhythm(), None);
    }
}
