//! One department's form as the bytes of a workbook: the table sheet, the
//! guide sheet and the signed `_meta` sheet. Pure: a [`FormSpec`] and an
//! optional [`Prefill`] in, bytes out.

use super::{FORM_SHEET, HEADERS, Prefill, PrefillValue};
use crate::plan::Period;
use crate::plan::catalog::{Catalog, Indicator, Kind, STAGES};
use crate::plan::words::Words;
use crate::text::width;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_xlsxwriter::{
    ColNum, Color, DataValidation, DataValidationRule, DocProperties, Format, FormatAlign,
    FormatBorder, Formula, ProtectionOptions, RowNum, Workbook, Worksheet, XlsxError,
};

/// The line under the footer, for clerks who never open the second sheet.
const NOTE: &str = "注：黄色底纹单元格为填写区域，其余单元格已锁定。“累计完成”填年初至本期末的累计数，“完成率”自动计算；详见“填报说明”工作表。";
/// What the form is, after the plan's items: `<plan>重点民生实事进展情况调度表`.
const TITLE_SUFFIX: &str = "进展情况调度表";

// Columns of the table, in HEADERS order.
const SEQ: ColNum = 0;
const CODE: ColNum = 1;
const TASK: ColNum = 2;
const NAME: ColNum = 3;
const UNIT: ColNum = 4;
const TARGET: ColNum = 5;
const DONE: ColNum = 6;
const RATE: ColNum = 7;
const PROGRESS: ColNum = 8;
const PROBLEMS: ColNum = 9;
const MEASURES: ColNum = 10;
const LAST_COL: ColNum = MEASURES;

// Rows above the table.
const TITLE_ROW: RowNum = 0;
const INFO_ROW: RowNum = 1;
const HEADER_ROW: RowNum = 2;
const FIRST_ROW: RowNum = 3;

/// Light yellow: the cells a clerk fills in.
const INPUT_FILL: u32 = 0xFFF2CC;
const HEADER_FILL: u32 = 0xD9E1F2;
const FONT: &str = "宋体";
/// Points per line of 11-point text (CJK fonts have tall line boxes), and the
/// least height of a table row, which leaves room to write.
const LINE_HEIGHT: f64 = 14.5;
const MIN_ROW_HEIGHT: f64 = 30.0;

/// What one workbook is issued for.
pub struct FormSpec<'a> {
    pub catalog: &'a Catalog,
    pub department: &'a str,
    pub period: Period,
    pub deadline: NaiveDate,
    pub issued_at: DateTime<FixedOffset>,
    pub key: &'a [u8],
    /// The department's own web page, shown on the guide sheet with its QR
    /// code; `None` when the office has not said how departments reach it.
    pub link: Option<&'a str>,
}

impl FormSpec<'_> {
    pub(super) fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.catalog.indicators_of(self.department)
    }
}

/// The bytes of one department's form.
pub fn build(spec: &FormSpec, prefill: Option<&Prefill>) -> Result<Vec<u8>> {
    let fail = || format!("无法生成 {} 的填报表", spec.department);
    let rows = plan_rows(spec, prefill);
    let styles = Styles::new();
    let mut wb = Workbook::new();
    wb.set_properties(&properties(spec));
    let contact = prefill.and_then(|p| p.contact.as_ref());
    write_form(wb.add_worksheet(), spec, &rows, contact, &styles).with_context(fail)?;
    super::guide::write_guide(wb.add_worksheet(), spec, &styles).with_context(fail)?;
    write_meta(wb.add_worksheet(), spec).with_context(fail)?;
    wb.save_to_buffer().with_context(fail)
}

/// The file's title, author and creation time. The time is the issue time
/// the meta sheet carries, not the moment of writing, so a form is the same
/// bytes whenever the same issue is written (and the mail queue knows it
/// by its bytes).
fn properties(spec: &FormSpec) -> DocProperties {
    let words = Words::of(spec.catalog);
    DocProperties::new()
        .set_title(draft_title(spec.catalog, words.title(TITLE_SUFFIX)))
        .set_author(words.office_name.as_str())
        .set_creation_datetime(&spec.issued_at.to_utc())
}

