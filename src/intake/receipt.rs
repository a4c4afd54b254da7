//! The receipt a department gets for each processed file: a short Chinese
//! text (from `templates/receipt.txt`) and, where the file could be read, a
//! copy of the return with each finding's cell highlighted and a note on it.

use super::read::ParsedReturn;
use crate::model::{Finding, FindingCode, Verdict, a1};
use crate::plan::Period;
use crate::plan::catalog::Catalog;
use crate::plan::words::Words;
use crate::templates::Templates;
use anyhow::{Context, Result};
use calamine::Data;
use chrono::{DateTime, FixedOffset};
use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Note, Workbook};
use serde::Serialize;
use std::collections::HashMap;

/// What the receipt says, independent of how it is rendered.
pub(crate) struct ReceiptInfo<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) file: &'a str,
    pub(crate) department: Option<&'a str>,
    pub(crate) period: Option<Period>,
    pub(crate) received_at: DateTime<FixedOffset>,
    pub(crate) verdict: Verdict,
    pub(crate) findings: &'a [Finding],
    /// For a duplicate: the earlier file's name and when it came.
    pub duplicate_of: Option<(&'a str, DateTime<FixedOffset>)>,
}

/// A receipt as the department gets it: the text, and where a finding names
/// a cell, the marked copy of the return.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub text: String,
    /// The `.xlsx` copy with each finding's cell highlighted.
    pub marked: Option<Vec<u8>>,
}

/// The receipt of one processed file: its text from `templates/receipt.txt`
/// and, when a finding names a cell of the form, the marked copy.
pub(crate) fn compose(
    t: &Templates,
    info: &ReceiptInfo,
    parsed: Option<&ParsedReturn>,
) -> Result<Receipt> {
    // A marked copy only where there is a cell to mark (DESIGN.md).
    let marks_a_cell = |p: &&ParsedReturn| {
        info.findings
            .iter()
            .any(|f| f.cell.is_some() && f.sheet.as_deref() == Some(p.sheet.name.as_str()))
    };
    let marked = parsed
        .filter(marks_a_cell)
        .map(|p| workbook(p, info, &Words::of(info.catalog).office_name))
        .transpose()?;
    Ok(Receipt {
        text: text(t, info, marked.is_some())?,
        marked,
    })
}

#[derive(Serialize)]
struct FindingView<'a> {
    kind: &'static str,
    place: String,
    message: &'a str,
}

/// How a receipt shows a time: `2024-04-03 10:00:00`.
const SHOWN_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// Findings that mean the file holds no form to correct: the clerk needs the
/// form itself again.
const NO_TABLE: [FindingCode; 3] = [
    FindingCode::NotAForm,
    FindingCode::UnsupportedFormat,
    FindingCode::Unreadable,
];

/// The receipt's text; `marked`: whether a marked copy goes with it.
fn text(t: &Templates, r: &ReceiptInfo, marked: bool) -> Result<String> {
    let words = Words::of(r.catalog);
    let errors = r.findings.iter().filter(|f| f.is_error()).count();
    let warnings = r.findings.len() - errors;
    let verdict_text = match (r.verdict, r.duplicate_of) {
        (Verdict::Accepted, _) if warnings > 0 => {
            "已采用，数据已计入本期汇总。下列提醒不影响采用，请核对。".to_string()
        }
        (Verdict::Accepted, _) => "已采用，数据已计入本期汇总。".to_string(),
        (Verdict::Rejected, _) => {
            "退回。本次报送未计入汇总，请按下列问题修改后重新报送。".to_string()
        }
        (Verdict::Duplicate, Some((name, at))) => format!(
            "重复报送。该文件与 {} 收到的《{name}》内容完全相同，不重复计入。",
            at.format(SHOWN_TIME)
        ),
        (v, _) => v.chinese().to_string(),
    };
    let needs_form =
        r.verdict == Verdict::Rejected && r.findings.iter().any(|f| NO_TABLE.contains(&f.code));
    let next_step = match r.verdict {
        Verdict::Accepted => {
            "无需其他操作。如需更正，可修改后重新报送，以最后一次采用的报送为准。".to_string()
        }
        Verdict::Duplicate => "无需其他操作。".to_string(),
        _ if needs_form => format!(
            "请在{}下发的本单位本期填报表中填写，保存为 .xlsx 后重新报送；如原表格已找不到，请联系{}重新发送。",
            words.group,
            words.office_with_seat()
        ),
        _ if marked => format!(
            "请在原表格中修改上述问题（随回执附带的表格已用红色标出需修改的单元格，黄色为提醒），保存为 .xlsx 后重新报送。如有疑问，请联系{}。",
            words.office_with_seat()
        ),
        _ => format!(
            "请在原表格中修改上述问题，保存为 .xlsx 后重新报送。如有疑问，请联系{}。",
            words.office_with_seat()
        ),
    };
    let findings: Vec<FindingView> = r
        .findings
        .iter()
        .map(|f| FindingView {
            kind: if f.is_error() { "需修改" } else { "提醒" },
            // The message itself starts with the cell (`G7：…`).
            place: f
                .sheet
                .as_ref()
                .filter(|_| f.cell.is_some())
                .map(|s| format!("工作表“{s}”"))
                .unwrap_or_default(),
            message: &f.message,
        })
        .collect();
    t.render(
        "receipt.txt",
        serde_json::json!({
            "plan": words.plan,
            "issuer": words.issuer,
            "group": words.group,
            "office_name": words.office_name,
            "office": words.office,
            "file": r.file,
            "department": r.department,
            "period": r.period.map(Period::chinese),
            "received_at": r.received_at.format(SHOWN_TIME).to_string(),
            "verdict": r.verdict.as_str(),
            "verdict_text": verdict_text,
            "findings": findings,
            "errors": errors,
            "warnings": warnings,
            "next_step": next_step,
            "needs_form": needs_form,
            // The department's own page for its form, once there is one.
            "form_page": "",
            "date": r.received_at.format("%Y-%m-%d").to_string(),
        }),
    )
}

