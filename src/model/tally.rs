//! Counters for the per-frame hot path of [`Stats`](super::Stats): a frame costs an array
//! increment or a short scan of a few `&'static str` keys compared by address first, where a
//! `BTreeMap<&str, u64>` costs a tree walk of string comparisons. The public maps the reports
//! read are built from these once, when the run ends (or for a snapshot of a live run).

use std::collections::BTreeMap;

use crate::protocol::Kind;

/// Counts by message kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindCounts([u64; Kind::ALL.len()]);

impl KindCounts {
    /// Adds `n` frames of `kind`.
    pub fn add(&mut self, kind: Kind, n: u64) {
        if let Some(c) = self.0.get_mut(kind as usize) {
            *c += n;
        }
    }

    /// The non-zero counts by kind name.
    pub fn by_name(&self) -> BTreeMap<&'static str, u64> {
        Kind::ALL
            .iter()
            .filter_map(|&k| {
                let n = self.0.get(k as usize).copied().unwrap_or(0);
                (n > 0).then_some((k.as_str(), n))
            })
            .collect()
    }
}

/// Counts by a name out of a small set of `&'static str` (protocols, firmware generations,
/// directions): a vector scanned in order, each key compared by address before by content.
#[derive(Debug, Clone, Default)]
pub struct Counts(Vec<(&'static str, u64)>);

impl Counts {
    /// Adds `n` to `key`.
    pub fn add(&mut self, key: &'static str, n: u64) {
        // The same literal is the same address: the content is compared only when it is not.
        let found = self
            .0
            .iter_mut()
            .find(|(k, _)| std::ptr::eq(*k, key) || *k == key);
        match found {
            Some((_, c)) => *c += n,
            None => self.0.push((key, n)),
        }
    }

    /// The key counted most (the last of equals in name order), if any.
    pub fn most(&self) -> Option<&'static str> {
        self.to_map()
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(k, _)| k)
    }

    /// The counts by name (each name has one entry).
    pub fn to_map(&self) -> BTreeMap<&'static str, u64> {
        self.0.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_equal_names_from_different_addresses() {
        let owned = String::from("classic");
        let leaked: &'static str = Box::leak(owned.into_boxed_str());
        let mut c = Counts::default();
        c.add("classic", 2);
        c.add(leaked, 3);
        c.add("4g", 1);
        assert_eq!(c.to_map().get("classic"), Some(&5));
        assert_eq!(c.to_map().len(), 2);
        assert_eq!(c.most(), Some("classic"));
    }

    #[test]
    fn kind_counts_name_every_kind_counted() {
        let mut k = KindCounts::default();
        for (i, kind) in Kind::ALL.iter().enumerate() {
            k.add(*kind, i as u64 + 1);
        }
        let m = k.by_name();
        assert_eq!(m.len(), Kind::ALL.len());
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(m.get(kind.as_str()), Some(&(i as u64 + 1)), "{kind:?}");
        }
    }
}
