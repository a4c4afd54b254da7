//! Find the form inside a workbook by meaning, never by position: the
//! header row by its names, data rows by 指标编号, labels by their text, on
//! whichever sheet holds them. Pure: a `Book` in, a `ParsedReturn` out.

use super::workbook::{Book, Sheet};
use crate::text::nfkc;
use calamine::Data;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The columns of the form, by header name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Col {
    Seq,
    Code,
    Task,
    Name,
    Unit,
    Target,
    Done,
    Rate,
    Progress,
    Problems,
    Measures,
}

pub const HEADERS: [(Col, &str); 11] = [
    (Col::Seq, "序号"),
    (Col::Code, "指标编号"),
    (Col::Task, "重点民生实事"),
    (Col::Name, "指标"),
    (Col::Unit, "单位"),
    (Col::Target, "年度目标"),
    (Col::Done, "累计完成"),
    (Col::Rate, "完成率"),
    (Col::Progress, "工作进展"),
    (Col::Problems, "存在问题"),
    (Col::Measures, "下步措施"),
];

/// Other names clerks give a column, found the same way as the form's own.
const ALIASES: [(Col, &str); 24] = [
    (Col::Code, "编号"),
    (Col::Code, "指标代码"),
    (Col::Code, "代码"),
    (Col::Task, "民生实事"),
    (Col::Task, "实事项目"),
    (Col::Name, "指标名称"),
    (Col::Name, "具体指标"),
    (Col::Unit, "计量单位"),
    (Col::Target, "目标"),
    (Col::Target, "目标任务"),
    (Col::Target, "全年目标"),
    (Col::Rate, "完成比例"),
    (Col::Rate, "完成进度"),
    (Col::Progress, "进展"),
    (Col::Progress, "进展情况"),
    (Col::Progress, "工作进度"),
    (Col::Problems, "存在的问题"),
    (Col::Problems, "问题"),
    (Col::Problems, "存在困难"),
    (Col::Problems, "困难问题"),
    (Col::Measures, "下一步措施"),
    (Col::Measures, "下步工作措施"),
    (Col::Measures, "下一步工作措施"),
    (Col::Measures, "措施"),
];

/// What clerks put after a column's name: `累计完成数`, `工作进展情况`.
const SUFFIXES: [&str; 9] = [
    "数", "情况", "值", "量", "数量", "数值", "数据", "额", "金额",
];

const UNIT_LABEL: &str = "填报单位";
const PERIOD_LABEL: &str = "报送期次";
pub(crate) const FOOTER_LABELS: [&str; 3] = ["填报人", "联系电话", "填报日期"];

/// A label found in the sheet and the cell holding its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Labeled {
    /// Where the value is, or where it belongs when empty (right of the label).
    pub(crate) at: (u32, u32),
    pub(crate) value: Data,
}

impl Labeled {
    pub(crate) fn text(&self) -> String {
        cell_text(&self.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) row: u32,
    pub(crate) code: String,
}

#[derive(Debug, Clone)]
pub struct ParsedReturn {
    pub(crate) sheet: Sheet,
    pub(crate) meta: Option<BTreeMap<String, String>>,
    pub(crate) unit: Option<Labeled>,
    pub(crate) period: Option<Labeled>,
    pub(crate) header_row: u32,
    pub(crate) cols: BTreeMap<Col, u32>,
    pub(crate) rows: Vec<Row>,
    /// 填报人, 联系电话, 填报日期 → value; a label not found is absent.
    pub(crate) footer: BTreeMap<&'static str, Labeled>,
}

impl ParsedReturn {
    pub(crate) fn col(&self, c: Col) -> Option<u32> {
        self.cols.get(&c).copied()
    }

    pub(crate) fn cell(&self, row: u32, c: Col) -> Option<(u32, &Data)> {
        let col = self.col(c)?;
        Some((col, self.sheet.value(row, col)))
    }

    pub(crate) fn text_at(&self, row: u32, c: Col) -> String {
        self.cell(row, c)
            .map(|(_, d)| cell_text(d))
            .unwrap_or_default()
    }

    /// What in this return tells who sent it and for when.
    pub(crate) fn sender(&self) -> Sender {
        Sender {
            sheet: Some(self.sheet.name.clone()),
            meta: self.meta.clone(),
            unit: self.unit.as_ref().map(|l| Clue {
                at: l.at,
                text: l.text(),
            }),
            period: self.period.as_ref().map(|l| Clue {
                at: l.at,
                text: period_text(&l.value),
            }),
        }
    }

