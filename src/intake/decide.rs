//! Deciding what a file is: pure. What the reader found, the door it came
//! through and what the ledger already knows go in; a verdict, findings and
//! the values to record come out. Nothing here touches a file or the ledger.

use super::read::ParsedReturn;
use super::reader::Outcome;
use super::validate::{self, Rules};
use super::{names, workbook::ReadError};
use crate::model::{Contact, Finding, FindingCode, Reported, Value, Verdict};
use crate::plan::Period;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;

/// The latest accepted value of each indicator of a department before a
/// period, as [`validate::check`] compares with it.
pub(super) type Previous = HashMap<String, (Period, Value)>;

/// An earlier accepted return with the same bytes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Original {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) department: Option<String>,
    pub(crate) period: Option<Period>,
    pub(crate) received_at: DateTime<FixedOffset>,
}

/// Everything decided about one file, before anything is recorded.
#[derive(Debug)]
pub(super) struct Decision {
    pub(crate) verdict: Verdict,
    pub(crate) department: Option<String>,
    pub(crate) period: Option<Period>,
    /// The period it is filed under; `None` files it with the unidentified
    /// ones (a period the plan does not know is no folder of its own).
    pub(crate) filed: Option<Period>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) accepted: Option<(Vec<Reported>, Contact)>,
    pub(crate) parsed: Option<ParsedReturn>,
    pub(crate) duplicate_of: Option<Original>,
}

/// The same bytes as an accepted return are counted once, whichever door
/// they came through, unless a department's link brings another
/// department's return (which is then told as `wrong_department`). Those of
/// a rejected file are read again and rejected again: the clerk's file is
/// still wrong.
pub(super) fn duplicate(original: &Original, link: Option<&str>) -> Option<Decision> {
    if link.is_some_and(|l| original.department.as_deref() != Some(l)) {
        return None;
    }
    Some(Decision {
        verdict: Verdict::Duplicate,
        department: original.department.clone(),
        period: original.period,
        filed: original.period,
        findings: Vec::new(),
        accepted: None,
        parsed: None,
        duplicate_of: Some(original.clone()),
    })
}

/// What a file that was read (or refused unread) is. `link` is the
/// department whose link it came through; `previous` asks the ledger for a
/// department's earlier values, once the file is known to be its return.
pub(super) fn decide(
    outcome: Outcome,
    name: &str,
    link: Option<&str>,
    rules: &Rules,
    previous: &mut dyn FnMut(&str, Period) -> Result<Previous>,
) -> Result<Decision> {
    let parsed = match outcome {
        Outcome::Form(p) => *p,
        Outcome::NotAForm(sender) => {
            // Who sent it is known without the table: the receipt reaches them.
            let mut findings = Vec::new();
            let id =
                validate::identify_without_table(&sender, names::stem(name), rules, &mut findings);
            let department = match (link, id.department) {
                (Some(l), Some(d)) if l != d => {
                    findings.push(wrong_department(
                        sender.sheet.as_deref(),
                        sender.unit.as_ref().map(|c| c.at),
                        &d,
                        l,
                    ));
                    Some(l.to_string())
                }
                (Some(l), _) => Some(l.to_string()),
                (None, d) => d,
            };
            let filed = id.period.filter(|_| {
                !findings
                    .iter()
                    .any(|f| f.code == FindingCode::UnknownPeriod)
            });
            return Ok(Decision {
                department,
                period: id.period,
                filed,
                ..unread(None, findings)
            });
        }
        Outcome::Refused(e) => return Ok(unread(link, vec![refused(e)])),
    };
    let mut findings = Vec::new();
    let id = validate::identify(&parsed.sender(), names::stem(name), rules, &mut findings);
    let department = match (link, &id.department) {
        (Some(l), Some(d)) if l != d => {
            findings.push(wrong_department(
                Some(&parsed.sheet.name),
                parsed.unit.as_ref().map(|l| l.at),
                d,
                l,
            ));
            Some(l.to_string())
        }
        (Some(l), _) => Some(l.to_string()),
        (None, d) => d.clone(),
    };
    let mut accepted = None;
    if let (Some(dept), Some(period)) = (&department, id.period)
        && !findings.iter().any(Finding::is_error)
    {
        let previous = previous(dept, period)?;
        let (values, contact) =
            validate::check(&parsed, dept, period, &previous, rules, &mut findings);
        if !findings.iter().any(Finding::is_error) {
            accepted = Some((values, contact));
        }
    }
    let filed = id.period.filter(|_| {
        !findings
            .iter()
            .any(|f| f.code == FindingCode::UnknownPeriod)
    });
    Ok(Decision {
        verdict: if accepted.is_some() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        },
        department,
        period: id.period,
        filed,
        findings,
        accepted,
        parsed: Some(parsed),
        duplicate_of: None,
    })
}

/// The finding of a file the reader could not read.
pub(super) fn refused(e: ReadError) -> Finding {
    Finding::error(e.code(), e.to_string())
}

fn unread(link: Option<&str>, findings: Vec<Finding>) -> Decision {
    Decision {
        verdict: Verdict::Rejected,
        department: link.map(str::to_string),
        period: None,
        filed: None,
        findings,
        accepted: None,
        parsed: None,
        duplicate_of: None,
    }
}

