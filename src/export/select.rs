//! Which frames an export keeps: the window's filter language and an optional device, evaluated
//! per frame as the pipeline delivers it, without keeping the frames.

use crate::model::filter::{self, FilterError, Matcher};
use crate::model::store::StoreBuilder;
use crate::pipeline::Decoded;

/// Keeps frames by a filter expression and a device.
#[derive(Debug)]
pub struct Selector {
    matcher: Option<Matcher>,
    imei: Option<String>,
}

impl Selector {
    /// A selector for `filter` (the window's filter language; blank keeps every frame) and
    /// `imei` (only frames of that device); a wrong expression is an error.
    pub fn new(filter: &str, imei: Option<&str>) -> Result<Self, FilterError> {
        Ok(Self {
            matcher: filter::parse(filter)?.map(Matcher::new),
            imei: imei.map(str::to_owned),
        })
    }

    /// True when the selector keeps every frame.
    pub fn keeps_all(&self) -> bool {
        self.matcher.is_none() && self.imei.is_none()
    }

    /// True when `d` is kept. The frame is put alone into a store of its own, numbered as in
    /// its run, and matched as the window matches stored frames.
    pub fn keep(&mut self, d: &Decoded<'_>) -> bool {
        if let Some(want) = &self.imei
            && d.device.as_ref().map(|i| i.as_str()) != Some(want.as_str())
        {
            return false;
        }
        let Some(m) = &mut self.matcher else {
            return true;
        };
        let mut one = StoreBuilder::new();
        one.add(d);
        let store = one.take();
        let number = usize::try_from(d.index).unwrap_or(usize::MAX);
        store.get_numbered(0, number).is_some_and(|f| m.matches(&f))
    }
}
