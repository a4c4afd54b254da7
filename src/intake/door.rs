//! The ways a file comes in, and what becomes of one that could not be taken.
//! Every door leads to the same step, [`super::Intake::take`]: the inbox
//! watcher, `ingest`, the web page's uploads and the demo; what a crash
//! left is finished by that step too, before anything new.

use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Beside a staged upload: the department whose link brought it.
const SENDER: &str = ".department";

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
    pub(crate) path: PathBuf,
    /// How results and logs name it (the path as typed, or the file name).
    pub(crate) shown: String,
    pub(crate) door: Door,
}

impl Arrival {
    pub(crate) fn dropped(path: impl Into<PathBuf>, shown: impl Into<String>) -> Arrival {
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

/// The folder where the web page's uploads wait, each in a folder of its
/// own, between the last byte received and intake moving them in.
fn stage(ws: &Workspace) -> PathBuf {
    ws.var().join("uploads")
}

/// Keep an uploaded file under `var/uploads/<unique>/<its name>` (so intake
/// sees the name the sender gave it), with the department whose link
/// brought it beside it: a crash before intake leaves what the next start
/// needs to take it through the same door.
pub fn stage_upload(
    ws: &Workspace,
    unique: &str,
    name: &str,
    bytes: &[u8],
    department: Option<&str>,
) -> Result<PathBuf> {
    let dir = stage(ws).join(unique);
    if let Some(d) = department {
        crate::fsx::write_atomic(&dir.join(SENDER), d.as_bytes())?;
    }
    // A cleaned name never starts with a dot, so it is never taken for
    // the sender's note or a half-written temp file.
    let path = dir.join(crate::fsx::safe_component(name));
    crate::fsx::write_atomic(&path, bytes)?;
    Ok(path)
}

/// The staged uploads a crash left before intake took them, each with its
/// door. Half-written temp files are removed: their upload was never
/// answered and nothing of it was complete.
pub fn staged_uploads(ws: &Workspace) -> Result<Vec<Arrival>> {
    let root = stage(ws);
    let dirs = match std::fs::read_dir(&root) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("无法读取 {}", root.display())),
    };
    let mut out = Vec::new();
    for dir in dirs {
        let dir = dir?.path();
        if !dir.is_dir() {
            continue;
        }
        let department = std::fs::read_to_string(dir.join(SENDER))
            .ok()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty());
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("无法读取 {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        for path in names {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                if name != SENDER {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            out.push(Arrival {
                shown: name,
                path,
                door: Door::Upload {
                    department: department.clone(),
                },
            });
        }
        clear_stage(&dir.join(SENDER));
    }
    Ok(out)
}

/// Remove an upload's folder once intake has moved its file out; a file
/// that could not be taken keeps its folder (and its sender's note).
pub fn clear_stage(file: &Path) {
    let Some(dir) = file.parent() else { return };
    let holds_upload = std::fs::read_dir(dir).is_ok_and(|mut d| {
        d.any(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().starts_with('.')))
    });
    if !holds_upload {
        let _ = std::fs::remove_file(dir.join(SENDER));
        let _ = std::fs::remove_dir(dir);
    }
}