/// One indicator row of the table.
struct Row<'a> {
    ind: &'a Indicator,
    task_title: &'a str,
    /// On the first row of a task: how many rows the task spans (its
    /// 重点民生实事 cell is merged down over them); `None` on the others.
    task_span: Option<RowNum>,
    done: Option<Done>,
    texts: [&'a str; 3],
}

/// A prefilled 累计完成 and the 完成率 it gives.
enum Done {
    Number(f64),
    Stage(usize),
}

fn plan_rows<'a>(spec: &FormSpec<'a>, prefill: Option<&'a Prefill>) -> Vec<Row<'a>> {
    let inds: Vec<&Indicator> = spec.catalog.indicators_of(spec.department).collect();
    inds.iter()
        .enumerate()
        .map(|(i, &ind)| {
            let starts_task = i == 0 || inds[i - 1].task != ind.task;
            let span = inds[i..].iter().take_while(|o| o.task == ind.task).count();
            let last = prefill.and_then(|p| p.rows.get(&ind.code));
            Row {
                ind,
                task_title: &spec.catalog.task_of(ind).title,
                task_span: starts_task.then_some(span as RowNum),
                done: last
                    .and_then(|l| l.done.as_ref())
                    .and_then(|v| done_of(ind, v)),
                texts: last.map_or(["", "", ""], |l| [&*l.progress, &*l.problems, &*l.measures]),
            }
        })
        .collect()
}

/// A prefilled value that fits the indicator's kind; anything else is left
/// for the clerk rather than put into a cell its validation would refuse.
fn done_of(ind: &Indicator, v: &PrefillValue) -> Option<Done> {
    match (ind.kind, v) {
        (Kind::Milestone, PrefillValue::Stage(s)) => STAGES
            .iter()
            .position(|st| *st == s.trim())
            .map(Done::Stage),
        (Kind::Milestone, PrefillValue::Number(_)) | (_, PrefillValue::Stage(_)) => None,
        (_, PrefillValue::Number(n)) if n.is_finite() && *n >= 0.0 => Some(Done::Number(*n)),
        (_, PrefillValue::Number(_)) => None,
    }
}

/// Every format of the workbook, made once.
pub(super) struct Styles {
    title: Format,
    label: Format,
    info: Format,
    header: Format,
    center: Format,
    text: Format,
    input_value: Format,
    input_text: Format,
    rate: Format,
    rate_stage: Format,
    footer_value: Format,
    footer_date: Format,
    note: Format,
    pub(super) guide_title: Format,
    pub(super) guide_head: Format,
    pub(super) guide_text: Format,
    pub(super) guide_key: Format,
    pub(super) guide_link: Format,
    pub(super) legend: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new()
            .set_font_name(FONT)
            .set_font_size(11)
            .set_align(FormatAlign::VerticalCenter);
        let cell = base.clone().set_border(FormatBorder::Thin).set_text_wrap();
        let input = cell
            .clone()
            .set_unlocked()
            .set_background_color(Color::RGB(INPUT_FILL));
        Styles {
            title: base
                .clone()
                .set_font_size(18)
                .set_bold()
                .set_align(FormatAlign::Center),
            label: base.clone().set_bold().set_align(FormatAlign::Right),
            info: base.clone().set_align(FormatAlign::Left),
            header: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(HEADER_FILL)),
            center: cell.clone().set_align(FormatAlign::Center),
            text: cell.clone().set_indent(1),
            input_value: input.clone().set_align(FormatAlign::Center),
            input_text: input.clone().set_align(FormatAlign::Top).set_indent(1),
            rate: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("0.0%"),
            rate_stage: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("0%"),
            footer_value: input.clone(),
            footer_date: input
                .clone()
                .set_num_format("yyyy-mm-dd")
                .set_align(FormatAlign::Left),
            note: base.clone().set_font_size(10).set_text_wrap(),
            guide_title: base
                .clone()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center),
            guide_head: base.clone().set_font_size(12).set_bold(),
            guide_text: base
                .clone()
                .set_font_size(12)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            guide_key: base
                .clone()
                .set_font_size(12)
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            guide_link: base
                .clone()
                .set_font_size(12)
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_hyperlink(),
            legend: base
                .set_font_size(12)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(INPUT_FILL)),
        }
    }
}

