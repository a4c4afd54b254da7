//! Claiming: a file at a door is moved (or copied) into `var/processing/`,
//! locked there and its bytes read, before anything is decided about it. A
//! file in `var/processing/` is in hand: the ledger commit decides its fate
//! and only then does it leave for the archive.

use super::door::{Arrival, Door, TakeError};
use super::names;
use crate::fsx;
use crate::model::{Finding, FindingCode};
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where a file that is not a regular file goes, as it is: never opened,
/// never archived (the archive holds received bytes, not links).
pub(super) const ASIDE: &str = "var/aside";
/// The ledger's hash of an entry that had no bytes to hash (a link, a pipe).
pub(super) const NO_BYTES: &str = "-";

/// A file claimed into `var/processing/`, locked there, its bytes read.
pub(super) struct Held {
    pub(crate) claimed: PathBuf,
    pub(crate) name: String,
    /// How the result names the file.
    pub(crate) shown: String,
    /// The department whose link it came through, if any.
    pub(crate) link: Option<String>,
    /// Held until the file has left `var/processing/`, so a recovery in
    /// another process leaves it alone.
    pub(crate) _lock: fs::File,
    /// Empty when too big to read, or not to be read again.
    pub(crate) bytes: Vec<u8>,
    pub(crate) sha: String,
    pub(crate) size: u64,
    pub(crate) too_big: bool,
    /// A leftover whose second try died too: rejected unread.
    pub(crate) give_up: bool,
}

impl Held {
    /// Whether the reader is to read it.
    pub(crate) fn to_read(&self) -> bool {
        !self.too_big && !self.give_up
    }
}

/// What a file at a door was taken as.
pub(super) enum Claimed {
    Held(Held),
    /// Never opened: skipped (lock and temp files), or not a regular file.
    Unread(Unread),
}

/// A file answered without reading it.
pub(super) enum Unread {
    Skipped {
        shown: String,
    },
    /// Not a regular file, given to `ingest` from elsewhere: not ours to move.
    Refused {
        shown: String,
        finding: Finding,
    },
    /// Not a regular file, found in the inbox: moved aside as it is.
    SetAside {
        shown: String,
        name: String,
        aside: String,
        finding: Finding,
    },
}

/// Take one file from its door into `var/processing/`.
pub(super) fn claim(
    ws: &Workspace,
    inbox: Option<&Path>,
    a: &Arrival,
) -> Result<Claimed, TakeError> {
    let path = a.path.as_path();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if names::is_ignored(&name) {
        return Ok(Claimed::Unread(Unread::Skipped {
            shown: a.shown.clone(),
        }));
    }
    let meta = fs::symlink_metadata(path)
        .with_context(|| format!("找不到文件 {}", path.display()))
        .map_err(TakeError::not_taken)?;
    let moved = match &a.door {
        Door::Upload { .. } => true,
        Door::Dropped => {
            inbox.is_some()
                && path
                    .parent()
                    .and_then(|p| fs::canonicalize(p).ok())
                    .as_deref()
                    == inbox
        }
    };
    if let Some(kind) = fsx::NotRegular::of(&meta) {
        let finding = not_a_file(&name, kind);
        if !moved {
            return Ok(Claimed::Unread(Unread::Refused {
                shown: a.shown.clone(),
                finding,
            }));
        }
        return set_aside(ws, path, &name, &a.shown, kind).map(Claimed::Unread);
    }
    let target = ws.var().join("processing").join(names::claimed(&name));
    if moved {
        // A rename (what is moved is what was there, a link included), or
        // across file systems a synced copy before the original goes.
        fsx::move_file(path, &target)
            .with_context(|| format!("无法取走 {}", path.display()))
            .map_err(TakeError::not_taken)?;
    } else {
        copy_in(path, &target).map_err(TakeError::not_taken)?;
    }
    let link = match &a.door {
        Door::Upload { department } => department.clone(),
        Door::Dropped => None,
    };
    hold(ws, target, &name, &a.shown, link, false)
}

