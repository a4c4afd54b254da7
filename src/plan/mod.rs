//! The plan: its task catalog (tasks, indicators, targets, departments),
//! its periods, and the tools that turn a plan document into a catalog
//! ([`draft`]) and compare two catalogs ([`diff`]), and the plan's own words
//! for every text a user sees ([`words`]). Pure.

pub mod catalog;
pub mod diff;
pub mod draft;
mod period;
pub mod words;

pub use period::{BadPeriod, Period};
