//! Intake: a returned file's bytes become a verdict, a ledger entry, an
//! archived original and a receipt, by one step whatever the door.
//!
//! The path of a file, each step in its own file: a [`door`] (the inbox,
//! `ingest`, an upload) → [`claim`] into `var/processing/` → read in a
//! reader process ([`reader`]: guards and sheets in [`workbook`], the form
//! found by meaning in [`read`]) → [`decide`] (pure: [`validate`]'s rules,
//! [`value`]s as clerks type them) → [`settle`]: recorded in the ledger in
//! one transaction, then archived → [`answer`]ed with a [`receipt`].
//! [`take`] drives it, batch after batch, and [`recover`] feeds it what a
//! crash left; [`names`] says how received files are named and filed.

mod answer;
mod claim;
mod decide;
mod door;
pub mod names;
pub mod read;
pub mod reader;
pub mod receipt;
mod recover;
mod settle;
mod take;
pub mod validate;
pub mod value;
pub mod workbook;

pub use door::{Arrival, Door, TakeError, clear_stage, stage_upload, staged_uploads};
pub use take::{FileResult, FiledReceipt, Intake, Taken};
