//! One daemon per workspace.

use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{Read, Write};

/// Holds the workspace's daemon lock while alive.
pub struct DaemonLock {
    _file: File,
}

/// One daemon per workspace: an exclusive lock on `var/daemon.lock`, which
/// also names the holder's pid for the message a second daemon prints.
pub fn lock(ws: &Workspace) -> Result<DaemonLock> {
    fs::create_dir_all(ws.var()).with_context(|| format!("无法创建目录 {}", ws.var().display()))?;
    let path = ws.path(crate::workspace::DAEMON_LOCK);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("无法打开 {}", path.display()))?;
    if file.try_lock().is_err() {
        let mut pid = String::new();
        let _ = file.read_to_string(&mut pid);
        anyhow::bail!(
            "该工作目录已有值守程序在运行（进程号 {}），本次不再启动",
            pid.trim().if_empty("未知")
        );
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    file.sync_all()?;
    Ok(DaemonLock { _file: file })
}

trait IfEmpty {
    fn if_empty<'a>(&'a self, other: &'a str) -> &'a str;
}

impl IfEmpty for str {
    fn if_empty<'a>(&'a self, other: &'a str) -> &'a str {
        if self.is_empty() { other } else { self }
    }
}
