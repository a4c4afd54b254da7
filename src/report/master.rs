//! The master workbook (民生实事调度汇总表) of a period: what leaders print and
//! the office files. Seven sheets, in this order: 总览 (counts by level and
//! status, a native chart), one sheet per level with every indicator, 按单位,
//! 报送情况 and 滞后事项.
//!
//! Every figure comes from the `PeriodView` that the bulletin and `status`
//! read. Numbers are written as numbers with number formats, so the office
//! can sort and sum them; a percentage cell holds the rounded figure the
//! bulletin prints (0.249 shown `24.9%`), so no office suite can show it
//! rounded another way;
//! everything a department typed goes through `write_string`, so a clerk's
//! `=HYPERLINK(…)` stays text. Sheets are written row by row in
//! rust_xlsxwriter's constant-memory mode, which keeps a province-scale
//! workbook at a few MB.

use super::bulletin::{Meta, status_rgb};
use crate::model::{Percent, Points};
use crate::plan::catalog::{Catalog, Kind, Level};
use crate::plan::words::Words;
use crate::report::consolidate::{Counts, IndicatorView, PeriodView, Rates, Status, Warning};
use crate::text::chinese_date;
use crate::text::width;
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Chart, ChartFont, ChartFormat, ChartSolidFill, ChartType, ColNum, Color, ConditionalFormatCell,
    ConditionalFormatCellRule, ConditionalFormatDataBar, ConditionalFormatType, DocProperties,
    Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};

const OVERVIEW: &str = "总览";
const BY_DEPARTMENT: &str = "按单位";
const SUBMISSIONS: &str = "报送情况";
const LAGGING: &str = "滞后事项";
/// Sheet names in order.
const SHEETS: [&str; 7] = [
    OVERVIEW,
    "省级实事",
    "市级实事",
    "县级实事",
    BY_DEPARTMENT,
    SUBMISSIONS,
    LAGGING,
];

/// A level's sheet, named as the plan names the level: 县级实事, and
/// 区级实事 for a district.
fn level_sheet(catalog: &Catalog, level: Level) -> String {
    match level {
        Level::Province => SHEETS[1].to_string(),
        Level::City => SHEETS[2].to_string(),
        Level::County => format!("{}实事", catalog.level_name(level)),
    }
}

const FONT: &str = "宋体";
const FONT_SIZE: f64 = 10.0;
const HEADER_FILL: u32 = 0xD9E1F2;
const TITLE_ROW: RowNum = 0;
const NOTE_ROW: RowNum = 1;
const HEADER_ROW: RowNum = 2;
const FIRST_ROW: RowNum = 3;
/// Excel refuses longer strings; a department's essay is cut rather than
/// failing the whole workbook.
const MAX_CELL_CHARS: usize = 32_000;

/// The bytes of the master workbook.
pub fn build(view: &PeriodView, meta: &Meta) -> Result<Vec<u8>> {
    write(view, meta).context("无法生成调度汇总表")
}

fn write(view: &PeriodView, meta: &Meta) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    // Created on the issue date, not at the moment of writing: the same
    // report made again the same day is the same bytes, which is how the
    // mail queue knows the attachment was sent already.
    let words = Words::of(meta.catalog);
    wb.set_properties(
        &DocProperties::new()
            .set_title(title(view, &words))
            .set_author(words.issuer.as_str())
            .set_creation_datetime(&meta.today),
    );
    overview(wb.add_worksheet_with_constant_memory()?, view, meta, &st)?;
    for level in Level::ALL {
        level_sheet_rows(
            wb.add_worksheet_with_constant_memory()?,
            view,
            meta,
            level,
            &st,
        )?;
    }
    by_department(wb.add_worksheet_with_constant_memory()?, view, meta, &st)?;
    submissions(wb.add_worksheet_with_constant_memory()?, view, &st)?;
    lagging(wb.add_worksheet_with_constant_memory()?, view, meta, &st)?;
    wb.save_to_buffer()
}

// ----------------------------------------------------------------- styles ---

struct Styles {
    title: Format,
    note: Format,
    section: Format,
    header: Format,
    text: Format,
    text_center: Format,
    int: Format,
    int_bold: Format,
    amount: Format,
    amount_dec: Format,
    pct: Format,
    pct_bold: Format,
    points: Format,
    signed_points: Format,
    datetime: Format,
    label_bold: Format,
    definitions: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new()
            .set_font_name(FONT)
            .set_font_size(FONT_SIZE)
            .set_align(FormatAlign::VerticalCenter);
        let cell = base.clone().set_border(FormatBorder::Thin).set_text_wrap();
        let center = cell.clone().set_align(FormatAlign::Center);
        Styles {
            title: base
                .clone()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center),
            note: base.clone().set_font_size(10).set_align(FormatAlign::Left),
            section: base.clone().set_font_size(12).set_bold(),
            header: center
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(HEADER_FILL)),
            text: cell.clone().set_align(FormatAlign::Left),
            text_center: center.clone(),
            int: center.clone().set_num_format("#,##0"),
            int_bold: center.clone().set_num_format("#,##0").set_bold(),
            amount: cell
                .clone()
                .set_align(FormatAlign::Right)
                .set_num_format("#,##0"),
            amount_dec: cell
                .clone()
                .set_align(FormatAlign::Right)
                .set_num_format("#,##0.0#"),
            pct: center.clone().set_num_format("0.0%"),
            pct_bold: center.clone().set_num_format("0.0%").set_bold(),
            points: center.clone().set_num_format("0.0"),
            signed_points: center.clone().set_num_format("+0.0;-0.0;0.0"),
            datetime: center.clone().set_num_format("yyyy-mm-dd hh:mm"),
            label_bold: center.set_bold(),
            definitions: base
                .clone()
                .set_font_size(9)
                .set_text_wrap()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
        }
    }
}

