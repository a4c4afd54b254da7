//! `minsheng report`: consolidate a period into the master workbook and the
//! dispatch bulletin under `outbox/reports/<period>/`.

use crate::workspace::Workspace;
use anyhow::Result;

/// `minsheng report [--period P] [--send]`.
pub fn command(_ws: &Workspace, _period: Option<&str>, _send: bool) -> Result<()> {
    Err(crate::error::UserError::usage("命令 report 尚未提供，将在后续版本中实现").into())
}