    /// The header cell where column `c` belongs when the header row lacks
    /// it: beside the nearest column found, by the form's order.
    pub(crate) fn expected_at(&self, c: Col) -> Option<(u32, u32)> {
        let index = |c: Col| HEADERS.iter().position(|(h, _)| *h == c).unwrap_or(0) as i64;
        let want = index(c);
        let mut found: Vec<(Col, u32)> = self.cols.iter().map(|(c, x)| (*c, *x)).collect();
        found.sort_by_key(|(f, _)| (index(*f) - want).abs());
        found.into_iter().find_map(|(f, x)| {
            let col = u32::try_from(x as i64 + want - index(f)).ok()?;
            (!self.cols.values().any(|taken| *taken == col)).then_some((self.header_row, col))
        })
    }
}

/// What tells who sent a file and for when, found whether or not its table
/// is: the signed `_meta` values and the 填报单位/报送期次 cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    /// The sheet the labels are on, when there is one.
    pub(crate) sheet: Option<String>,
    pub(crate) meta: Option<BTreeMap<String, String>>,
    pub(crate) unit: Option<Clue>,
    pub(crate) period: Option<Clue>,
}

/// A label's value as text, and its cell (or where it belongs when empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Clue {
    pub(crate) at: (u32, u32),
    pub(crate) text: String,
}

/// A 报送期次 value as text: a date cell as its month (`2024-03`).
fn period_text(d: &Data) -> String {
    match d {
        Data::DateTime(t) => t
            .as_datetime()
            .map(|t| t.format("%Y-%m").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.get(..7).unwrap_or(s).to_string(),
        other => cell_text(other),
    }
}

/// A header cell as its name: folded, no white space or line breaks, no
/// bracketed note (`累计完成（截至3月底）`), no trailing colon or star.
fn header_name(d: &Data) -> String {
    let Data::String(s) = d else {
        return String::new();
    };
    let mut out = String::new();
    let mut depth = 0;
    for c in nfkc(s).chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = (depth - 1).max(0),
            c if c.is_whitespace() => {}
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.trim_end_matches([':', '*']).to_string()
}

/// The column a header names, read the way people write headers: the
/// form's name or a common other name, with a period before it (`1-3月`,
/// `截至3月底`, `2024年`) and a word after it (`数`, `情况`, `值`); a unit in
/// brackets is already gone ([`header_name`]).
fn header_col(name: &str) -> Option<Col> {
    if name.is_empty() {
        return None;
    }
    let names = || HEADERS.iter().chain(ALIASES.iter());
    if let Some((c, _)) = names().find(|(_, n)| *n == name) {
        return Some(*c);
    }
    let mut by_length: Vec<&(Col, &str)> = names().collect();
    by_length.sort_by_key(|(_, n)| std::cmp::Reverse(n.chars().count()));
    by_length.into_iter().find_map(|(c, n)| {
        let (before, after) = name.split_once(n)?;
        (is_period_words(before) && is_suffix(after)).then_some(*c)
    })
}

/// `1-3月`, `截至3月底`, `2024年`, `年初至今`, `本年累计`: words of time only.
fn is_period_words(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii_digit()
            || "年月日底末初份季度第一二三四五六七八九十至今截止到本当前目全累计共-—–~～./、"
                .contains(c)
    })
}

fn is_suffix(s: &str) -> bool {
    s.is_empty() || SUFFIXES.contains(&s) || s.starts_with(['及', '和', '与', '/'])
}

/// A cell as text: strings trimmed, integral numbers without `.0`.
pub(crate) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => crate::text::number(*f),
        Data::Int(i) => i.to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// An indicator code as typed: `p01-1`, `Ｐ０１－１` → `P01-1`.
