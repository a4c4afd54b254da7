//! `minsheng ingest FILE… [--json]`: take returned files in by hand, the
//! same way the daemon takes them from the inbox.

use super::output::{print_json, print_text};
use crate::error::ItemsFailed;
use crate::intake::{Arrival, FileResult, Intake};
use crate::model::{Severity, Verdict};
use crate::workspace::Workspace;
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;

pub(super) fn run(ws: &Workspace, files: &[PathBuf], json: bool) -> Result<()> {
    let mut intake = Intake::open(ws)?;
    let arrivals: Vec<Arrival> = files
        .iter()
        .map(|p| Arrival::dropped(p, p.display().to_string()))
        .collect();
    let taken = crate::cycle::take(&mut intake, ws, &arrivals)?;
    if !taken.recovered.is_empty() {
        eprintln!(
            "另外处理了上次中断时留下的 {} 个文件（回执已写入 outbox/receipts/）",
            taken.recovered.len()
        );
    }
    let mut results = Vec::new();
    let mut failed = false;
    for r in taken.results {
        match r {
            Ok(r) => results.push(r),
            Err(e) => {
                failed = true;
                eprintln!("错误：{e}");
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
