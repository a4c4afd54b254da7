//! `minsheng doctor [--json]`: the checks of [`crate::cycle::doctor`], one
//! block each with what to do; exit 1 when one of them would make the cycle
//! fail.

use super::output::{print_json, print_text};
use crate::cycle::doctor::{self, Check, Level, Probes};
use crate::error::ItemsFailed;
use anyhow::Result;
use std::path::Path;

pub(super) fn run(workspace: Option<&Path>, json: bool) -> Result<()> {
    let root = match workspace {
        Some(d) => std::path::absolute(d)?,
        None => std::env::current_dir()?,
    };
    let checks = doctor::run(&root, Probes { smtp_login: true });
    let failed = doctor::failed(&checks);
    if json {
        print_json(&serde_json::json!({
            "workspace": root.display().to_string(),
            "ok": !failed,
            "checks": checks,
        }))?;
    } else {
        print_text(&text(&root, &checks))?;
    }
    if failed {
        return Err(ItemsFailed.into());
    }
    Ok(())
}

fn text(root: &Path, checks: &[Check]) -> String {
    let mut out = format!("minsheng 运行检查：{}\n\n", root.display());
    for c in checks {
        let mut lines = c.message.lines();
        out.push_str(&format!(
            "[{}] {}：{}\n",
            c.level.label(),
            c.title,
            lines.next().unwrap_or("")
        ));
        for line in lines {
            out.push_str(&format!("       {line}\n"));
        }
        if let Some(fix) = c.fix.as_ref().filter(|_| c.level != Level::Ok) {
            out.push_str(&format!("       处理：{fix}\n"));
        }
    }
    let count = |l: Level| checks.iter().filter(|c| c.level == l).count();
    let (fails, warns) = (count(Level::Fail), count(Level::Warn));
    out.push('\n');
    out.push_str(&match (fails, warns) {
        (0, 0) => "全部正常。\n".to_string(),
        (0, w) => format!("没有错误，{w} 项需要注意。\n"),
        (f, w) => format!("{f} 项错误（不改正，本月调度会出问题），{w} 项需要注意。\n"),
    });
    out
}
