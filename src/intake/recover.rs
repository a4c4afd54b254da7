//! Finishing what a crash or a power cut left, through the same step as any
//! file. Every intake, at its first call, finishes the files in
//! `var/processing/`: each is tried once more, and one whose second try also
//! died is rejected unread; files another process holds (a running daemon's)
//! are locked, and left alone. Since a file leaves `var/processing/` only
//! once its receipt is written, that is all a crash can leave. A ledger
//! rolled back (restored, or its last commits lost by a disk that lied)
//! is another matter, and costs a walk of the archive and of the ledger:
//! [`Intake::reconcile`], which the daemon runs when it starts.

use super::claim::{self, Claimed};
use super::door::TakeError;
use super::names;
use super::take::{Entry, FileResult, Intake};
use crate::fsx;
use crate::ledger::FileRow;
use anyhow::Result;
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A leftover of a crash is moved here for its second attempt; one found
/// here died twice and is not read again.
const RETRY: &str = "retry";

impl Intake<'_> {
    /// Finish the files a crash left in hand, in the order taken.
    pub(super) fn finish_leftovers(&mut self) -> Result<Vec<FileResult>> {
        let processing = self.ws.var().join("processing");
        let retry = processing.join(RETRY);
        let mut entries = Vec::new();
        for path in leftovers(&retry) {
            let original = original(&path, names::claimed_original);
            tracing::warn!(file = %original, "a file in hand when the process died twice; rejected unread");
            entries.push(self.hold_leftover(&path, None, &original, true));
        }
        for path in leftovers(&processing) {
            let original = original(&path, names::claimed_original);
            let Some(file_name) = path.file_name() else {
                continue;
            };
            tracing::info!(file = %original, "finishing a file left by an interrupted run");
            entries.push(self.hold_leftover(&path, Some(&retry.join(file_name)), &original, false));
        }
        self.settle_leftovers(entries)
    }

    /// After a ledger rollback: archived originals the ledger does not hold
    /// are taken in again, once, and receipts the ledger promises but the
    /// disk lacks are written (a crash of an older version could leave
    /// those). The files recorded again.
    pub(crate) fn reconcile(&mut self) -> Result<Vec<FileResult>> {
        let files = self.ledger.all_files()?;
        let processing = self.ws.var().join("processing");
        let mut entries = Vec::new();
        for path in self.lost_from_ledger(&files)? {
            let original = original(&path, names::archived_original);
            tracing::warn!(file = %original, archive = %path.display(), "an archived return the ledger does not hold (a power cut?); recording it again");
            let claimed = processing.join(names::claimed(&original));
            fsx::move_file(&path, &claimed)?;
            entries.push(self.hold_leftover(&claimed, None, &original, false));
        }
        let results = self.settle_leftovers(entries)?;
        self.rewrite_lost_receipts(files)?;
        Ok(results)
    }

    fn settle_leftovers(&mut self, entries: Vec<Entry>) -> Result<Vec<FileResult>> {
        let mut results = Vec::new();
        for r in self.settle_all(std::iter::once(entries)) {
            match r {
                Ok(r) => results.push(r),
                Err(TakeError::NotTaken(why)) => {
                    tracing::debug!(reason = %why, "a leftover is in another process's hands")
                }
                Err(TakeError::Failed(e)) => return Err(e),
            }
        }
        Ok(results)
    }

    /// Lock a leftover where it lies (a file a live process holds is
    /// refused here), move it to `then` for its last try, and read it.
    fn hold_leftover(&self, path: &Path, then: Option<&Path>, name: &str, give_up: bool) -> Entry {
        let taken = || -> Result<Claimed, TakeError> {
            let file = match fsx::open_regular(path).map_err(|e| TakeError::not_taken(e.into()))? {
                Ok(f) => f,
                Err(kind) => {
                    return Err(TakeError::NotTaken(format!(
                        "{} 是{}",
                        path.display(),
                        kind.chinese()
                    )));
                }
            };
            claim::lock(&file, path)?;
            let at = match then {
                Some(then) => {
                    // The lock goes with the file: a rename keeps the inode.
                    fsx::move_file(path, then)?;
                    then.to_path_buf()
                }
                None => path.to_path_buf(),
            };
            claim::held(self.ws, file, at, name, name, None, give_up)
        };
        match taken() {
            Ok(Claimed::Held(h)) => Entry::Held(h),
            Ok(Claimed::Unread(u)) => Entry::Unread(u),
            Err(e) => Entry::Done(Err(e)),
        }
    }

    /// Archived originals the ledger has no row for. `files` were read
    /// before the daemon takes anything, so no file is archived meanwhile.
    fn lost_from_ledger(&self, files: &[FileRow]) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let mut dirs = vec![self.ws.var().join("archive")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                match e.file_type() {
                    Ok(t) if t.is_dir() => dirs.push(e.path()),
                    Ok(t) if t.is_file() && !is_temp(&e.path()) => found.push(e.path()),
                    _ => {}
                }
            }
        }
        let known: HashSet<&str> = files.iter().map(|r| r.archive_path.as_str()).collect();
        let mut lost: Vec<PathBuf> = found
            .into_iter()
            .filter(|p| {
                let rel = p
                    .strip_prefix(&self.ws.root)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                !known.contains(rel.as_str())
            })
            .collect();
        lost.sort();
        Ok(lost)
    }

    /// Receipts the ledger promises but the disk lacks, written again; the
    /// originals read once more through the reader for their marked copies.
    fn rewrite_lost_receipts(&mut self, files: Vec<FileRow>) -> Result<()> {
        let rows: Vec<_> = files
            .into_iter()
            .filter(|row| {
                !self.receipt_path(&row.receipt_stem, "txt").exists()
                    && self.present(&row.archive_path)
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let originals: Vec<(String, Vec<u8>)> = rows
            .iter()
            .map(|row| {
                let readable = row.verdict != crate::model::Verdict::Duplicate
                    && row.sha256 != claim::NO_BYTES;
                let bytes = readable
                    .then(|| read_regular(&self.ws.path(&row.archive_path)))
                    .flatten()
                    .unwrap_or_default();
                (row.name.clone(), bytes)
            })
            .collect();
        let parsed = self.read_again(&originals);
        for (row, parsed) in rows.iter().zip(parsed) {
            tracing::info!(file = %row.name, "rewriting a receipt lost in an interrupted run");
            let recorded = self.recorded(row)?;
            self.answer(&recorded, parsed.as_ref())?;
        }
        Ok(())
    }
}

fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let Ok(Ok(mut f)) = fsx::open_regular(path) else {
        return None;
    };
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn original(path: &Path, from: fn(&str) -> &str) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    from(&name).to_string()
}

/// A temp file younger than this may be another process's copy in progress.
const TEMP_ABANDONED: std::time::Duration = std::time::Duration::from_secs(600);

/// Entries of a `var/processing` folder to finish, oldest first; a
/// half-copied temp file is dropped (its source is still where it was)
/// once it is old enough not to be another process's copy in progress.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.retain(|p| {
        if !is_temp(p) {
            return true;
        }
        let abandoned = fs::symlink_metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > TEMP_ABANDONED);
        if abandoned {
            fs::remove_file(p).ok();
        }
        false
    });
    out.sort();
    out
}

fn is_temp(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