/// Text as a cell holds it: never a formula, never longer than Excel takes.
fn text_cell(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn put_text(
    sh: &mut Worksheet,
    r: RowNum,
    c: ColNum,
    s: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    if s.is_empty() {
        sh.write_blank(r, c, f)?;
    } else {
        sh.write_string_with_format(r, c, text_cell(s), f)?;
    }
    Ok(())
}

fn put_opt_number(
    sh: &mut Worksheet,
    r: RowNum,
    c: ColNum,
    v: Option<f64>,
    f: &Format,
) -> Result<(), XlsxError> {
    match v.filter(|x| x.is_finite()) {
        Some(x) => sh.write_number_with_format(r, c, x, f)?,
        None => sh.write_blank(r, c, f)?,
    };
    Ok(())
}

/// A percentage as the bulletin prints it, under `0.0%`.
fn put_percent(
    sh: &mut Worksheet,
    r: RowNum,
    c: ColNum,
    v: Option<Percent>,
    f: &Format,
) -> Result<(), XlsxError> {
    put_opt_number(sh, r, c, v.map(Percent::fraction), f)
}

/// Points as the bulletin prints them, under `0.0`.
fn put_points(
    sh: &mut Worksheet,
    r: RowNum,
    c: ColNum,
    v: Option<Points>,
    f: &Format,
) -> Result<(), XlsxError> {
    put_opt_number(sh, r, c, v.map(Points::value), f)
}

/// An amount in an indicator's unit: whole numbers without decimals.
fn amount_format(v: f64, st: &Styles) -> &Format {
    if v.fract() == 0.0 {
        &st.amount
    } else {
        &st.amount_dec
    }
}

/// A column: header, width in characters.
type Col = (&'static str, f64);

/// What a table sheet shows above its rows.
struct Frame<'a> {
    name: &'a str,
    title: &'a str,
    note: &'a str,
    cols: &'a [Col],
    /// Data rows, for the autofilter's range.
    rows: usize,
    /// Columns kept in view when scrolling right.
    freeze_cols: ColNum,
}

/// Title, note and header rows, column widths, frozen header, autofilter
/// over the data rows, and the print setup every sheet shares.
fn table_frame(sh: &mut Worksheet, f: Frame, st: &Styles) -> Result<(), XlsxError> {
    let Frame {
        name,
        title,
        note,
        cols,
        rows,
        freeze_cols,
    } = f;
    sh.set_name(name)?;
    let last = cols.len() as ColNum - 1;
    for (c, (_, w)) in cols.iter().enumerate() {
        sh.set_column_width(c as ColNum, *w)?;
    }
    sh.set_row_height(TITLE_ROW, 30)?;
    sh.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, &st.title)?;
    sh.set_row_height(NOTE_ROW, 20)?;
    sh.merge_range(NOTE_ROW, 0, NOTE_ROW, last, note, &st.note)?;
    let header_lines = cols.iter().map(|(h, w)| lines(h, *w)).max().unwrap_or(1);
    sh.set_row_height(HEADER_ROW, row_height(header_lines).max(26.0))?;
    for (c, (h, _)) in cols.iter().enumerate() {
        sh.write_string_with_format(HEADER_ROW, c as ColNum, *h, &st.header)?;
    }
    sh.set_freeze_panes(FIRST_ROW, freeze_cols)?;
    if rows > 0 {
        sh.autofilter(HEADER_ROW, 0, HEADER_ROW + rows as RowNum, last)?;
    }
    sh.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    print_setup(sh)
}

/// A4 landscape, one page wide, centred, `第 1 页 共 3 页` at the foot.
fn print_setup(sh: &mut Worksheet) -> Result<(), XlsxError> {
    sh.set_paper_size(9);
    sh.set_landscape();
    sh.set_print_fit_to_pages(1, 0);
    sh.set_print_center_horizontally(true);
    sh.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sh.set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}

/// Lines a text needs in a wrapped column of `col_width` characters (CJK
/// characters count two, as they print).
fn lines(text: &str, col_width: f64) -> usize {
    let usable = (col_width - 1.0).max(1.0);
    text.split('\n')
        .map(|l| ((width(l) as f64 * 1.05) / usable).ceil().max(1.0) as usize)
        .sum()
}

/// Office suites keep a row at its stored height when it opens, so rows with
/// wrapped text are given the height of their lines.
fn row_height(lines: usize) -> f64 {
    (lines.min(40) as f64 * 13.0 + 6.0).max(20.0)
}