fn code_of(d: &Data) -> Option<String> {
    let Data::String(s) = d else { return None };
    let t: String = nfkc(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let t = t.replace(['‐', '‑', '–', '—', '−'], "-");
    let (task, n) = t.split_once('-')?;
    let mut chars = task.chars();
    let letter = chars.next()?;
    let ok = letter.is_ascii_uppercase()
        && chars.as_str().len() == 2
        && chars.as_str().bytes().all(|b| b.is_ascii_digit())
        && !n.is_empty()
        && n.len() <= 3
        && n.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(t)
}

/// How far down a sheet the header row is looked for.
const HEADER_SCAN_ROWS: u32 = 60;

/// Find the form in `book`. `Err` when no sheet has the form's header row
/// (指标编号, or a column of codes, and enough of the other names): the file
/// is not a form, and what identifies it is all there is.
pub fn parse(book: &mut Book) -> Result<ParsedReturn, Sender> {
    let meta_name = book
        .names
        .iter()
        .map(|(n, _)| n.clone())
        .find(|n| is_meta_sheet(n));
    let mut candidates: Vec<(String, bool)> = book
        .names
        .iter()
        .filter(|(n, _)| !is_meta_sheet(n))
        .cloned()
        .collect();
    // Visible sheets first; a hidden copy of the table is a last resort.
    candidates.sort_by_key(|(_, visible)| !visible);
    let meta = meta_name
        .and_then(|n| book.sheet(&n))
        .map(|s| read_meta(&s));
    // A sheet whose header has 累计完成 wins over one that lacks it.
    let mut found: Option<(Sheet, u32, BTreeMap<Col, u32>)> = None;
    let mut labelled: Option<Sheet> = None;
    for (name, _) in &candidates {
        let Some(sheet) = book.sheet(name) else {
            continue;
        };
        match find_header(&sheet) {
            Some((row, cols)) if cols.contains_key(&Col::Done) => {
                found = Some((sheet, row, cols));
                break;
            }
            Some((row, cols)) => {
                if found.is_none() {
                    found = Some((sheet, row, cols));
                }
            }
            None => {
                if labelled.is_none() && has_labels(&sheet) {
                    labelled = Some(sheet);
                }
            }
        }
    }
    let Some((sheet, header_row, cols)) = found else {
        return Err(sender_without_table(labelled, meta));
    };
    let mut parsed = build(sheet, header_row, cols, meta);
    // Formula text is needed only to tell an empty cell from a formula whose
    // result was never saved; most returns have no such cell.
    if let Some(done) = parsed.col(Col::Done)
        && parsed
            .rows
            .iter()
            .any(|r| matches!(parsed.sheet.value(r.row, done), Data::Empty))
    {
        parsed.sheet.formulas = book.formulas(&parsed.sheet.name);
    }
    Ok(parsed)
}

/// Who a file without the form's table says it is from: `_meta`, and the
/// 填报单位/报送期次 labels of `sheet` anywhere near its top.
fn sender_without_table(sheet: Option<Sheet>, meta: Option<BTreeMap<String, String>>) -> Sender {
    let label = |s: &Sheet, l: &str| {
        let first = s.cells.start().map(|p| p.0).unwrap_or(0);
        find_label(s, l, first, first + HEADER_SCAN_ROWS)
    };
    let unit = sheet.as_ref().and_then(|s| label(s, UNIT_LABEL));
    let period = sheet.as_ref().and_then(|s| label(s, PERIOD_LABEL));
    Sender {
        sheet: sheet
            .filter(|_| unit.is_some() || period.is_some())
            .map(|s| s.name),
        meta,
        unit: unit.map(|l| Clue {
            at: l.at,
            text: l.text(),
        }),
        period: period.map(|l| Clue {
            at: l.at,
            text: period_text(&l.value),
        }),
    }
}

fn has_labels(sheet: &Sheet) -> bool {
    let first = sheet.cells.start().map(|p| p.0).unwrap_or(0);
    [UNIT_LABEL, PERIOD_LABEL]
        .iter()
        .any(|l| find_label(sheet, l, first, first + HEADER_SCAN_ROWS).is_some())
}

fn is_meta_sheet(name: &str) -> bool {
    nfkc(name)
        .trim()
        .eq_ignore_ascii_case(crate::form::meta::SHEET)
}

/// How many of the form's other column names a header row must show when
/// it lacks 累计完成, so a table of some other kind is not taken for it.
const MIN_NAMES_WITHOUT_DONE: usize = 4;

/// The header row and its columns: the first row near the top that names
/// 指标编号 (or stands over a column of indicator codes, whatever that
/// column is called) and 累计完成, or enough of the other names that a
/// renamed 累计完成 can be pointed at.
fn find_header(sheet: &Sheet) -> Option<(u32, BTreeMap<Col, u32>)> {
    let (start, end) = (sheet.cells.start()?, sheet.cells.end()?);
    // Rows holding an indicator code, per column.
    let mut codes: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for row in start.0..=end.0 {
        for col in start.1..=end.1 {
            if matches!(sheet.value(row, col), Data::String(_))
                && code_of(sheet.value(row, col)).is_some()
            {
                codes.entry(col).or_default().push(row);
            }
        }
    }
    let below = |col: u32, row: u32| {
        codes
            .get(&col)
            .map_or(0, |rows| rows.iter().filter(|r| **r > row).count())
    };
    for row in start.0..=end.0.min(start.0 + HEADER_SCAN_ROWS) {
        let mut cols = BTreeMap::new();
        for col in start.1..=end.1 {
            if let Some(c) = header_col(&header_name(sheet.value(row, col))) {
                cols.entry(c).or_insert(col);
            }
        }
        // The column of codes is the one whose cells hold them.
        let named = cols.get(&Col::Code).copied();
        let by_codes = codes
            .keys()
            .map(|c| (below(*c, row), *c))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, c)| (*n, Some(*c) == named, std::cmp::Reverse(*c)))
            .map(|(_, c)| c);
        match (named, by_codes) {
            (Some(n), Some(c)) if below(n, row) < below(c, row) => {
                cols.retain(|_, x| *x != c);
                cols.insert(Col::Code, c);
            }
            (None, Some(c)) => {
                cols.retain(|_, x| *x != c);
                cols.insert(Col::Code, c);
            }
            _ => {}
        }
        if !cols.contains_key(&Col::Code) {
            continue;
        }
        if cols.contains_key(&Col::Done) || cols.len() > MIN_NAMES_WITHOUT_DONE {
            return Some((row, cols));
        }
    }
    None
}

