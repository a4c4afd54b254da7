//! `minsheng ingest FILE… [--json]`: take returned files in by hand, the
//! same way the daemon takes them from the inbox.

use super::output::{print_json, print_text};
use crate::error::ItemsFailed;
use crate::intake::{FileResult, Intake};
use crate::model::{Severity, Verdict};
use crate::workspace::Workspace;
use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(super) fn run(ws: &Workspace, files: &[PathBuf], json: bool) -> Result<()> {
    let mut intake = Intake::open(ws)?;
    let shown: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let list: Vec<(&Path, &str)> = files
        .iter()
        .zip(&shown)
        .map(|(p, s)| (p.as_path(), s.as_str()))
        .collect();
    let mut results = Vec::new();
    let mut failed = false;
    for r in crate::cycle::take_all(&mut intake, ws, &list) {
        match r {
            Ok(r) => results.push(r),
            Err(e) => {
                failed = true;
                eprintln!("错误：{}", crate::error::chain(&e));
            }
        }
    }
    if json {
        print_json(&serde_json::json!({ "results": results }))?;
    } else {
        print_text(&human(&results))?;
    }
    if failed || results.iter().any(|r| r.verdict == Verdict::Rejected) {
        return Err(ItemsFailed.into());
    }
    Ok(())
}

fn human(results: &[FileResult]) -> String {
    let mut out = String::new();
    let mut counts: HashMap<Verdict, usize> = HashMap::new();
    for r in results {
        *counts.entry(r.verdict).or_default() += 1;
        let who = match (&r.department, &r.period) {
            (Some(d), Some(p)) => format!("{d} {p}"),
            (Some(d), None) => d.clone(),
            _ => "单位/期次未能识别".into(),
        };
        out.push_str(&format!("【{}】{}  {}\n", r.verdict.chinese(), r.file, who));
        for f in &r.findings {
            let tag = match f.severity {
                Severity::Error => "需修改",
                Severity::Warning => "提醒",
            };
            out.push_str(&format!("    {tag}：{}\n", f.message));
        }
        if let Some(receipt) = &r.receipt {
            out.push_str(&format!("    回执：{}\n", receipt.txt.display()));
        }
    }
    out.push_str(&format!(
        "共 {} 个文件：已采用 {}，退回 {}，重复 {}，跳过 {}\n",
        results.len(),
        counts.get(&Verdict::Accepted).unwrap_or(&0),
        counts.get(&Verdict::Rejected).unwrap_or(&0),
        counts.get(&Verdict::Duplicate).unwrap_or(&0),
        counts.get(&Verdict::Skipped).unwrap_or(&0),
    ));
    out
}
