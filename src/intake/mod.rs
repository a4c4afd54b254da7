//! Intake: a returned file's bytes become a verdict, a ledger entry, an
//! archived original and a receipt.
//!
//! [`workbook`] guards calamine and opens the bytes as sheets; [`read`]
//! finds the form in them by meaning; [`value`] reads what a clerk typed;
//! [`validate`] holds the rules; [`receipt`] words the answer; [`pipeline`]
//! runs a file through all of it in the order that survives a crash, and
//! [`names`] says how received files are named and filed. The reading —
//! guards, calamine, finding the form — happens in a child process
//! ([`reader`]), so no file can take the service down.

pub mod names;
pub mod pipeline;
pub mod read;
pub mod reader;
pub mod receipt;
pub mod validate;
pub mod value;
pub mod workbook;

pub use pipeline::{FileResult, FiledReceipt, Intake, NotTaken};