/// Red for lagging, green for reached, grey for not reported, by the text
/// of the status cell, so the colours follow a sort or an edit.
fn status_colours(
    sh: &mut Worksheet,
    first: RowNum,
    last: RowNum,
    col: ColNum,
) -> Result<(), XlsxError> {
    if last < first {
        return Ok(());
    }
    let rules: [(&str, u32, u32, bool); 4] = [
        (Status::Severe.name(), 0xFF9C9C, 0x9C0006, true),
        (Status::Lagging.name(), 0xFFC7CE, 0x9C0006, false),
        (Status::Done.name(), 0xC6EFCE, 0x006100, false),
        (Status::NotReported.name(), 0xEDEDED, 0x595959, false),
    ];
    for (text, fill, font, bold) in rules {
        let mut f = Format::new()
            .set_background_color(Color::RGB(fill))
            .set_font_color(Color::RGB(font));
        if bold {
            f = f.set_bold();
        }
        let cf = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo(format!("\"{text}\"")))
            .set_format(f);
        sh.add_conditional_format(first, col, last, col, &cf)?;
    }
    Ok(())
}

/// Bars in 完成率 from 0 to 100 %, so one indicator far over its target
/// does not shrink every other bar.
fn progress_bars(
    sh: &mut Worksheet,
    first: RowNum,
    last: RowNum,
    col: ColNum,
) -> Result<(), XlsxError> {
    if last < first {
        return Ok(());
    }
    let bar = ConditionalFormatDataBar::new()
        .set_minimum(ConditionalFormatType::Number, 0)
        .set_maximum(ConditionalFormatType::Number, 1)
        .set_fill_color(Color::RGB(0x8EB4E3))
        .set_solid_fill(true);
    sh.add_conditional_format(first, col, last, col, &bar)?;
    Ok(())
}

fn warning_colours(
    sh: &mut Worksheet,
    first: RowNum,
    last: RowNum,
    col: ColNum,
) -> Result<(), XlsxError> {
    if last < first {
        return Ok(());
    }
    for w in [Warning::Red, Warning::Yellow, Warning::Blue] {
        let cf = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo(format!(
                "\"{}\"",
                w.name()
            )))
            .set_format(Format::new().set_background_color(Color::RGB(w.rgb())));
        sh.add_conditional_format(first, col, last, col, &cf)?;
    }
    Ok(())
}

fn period_note(view: &PeriodView, meta: &Meta) -> String {
    format!(
        "报送期次：{}　　截至：{}　　序时进度：{}　　生成日期：{}",
        view.period.chinese(),
        chinese_date(view.period.last_day()),
        view.time,
        chinese_date(meta.today)
    )
}

// ------------------------------------------------------------------- 总览 ---

const DONE_SHARE: &str = "已完成指标占比";
const MEAN_PROGRESS: &str = "平均完成率";
const COUNT_HEADERS: [&str; 11] = [
    "层级",
    "实事（件）",
    "实事已完成（件）",
    "指标（项）",
    "已完成",
    "序时推进",
    "滞后",
    "严重滞后",
    "未报送",
    DONE_SHARE,
    MEAN_PROGRESS,
];

/// What each figure of the workbook means, said once, on the overview.
fn definitions(meta: &Meta) -> String {
    format!(
        "说明：完成率＝累计完成÷年度目标（阶段类按所处阶段折算；保障标准类有原标准的，＝（现行标准－原标准）÷（目标标准－原标准），最高100%）。\
         序时进度＝截至本期末全年已过天数÷全年天数。\
         {DONE_SHARE}＝已完成的指标项数÷全部指标项数（未报送的指标计入分母）。\
         {MEAN_PROGRESS}＝已报送指标完成率的平均值，单项超过100%的按100%计。\
         完成率低于序时进度{}个百分点以上为滞后，{}个百分点以上为严重滞后；百分比均保留一位小数（四舍五入），落后序时、较上期的百分点由保留后的数字相减得出。",
        crate::text::number(meta.tolerance),
        crate::text::number(meta.severe)
    )
}

/// `平江县民生可感行动调度汇总表（2024年3月）`
fn title(v: &PeriodView, words: &Words) -> String {
    format!("{}（{}）", words.title("调度汇总表"), v.period.chinese())
}

