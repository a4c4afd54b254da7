//! `minsheng init DIR [--plan PLAN]`: a new workspace, and what to do next.
//! Plain `init` copies the Pingjiang example and says it is one; with
//! `--plan` the catalog is drafted from the county's own plan, and the
//! office is walked through the review that the forms wait for.

use super::output::print_text;
use crate::error::ItemsFailed;
use crate::plan::draft;
use crate::workspace::{EXAMPLE_CATALOG, PlanWorkspace, Workspace};
use anyhow::Result;
use std::path::Path;

pub(super) fn run(dir: &Path, plan: Option<&Path>) -> Result<()> {
    let Some(plan) = plan else {
        Workspace::init(dir)?;
        return print_text(&example_text(dir));
    };
    let made = Workspace::init_with_plan(dir, plan)?;
    let source = plan
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    print_text(&drafted_text(dir, &source, &made))?;
    if let Some(problems) = &made.problems {
        eprintln!("错误：起草的目录未能通过检查，改正下列问题后才能使用：\n{problems}");
        return Err(ItemsFailed.into());
    }
    Ok(())
}

fn ws_arg(dir: &Path) -> String {
    let shown = dir.display().to_string();
    if shown.contains(char::is_whitespace) {
        format!("--workspace \"{shown}\"")
    } else {
        format!("--workspace {shown}")
    }
}

fn example_text(dir: &Path) -> String {
    let ws = ws_arg(dir);
    format!(
        "已新建工作目录：{}\n\
         其中的任务目录 {EXAMPLE_CATALOG} 是示例：平江县 2024 年民生可感行动的目录，供熟悉和演练使用。\n\
         本县使用时，请用本县的实施方案新建工作目录，由程序起草本县的任务目录：\n  \
         minsheng init 新目录 --plan 本县实施方案.docx\n\
         演练示例：运行 minsheng {ws} catalog 查看目录，minsheng {ws} forms --period 2024-03 生成填报表。\n",
        dir.display()
    )
}

fn drafted_text(dir: &Path, source: &str, made: &PlanWorkspace) -> String {
    let ws = ws_arg(dir);
    let catalog_path = dir.join(&made.catalog);
    let mut s = format!("已新建工作目录：{}\n", dir.display());
    s.push_str(&draft::overview(&made.draft, source));
    s.push_str(&format!(
        "任务目录草稿：{}（minsheng.toml 的 [plan] catalog 已指向它）\n实施方案原文：{}\n",
        made.catalog, made.plan_copy
    ));
    if made.problems.is_some() {
        s.push_str(&format!(
            "\n下一步：先按下面列出的问题改正 {}，再按其中的“待核对”标记逐条核对。\n",
            catalog_path.display()
        ));
        return s;
    }
    let period = format!("{}-01", made.draft.year);
    s.push_str("\n下一步：\n");
    if made.marks > 0 {
        s.push_str(&format!(
            "  1. 核对：打开 {}，共 {} 处“待核对”标记。对照每个指标上方的“原文”核对名称、年度目标、单位、类型和报送单位，改正后删去该行标记；标记全部删去即完成核对。\n",
            catalog_path.display(),
            made.marks
        ));
    } else {
        s.push_str(&format!(
            "  1. 核对：打开 {}，对照每个指标上方的“原文”核对名称、年度目标、单位、类型和报送单位。\n",
            catalog_path.display()
        ));
    }
    s.push_str(&format!(
        "  2. 查看：运行 minsheng {ws} catalog，查看整理好的目录和尚未核对的标记。\n\
         \x20 3. 发表：运行 minsheng {ws} forms --period {period}（期次按实际填写）生成各单位填报表。\n"
    ));
    if made.marks > 0 {
        s.push_str(
            "  核对完成前，forms、report --send、remind 不会运行，值守程序也不发通报和催报；\
             如需先发草稿征求意见，forms 加 --draft，表格标题会注明“草稿”。\n",
        );
    }
    s
}
