//! Busy time per pipeline stage.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Accumulates how long each stage worked, for the report's breakdown.
#[derive(Debug, Default)]
pub(crate) struct StageTimes(BTreeMap<&'static str, Duration>);

impl StageTimes {
    /// Runs `f`, charging its wall time to `stage`.
    pub(crate) fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.add(stage, t.elapsed());
        out
    }

    /// Charges `d` to `stage`.
    pub(crate) fn add(&mut self, stage: &'static str, d: Duration) {
        *self.0.entry(stage).or_default() += d;
    }

    /// Milliseconds per stage.
    pub(crate) fn into_map(self) -> BTreeMap<String, f64> {
        self.0
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.as_secs_f64() * 1000.0))
            .collect()
    }
}
