//! [`UnixTime`] in the app's TypeScript types (ts-rs): a `number` of seconds, as the JSON
//! it serialises to. 2^53 seconds is far beyond any time the app shows, so a JavaScript
//! number holds every one exactly.

use ts_rs::{Config, TS};

use crate::UnixTime;

impl TS for UnixTime {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &Config) -> String {
        "number".to_owned()
    }

    fn inline(cfg: &Config) -> String {
        Self::name(cfg)
    }
}
