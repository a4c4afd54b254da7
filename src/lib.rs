//! minsheng: the reporting cycle of a county livelihood plan (民生可感行动).
//!
//! Data flows one way: intake → read → validate → ledger → consolidate →
//! render → deliver. The core modules (catalog, period, validation,
//! consolidation) are pure; files, SQLite, the clock and SMTP sit at the edges.

pub mod app;
pub mod bulletin;
pub mod catalog;
pub mod catalog_diff;
mod catalog_table;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consolidate;
pub mod daemon;
pub mod demo;
pub mod draft;
pub mod error;
pub mod form;
pub mod fsx;
pub mod intake;
pub mod ledger;
pub mod mail;
pub mod master;
pub mod meta;
pub mod period;
pub mod read;
pub mod receipt;
pub mod report;
pub mod schedule;
pub mod status;
pub mod templates;
pub mod text;
pub mod validate;
pub mod value;
pub mod workbook;
pub mod workspace;

#[cfg(test)]
mod testutil;