fn copy_in(path: &Path, target: &Path) -> Result<()> {
    let mut src = match fsx::open_regular(path) {
        Ok(Ok(f)) => f,
        Ok(Err(kind)) => anyhow::bail!("{} 是{}，不是文件", path.display(), kind.chinese()),
        Err(e) => return Err(e).with_context(|| format!("无法读取 {}", path.display())),
    };
    let mut bytes = Vec::new();
    src.read_to_end(&mut bytes)
        .with_context(|| format!("无法读取 {}", path.display()))?;
    fsx::write_derived(target, &bytes)
}

/// Open and lock a file in `var/processing/` and read what it holds.
/// `give_up`: a leftover whose second try died too, not to be read again.
pub(super) fn hold(
    ws: &Workspace,
    claimed: PathBuf,
    name: &str,
    shown: &str,
    link: Option<String>,
    give_up: bool,
) -> Result<Claimed, TakeError> {
    // Gone since the move: another process's recovery took it, and finishes it.
    let file = match fsx::open_regular(&claimed)
        .with_context(|| format!("无法读取 {}", claimed.display()))
        .map_err(TakeError::not_taken)?
    {
        Ok(f) => f,
        // Swapped for a link between the look and the move.
        Err(kind) => {
            return set_aside(ws, &claimed, name, shown, kind).map(Claimed::Unread);
        }
    };
    lock(&file, &claimed)?;
    held(ws, file, claimed, name, shown, link, give_up)
}

/// Lock a file in `var/processing/` for as long as it is in hand, so that
/// a recovery in another process leaves it alone.
pub(super) fn lock(file: &fs::File, path: &Path) -> Result<(), TakeError> {
    file.try_lock()
        .map_err(|_| TakeError::NotTaken(format!("{} 正由另一个进程处理", path.display())))
}

/// Read a file already opened and locked in `var/processing/`.
pub(super) fn held(
    ws: &Workspace,
    mut file: fs::File,
    claimed: PathBuf,
    name: &str,
    shown: &str,
    link: Option<String>,
    give_up: bool,
) -> Result<Claimed, TakeError> {
    let size = file
        .metadata()
        .with_context(|| format!("无法读取 {}", claimed.display()))?
        .len();
    let too_big = size > ws.config.limits.max_file_mb * 1024 * 1024;
    let (bytes, sha) = if too_big || give_up {
        (Vec::new(), hash_file(&mut file, &claimed)?)
    } else {
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes)
            .with_context(|| format!("无法读取 {}", claimed.display()))?;
        let sha = crate::text::hex(&Sha256::digest(&bytes));
        (bytes, sha)
    };
    Ok(Claimed::Held(Held {
        claimed,
        name: name.to_string(),
        shown: shown.to_string(),
        link,
        _lock: file,
        bytes,
        sha,
        size,
        too_big,
        give_up,
    }))
}

/// Something that is no regular file (a link, a pipe, a device): moved
/// aside as it is, never opened. A rename moves the entry itself, never
/// what a link points at.
fn set_aside(
    ws: &Workspace,
    path: &Path,
    name: &str,
    shown: &str,
    kind: fsx::NotRegular,
) -> Result<Unread, TakeError> {
    let aside = format!("{ASIDE}/{}", names::claimed(name));
    fsx::move_file(path, &ws.path(&aside)).map_err(TakeError::not_taken)?;
    tracing::warn!(file = %name, kind = kind.chinese(), "not a regular file; moved aside unread");
    Ok(Unread::SetAside {
        shown: shown.to_string(),
        name: name.to_string(),
        aside,
        finding: not_a_file(name, kind),
    })
}

fn not_a_file(name: &str, kind: fsx::NotRegular) -> Finding {
    Finding::error(
        FindingCode::Unreadable,
        format!(
            "收到的“{name}”是{}，不是普通文件，没有读取；请把填好的表格文件本身（.xlsx）放入收件箱或发送过来",
            kind.chinese()
        ),
    )
}

fn hash_file(f: &mut fs::File, path: &Path) -> Result<String> {
    use std::io::Seek;
    f.rewind()
        .with_context(|| format!("无法读取 {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        if n == 0 {
            return Ok(crate::text::hex(&h.finalize()));
        }
        h.update(&buf[..n]);
    }
}