fn build(
    sheet: Sheet,
    header_row: u32,
    cols: BTreeMap<Col, u32>,
    meta: Option<BTreeMap<String, String>>,
) -> ParsedReturn {
    let code_col = cols[&Col::Code];
    let last = sheet.last_row().unwrap_or(header_row);
    let rows: Vec<Row> = (header_row + 1..=last)
        .filter_map(|r| code_of(sheet.value(r, code_col)).map(|code| Row { row: r, code }))
        .collect();
    let first = sheet.cells.start().map(|s| s.0).unwrap_or(0);
    let unit = find_label(&sheet, UNIT_LABEL, first, header_row.saturating_sub(1));
    let period = find_label(&sheet, PERIOD_LABEL, first, header_row.saturating_sub(1));
    let below = rows.last().map(|r| r.row).unwrap_or(header_row) + 1;
    let footer = FOOTER_LABELS
        .iter()
        .filter_map(|l| find_label(&sheet, l, below, last).map(|v| (*l, v)))
        .collect();
    ParsedReturn {
        sheet,
        meta,
        unit,
        period,
        header_row,
        cols,
        rows,
        footer,
    }
}

/// The first cell in rows `from..=to` whose text is `label` (a trailing
/// colon allowed), and its value: the first non-empty cell to its right
/// before another label, or the text after the colon when label and value
/// share one cell (`填报单位：县教育局`).
fn find_label(sheet: &Sheet, label: &str, from: u32, to: u32) -> Option<Labeled> {
    let (start, end) = (sheet.cells.start()?, sheet.cells.end()?);
    for row in from.max(start.0)..=to.min(end.0) {
        for col in start.1..=end.1 {
            let Data::String(s) = sheet.value(row, col) else {
                continue;
            };
            let folded: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
            if folded.trim_end_matches(':') == label {
                return Some(value_right_of(sheet, row, col, end.1));
            }
            if let Some(rest) = folded.strip_prefix(label).and_then(|r| r.strip_prefix(':'))
                && !rest.is_empty()
            {
                return Some(Labeled {
                    at: (row, col),
                    value: Data::String(rest.to_string()),
                });
            }
        }
    }
    None
}

fn value_right_of(sheet: &Sheet, row: u32, col: u32, last_col: u32) -> Labeled {
    // Merged value cells read as the first cell followed by empties; a few
    // empties are skipped, but never past the next label.
    for c in col + 1..=last_col.min(col + 4) {
        let v = sheet.value(row, c);
        if is_label(v) {
            break;
        }
        if !matches!(v, Data::Empty) && !cell_text(v).is_empty() {
            return Labeled {
                at: (row, c),
                value: v.clone(),
            };
        }
    }
    Labeled {
        at: (row, col + 1),
        value: Data::Empty,
    }
}

