//! What a department reported: the values of an accepted return as
//! validation produces them, and as the ledger gives them back per period.

use super::{Value, Verdict};
use chrono::{DateTime, FixedOffset};

/// One indicator's accepted figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    pub code: String,
    pub value: Value,
    pub progress: String,
    pub problems: String,
    pub measures: String,
}

/// Contact lines at the foot of the form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    pub filler: String,
    pub phone: String,
    pub date: String,
}

/// One indicator's current value in a period, with the department's words.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentValue {
    pub(crate) department: String,
    pub(crate) indicator: String,
    pub(crate) value: Value,
    pub(crate) progress: String,
    pub(crate) problems: String,
    pub(crate) measures: String,
}

/// The accepted return that counts for a department and period.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentReturn {
    pub(crate) received_at: DateTime<FixedOffset>,
    pub(crate) version: i64,
    /// How many findings (warnings) it carried.
    pub(crate) findings: i64,
}

/// A department's submissions for a period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Submission {
    pub(crate) current: Option<CurrentReturn>,
    /// The latest file of any verdict but duplicate, and when it came.
    pub(crate) latest: Option<(Verdict, DateTime<FixedOffset>)>,
    pub(crate) rejected: i64,
    /// When the latest file was rejected: its first error, as its receipt says it.
    pub(crate) reason: Option<String>,
}
