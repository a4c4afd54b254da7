//! The plain types that several stages hand each other: a finding about a
//! cell, the verdict on a file, a reported value, a department's submission.
//! They sit below every stage, so the pure core (validation, consolidation)
//! never names the ledger's SQLite module, and the ledger never names the
//! validator's.

mod finding;
mod submission;
mod value;
mod verdict;

pub use finding::{Finding, FindingCode, Severity, a1};
pub use submission::{Contact, CurrentReturn, CurrentValue, Reported, Submission};
pub use value::{Percent, Points, Value, behind};
pub use verdict::Verdict;