fn wrong_department(
    sheet: Option<&str>,
    unit: Option<(u32, u32)>,
    form_of: &str,
    link: &str,
) -> Finding {
    let f = Finding::error(
        FindingCode::WrongDepartment,
        format!(
            "这是“{form_of}”的填报表，不是本单位（{link}）的；通过本单位的链接只能报送本单位的表。\
             请确认是否传错了文件，换成本单位的填报表后重新上传；{form_of}的表请由{form_of}自己报送。本文件未计入任何数据"
        ),
    );
    match sheet {
        Some(sheet) => f.at(sheet, unit),
        None => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlanConfig;
    use crate::intake::read;
    use crate::intake::workbook::{Book, Format, Sheet};
    use calamine::Data;

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }

    /// 县民政局's form for 2024-03 without `_meta`, every indicator filled.
    fn form(unit: &str) -> ParsedReturn {
        let c = crate::testutil::catalog();
        let mut rows: Vec<Vec<Data>> = vec![
            vec![s("填报单位"), s(unit), s("报送期次"), s("2024-03")],
            read::HEADERS.iter().map(|(_, h)| s(h)).collect(),
        ];
        for ind in c.indicators_of("县民政局") {
            let mut r = vec![Data::Empty; 11];
            r[1] = s(&ind.code);
            r[4] = s(&ind.unit);
            let full = match ind.kind {
                crate::plan::catalog::Kind::Milestone => s("完成"),
                _ => Data::Float(ind.target),
            };
            r[5] = full.clone();
            r[6] = full;
            rows.push(r);
        }
        rows.push(vec![
            s("填报人"),
            s("张三"),
            s("联系电话"),
            s("0730-6221234"),
        ]);
        let refs: Vec<&[Data]> = rows.iter().map(Vec::as_slice).collect();
        let mut book = Book::from_sheets(Format::Xlsx, vec![Sheet::from_rows("填报表", &refs)]);
        read::parse(&mut book).unwrap()
    }

    fn decide_with(outcome: Outcome, link: Option<&str>) -> (Decision, usize) {
        let c = crate::testutil::catalog();
        let plan = PlanConfig::default();
        let rules = Rules {
            catalog: &c,
            plan: &plan,
            key: b"k",
            today: chrono::NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
        };
        let mut asked = 0;
        let d = decide(outcome, "报表.xlsx", link, &rules, &mut |_, _| {
            asked += 1;
            Ok(Previous::new())
        })
        .unwrap();
        (d, asked)
    }

    fn codes(d: &Decision) -> Vec<&'static str> {
        d.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_clean_form_is_accepted_and_its_earlier_values_asked_for_once() {
        let (d, asked) = decide_with(Outcome::Form(Box::new(form("县民政局"))), None);
        assert_eq!(d.verdict, Verdict::Accepted, "{:?}", d.findings);
        assert_eq!(d.department.as_deref(), Some("县民政局"));
        assert_eq!(d.filed.map(|p| p.to_string()).as_deref(), Some("2024-03"));
        assert_eq!(asked, 1);
    }

    #[test]
    fn another_departments_form_through_a_link_is_rejected_and_counts_nothing() {
        let (d, asked) = decide_with(Outcome::Form(Box::new(form("县民政局"))), Some("县教育局"));
        assert_eq!(d.verdict, Verdict::Rejected);
        assert!(d.accepted.is_none());
        assert_eq!(asked, 0, "no value is checked, so none is counted");
        assert!(codes(&d).contains(&"wrong_department"), "{:?}", codes(&d));
        let f = d
            .findings
            .iter()
            .find(|f| f.code == FindingCode::WrongDepartment)
            .unwrap();
        assert_eq!(f.cell.as_deref(), Some("B1"), "points at 填报单位's value");
        assert!(f.message.contains("县民政局") && f.message.contains("县教育局"));
        assert_eq!(
            d.department.as_deref(),
            Some("县教育局"),
            "filed as the return of the department that sent it"
        );
    }

    #[test]
    fn its_own_form_through_its_link_is_accepted() {
        let (d, _) = decide_with(Outcome::Form(Box::new(form("县民政局"))), Some("县民政局"));
        assert_eq!(d.verdict, Verdict::Accepted, "{:?}", d.findings);
    }

    #[test]
    fn unread_files_are_rejected_with_what_stopped_them() {
        let (d, _) = decide_with(Outcome::NotAForm(Default::default()), None);
        assert_eq!(codes(&d), ["not_a_form"]);
        assert_eq!(
            (d.verdict, d.department.clone(), d.filed),
            (Verdict::Rejected, None, None)
        );
        let (d, _) = decide_with(Outcome::Refused(ReadError::Crashed), Some("县教育局"));
        assert_eq!(codes(&d), ["unreadable"]);
        assert_eq!(d.department.as_deref(), Some("县教育局"));
        let (d, _) = decide_with(Outcome::Refused(ReadError::OutOfMemory(1024)), None);
        assert_eq!(codes(&d), ["too_large"]);
    }

    #[test]
    fn an_unknown_period_is_filed_with_the_unidentified() {
        let mut p = form("县民政局");
        p.period.as_mut().unwrap().value = s("2023-12");
        let (d, _) = decide_with(Outcome::Form(Box::new(p)), None);
        assert_eq!(d.verdict, Verdict::Rejected);
        assert!(codes(&d).contains(&"unknown_period"));
        assert_eq!(d.filed, None);
        assert_eq!(d.period.map(|p| p.to_string()).as_deref(), Some("2023-12"));
    }

    #[test]
    fn the_same_bytes_as_an_accepted_return_count_once_unless_a_link_brings_them_from_elsewhere() {
        let original = Original {
            id: 7,
            name: "a.xlsx".into(),
            department: Some("县民政局".into()),
            period: Some("2024-03".parse().unwrap()),
            received_at: chrono::Utc::now().fixed_offset(),
        };
        let d = duplicate(&original, None).unwrap();
        assert_eq!(d.verdict, Verdict::Duplicate);
        assert_eq!(d.duplicate_of.as_ref().map(|o| o.id), Some(7));
        assert!(duplicate(&original, Some("县民政局")).is_some());
        assert!(duplicate(&original, Some("县教育局")).is_none());
    }
}