/// Locked sheets still let a clerk widen a column or heighten a row.
pub(super) fn protection() -> ProtectionOptions {
    ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    }
}

fn write_form(
    sheet: &mut Worksheet,
    spec: &FormSpec,
    rows: &[Row],
    contact: Option<&(String, String)>,
    st: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(FORM_SHEET)?;
    // An empty 累计完成 leaves 完成率 blank; a cached 0 would show 0.0%
    // until the sheet is recalculated, and readers would take it as data.
    sheet.set_formula_result_default("");
    let title = draft_title(spec.catalog, Words::of(spec.catalog).title(TITLE_SUFFIX));
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, LAST_COL, &title, &st.title)?;
    sheet.set_row_height(TITLE_ROW, 36)?;

    // 填报单位 | department (over C:D) … 报送期次 | period … 报送截止 | date:
    // each label alone in its cell, its value in the very next cell.
    sheet.write_string_with_format(INFO_ROW, CODE, "填报单位", &st.label)?;
    sheet.merge_range(INFO_ROW, TASK, INFO_ROW, NAME, spec.department, &st.info)?;
    sheet.write_string_with_format(INFO_ROW, TARGET, "报送期次", &st.label)?;
    sheet.write_string_with_format(INFO_ROW, DONE, spec.period.to_string(), &st.info)?;
    sheet.write_string_with_format(INFO_ROW, RATE, "报送截止", &st.label)?;
    sheet.write_string_with_format(
        INFO_ROW,
        PROGRESS,
        super::deadline_text(spec.deadline),
        &st.info,
    )?;
    sheet.set_row_height(INFO_ROW, 24)?;

    for (col, name) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as ColNum, *name, &st.header)?;
    }
    sheet.set_row_height(HEADER_ROW, 28)?;

    let widths = column_widths(rows);
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as ColNum, *w)?;
    }
    for (i, (row, height)) in rows.iter().zip(row_heights(rows, &widths)).enumerate() {
        let r = FIRST_ROW + i as RowNum;
        write_row(sheet, r, i + 1, row, st)?;
        sheet.set_row_height(r, height)?;
    }

    let footer = FIRST_ROW + rows.len() as RowNum + 1;
    write_footer(sheet, footer, contact, st)?;
    sheet.merge_range(footer + 2, 0, footer + 2, LAST_COL, NOTE, &st.note)?;

    sheet.set_freeze_panes(FIRST_ROW, 0)?;
    sheet.protect_with_options(&protection());
    print_setup(sheet, true)?;
    sheet.set_repeat_rows(TITLE_ROW, HEADER_ROW)?;
    sheet.set_active(true);
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    r: RowNum,
    seq: usize,
    row: &Row,
    st: &Styles,
) -> Result<(), XlsxError> {
    let ind = row.ind;
    sheet.write_number_with_format(r, SEQ, seq as f64, &st.center)?;
    sheet.write_string_with_format(r, CODE, &ind.code, &st.center)?;
    match row.task_span {
        Some(n) if n > 1 => {
            sheet.merge_range(r, TASK, r + n - 1, TASK, row.task_title, &st.text)?;
        }
        Some(_) => {
            sheet.write_string_with_format(r, TASK, row.task_title, &st.text)?;
        }
        None => {}
    }
    sheet.write_string_with_format(r, NAME, &ind.name, &st.text)?;
    sheet.write_string_with_format(r, UNIT, &ind.unit, &st.center)?;
    match ind.kind {
        Kind::Milestone => {
            sheet.write_string_with_format(r, TARGET, ind.target_text(), &st.center)?
        }
        _ => sheet.write_number_with_format(r, TARGET, ind.target, &st.center)?,
    };

    // 累计完成, and 完成率 with the cached result matching it: readers that
    // do not recalculate (calamine, previews, mail clients) see the cache.
    let g = format!("G{}", r + 1);
    let (formula, rate_format) = match (ind.kind, ind.baseline) {
        (Kind::Milestone, _) => (
            format!(
                "=IF({g}=\"\",\"\",(MATCH({g},{{{}}},0)-1)/4)",
                STAGES.map(|s| format!("\"{s}\"")).join(",")
            ),
            &st.rate_stage,
        ),
        // A raised standard counts from its old level, as `Value::progress` does.
        (Kind::Standard, Some(b)) => (
            format!(
                "=IF({g}=\"\",\"\",MAX(0,MIN(1,({g}-{b})/(F{}-{b}))))",
                r + 1
            ),
            &st.rate,
        ),
        _ => (format!("=IF({g}=\"\",\"\",{g}/F{})", r + 1), &st.rate),
    };
    let cached = match row.done {
        None => {
            sheet.write_blank(r, DONE, &st.input_value)?;
            String::new()
        }
        Some(Done::Number(n)) => {
            sheet.write_number_with_format(r, DONE, n, &st.input_value)?;
            crate::model::Value::Number(n).progress(ind).to_string()
        }
        Some(Done::Stage(i)) => {
            sheet.write_string_with_format(r, DONE, STAGES[i], &st.input_value)?;
            (i as f64 / 4.0).to_string()
        }
    };
    sheet.write_formula_with_format(
        r,
        RATE,
        Formula::new(formula).set_result(cached),
        rate_format,
    )?;
    sheet.add_data_validation(r, DONE, r, DONE, &done_validation(ind)?)?;

    // Department text is always a string, never a formula.
    for (col, text) in [PROGRESS, PROBLEMS, MEASURES].into_iter().zip(row.texts) {
        if text.is_empty() {
            sheet.write_blank(r, col, &st.input_text)?;
        } else {
            sheet.write_string_with_format(r, col, text, &st.input_text)?;
        }
    }
    Ok(())
}

