//! A fault of the setup (the server cannot be reached, the encryption or
//! the certificate fails, the login is refused) is the same for every
//! message: delivery pauses, no message's attempts are counted, and the
//! fault is kept in `outbox/mail/paused.json` with what to fix, so the log
//! tells it once and `status`, `mail list` and the office's pages show it
//! until a flush gets through, which removes it.

use super::smtp::{Fault, Unreachable};
use crate::config::Smtp;
use crate::fsx;
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why delivery is paused, since when, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub fault: Fault,
    /// `host:port` as configured when the fault was met.
    pub(crate) server: String,
    /// What is wrong and what to fix, in Chinese.
    pub message: String,
    pub(crate) since: DateTime<FixedOffset>,
    pub(crate) last_try: DateTime<FixedOffset>,
    /// Flushes that met the fault.
    pub tries: u32,
}

fn path(ws: &Workspace) -> PathBuf {
    ws.mail_dir("paused.json")
}

/// Whether delivery is paused, and why (for `status`, `mail list`,
/// `doctor` and the pages). Reads only.
pub fn pause_state(ws: &Workspace) -> Option<Pause> {
    let p = path(ws);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(file = %p.display(), error = %e, "cannot read the mail pause");
            return None;
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(pause) => Some(pause),
        Err(e) => {
            tracing::warn!(file = %p.display(), error = %e, "unreadable mail pause");
            None
        }
    }
}

/// Pause delivery for `fault` (a flush met it). Logged when it starts or
/// changes, not at every flush that meets it again.
pub(super) fn record(
    ws: &Workspace,
    why: Unreachable,
    smtp: &Smtp,
    now: DateTime<FixedOffset>,
) -> Result<Pause> {
    let Unreachable { fault, detail } = why;
    let message = fault.explain(smtp);
    let server = format!("{}:{}", smtp.host.trim(), smtp.port);
    let pause = match pause_state(ws) {
        Some(p) if p.fault == fault && p.server == server => {
            tracing::debug!(server = %server, error = %detail, "mail delivery still paused");
            Pause {
                message,
                last_try: now,
                tries: p.tries.saturating_add(1),
                ..p
            }
        }
        _ => {
            tracing::error!(server = %server, fault = fault.name(), error = %detail, "mail delivery paused until the setup is fixed; no message's attempts are counted");
            Pause {
                fault,
                server,
                message,
                since: now,
                last_try: now,
                tries: 1,
            }
        }
    };
    let mut bytes = serde_json::to_vec_pretty(&pause)?;
    bytes.push(b'\n');
    fsx::write_atomic(&path(ws), &bytes)?;
    Ok(pause)
}

/// A flush got through: delivery goes on.
pub(super) fn clear(ws: &Workspace) -> Result<()> {
    let p = path(ws);
    match std::fs::remove_file(&p) {
        Ok(()) => {
            tracing::info!("the mail server is reachable again; delivery resumed");
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::Error::from(e).context(format!("无法删除 {}", p.display()))),
    }
}