/// A copy of the form sheet with every finding's cell filled (red for what
/// must change, yellow for a warning) and the message as a note, plus a
/// sheet listing all findings. The notes are signed by the plan's office;
/// the file's creation time is when the return came, so the copy made for
/// the same return is the same bytes. Its title is the plan's, never the
/// name the file came under, which is the sender's text.
fn workbook(parsed: &ParsedReturn, info: &ReceiptInfo, author: &str) -> Result<Vec<u8>> {
    let findings = info.findings;
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(Words::of(info.catalog).title("报送回执"))
            .set_author(author)
            .set_creation_datetime(&info.received_at.to_utc()),
    );
    let base = Format::new()
        .set_font_name("宋体")
        .set_font_size(11)
        .set_text_wrap();
    let error = base
        .clone()
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_border(FormatBorder::Medium)
        .set_border_color(Color::RGB(0xC00000));
    let warning = base.clone().set_background_color(Color::RGB(0xFFEB9C));
    let by_cell: HashMap<&str, Vec<&Finding>> = findings
        .iter()
        .filter(|f| f.sheet.as_deref() == Some(parsed.sheet.name.as_str()))
        .fold(HashMap::new(), |mut m, f| {
            if let Some(c) = &f.cell {
                m.entry(c.as_str()).or_insert_with(Vec::new).push(f);
            }
            m
        });
    let sheet = &parsed.sheet;
    let ws = wb.add_worksheet();
    ws.set_name(safe_sheet_name(&sheet.name))
        .context("无法生成回执表格")?;
    if let (Some(start), Some(end)) = (sheet.cells.start(), sheet.cells.end()) {
        for col in start.1..=end.1 {
            ws.set_column_width(col as u16, if col == 0 { 8.0 } else { 14.0 })
                .context("无法生成回执表格")?;
        }
        for row in start.0..=end.0 {
            for col in start.1..=end.1 {
                let here = a1(row, col);
                let marks = by_cell.get(here.as_str());
                let fmt = match marks {
                    Some(m) if m.iter().any(|f| f.is_error()) => &error,
                    Some(_) => &warning,
                    None => &base,
                };
                let (r, c) = (row, col as u16);
                match sheet.value(row, col) {
                    Data::Empty if marks.is_none() => continue,
                    Data::Empty => ws.write_blank(r, c, fmt),
                    Data::Float(f) => ws.write_number_with_format(r, c, *f, fmt),
                    Data::Int(i) => ws.write_number_with_format(r, c, *i as f64, fmt),
                    Data::Bool(b) => ws.write_boolean_with_format(r, c, *b, fmt),
                    Data::String(s) => ws.write_string_with_format(r, c, s, fmt),
                    other => ws.write_string_with_format(r, c, other.to_string(), fmt),
                }
                .context("无法生成回执表格")?;
                if let Some(m) = marks {
                    let text: Vec<&str> = m.iter().map(|f| f.message.as_str()).collect();
                    let note = Note::new(text.join("\n"))
                        .set_author(author)
                        .set_width(320)
                        .set_height(120);
                    ws.insert_note(r, c, &note).context("无法生成回执表格")?;
                }
            }
        }
    }
    let list = wb.add_worksheet();
    list.set_name("回执问题清单").context("无法生成回执表格")?;
    let head = base
        .clone()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2));
    for (c, (h, w)) in [
        ("序号", 6.0),
        ("类别", 8.0),
        ("工作表", 10.0),
        ("单元格", 8.0),
        ("指标", 9.0),
        ("问题", 80.0),
    ]
    .iter()
    .enumerate()
    {
        list.write_string_with_format(0, c as u16, *h, &head)
            .context("无法生成回执表格")?;
        list.set_column_width(c as u16, *w)
            .context("无法生成回执表格")?;
    }
    for (i, f) in findings.iter().enumerate() {
        let r = i as u32 + 1;
        let fmt = if f.is_error() { &error } else { &warning };
        list.write_number_with_format(r, 0, r as f64, &base)
            .context("无法生成回执表格")?;
        list.write_string_with_format(r, 1, if f.is_error() { "需修改" } else { "提醒" }, fmt)
            .context("无法生成回执表格")?;
        list.write_string_with_format(r, 2, f.sheet.as_deref().unwrap_or(""), &base)
            .context("无法生成回执表格")?;
        list.write_string_with_format(r, 3, f.cell.as_deref().unwrap_or(""), &base)
            .context("无法生成回执表格")?;
        list.write_string_with_format(r, 4, f.indicator.as_deref().unwrap_or(""), &base)
            .context("无法生成回执表格")?;
        list.write_string_with_format(r, 5, &f.message, &base)
            .context("无法生成回执表格")?;
    }
    if findings.is_empty() {
        list.write_string_with_format(1, 5, "未发现问题。", &base)
            .context("无法生成回执表格")?;
    }
    wb.save_to_buffer().context("无法生成回执表格")
}

