//! File operations that never lose what they touch: write to a temp file in
//! the same folder, sync, rename; move by rename. A crash at any point leaves
//! either the old file or the new one, never half of one.

use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temp + fsync + rename), creating the
/// parent folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, true)
}

/// Write a file that can be made again from what is kept elsewhere
/// (receipts, reports), or one whose flush is left to a later [`sync_fs`]
/// for many files at once: temp + rename, so no reader sees half a file,
/// but no fsync of its own, so a burst of returns is not a burst of disk
/// flushes.
pub(crate) fn write_derived(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, false)
}

fn write_via_temp(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let tmp = temp_name(path);
    let result = (|| -> Result<()> {
        let mut f = with_parent(path, || File::create(&tmp))
            .with_context(|| format!("无法写入 {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("无法写入 {}", tmp.display()))?;
        if sync {
            f.sync_all()
                .with_context(|| format!("无法写入 {}", tmp.display()))?;
        }
        fs::rename(&tmp, path).with_context(|| format!("无法写入 {}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Run `op`, and if it failed for want of `path`'s folder, make the folder
/// and run it again: folders exist nearly always, and asking first would
/// cost a system call per file.
fn with_parent<T>(path: &Path, mut op: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    match op() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(dir)?;
            }
            op()
        }
        r => r,
    }
}

/// Flush everything written to the file system that holds `dir`: one
/// journal commit for a batch of files written with [`write_derived`],
/// instead of an fsync per file.
pub(crate) fn sync_fs(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir).with_context(|| format!("无法打开 {}", dir.display()))?;
    // SAFETY: syncfs only reads the descriptor it is given.
    if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("无法写入磁盘 {}", dir.display()));
    }
    Ok(())
}

/// A hidden temp name beside `path`, so watchers and globbing skip it.
fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// A name from outside (a file name, a department typed into a form) made
/// safe as one path component: no separators, no control characters, no
/// leading dots, at most 80 characters.
pub(crate) fn safe_component(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c))
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        "未命名".to_string()
    } else {
        cleaned
    }
}

/// Create a new file with exactly these bytes, failing if it exists; used for
/// secrets, so it is private (0600) from the first byte.
pub(crate) fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Replace a secret atomically: a private (0600) temp file beside `path`,
/// synced, then renamed over it, so the secret is never readable by others
/// and never half written.
pub(crate) fn write_private_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_name(path);
    let _ = fs::remove_file(&tmp);
    let result = with_parent(path, || create_private(&tmp, bytes))
        .with_context(|| format!("无法写入 {}", tmp.display()))
        .and_then(|()| {
            fs::rename(&tmp, path).with_context(|| format!("无法写入 {}", path.display()))
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Why [`open_regular`] refused a path: it names no regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotRegular {
    Symlink,
    Directory,
    Fifo,
    Socket,
    Device,
}

impl NotRegular {
    /// What a clerk would call it.
    pub(crate) fn chinese(self) -> &'static str {
        match self {
            NotRegular::Symlink => "符号链接（快捷方式）",
            NotRegular::Directory => "文件夹",
            NotRegular::Fifo => "管道",
            NotRegular::Socket => "套接字",
            NotRegular::Device => "设备",
        }
    }

    /// What `meta` (from `lstat`) is, unless it is a regular file.
    pub(crate) fn of(meta: &fs::Metadata) -> Option<NotRegular> {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        Some(if t.is_file() {
            return None;
        } else if t.is_symlink() {
            NotRegular::Symlink
        } else if t.is_dir() {
            NotRegular::Directory
        } else if t.is_fifo() {
            NotRegular::Fifo
        } else if t.is_socket() {
            NotRegular::Socket
        } else {
            NotRegular::Device
        })
    }
}

/// Open `path` for reading only if it is a regular file, never through a
/// symbolic link and never blocking on a pipe: `Ok(Err(kind))` for anything
/// else. So a link dropped into a shared folder cannot make the service read
/// a file it points at.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<Result<File, NotRegular>> {
    use std::os::unix::fs::OpenOptionsExt;
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let f = match opened {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(Err(NotRegular::Symlink)),
        Err(e) => {
            // A socket cannot be opened at all; say what it is.
            return match fs::symlink_metadata(path)
                .ok()
                .and_then(|m| NotRegular::of(&m))
            {
                Some(kind) => Ok(Err(kind)),
                None => Err(e),
            };
        }
    };
    match NotRegular::of(&f.metadata()?) {
        Some(kind) => Ok(Err(kind)),
        None => Ok(Ok(f)),
    }
}

/// Move a file by rename. Rename is atomic within one file system; across
/// file systems, the copy is completed and synced under a temp name before
/// the source is removed, so a crash leaves at worst two copies, never none.
pub(crate) fn move_file(from: &Path, to: &Path) -> Result<()> {
    match with_parent(to, || fs::rename(from, to)) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            // Different file systems: copy what is there, never what a link
            // points at.
            let tmp = temp_name(to);
            let mut src = match open_regular(from) {
                Ok(Ok(f)) => f,
                Ok(Err(kind)) => anyhow::bail!("{} 是{}，不是文件", from.display(), kind.chinese()),
                Err(e) => return Err(e).with_context(|| format!("无法复制 {}", from.display())),
            };
            let mut dst =
                File::create(&tmp).with_context(|| format!("无法写入 {}", tmp.display()))?;
            std::io::copy(&mut src, &mut dst)
                .with_context(|| format!("无法复制 {}", from.display()))?;
            dst.sync_all()?;
            fs::rename(&tmp, to).with_context(|| format!("无法移动到 {}", to.display()))?;
            fs::remove_file(from).with_context(|| format!("无法移走 {}", from.display()))
        }
        Err(e) => {
            Err(e).with_context(|| format!("无法把 {} 移动到 {}", from.display(), to.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn names_from_outside_cannot_leave_their_folder() {
        assert_eq!(safe_component("../../etc/passwd"), "etcpasswd");
        assert_eq!(safe_component("..\\..\\x.xlsx"), "x.xlsx");
        assert_eq!(safe_component("县教育局\n报表"), "县教育局报表");
        assert_eq!(safe_component("..."), "未命名");
        assert_eq!(safe_component(&"长".repeat(200)).chars().count(), 80);
    }

    #[test]
    fn private_file_is_0600_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key");
        create_private(&p, b"secret").unwrap();
        assert!(create_private(&p, b"other").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