fn is_label(d: &Data) -> bool {
    let Data::String(s) = d else { return false };
    let folded: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
    let folded = folded.trim_end_matches(':');
    folded == UNIT_LABEL
        || folded == PERIOD_LABEL
        || folded == "报送截止"
        || FOOTER_LABELS.contains(&folded)
}

/// `_meta` rows: key in the first non-empty cell, value in the next.
fn read_meta(sheet: &Sheet) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    let Some((start, end)) = sheet.cells.start().zip(sheet.cells.end()) else {
        return meta;
    };
    for row in start.0..=end.0 {
        let mut cells = (start.1..=end.1)
            .map(|c| sheet.value(row, c))
            .filter(|d| !matches!(d, Data::Empty));
        if let (Some(k), Some(v)) = (cells.next(), cells.next()) {
            meta.entry(cell_text(k)).or_insert_with(|| cell_text(v));
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::workbook::Format;
    use crate::model::a1;

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }

    const E: Data = Data::Empty;

    fn form(extra_col: bool) -> Sheet {
        let mut header = vec![
            s("序号"),
            s("指标\n编号"),
            s("重点民生实事"),
            s("指标"),
            s("单位"),
            s("年度目标"),
            s(" 累计完成（截至月底） "),
            s("完成率"),
            s("工作进展"),
            s("存在问题"),
            s("下步措施"),
        ];
        let mut row1 = vec![
            Data::Float(1.0),
            s("P03-1"),
            s("新生儿筛查"),
            s("筛查人数"),
            s("名"),
            Data::Float(4200.0),
            Data::Float(1000.0),
        ];
        let mut row2 = vec![E, s("p03-2")];
        if extra_col {
            header.insert(0, s("备注"));
            row1.insert(0, E);
            row2.insert(0, E);
        }
        Sheet::from_rows(
            "Sheet1",
            &[
                &[s("平江县民生可感行动重点民生实事进展情况调度表")],
                &[],
                &[
                    s("填报单位："),
                    s("县卫生健康局"),
                    E,
                    E,
                    s("报送期次"),
                    s("2024-03"),
                ],
                &header,
                &row1,
                &row2,
                &[E, s("合计")],
                &[],
                &[
                    s("填报人"),
                    s("张三"),
                    s("联系电话："),
                    Data::Float(13800001111.0),
                    s("填报日期"),
                    E,
                ],
            ],
        )
    }

    #[test]
    fn finds_header_rows_and_labels_wherever_they_are() {
        let mut book = Book::from_sheets(Format::Xlsx, vec![form(true)]);
        let p = parse(&mut book).unwrap();
        assert_eq!(p.header_row, 3);
        assert_eq!(p.col(Col::Code), Some(2));
        assert_eq!(p.col(Col::Done), Some(7));
        assert_eq!(
            p.rows,
            vec![
                Row {
                    row: 4,
                    code: "P03-1".into()
                },
                Row {
                    row: 5,
                    code: "P03-2".into()
                }
            ]
        );
        assert_eq!(p.unit.as_ref().unwrap().text(), "县卫生健康局");
        assert_eq!(p.period.as_ref().unwrap().text(), "2024-03");
        assert_eq!(p.footer["填报人"].text(), "张三");
        assert_eq!(p.footer["联系电话"].text(), "13800001111");
        assert_eq!(
            p.footer["填报日期"].at,
            (8, 5),
            "an empty value belongs right of its label"
        );
        assert!(p.meta.is_none());
    }

    #[test]
    fn meta_sheet_and_sheet_order_do_not_matter() {
        let meta = Sheet::from_rows(
            "_meta",
            &[
                &[s("department"), s("县卫生健康局")],
                &[s("schema"), s("1")],
            ],
        );
        let notes = Sheet::from_rows("说明", &[&[s("请如实填写")]]);
        let mut book = Book::from_sheets(Format::Ods, vec![meta, notes, form(false)]);
        let p = parse(&mut book).unwrap();
        assert_eq!(p.sheet.name, "Sheet1");
        assert_eq!(p.meta.unwrap()["department"], "县卫生健康局");
    }

    #[test]
    fn a_workbook_without_the_header_is_not_a_form() {
        let mut book = Book::from_sheets(
            Format::Xlsx,
            vec![Sheet::from_rows("Sheet1", &[&[s("姓名"), s("年龄")]])],
        );
        assert!(parse(&mut book).is_err());
    }

    #[test]
    fn label_and_value_in_one_cell() {
        let sheet = Sheet::from_rows(
            "x",
            &[&[s("填报单位：县教育局")], &[s("指标编号"), s("累计完成")]],
        );
        let p = parse(&mut Book::from_sheets(Format::Xlsx, vec![sheet])).unwrap();
        assert_eq!(p.unit.unwrap().text(), "县教育局");
    }

    #[test]
    fn headers_as_people_write_them() {
        for (typed, col) in [
            ("1-3月累计完成", Col::Done),
            ("截至3月底累计完成", Col::Done),
            ("2024年累计完成", Col::Done),
            ("累计完成情况", Col::Done),
            ("累计完成数", Col::Done),
            ("累计完成值", Col::Done),
            ("累计完成（户）", Col::Done),
            ("截至目前累计完成数", Col::Done),
            ("编号", Col::Code),
            ("工作进展情况", Col::Progress),
            ("存在的问题", Col::Problems),
            ("存在问题及困难", Col::Problems),
            ("下一步措施", Col::Measures),
            ("全年目标", Col::Target),
            ("2024年年度目标", Col::Target),
            ("累计完成率", Col::Rate),
            ("指标名称", Col::Name),
        ] {
            assert_eq!(header_col(&header_name(&s(typed))), Some(col), "{typed}");
        }
        for other in [
            "完成量",
            "填报单位",
            "备注",
            "累计完成率差",
            "平江县重点民生实事调度表",
        ] {
            assert_eq!(header_col(&header_name(&s(other))), None, "{other}");
        }
    }

    /// The test form with its header cells `edits` (column → text).
    fn edited(edits: &[(usize, &str)]) -> Sheet {
        let mut sheet = form(false);
        for (col, text) in edits {
            sheet.cells.set_value((3, *col as u32), s(text));
        }
        sheet
    }

    #[test]
    fn codes_find_their_column_whatever_it_is_called() {
        for name in ["编号", "序号", "代码", "项目", ""] {
            // 序号 renamed too, so only the codes tell the columns apart.
            let sheet = edited(&[(0, "序"), (1, name)]);
            let p = parse(&mut Book::from_sheets(Format::Xlsx, vec![sheet])).unwrap();
            assert_eq!(p.col(Col::Code), Some(1), "{name}");
            assert_eq!(p.rows.len(), 2, "{name}");
        }
    }

    #[test]
    fn a_renamed_done_column_is_pointed_at() {
        let sheet = edited(&[(6, "完成量")]);
        let p = parse(&mut Book::from_sheets(Format::Xlsx, vec![sheet])).unwrap();
        assert_eq!(p.col(Col::Done), None);
        assert_eq!(p.expected_at(Col::Done), Some((3, 6)));
        assert_eq!(p.rows.len(), 2);
    }

    #[test]
    fn without_a_table_the_labels_and_meta_still_tell_who() {
        let sheet = Sheet::from_rows(
            "Sheet1",
            &[
                &[s("填报单位："), s("县民政局"), s("报送期次"), s("2024-03")],
                &[s("项目"), s("数量")],
                &[s("低保"), Data::Float(3.0)],
            ],
        );
        let meta = Sheet::from_rows("_meta", &[&[s("department"), s("县民政局")]]);
        let sender = parse(&mut Book::from_sheets(Format::Xlsx, vec![sheet, meta])).unwrap_err();
        assert_eq!(sender.sheet.as_deref(), Some("Sheet1"));
        assert_eq!(sender.unit.unwrap().text, "县民政局");
        assert_eq!(sender.period.unwrap().text, "2024-03");
        assert_eq!(sender.meta.unwrap()["department"], "县民政局");
    }

    #[test]
    fn the_reader_knows_the_headers_the_form_writes() {
        assert_eq!(HEADERS.map(|(_, name)| name), crate::form::HEADERS);
    }

    #[test]
    fn codes_and_cells() {
        assert_eq!(code_of(&s("Ｐ０１－１")), Some("P01-1".into()));
        assert_eq!(code_of(&s(" m09-1 ")), Some("M09-1".into()));
        assert_eq!(code_of(&s("合计")), None);
        assert_eq!(code_of(&s("P1-1")), None);
        assert_eq!(a1(6, 6), "G7");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(header_name(&s("【累计完成】")), "");
        assert_eq!(header_name(&s("年度目标*")), "年度目标");
    }
}