fn overview(sh: &mut Worksheet, v: &PeriodView, meta: &Meta, st: &Styles) -> Result<(), XlsxError> {
    sh.set_name(OVERVIEW)?;
    let widths = [10.0, 10.0, 12.0, 10.0, 9.0, 9.0, 9.0, 9.0, 9.0, 11.0, 11.0];
    for (c, w) in widths.iter().enumerate() {
        sh.set_column_width(c as ColNum, *w)?;
    }
    let last: ColNum = 10;
    let title = title(v, &Words::of(meta.catalog));
    sh.set_row_height(TITLE_ROW, 32)?;
    sh.merge_range(TITLE_ROW, 0, TITLE_ROW, last, &title, &st.title)?;
    sh.set_row_height(NOTE_ROW, 20)?;
    sh.merge_range(NOTE_ROW, 0, NOTE_ROW, last, &period_note(v, meta), &st.note)?;

    // 一、by level and status.
    let mut r: RowNum = 3;
    let level_header = r + 1;
    r = section(sh, r, "一、各层级指标进展情况", &COUNT_HEADERS, st)?;
    let first_level = r;
    for l in &v.levels {
        count_row(
            sh,
            r,
            &l.name,
            l.tasks,
            l.tasks_done,
            &l.counts,
            &l.rates,
            false,
            st,
        )?;
        r += 1;
    }
    let last_level = r - 1;
    let tasks_done = v.tasks.iter().filter(|t| t.status == Status::Done).count();
    count_row(
        sh,
        r,
        "合计",
        v.tasks.len(),
        tasks_done,
        &v.totals,
        &v.rates,
        true,
        st,
    )?;
    r += 1;
    let text = definitions(meta);
    sh.set_row_height(r, row_height(lines(&text, widths.iter().sum::<f64>())))?;
    sh.merge_range(r, 0, r, last, &text, &st.definitions)?;
    r += 2;

    // 二、submissions.
    let sub_headers = [
        "应报送单位",
        "已报送",
        "未报送",
        "逾期报送",
        "被退回待重报",
        "序时进度",
    ];
    r = section(sh, r, "二、报送情况", &sub_headers, st)?;
    let late = v
        .departments
        .iter()
        .filter(|d| d.submitted && d.late)
        .count();
    let pending = v
        .departments
        .iter()
        .filter(|d| !d.submitted && d.rejected > 0)
        .count();
    let reported_depts = v.reported_departments();
    sh.set_row_height(r, 20)?;
    for (c, n) in [
        v.departments.len(),
        reported_depts,
        v.departments.len() - reported_depts,
        late,
        pending,
    ]
    .iter()
    .enumerate()
    {
        sh.write_number_with_format(r, c as ColNum, *n as f64, &st.int)?;
    }
    put_percent(sh, r, 5, Some(v.time), &st.pct)?;
    r += 2;

    // 三、compared with last period.
    if let Some(p) = &v.previous {
        let headers = [
            "期次",
            "已完成",
            "序时推进",
            "滞后",
            "严重滞后",
            "未报送",
            "已报送单位",
            "序时进度",
        ];
        r = section(sh, r, "三、与上期比较", &headers, st)?;
        for (name, counts, depts, time) in [
            (
                p.period.chinese(),
                &p.counts,
                p.reported_departments,
                Percent::of(p.time_progress),
            ),
            (v.period.chinese(), &v.totals, reported_depts, v.time),
        ] {
            sh.set_row_height(r, 20)?;
            sh.write_string_with_format(r, 0, &name, &st.label_bold)?;
            for (c, s) in Status::ALL.iter().enumerate() {
                sh.write_number_with_format(r, c as ColNum + 1, counts.get(*s) as f64, &st.int)?;
            }
            sh.write_number_with_format(r, 6, depts as f64, &st.int)?;
            put_percent(sh, r, 7, Some(time), &st.pct)?;
            r += 1;
        }
        r += 1;
    }

    // The chart: indicators of each level by status, in the status colours,
    // on a page of its own so a printer does not cut it in two.
    sh.set_page_breaks(&[r])?;
    sh.set_row_height(r, 22)?;
    sh.write_string_with_format(
        r,
        0,
        if v.previous.is_some() {
            "四、各层级指标状态分布"
        } else {
            "三、各层级指标状态分布"
        },
        &st.section,
    )?;
    let mut chart = Chart::new(ChartType::BarStacked);
    let font = ChartFont::new().set_name(FONT).set_size(9).clone();
    for (i, s) in Status::ALL.iter().enumerate() {
        let col = 4 + i as ColNum;
        let mut fill = ChartSolidFill::new();
        fill.set_color(Color::RGB(status_rgb(*s)));
        let mut format = ChartFormat::new();
        format.set_solid_fill(&fill);
        chart
            .add_series()
            .set_name((OVERVIEW, level_header, col))
            .set_categories((OVERVIEW, first_level, 0, last_level, 0))
            .set_values((OVERVIEW, first_level, col, last_level, col))
            .set_format(&mut format)
            .set_gap(60);
    }
    chart
        .title()
        .set_name("各层级指标状态分布（项）")
        .set_font(ChartFont::new().set_name(FONT).set_size(11).set_bold());
    chart.x_axis().set_font(&font);
    chart.y_axis().set_font(&font).set_reverse();
    chart.legend().set_font(&font);
    chart.set_width(760).set_height(280);
    sh.insert_chart(r + 1, 0, &chart)?;

    print_setup(sh)?;
    sh.set_active(true);
    Ok(())
}

/// A section title at row `r` and a header row under it; returns the first
/// row below them.
fn section(
    sh: &mut Worksheet,
    r: RowNum,
    title: &str,
    headers: &[&str],
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    sh.set_row_height(r, 22)?;
    sh.write_string_with_format(r, 0, title, &st.section)?;
    sh.set_row_height(r + 1, 28)?;
    for (c, h) in headers.iter().enumerate() {
        sh.write_string_with_format(r + 1, c as ColNum, *h, &st.header)?;
    }
    Ok(r + 2)
}

