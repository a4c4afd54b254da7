//! Outgoing mail: a queue of `.eml` files on disk, delivered over SMTP.

use crate::cli::MailAction;
use crate::workspace::Workspace;
use anyhow::Result;

/// `minsheng mail flush|list|test`.
pub fn command(_ws: &Workspace, _action: &MailAction) -> Result<()> {
    Err(crate::error::UserError::usage("命令 mail 尚未提供，将在后续版本中实现").into())
}

/// `minsheng remind [--period P]`.
pub fn remind_command(_ws: &Workspace, _period: Option<&str>) -> Result<()> {
    Err(crate::error::UserError::usage("命令 remind 尚未提供，将在后续版本中实现").into())
}
