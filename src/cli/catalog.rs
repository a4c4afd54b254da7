//! `minsheng catalog`: the task catalog as a table or JSON; `catalog draft`
//! turns a plan document into a draft catalog; `catalog diff` compares two.

use super::args::CatalogAction;
use super::output::{print_json, print_text};
use crate::error::{ItemsFailed, UserError};
use crate::plan::catalog::{Catalog, Level};
use crate::plan::{diff, draft};
use crate::text::{pad, pad_left, truncate};
use crate::workspace::Workspace;
use anyhow::Result;
use std::path::Path;

pub(super) fn run(
    workspace: Option<&Path>,
    json: bool,
    action: Option<CatalogAction>,
) -> Result<()> {
    match action {
        // Drafting and comparing work on the files named, not on a workspace.
        Some(CatalogAction::Draft { plan, out }) => draft(&plan, out.as_deref()),
        Some(CatalogAction::Diff { a, b }) => diff(&a, &b),
        None => {
            let ws = Workspace::open(workspace)?;
            if json {
                print_json(&ws.catalog.to_json())
            } else {
                let marks = review_list(&ws.config.plan.catalog, &ws.catalog);
                print_text(&format!("{}{marks}", table(&ws.catalog)))
            }
        }
    }
}

/// `minsheng catalog draft PLAN [--out FILE]`.
fn draft(plan: &Path, out: Option<&Path>) -> Result<()> {
    if let Some(o) = out
        && (o.exists() || o.is_symlink())
    {
        return Err(UserError::usage(format!(
            "{} 已存在，不会覆盖；请换一个文件名，或先把原文件移走",
            o.display()
        ))
        .into());
    }
    let bytes = crate::workspace::read_plan(plan)?;
    let source_name = plan
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let draft = crate::workspace::draft_bytes(plan, &bytes, &source_name)?;
    let toml = draft.to_toml();
    let id = out
        .or(Some(plan))
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = out.map_or_else(|| "（草稿）".to_string(), |o| o.display().to_string());
    let check = Catalog::parse(&toml, &id, &shown);
    match out {
        Some(o) => crate::fsx::write_atomic(o, toml.as_bytes())?,
        None => print_text(&toml)?,
    }
    eprint!("{}", draft::summary(&draft, &source_name, out));
    if let Err(e) = check {
        eprintln!("错误：草稿未能通过目录检查，请按下列问题修改后再使用：\n{e}");
        return Err(ItemsFailed.into());
    }
    Ok(())
}

/// `minsheng catalog diff A B`: exit 0 when the catalogs agree, 1 when they differ.
fn diff(a_path: &Path, b_path: &Path) -> Result<()> {
    let a = Catalog::load(a_path).map_err(UserError::usage_from)?;
    let b = Catalog::load(b_path).map_err(UserError::usage_from)?;
    let changes = diff::diff(&a, &b);
    print_text(&diff::render(
        &a_path.display().to_string(),
        &b_path.display().to_string(),
        &a,
        &b,
        &changes,
    ))?;
    if changes.is_empty() {
        Ok(())
    } else {
        Err(ItemsFailed.into())
    }
}

const CODE: usize = 6;
const NAME: usize = 36;
const TARGET: usize = 9;
const UNIT: usize = 6;
const DEPT: usize = 28;

/// The catalog as a table that fits a 100-column terminal.
fn table(c: &Catalog) -> String {
    let mut out = String::new();
    let n_ind = c.indicators().count();
    out.push_str(&format!(
        "{}（{} 年）任务目录 {}：{} 项任务，{} 个指标，{} 个报送单位\n",
        c.plan.name,
        c.plan.year,
        c.version,
        c.tasks.len(),
        n_ind,
        c.departments.len()
    ));
    for level in Level::ALL {
        let tasks: Vec<_> = c.tasks.iter().filter(|t| t.level == level).collect();
        if tasks.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n【{}】{} 项任务\n",
            c.level_name(level),
            tasks.len()
        ));
        out.push_str(&format!(
            "{}  {}  {} {}  {}\n",
            pad("编号", CODE),
            pad("指标", NAME),
            pad_left("年度目标", TARGET),
            pad("单位", UNIT),
            "报送单位"
        ));
        out.push_str(&format!(
            "{}\n",
            "-".repeat(CODE + NAME + TARGET + UNIT + DEPT + 7)
        ));
        for t in tasks {
            out.push_str(&format!(
                "{}  {}\n",
                pad(&t.code, CODE),
                truncate(&t.title, NAME + TARGET + UNIT + 4)
            ));
            for i in &t.indicators {
                out.push_str(&format!(
                    "{}  {}  {} {}  {}\n",
                    pad(&format!(" {}", i.code), CODE),
                    pad(&truncate(&i.name, NAME), NAME),
                    pad_left(&i.target_text(), TARGET),
                    pad(&i.unit, UNIT),
                    truncate(&i.department, DEPT)
                ));
            }
        }
    }
    out
}

/// The `待核对` marks still in the catalog, each with its line, and what
/// they hold back; empty for a reviewed catalog.
fn review_list(file: &str, c: &Catalog) -> String {
    let Err(unreviewed) = c.check_reviewed() else {
        return String::new();
    };
    let mut s = format!(
        "\n任务目录 {file} {unreviewed}。逐条核对、改正后删去标记，全部删去即完成核对；\
         在此之前 forms、report --send、remind 须加 --draft 才运行，值守程序不发通报和催报：\n"
    );
    let w = c.review.last().map_or(1, |m| m.line.to_string().len());
    for m in &c.review {
        s.push_str(&format!(
            "  第 {} 行  {}\n",
            pad_left(&m.line.to_string(), w),
            m.text
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::width;

    #[test]
    fn every_line_fits_100_columns_and_every_indicator_is_listed() {
        let c = crate::testutil::catalog();
        let table = table(&c);
        for line in table.lines() {
            assert!(width(line) <= 100, "{} columns: {line}", width(line));
        }
        for i in c.indicators() {
            assert!(table.contains(&i.code), "{} missing", i.code);
        }
        assert!(table.contains("4200"));
        assert!(table.contains("县生活垃圾焚烧发电项目指挥部"));
    }
}