#[allow(clippy::too_many_arguments)]
fn count_row(
    sh: &mut Worksheet,
    r: RowNum,
    name: &str,
    tasks: usize,
    tasks_done: usize,
    c: &Counts,
    rates: &Rates,
    bold: bool,
    st: &Styles,
) -> Result<(), XlsxError> {
    let int = if bold { &st.int_bold } else { &st.int };
    let pct = if bold { &st.pct_bold } else { &st.pct };
    sh.set_row_height(r, 20)?;
    sh.write_string_with_format(r, 0, name, &st.label_bold)?;
    sh.write_number_with_format(r, 1, tasks as f64, int)?;
    sh.write_number_with_format(r, 2, tasks_done as f64, int)?;
    sh.write_number_with_format(r, 3, c.total() as f64, int)?;
    for (i, s) in Status::ALL.iter().enumerate() {
        sh.write_number_with_format(r, 4 + i as ColNum, c.get(*s) as f64, int)?;
    }
    put_percent(sh, r, 9, Some(rates.done_share), pct)?;
    put_percent(sh, r, 10, rates.mean_progress, pct)
}

// ------------------------------------------------------------ level sheets ---

const LEVEL_COLS: [Col; 16] = [
    ("序号", 5.0),
    ("重点民生实事", 14.0),
    ("指标编号", 8.0),
    ("指标", 22.0),
    ("单位", 6.0),
    ("年度目标", 9.0),
    ("累计完成", 9.0),
    ("完成率", 9.0),
    ("序时进度", 8.0),
    ("落后序时（百分点）", 9.0),
    ("较上期（百分点）", 9.0),
    ("状态", 9.0),
    ("牵头单位", 12.0),
    ("工作进展", 20.0),
    ("存在问题", 20.0),
    ("下步措施", 20.0),
];
const L_TASK: ColNum = 1;
const L_RATE: ColNum = 7;
const L_STATUS: ColNum = 11;

fn level_sheet_rows(
    sh: &mut Worksheet,
    v: &PeriodView,
    meta: &Meta,
    level: Level,
    st: &Styles,
) -> Result<(), XlsxError> {
    let rows: Vec<&IndicatorView> = v.indicators.iter().filter(|i| i.level == level).collect();
    let counts = v.level(level).map(|l| l.counts).unwrap_or_default();
    let title = format!(
        "{}（{}）",
        Words::of(meta.catalog).level_title(meta.catalog.level_name(level)),
        v.period.chinese()
    );
    let note = format!(
        "{}　　指标 {} 项：{}",
        period_note(v, meta),
        counts.total(),
        status_summary(&counts)
    );
    table_frame(
        sh,
        Frame {
            name: &level_sheet(meta.catalog, level),
            title: &title,
            note: &note,
            cols: &LEVEL_COLS,
            rows: rows.len(),
            freeze_cols: 4,
        },
        st,
    )?;

    let mut r = FIRST_ROW;
    for (n, i) in rows.iter().enumerate() {
        let starts_task = n == 0 || rows[n - 1].task.code != i.task.code;
        let span = rows[n..]
            .iter()
            .take_while(|o| o.task.code == i.task.code)
            .count();
        let mut need = [
            lines(&i.indicator.name, LEVEL_COLS[3].1),
            lines(&i.indicator.department, LEVEL_COLS[12].1),
            lines(&i.work, LEVEL_COLS[13].1),
            lines(&i.problems, LEVEL_COLS[14].1),
            lines(&i.measures, LEVEL_COLS[15].1),
        ]
        .into_iter()
        .max()
        .unwrap_or(1);
        // A merged task title wraps over its rows; the last row of the
        // task takes any height it still lacks.
        if n + 1 == rows.len() || rows[n + 1].task.code != i.task.code {
            let first = rows[..=n]
                .iter()
                .rev()
                .take_while(|o| o.task.code == i.task.code)
                .count();
            let want = lines(i.task_title, LEVEL_COLS[1].1);
            if first == 1 {
                need = need.max(want);
            } else if want > first * need {
                need += want - first * need;
            }
        }
        sh.set_row_height(r, row_height(need))?;
        sh.write_number_with_format(r, 0, (n + 1) as f64, &st.int)?;
        if starts_task {
            if span > 1 {
                sh.merge_range(
                    r,
                    L_TASK,
                    r + span as RowNum - 1,
                    L_TASK,
                    text_cell(i.task_title),
                    &st.text,
                )?;
            } else {
                put_text(sh, r, L_TASK, i.task_title, &st.text)?;
            }
        }
        indicator_cells(sh, r, 2, i, st)?;
        put_percent(sh, r, 8, Some(v.time), &st.pct)?;
        put_points(sh, r, 9, i.gap, &st.points)?;
        put_points(sh, r, 10, i.change(), &st.signed_points)?;
        put_text(sh, r, L_STATUS, i.status.name(), &st.text_center)?;
        put_text(sh, r, 12, &i.indicator.department, &st.text_center)?;
        put_text(sh, r, 13, &i.work, &st.text)?;
        put_text(sh, r, 14, &i.problems, &st.text)?;
        put_text(sh, r, 15, &i.measures, &st.text)?;
        r += 1;
    }
    if !rows.is_empty() {
        status_colours(sh, FIRST_ROW, r - 1, L_STATUS)?;
        progress_bars(sh, FIRST_ROW, r - 1, L_RATE)?;
    }
    Ok(())
}