/// Excel refuses sheet names with `[]:*?/\` or longer than 31 characters.
fn safe_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').to_string();
    if cleaned.is_empty() {
        "填报表".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info<'a>(c: &'a Catalog, findings: &'a [Finding]) -> ReceiptInfo<'a> {
        ReceiptInfo {
            catalog: c,
            file: "2024-03-县民政局.xlsx",
            department: Some("县民政局"),
            period: Some("2024-03".parse().unwrap()),
            received_at: DateTime::parse_from_rfc3339("2024-04-03T10:00:00+08:00").unwrap(),
            verdict: Verdict::Rejected,
            findings,
            duplicate_of: None,
        }
    }

    fn templates() -> (tempfile::TempDir, Templates) {
        let dir = tempfile::tempdir().unwrap();
        let t = Templates::load(dir.path()).unwrap();
        (dir, t)
    }

    #[test]
    fn the_marked_copy_is_mentioned_only_when_there_is_one() {
        let (_dir, t) = templates();
        let c = crate::testutil::catalog();
        let no_cell =
            [Finding::error(FindingCode::SignatureInvalid, "请使用下发的表格").at("_meta", None)];
        let r = compose(&t, &info(&c, &no_cell), None).unwrap();
        assert!(r.marked.is_none());
        assert!(!r.text.contains("红色"), "{}", r.text);
        assert!(r.text.contains("请在原表格中修改上述问题"), "{}", r.text);
        let in_cell =
            [Finding::error(FindingCode::Negative, "不能为负数").at("填报表", Some((5, 6)))];
        let marked = text(&t, &info(&c, &in_cell), true).unwrap();
        assert!(marked.contains("红色标出"), "{marked}");
    }

    #[test]
    fn a_file_without_a_table_is_told_how_to_get_the_form_again() {
        let (_dir, t) = templates();
        let c = crate::testutil::catalog();
        let f = [Finding::error(FindingCode::NotAForm, "文件中找不到填报表")];
        let r = compose(&t, &info(&c, &f), None).unwrap();
        assert!(r.marked.is_none());
        assert!(!r.text.contains("红色"), "{}", r.text);
        assert!(
            r.text.contains("下发的本单位本期填报表") && r.text.contains("重新发送"),
            "{}",
            r.text
        );
        // No page of the department's own yet: none is mentioned.
        assert!(!r.text.contains("填报页面"), "{}", r.text);
    }
}
