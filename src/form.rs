//! Department forms: one protected, signed, print-ready workbook per
//! department per period, written to the form contract of DESIGN.md.

use crate::workspace::Workspace;
use anyhow::Result;

/// `minsheng forms [--period P] [--department D] [--json]`.
pub fn command(_ws: &Workspace, _period: Option<&str>, _department: Option<&str>, _json: bool) -> Result<()> {
    Err(crate::error::UserError::usage("命令 forms 尚未提供，将在后续版本中实现").into())
}