/// 累计完成's validation, with a Chinese prompt saying what to type and an
/// alert saying what was wrong.
fn done_validation(ind: &Indicator) -> Result<DataValidation, XlsxError> {
    let unit = &ind.unit;
    let (rule, title, message, error) = match ind.kind {
        Kind::Milestone => {
            let stages = STAGES.join("、");
            return DataValidation::new()
                .allow_list_strings(&STAGES)?
                .set_input_title("请选择项目所处阶段")?
                .set_input_message(format!("点右侧箭头，从下拉列表中选择：{stages}。"))?
                .set_error_title("阶段填写不正确")?
                .set_error_message(format!("只能从下拉列表中选择：{stages}。"));
        }
        Kind::Percent => (
            DataValidationRule::Between(0.0, 100.0),
            "请填写百分点数",
            format!(
                "按百分点填写，如达到 95% 就填 95（直接输入 95% 也可以）。年度目标 {}%。",
                crate::text::number(ind.target)
            ),
            "应填写 0 到 100 之间的数字，如 95；不要带文字。",
        ),
        Kind::Standard => (
            DataValidationRule::GreaterThanOrEqualTo(0.0),
            "请填写现行标准",
            format!("填写目前实际执行的标准，单位：{unit}。只填数字，不要带单位。"),
            "应填写不小于 0 的数字，只填数字，不要带单位或文字。",
        ),
        Kind::Count => (
            DataValidationRule::GreaterThanOrEqualTo(0.0),
            "请填写累计完成数",
            format!("填写年初至本期末的累计数（不是当月数），单位：{unit}。只填数字，不要带单位。"),
            "应填写不小于 0 的数字，只填数字，不要带单位或文字。",
        ),
    };
    DataValidation::new()
        .allow_decimal_number(rule)
        .set_input_title(title)?
        .set_input_message(message)?
        .set_error_title("累计完成填写不正确")?
        .set_error_message(error)
}

