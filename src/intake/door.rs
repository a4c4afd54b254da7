//! The ways a file comes in, and what becomes of one that could not be taken.
//! Every door leads to the same step, [`super::Intake::take`]: the inbox
//! watcher, `ingest`, the web page's uploads and the demo; what a crash
//! left is finished by that step too, before anything new.

use std::path::PathBuf;

/// Which way a file came in: it decides whether the file is moved or
/// copied, and whose form it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Door {
    /// Dropped into `inbox/` (or handed in by name): a file inside `inbox/`
    /// is moved, one from elsewhere copied and left where it was.
    Dropped,
    /// Uploaded through the web page and saved in the workspace: moved.
    /// Through a department's own link, `department` names it, and a form
    /// of another department is rejected (`wrong_department`).
    Upload { department: Option<String> },
}

/// One file at a door.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub path: PathBuf,
    /// How results and logs name it (the path as typed, or the file name).
    pub shown: String,
    pub door: Door,
}

impl Arrival {
    pub fn dropped(path: impl Into<PathBuf>, shown: impl Into<String>) -> Arrival {
        Arrival {
            path: path.into(),
            shown: shown.into(),
            door: Door::Dropped,
        }
    }
}

/// Why a file got no verdict.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// The file could not be taken at all (gone, unreadable, not movable, in
    /// another process's hands): nothing was received, it stays where it was.
    #[error("{0}")]
    NotTaken(String),
    /// The workspace failed (the ledger, the disk): the file stays in
    /// `var/processing/` for the next start to finish.
    #[error("{}", crate::error::chain(.0))]
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for TakeError {
    fn from(e: anyhow::Error) -> TakeError {
        TakeError::Failed(e)
    }
}

impl TakeError {
    pub(crate) fn not_taken(e: anyhow::Error) -> TakeError {
        TakeError::NotTaken(crate::error::chain(&e))
    }
}
