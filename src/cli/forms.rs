//! `minsheng forms [--period P] [--department D] [--json]`: issue the
//! period's forms, prefilled with last period's accepted values.

use super::output::{print_json, print_text};
use crate::error::UserError;
use crate::form::{self, Issued};
use crate::plan::Period;
use crate::plan::catalog::Catalog;
use crate::workspace::Workspace;
use anyhow::Result;

pub(super) fn run(
    ws: &Workspace,
    period: Option<&str>,
    department: Option<&str>,
    draft: bool,
    json: bool,
) -> Result<()> {
    crate::cycle::gate::review_gate(ws, draft, crate::cycle::gate::Act::Forms)
        .map_err(crate::cycle::gate::Refused::usage)?;
    let period = super::period_arg(ws, period)?;
    let departments = chosen_departments(&ws.catalog, department)?;
    let issued = crate::cycle::issue_forms(ws, period, &departments)?;
    if json {
        let forms: Vec<_> = issued
            .iter()
            .map(|f| {
                serde_json::json!({
                    "file": f.file.display().to_string(),
                    "department": f.department,
                    "indicators": f.indicators,
                })
            })
            .collect();
        print_json(&serde_json::json!({
            "period": period,
            "draft": ws.catalog.is_draft(),
            "forms": forms,
        }))
    } else {
        print_text(&summary(ws, period, &issued))
    }
}

/// Every reporting department in catalog order, or the one asked for.
fn chosen_departments<'a>(
    catalog: &'a Catalog,
    department: Option<&'a str>,
) -> Result<Vec<&'a str>> {
    match department {
        None => Ok(catalog.departments.iter().map(String::as_str).collect()),
        Some(d) if catalog.has_department(d.trim()) => Ok(vec![d.trim()]),
        Some(d) => Err(UserError::usage(format!(
            "单位“{d}”不在任务目录的报送单位名单中。报送单位有：{}",
            catalog.departments.join("、")
        ))
        .into()),
    }
}

fn summary(ws: &Workspace, period: Period, issued: &[Issued]) -> String {
    let dir = ws.forms_dir(period);
    let mut s = format!(
        "已生成 {}（{period}）填报表 {} 份，保存在 {}：\n",
        period.chinese(),
        issued.len(),
        dir.display()
    );
    for f in issued {
        let name = f.file.file_name().unwrap_or_default().to_string_lossy();
        s.push_str(&format!("  {name}（{} 项指标）\n", f.indicators));
    }
    s.push_str(&format!(
        "报送截止：{}。请把表格发给各单位，收回的表格放入 inbox/。\n",
        form::deadline_text(period.deadline(ws.config.plan.deadline_day))
    ));
    if let Err(u) = ws.catalog.check_reviewed() {
        s.push_str(&format!(
            "注意：这是草稿。任务目录{u}，表格标题已注明“草稿”；核对完成后请重新生成。\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_department_is_a_usage_error_naming_it() {
        let catalog = crate::testutil::catalog();
        let e = chosen_departments(&catalog, Some("县财政局")).unwrap_err();
        assert!(e.downcast_ref::<UserError>().is_some());
        assert!(e.to_string().contains("县财政局"), "{e}");
        assert_eq!(chosen_departments(&catalog, None).unwrap().len(), 20);
    }
}