/// 填报人 | name … 联系电话 | phone … 填报日期 | date, values unlocked.
fn write_footer(
    sheet: &mut Worksheet,
    r: RowNum,
    contact: Option<&(String, String)>,
    st: &Styles,
) -> Result<(), XlsxError> {
    let (filler, phone) = contact
        .map(|(f, p)| (f.as_str(), p.as_str()))
        .unwrap_or(("", ""));
    sheet.write_string_with_format(r, CODE, "填报人", &st.label)?;
    sheet.write_string_with_format(r, TASK, filler, &st.footer_value)?;
    sheet.write_string_with_format(r, NAME, "联系电话", &st.label)?;
    sheet.merge_range(r, UNIT, r, TARGET, phone, &st.footer_value)?;
    sheet.write_string_with_format(r, DONE, "填报日期", &st.label)?;
    sheet.merge_range(r, RATE, r, PROGRESS, "", &st.footer_date)?;
    sheet.set_row_height(r, 24)?;
    Ok(())
}

/// Widths that fit the content: CJK characters count double (as they print),
/// long text wraps within a cap, and the three text columns are wide enough
/// to write in. Columns that hold a label above or under the table (B, D, F,
/// G, H) are at least as wide as the label.
fn column_widths(rows: &[Row]) -> [f64; HEADERS.len()] {
    fn fit<'a>(texts: impl Iterator<Item = &'a str>, min: usize, max: usize) -> f64 {
        texts
            .map(|t| width(t) + 2)
            .max()
            .unwrap_or(0)
            .clamp(min, max) as f64
    }
    let targets: Vec<String> = rows.iter().map(|r| r.ind.target_text()).collect();
    [
        6.0,
        fit(rows.iter().map(|r| r.ind.code.as_str()), 10, 12),
        fit(rows.iter().map(|r| r.task_title), 14, 20),
        fit(rows.iter().map(|r| r.ind.name.as_str()), 16, 26),
        fit(rows.iter().map(|r| r.ind.unit.as_str()), 7, 10),
        fit(targets.iter().map(String::as_str), 10, 12),
        12.0,
        10.0,
        26.0,
        26.0,
        26.0,
    ]
}

/// Heights that show every wrapped line. Office suites do not grow a row to
/// its wrapped text on load (LibreOffice keeps the default height), so the
/// form sets them; what a merged 重点民生实事 cell lacks goes to its last row.
fn row_heights(rows: &[Row], widths: &[f64; HEADERS.len()]) -> Vec<f64> {
    let lines = |text: &str, col: ColNum| -> usize {
        // A column width counts digits of the default font; a 宋体 glyph of
        // one display column is a little wider than a digit.
        let usable = (widths[col as usize] - 1.0).max(1.0);
        text.split('\n')
            .map(|l| ((width(l) as f64 * 1.05) / usable).ceil().max(1.0) as usize)
            .sum()
    };
    let mut need: Vec<usize> = rows
        .iter()
        .map(|row| {
            let own = [
                (NAME, row.ind.name.as_str()),
                (UNIT, row.ind.unit.as_str()),
                (PROGRESS, row.texts[0]),
                (PROBLEMS, row.texts[1]),
                (MEASURES, row.texts[2]),
            ];
            let title = match row.task_span {
                Some(1) => lines(row.task_title, TASK),
                _ => 1,
            };
            own.iter()
                .map(|&(c, t)| lines(t, c))
                .fold(title, usize::max)
        })
        .collect();
    for (i, row) in rows.iter().enumerate() {
        if let Some(n) = row.task_span.filter(|&n| n > 1).map(|n| n as usize) {
            let have: usize = need[i..i + n].iter().sum();
            let want = lines(row.task_title, TASK);
            if want > have {
                need[i + n - 1] += want - have;
            }
        }
    }
    need.into_iter()
        .map(|l| (l as f64 * LINE_HEIGHT + 8.0).max(MIN_ROW_HEIGHT))
        .collect()
}

/// A4, fit to one page wide, centred, page numbers in the footer.
pub(super) fn print_setup(sheet: &mut Worksheet, landscape: bool) -> Result<(), XlsxError> {
    sheet.set_paper_size(9);
    if landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}

