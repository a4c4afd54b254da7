//! Department forms: one protected, signed, print-ready workbook per
//! department per period, written to the form contract of DESIGN.md.
//!
//! The form is the whole user interface of twenty departments' clerks, so it
//! looks like the paper forms they know (title, 填报单位 row, bordered table,
//! footer for whoever filled it in) and makes mistakes hard: everything but
//! the yellow input cells is locked, 累计完成 carries data validation, and a
//! hidden signed `_meta` sheet lets a return be traced to this issue.
//!
//! [`build`] lays out one workbook in memory ([`guide`] writes its second
//! sheet), [`meta`] signs it, and [`issue`] writes a period's forms into the
//! outbox. Last period's values come in as a [`Prefill`], from wherever the
//! caller keeps them.

pub mod build;
mod guide;
pub mod meta;
mod qr;

pub use build::{FormSpec, build};

use crate::error::UserError;
use crate::plan::Period;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;

const FORM_SHEET: &str = "填报表";
const GUIDE_SHEET: &str = "填报说明";
/// The header row of DESIGN.md, exactly, from column A.
pub const HEADERS: [&str; 11] = [
    "序号",
    "指标编号",
    "重点民生实事",
    "指标",
    "单位",
    "年度目标",
    "累计完成",
    "完成率",
    "工作进展",
    "存在问题",
    "下步措施",
];

/// Last period's accepted values of one department, by indicator code, so a
/// clerk only updates what changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefill {
    pub rows: HashMap<String, PrefillRow>,
    /// 填报人 and 联系电话 of the last return: they rarely change.
    pub contact: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrefillRow {
    pub done: Option<PrefillValue>,
    pub progress: String,
    pub problems: String,
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrefillValue {
    Number(f64),
    Stage(String),
}

/// `2024年4月5日前`: when a period's returns are due, as the form says it.
pub(crate) fn deadline_text(d: chrono::NaiveDate) -> String {
    format!("{}前", crate::text::chinese_date(d))
}

/// One written form, as `--json` lists it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issued {
    pub(crate) file: PathBuf,
    pub(crate) department: String,
    pub(crate) indicators: usize,
}

/// Write the forms of `departments` for `period` into `outbox/forms/<period>/`.
/// Each file is built in memory and renamed into place, so a failure leaves
/// the earlier forms whole and no partial file behind. `link` gives a
/// department's web page for its guide sheet, where the caller hands one out.
pub(crate) fn issue(
    ws: &Workspace,
    period: Period,
    departments: &[&str],
    prefill: impl Fn(&Workspace, &str, Period) -> Result<Option<Prefill>>,
    link: impl Fn(&str) -> Result<Option<String>>,
) -> Result<Vec<Issued>> {
    let dir = ws.forms_dir(period);
    std::fs::create_dir_all(&dir)
        .map_err(|e| unwritable(format!("无法创建填报表文件夹 {}", dir.display()), &e))?;
    let key = ws.signing_key()?;
    let issued_at = ws.clock.now().fixed_offset();
    let deadline = period.deadline(ws.config.plan.deadline_day);
    // January starts a new plan year: December's running totals belong to the
    // previous plan, so they are never carried over.
    let previous = Some(period.prev()).filter(|p| p.year == period.year);
    let mut issued = Vec::new();
    for &department in departments {
        let last = match previous {
            Some(p) => prefill(ws, department, p)
                .with_context(|| format!("无法读取 {department} 上期已采用的数据"))?,
            None => None,
        };
        let link =
            link(department).with_context(|| format!("无法取得 {department} 的专属页面链接"))?;
        let spec = FormSpec {
            catalog: &ws.catalog,
            department,
            period,
            deadline,
            issued_at,
            key: &key,
            link: link.as_deref(),
        };
        let bytes = build(&spec, last.as_ref())?;
        let file = dir.join(file_name(period, department));
        crate::fsx::write_atomic(&file, &bytes).map_err(|e| {
            match e.chain().find_map(|c| c.downcast_ref::<std::io::Error>()) {
                Some(io) => unwritable(format!("无法写入填报表 {}", file.display()), io),
                None => UserError::usage_from(e).into(),
            }
        })?;
        issued.push(Issued {
            file,
            department: department.to_string(),
            indicators: spec.indicators().count(),
        });
    }
    Ok(issued)
}

pub(crate) fn file_name(period: Period, department: &str) -> String {
    format!("{period}-{department}.xlsx")
}

/// An outbox the forms cannot be written to is the office's to fix: exit 2,
/// `what` failed (naming the folder or file) and why, in Chinese.
fn unwritable(what: String, e: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind::*;
    let reason = match e.kind() {
        PermissionDenied | ReadOnlyFilesystem => "没有写入权限".to_string(),
        NotADirectory | AlreadyExists => "路径上有一个同名的文件，而不是文件夹".to_string(),
        IsADirectory | DirectoryNotEmpty => "已有一个同名的文件夹".to_string(),
        StorageFull => "磁盘已满".to_string(),
        _ => e.to_string(),
    };
    UserError::usage(format!(
        "{what}：{reason}。请检查 outbox/forms 文件夹后重试"
    ))
    .into()
}

#[cfg(test)]
mod tests {
    use super::build::tests::{cells, open, row_of};
    use super::*;
    use calamine::Data;

    #[test]
    fn issue_asks_for_last_period_within_the_plan_year_and_prefills_it() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::init(dir.path()).unwrap();
        let ws = Workspace::open(Some(dir.path())).unwrap();
        let asked = std::cell::RefCell::new(Vec::new());
        let source = |_: &Workspace, dept: &str, p: Period| {
            asked.borrow_mut().push((dept.to_string(), p.to_string()));
            Ok(Some(Prefill {
                rows: HashMap::from([(
                    "P12-1".to_string(),
                    PrefillRow {
                        done: Some(PrefillValue::Number(2.0)),
                        ..PrefillRow::default()
                    },
                )]),
                contact: None,
            }))
        };
        let done = HEADERS.iter().position(|h| *h == "累计完成").unwrap() as u32;
        let march = Period::new(2024, 3).unwrap();
        let issued = issue(&ws, march, &["县民政局"], source, |_| Ok(None)).unwrap();
        assert_eq!(
            *asked.borrow(),
            [("县民政局".to_string(), "2024-02".to_string())]
        );
        assert_eq!(issued[0].indicators, 7);
        let mut book = open(std::fs::read(&issued[0].file).unwrap());
        let c = cells(&mut book, FORM_SHEET);
        assert_eq!(c[&(row_of(&c, "P12-1"), done)], Data::Float(2.0));

        // December's totals belong to last year's plan: January starts empty.
        asked.borrow_mut().clear();
        issue(
            &ws,
            Period::new(2024, 1).unwrap(),
            &["县民政局"],
            source,
            |_| Ok(None),
        )
        .unwrap();
        assert!(asked.borrow().is_empty());
    }
}