/// 指标编号, 指标, 单位, 年度目标, 累计完成, 完成率 from column `c`.
fn indicator_cells(
    sh: &mut Worksheet,
    r: RowNum,
    c: ColNum,
    i: &IndicatorView,
    st: &Styles,
) -> Result<(), XlsxError> {
    let ind = i.indicator;
    put_text(sh, r, c, &ind.code, &st.text_center)?;
    put_text(sh, r, c + 1, &ind.name, &st.text)?;
    put_text(sh, r, c + 2, &ind.unit, &st.text_center)?;
    if ind.kind == Kind::Milestone {
        put_text(sh, r, c + 3, &ind.target_text(), &st.text_center)?;
    } else {
        sh.write_number_with_format(r, c + 3, ind.target, amount_format(ind.target, st))?;
    }
    match i.value {
        Some(crate::model::Value::Stage(s)) => put_text(
            sh,
            r,
            c + 4,
            crate::plan::catalog::STAGES.get(s).copied().unwrap_or(""),
            &st.text_center,
        )?,
        Some(crate::model::Value::Number(x)) if x.is_finite() => {
            sh.write_number_with_format(r, c + 4, x, amount_format(x, st))?;
        }
        _ => sh.write_blank(r, c + 4, &st.amount).map(|_| ())?,
    }
    put_percent(sh, r, c + 5, i.rate, &st.pct)
}

fn status_summary(c: &Counts) -> String {
    Status::ALL
        .iter()
        .map(|s| format!("{} {}", s.name(), c.get(*s)))
        .collect::<Vec<_>>()
        .join("，")
}

// ------------------------------------------------------------------ 按单位 ---

const DEPT_COLS: [Col; 16] = [
    ("序号", 5.0),
    ("牵头单位", 16.0),
    ("报送情况", 10.0),
    ("指标（项）", 7.0),
    ("已完成", 7.0),
    ("序时推进", 7.0),
    ("滞后", 7.0),
    ("严重滞后", 7.0),
    ("未报送", 7.0),
    ("指标编号", 8.0),
    ("指标", 26.0),
    ("单位", 7.0),
    ("年度目标", 9.0),
    ("累计完成", 9.0),
    ("完成率", 9.0),
    ("状态", 9.0),
];
/// Columns 0–8 describe the department and are merged over its rows.
const D_MERGED: ColNum = 8;

fn submission_state(d: &crate::report::consolidate::DepartmentView) -> &'static str {
    match (d.submitted, d.late) {
        (true, false) => "已报送",
        (true, true) => "逾期报送",
        (false, _) if d.rejected > 0 => "被退回待重报",
        (false, _) => "未报送",
    }
}