/// The hidden `_meta` sheet: key in A, value in B, all text, no header.
/// Hidden, not very hidden: office suites rewrite very hidden sheets.
/// A form from a catalog whose `待核对` marks are still in it (issued with
/// `forms --draft`) says so in its title, so no clerk takes its targets as
/// final.
fn draft_title(catalog: &Catalog, title: String) -> String {
    if catalog.is_draft() {
        format!("{title}（草稿）")
    } else {
        title
    }
}

fn write_meta(sheet: &mut Worksheet, spec: &FormSpec) -> Result<(), XlsxError> {
    sheet.set_name(crate::form::meta::SHEET)?;
    let meta = crate::form::meta::issue(
        &spec.catalog.id,
        &spec.catalog.version,
        spec.department,
        &spec.period.to_string(),
        &spec.issued_at.to_rfc3339(),
        spec.key,
    );
    for (r, key) in crate::form::meta::KEYS.iter().enumerate() {
        let value = meta.get(*key).map_or("", String::as_str);
        sheet.write_string(r as RowNum, 0, *key)?;
        sheet.write_string(r as RowNum, 1, value)?;
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 70)?;
    sheet.set_hidden(true);
    sheet.protect_with_options(&protection());
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::form::{GUIDE_SHEET, PrefillRow};
    use calamine::{Data, Reader, SheetVisible};
    use std::collections::HashMap;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn spec<'a>(catalog: &'a Catalog, department: &'a str) -> FormSpec<'a> {
        let period = Period::new(2024, 3).unwrap();
        FormSpec {
            catalog,
            department,
            period,
            deadline: period.deadline(5),
            issued_at: DateTime::parse_from_rfc3339("2024-04-03T09:00:00+08:00").unwrap(),
            key: KEY,
            link: None,
        }
    }

    pub(in crate::form) type Book = calamine::Sheets<std::io::Cursor<Vec<u8>>>;

    pub(in crate::form) fn open(bytes: Vec<u8>) -> Book {
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap()
    }

    /// The form sheet as absolute (row, col) → value.
    pub(in crate::form) fn cells(book: &mut Book, sheet: &str) -> HashMap<(u32, u32), Data> {
        let range = book.worksheet_range(sheet).unwrap();
        let (r0, c0) = range.start().unwrap();
        range
            .used_cells()
            .map(|(r, c, v)| ((r0 + r as u32, c0 + c as u32), v.clone()))
            .collect()
    }

    pub(in crate::form) fn row_of(cells: &HashMap<(u32, u32), Data>, code: &str) -> u32 {
        cells
            .iter()
            .find(|((_, c), v)| *c == CODE as u32 && **v == Data::String(code.into()))
            .map(|((r, _), _)| *r)
            .unwrap_or_else(|| panic!("no row for {code}"))
    }

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn deadline_is_that_day_of_the_next_month_clamped() {
        let p = |y, m| Period::new(y, m).unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(p(2024, 3).deadline(5), d(2024, 4, 5));
        assert_eq!(p(2024, 1).deadline(31), d(2024, 2, 29));
        assert_eq!(p(2024, 12).deadline(0), d(2025, 1, 1));
        assert_eq!(crate::form::deadline_text(d(2024, 4, 5)), "2024年4月5日前");
    }

    #[test]
    fn rows_follow_the_catalog_and_span_their_task() {
        let catalog = crate::testutil::catalog();
        let spec = spec(&catalog, "县交通运输局");
        let rows = plan_rows(&spec, None);
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.ind.code.as_str(), r.task_span))
            .collect();
        assert_eq!(
            got,
            [
                ("P18-2", Some(1)),
                ("P21-1", Some(2)),
                ("P21-2", None),
                ("C03-1", Some(3)),
                ("C03-2", None),
                ("C03-3", None),
            ]
        );
    }

    #[test]
    fn a_fresh_form_reads_back_with_blank_inputs_and_signed_meta() {
        let catalog = crate::testutil::catalog();
        let mut book = open(build(&spec(&catalog, "县民政局"), None).unwrap());
        let names: Vec<_> = book
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible))
            .collect();
        assert_eq!(
            names,
            [
                (FORM_SHEET.to_string(), SheetVisible::Visible),
                (GUIDE_SHEET.to_string(), SheetVisible::Visible),
                ("_meta".to_string(), SheetVisible::Hidden),
            ]
        );
        let c = cells(&mut book, FORM_SHEET);
        let header: Vec<_> = (0..11).map(|col| c[&(HEADER_ROW, col)].clone()).collect();
        assert_eq!(header, HEADERS.map(text));
        let r = row_of(&c, "P05-1");
        assert_eq!(c[&(r, TARGET as u32)], Data::Float(700.0));
        assert_eq!(c[&(r, UNIT as u32)], text("元/月"));
        assert!(!c.contains_key(&(r, DONE as u32)), "累计完成 is blank");
        // A blank 完成率, not a cached 0 that would read as 0.0%.
        assert!(
            matches!(c.get(&(r, RATE as u32)), None | Some(Data::String(_)))
                && c.get(&(r, RATE as u32)) != Some(&Data::Float(0.0)),
            "{:?}",
            c.get(&(r, RATE as u32))
        );
        let formulas = book.worksheet_formula(FORM_SHEET).unwrap();
        // A raised standard (650 → 700) counts from its old level; a count is done / target.
        let f = formulas.get_value((r, RATE as u32)).unwrap();
        assert_eq!(
            f,
            &format!(
                "IF(G{0}=\"\",\"\",MAX(0,MIN(1,(G{0}-650)/(F{0}-650))))",
                r + 1
            )
        );
        let count = row_of(&c, "P12-1");
        let f = formulas.get_value((count, RATE as u32)).unwrap();
        assert_eq!(f, &format!("IF(G{0}=\"\",\"\",G{0}/F{0})", count + 1));

        let m = cells(&mut book, "_meta");
        let meta: std::collections::BTreeMap<String, String> = (0..crate::form::meta::KEYS.len()
            as u32)
            .map(|i| match (&m[&(i, 0)], &m[&(i, 1)]) {
                (Data::String(k), Data::String(v)) => (k.clone(), v.clone()),
                other => panic!("_meta row {i} is not text: {other:?}"),
            })
            .collect();
        assert_eq!(meta["department"], "县民政局");
        assert_eq!(meta["period"], "2024-03");
        assert!(crate::form::meta::verify(&meta, KEY));
    }

    #[test]
    fn prefill_fills_last_values_and_the_cached_rate() {
        let catalog = crate::testutil::catalog();
        let row = |done, progress: &str| PrefillRow {
            done,
            progress: progress.into(),
            problems: "资金未到位".into(),
            measures: "=1+1".into(),
        };
        let prefill = Prefill {
            rows: HashMap::from([
                (
                    "P21-1".into(),
                    row(Some(PrefillValue::Number(20.25)), "已完工 20.25 公里"),
                ),
                (
                    "C03-2".into(),
                    row(Some(PrefillValue::Stage("开工建设".into())), "主体施工中"),
                ),
                // A value that does not fit the kind is left for the clerk.
                (
                    "C03-1".into(),
                    row(Some(PrefillValue::Stage("完成".into())), ""),
                ),
                (
                    "C03-3".into(),
                    row(Some(PrefillValue::Stage("快完了".into())), ""),
                ),
            ]),
            contact: None,
        };
        let mut book = open(build(&spec(&catalog, "县交通运输局"), Some(&prefill)).unwrap());
        let c = cells(&mut book, FORM_SHEET);
        let at = |code: &str, col: ColNum| c.get(&(row_of(&c, code), col as u32)).cloned();

        assert_eq!(at("P21-1", DONE), Some(Data::Float(20.25)));
        assert_eq!(at("P21-1", RATE), Some(Data::Float(20.25 / 81.0)));
        assert_eq!(at("P21-1", PROGRESS), Some(text("已完工 20.25 公里")));
        assert_eq!(at("P21-1", PROBLEMS), Some(text("资金未到位")));
        assert_eq!(at("C03-2", DONE), Some(text("开工建设")));
        assert_eq!(at("C03-2", RATE), Some(Data::Float(0.5)));
        assert_eq!(at("C03-1", DONE), None);
        assert_eq!(at("C03-3", DONE), None);
        assert_eq!(at("P18-2", DONE), None, "no prefill row, nothing filled");

        // Department text is stored as text, never as a formula.
        assert_eq!(at("P21-1", MEASURES), Some(text("=1+1")));
        let formulas = book.worksheet_formula(FORM_SHEET).unwrap();
        let r = row_of(&c, "P21-1");
        assert_eq!(
            formulas
                .get_value((r, MEASURES as u32))
                .map(String::as_str)
                .unwrap_or(""),
            ""
        );
        assert!(
            formulas
                .get_value((row_of(&c, "C03-2"), RATE as u32))
                .unwrap()
                .contains("MATCH(G"),
            "a milestone's 完成率 looks its stage up"
        );
    }

    /// The PNG files inside a workbook.
    fn media(bytes: &[u8]) -> Vec<Vec<u8>> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .filter(|n| n.starts_with("xl/media/"))
            .collect();
        names
            .iter()
            .map(|n| {
                let mut out = Vec::new();
                zip.by_name(n).unwrap().read_to_end(&mut out).unwrap();
                out
            })
            .collect()
    }

    #[test]
    fn the_guide_carries_the_link_and_its_qr_code_only_when_given_one() {
        let catalog = crate::testutil::catalog();
        let url = "http://192.0.2.10:8080/d/AbCdEfGhIjKlMnOpQrStUvWxYz012345";
        let mut with = spec(&catalog, "县民政局");
        with.link = Some(url);
        let bytes = build(&with, None).unwrap();
        let images = media(&bytes);
        assert_eq!(images.len(), 1, "one QR code");
        assert_eq!(crate::form::qr::tests::decode(&images[0]), url);
        let mut book = open(bytes);
        let guide = cells(&mut book, GUIDE_SHEET);
        let url_cells: Vec<_> = guide.iter().filter(|(_, v)| **v == text(url)).collect();
        assert_eq!(url_cells.len(), 1, "the address stands alone in one cell");
        let (r, _) = url_cells[0].0;
        assert_eq!(guide[&(*r, 0)], text("专属页面"));
        assert!(
            guide
                .values()
                .any(|v| matches!(v, Data::String(s) if s.contains("上传填好的表格"))),
            "what the page is for"
        );
        // The code's row is the one labelled for scanning, its cell beside it empty.
        let scan = guide
            .iter()
            .find(|(_, v)| **v == text("手机扫码"))
            .map(|((r, _), _)| *r)
            .expect("a row for the code");
        assert_eq!(scan, r + 2);
        assert!(!guide.contains_key(&(scan, 1)));
        // The form sheet is the same with or without the link.
        let mut plain = open(build(&spec(&catalog, "县民政局"), None).unwrap());
        assert_eq!(cells(&mut book, FORM_SHEET), cells(&mut plain, FORM_SHEET));

        let bytes = build(&spec(&catalog, "县民政局"), None).unwrap();
        assert!(media(&bytes).is_empty(), "no link, no picture");
        let guide = cells(&mut open(bytes), GUIDE_SHEET);
        assert!(
            !guide.values().any(|v| matches!(v, Data::String(s)
                if s.contains("http") || s.contains("专属") || s.contains("扫码"))),
            "{guide:?}"
        );
    }

    #[test]
    fn an_address_excel_refuses_as_a_hyperlink_is_still_printed() {
        let catalog = crate::testutil::catalog();
        let mut s = spec(&catalog, "县民政局");
        s.link = Some("192.0.2.10:8080/d/AbCdEfGhIjKlMnOpQrStUvWxYz012345");
        let bytes = build(&s, None).unwrap();
        assert_eq!(media(&bytes).len(), 1);
        let guide = cells(&mut open(bytes), GUIDE_SHEET);
        assert!(guide.values().any(|v| *v == text(s.link.unwrap())));
    }
}
