//! The review gate, one rule for commands and the daemon alike: what sends
//! a catalog's figures out (forms, the bulletin, reminders) refuses a
//! catalog that still holds `待核对` marks, unless the office asks for a
//! draft. Both refuse with the same Chinese words.

use crate::plan::catalog::Unreviewed;
use crate::workspace::Workspace;

/// What would send the figures out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    Forms,
    Bulletin,
    Reminders,
}

impl Act {
    fn chinese(self) -> &'static str {
        match self {
            Act::Forms => "生成正式填报表",
            Act::Bulletin => "发送调度通报",
            Act::Reminders => "发送催报邮件",
        }
    }
}

/// The gate's refusal: how many marks are left, where, and what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "任务目录 {catalog} {unreviewed}，不能{}。请打开该文件，对照每条标记核对、改正后删去该标记\
     （minsheng catalog 列出全部标记）；全部删去即完成核对。如确需先用未核对的目录，加 --draft",
    act.chinese()
)]
pub(crate) struct Refused {
    pub(crate) catalog: String,
    pub(crate) act: Act,
    pub(crate) unreviewed: Unreviewed,
}

impl Refused {
    /// The refusal as a usage error: exit 2 for a command, 400 for a page.
    pub(crate) fn usage(self) -> crate::error::UserError {
        crate::error::UserError::usage(self.to_string())
    }
}

/// `Ok` when the catalog is reviewed or `draft` is asked for.
pub(crate) fn review_gate(ws: &Workspace, draft: bool, act: Act) -> Result<(), Refused> {
    match ws.catalog.check_reviewed() {
        Err(unreviewed) if !draft => Err(Refused {
            catalog: ws.config.plan.catalog.clone(),
            act,
            unreviewed,
        }),
        _ => Ok(()),
    }
}