fn by_department(
    sh: &mut Worksheet,
    v: &PeriodView,
    meta: &Meta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let title = format!("各单位指标进展情况（{}）", v.period.chinese());
    let note = format!(
        "{}　　已报送 {} / {} 个单位",
        period_note(v, meta),
        v.reported_departments(),
        v.departments.len()
    );
    let mut by_dept: std::collections::HashMap<&str, Vec<&IndicatorView>> =
        std::collections::HashMap::new();
    for i in &v.indicators {
        by_dept
            .entry(i.indicator.department.as_str())
            .or_default()
            .push(i);
    }
    table_frame(
        sh,
        Frame {
            name: BY_DEPARTMENT,
            title: &title,
            note: &note,
            cols: &DEPT_COLS,
            rows: v.indicators.len(),
            freeze_cols: 2,
        },
        st,
    )?;
    let mut r = FIRST_ROW;
    for (n, d) in v.departments.iter().enumerate() {
        let rows = by_dept
            .get(d.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if rows.is_empty() {
            continue;
        }
        let last = r + rows.len() as RowNum - 1;
        let cells: [(String, Option<f64>); 9] = [
            (String::new(), Some((n + 1) as f64)),
            (d.name.clone(), None),
            (submission_state(d).to_string(), None),
            (String::new(), Some(d.counts.total() as f64)),
            (String::new(), Some(d.counts.get(Status::Done) as f64)),
            (String::new(), Some(d.counts.get(Status::OnTrack) as f64)),
            (String::new(), Some(d.counts.get(Status::Lagging) as f64)),
            (String::new(), Some(d.counts.get(Status::Severe) as f64)),
            (
                String::new(),
                Some(d.counts.get(Status::NotReported) as f64),
            ),
        ];
        for (k, i) in rows.iter().enumerate() {
            let row = r + k as RowNum;
            let need = lines(&i.indicator.name, DEPT_COLS[10].1).max(if k + 1 == rows.len() {
                lines(&d.name, DEPT_COLS[1].1).saturating_sub(rows.len() - 1)
            } else {
                1
            });
            sh.set_row_height(row, row_height(need))?;
            if k == 0 {
                for (c, (text, num)) in cells.iter().enumerate() {
                    let c = c as ColNum;
                    let format = if c == 1 { &st.text } else { &st.text_center };
                    match (num, last > r) {
                        (Some(x), true) => {
                            // A merged range starts as a string; the number
                            // goes over its first cell.
                            sh.merge_range(r, c, last, c, "", &st.int)?;
                            sh.write_number_with_format(r, c, *x, &st.int)?;
                        }
                        (Some(x), false) => {
                            sh.write_number_with_format(r, c, *x, &st.int)?;
                        }
                        (None, true) => {
                            sh.merge_range(r, c, last, c, text_cell(text), format)?;
                        }
                        (None, false) => put_text(sh, r, c, text, format)?,
                    }
                }
            }
            indicator_cells(sh, row, D_MERGED + 1, i, st)?;
            put_text(sh, row, 15, i.status.name(), &st.text_center)?;
        }
        r = last + 1;
    }
    if r > FIRST_ROW {
        status_colours(sh, FIRST_ROW, r - 1, 15)?;
        progress_bars(sh, FIRST_ROW, r - 1, 14)?;
        let state = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::NotEqualTo("\"已报送\""))
            .set_format(
                Format::new()
                    .set_background_color(Color::RGB(0xFFC7CE))
                    .set_font_color(Color::RGB(0x9C0006)),
            );
        sh.add_conditional_format(FIRST_ROW, 2, r - 1, 2, &state)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- 报送情况 ---

const SUB_COLS: [Col; 16] = [
    ("序号", 5.0),
    ("单位", 24.0),
    ("应报指标（项）", 8.0),
    ("报送状态", 12.0),
    ("报送时间", 16.0),
    ("是否逾期", 9.0),
    ("版本", 6.0),
    ("校验提醒（条）", 8.0),
    ("退回次数", 7.0),
    ("已完成", 7.0),
    ("序时推进", 7.0),
    ("滞后", 7.0),
    ("严重滞后", 7.0),
    ("未报送", 7.0),
    (DONE_SHARE, 9.0),
    (MEAN_PROGRESS, 9.0),
];

fn submissions(sh: &mut Worksheet, v: &PeriodView, st: &Styles) -> Result<(), XlsxError> {
    let title = format!("各单位报送情况（{}）", v.period.chinese());
    let note = format!(
        "报送截止：{}　　已报送 {} / {} 个单位　　报送时间为采用的报表收到的时间；被退回的单位为最近一次收到的时间",
        chinese_date(v.deadline),
        v.reported_departments(),
        v.departments.len()
    );
    table_frame(
        sh,
        Frame {
            name: SUBMISSIONS,
            title: &title,
            note: &note,
            cols: &SUB_COLS,
            rows: v.departments.len(),
            freeze_cols: 2,
        },
        st,
    )?;
    let mut r = FIRST_ROW;
    for (n, d) in v.departments.iter().enumerate() {
        sh.set_row_height(r, row_height(lines(&d.name, SUB_COLS[1].1)))?;
        sh.write_number_with_format(r, 0, (n + 1) as f64, &st.int)?;
        put_text(sh, r, 1, &d.name, &st.text)?;
        sh.write_number_with_format(r, 2, d.indicators as f64, &st.int)?;
        put_text(sh, r, 3, submission_state(d), &st.text_center)?;
        // The local wall time as the ledger keeps it (the plan's zone).
        match d.received_at {
            Some(t) => sh
                .write_datetime_with_format(r, 4, t.naive_local(), &st.datetime)
                .map(|_| ())?,
            None => put_text(sh, r, 4, "", &st.text_center)?,
        }
        let late = match (d.submitted, d.late) {
            (true, true) => "逾期",
            (true, false) => "按时",
            (false, true) => "逾期未报",
            (false, false) => "",
        };
        put_text(sh, r, 5, late, &st.text_center)?;
        put_opt_number(sh, r, 6, d.version.map(|x| x as f64), &st.int)?;
        put_opt_number(sh, r, 7, d.findings.map(|x| x as f64), &st.int)?;
        sh.write_number_with_format(r, 8, d.rejected as f64, &st.int)?;
        for (c, s) in Status::ALL.iter().enumerate() {
            sh.write_number_with_format(r, 9 + c as ColNum, d.counts.get(*s) as f64, &st.int)?;
        }
        put_percent(sh, r, 14, Some(d.rates.done_share), &st.pct)?;
        put_percent(sh, r, 15, d.rates.mean_progress, &st.pct)?;
        r += 1;
    }
    if r > FIRST_ROW {
        let red = Format::new()
            .set_background_color(Color::RGB(0xFFC7CE))
            .set_font_color(Color::RGB(0x9C0006));
        for col in [3, 5] {
            for text in ["未报送", "被退回待重报", "逾期未报", "逾期报送", "逾期"]
            {
                let cf = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::EqualTo(format!("\"{text}\"")))
                    .set_format(red.clone());
                sh.add_conditional_format(FIRST_ROW, col, r - 1, col, &cf)?;
            }
        }
        let green = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo("\"已报送\""))
            .set_format(
                Format::new()
                    .set_background_color(Color::RGB(0xC6EFCE))
                    .set_font_color(Color::RGB(0x006100)),
            );
        sh.add_conditional_format(FIRST_ROW, 3, r - 1, 3, &green)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- 滞后事项 ---

/// 工作进展 stays on the level sheets: this list is about what is wrong and
/// what will be done, and must print legibly on one page width.
const LAG_COLS: [Col; 17] = [
    ("序号", 5.0),
    ("预警", 9.0),
    ("状态", 9.0),
    ("层级", 5.0),
    ("指标编号", 8.0),
    ("指标", 22.0),
    ("单位", 6.0),
    ("年度目标", 9.0),
    ("累计完成", 9.0),
    ("完成率", 9.0),
    ("序时进度", 8.0),
    ("落后序时（百分点）", 9.0),
    ("较上期（百分点）", 9.0),
    ("重点民生实事", 14.0),
    ("牵头单位", 12.0),
    ("存在问题", 24.0),
    ("下步措施", 24.0),
];

fn lagging(sh: &mut Worksheet, v: &PeriodView, meta: &Meta, st: &Styles) -> Result<(), XlsxError> {
    let items = v.lagging();
    let title = format!("滞后事项清单（{}）", v.period.chinese());
    let note = format!(
        "序时进度 {}；完成率低于序时进度 {} 个百分点以上为滞后，{} 个百分点以上为严重滞后；按落后程度排列。预警：首次滞后蓝色，连续滞后黄色，严重滞后红色",
        v.time,
        crate::text::number(meta.tolerance),
        crate::text::number(meta.severe)
    );
    table_frame(
        sh,
        Frame {
            name: LAGGING,
            title: &title,
            note: &note,
            cols: &LAG_COLS,
            rows: items.len(),
            freeze_cols: 6,
        },
        st,
    )?;
    let mut r = FIRST_ROW;
    if items.is_empty() {
        sh.set_row_height(r, 24)?;
        sh.merge_range(
            r,
            0,
            r,
            LAG_COLS.len() as ColNum - 1,
            "本期无滞后事项",
            &st.text_center,
        )?;
        return Ok(());
    }
    for (n, i) in items.iter().enumerate() {
        let need = [
            lines(&i.indicator.name, LAG_COLS[5].1),
            lines(i.task_title, LAG_COLS[13].1),
            lines(&i.indicator.department, LAG_COLS[14].1),
            lines(&i.problems, LAG_COLS[15].1),
            lines(&i.measures, LAG_COLS[16].1),
        ]
        .into_iter()
        .max()
        .unwrap_or(1);
        sh.set_row_height(r, row_height(need))?;
        sh.write_number_with_format(r, 0, (n + 1) as f64, &st.int)?;
        put_text(sh, r, 1, i.warning.name(), &st.text_center)?;
        put_text(sh, r, 2, i.status.name(), &st.text_center)?;
        put_text(sh, r, 3, i.level_name, &st.text_center)?;
        put_text(sh, r, 4, &i.indicator.code, &st.text_center)?;
        put_text(sh, r, 5, &i.indicator.name, &st.text)?;
        put_text(sh, r, 6, &i.indicator.unit, &st.text_center)?;
        // 年度目标, 累计完成, 完成率 in the order indicator_cells writes
        // them, but after 单位 here: written one by one.
        let ind = i.indicator;
        if ind.kind == Kind::Milestone {
            put_text(sh, r, 7, &ind.target_text(), &st.text_center)?;
        } else {
            sh.write_number_with_format(r, 7, ind.target, amount_format(ind.target, st))?;
        }
        match i.value {
            Some(crate::model::Value::Stage(s)) => put_text(
                sh,
                r,
                8,
                crate::plan::catalog::STAGES.get(s).copied().unwrap_or(""),
                &st.text_center,
            )?,
            Some(crate::model::Value::Number(x)) if x.is_finite() => {
                sh.write_number_with_format(r, 8, x, amount_format(x, st))?;
            }
            _ => sh.write_blank(r, 8, &st.amount).map(|_| ())?,
        }
        put_percent(sh, r, 9, i.rate, &st.pct)?;
        put_percent(sh, r, 10, Some(v.time), &st.pct)?;
        put_points(sh, r, 11, i.gap, &st.points)?;
        put_points(sh, r, 12, i.change(), &st.signed_points)?;
        put_text(sh, r, 13, i.task_title, &st.text)?;
        put_text(sh, r, 14, &i.indicator.department, &st.text_center)?;
        put_text(sh, r, 15, &i.problems, &st.text)?;
        put_text(sh, r, 16, &i.measures, &st.text)?;
        r += 1;
    }
    warning_colours(sh, FIRST_ROW, r - 1, 1)?;
    status_colours(sh, FIRST_ROW, r - 1, 2)?;
    progress_bars(sh, FIRST_ROW, r - 1, 9)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_what_excel_takes() {
        let long = "问".repeat(40_000);
        assert_eq!(text_cell(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(text_cell("短"), "短");
    }

    #[test]
    fn wrapped_rows_get_their_lines() {
        assert_eq!(lines("", 20.0), 1);
        assert_eq!(lines("一二三四五六七八九十", 24.0), 1);
        assert_eq!(lines("一二三四五六七八九十", 10.0), 3);
        assert_eq!(lines("甲\n乙", 10.0), 2);
        assert_eq!(row_height(1), 20.0);
    }
}
