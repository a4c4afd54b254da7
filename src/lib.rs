//! minsheng: the reporting cycle of a county livelihood plan (民生可感行动).
//!
//! Data flows one way, and so do the imports between these folders:
//!
//! - [`plan`]: the catalog of tasks and targets, periods, drafting a catalog
//!   from a plan document, comparing two catalogs. Pure.
//! - [`model`]: the plain types stages hand each other (finding, verdict,
//!   reported value, submission).
//! - [`form`]: the department form: its contract, the workbook, issuing it.
//! - [`intake`]: a returned file's bytes → guards, the form found by
//!   meaning, values, validation, receipt; its pipeline records in the
//!   [`ledger`] (SQLite) and archives the original.
//! - [`report`]: consolidation (pure), the master workbook, the bulletin.
//! - [`mail`]: the queue on disk and SMTP delivery.
//! - [`cycle`]: where the stages meet (ingest then queue the receipt, report
//!   then send the bulletin, reminders); [`daemon`] runs them on a watch and
//!   a schedule; [`demo`] runs a whole month.
//! - [`cli`]: arguments, commands, and the only printing to stdout; [`web`]:
//!   the office's page that `run` serves, a second door beside it.
//! - The edges: [`workspace`], [`config`], [`clock`], [`fsx`] (file
//!   operations that never lose what they touch), [`templates`], [`text`],
//!   [`error`].

pub mod cli;
pub mod clock;
pub mod config;
pub mod cycle;
pub mod daemon;
pub mod demo;
pub mod error;
pub mod form;
pub mod fsx;
pub mod intake;
pub mod ledger;
pub mod mail;
pub mod model;
pub mod plan;
pub mod report;
pub mod templates;
pub mod text;
pub mod web;
pub mod workspace;

#[cfg(test)]
mod hostile;
#[cfg(test)]
mod hostile_text;
#[cfg(test)]
mod testutil;
