//! The dispatch bulletin (调度通报) of a period: what leaders read on a phone
//! or file as a Word document.
//!
//! The numbers come from the one `PeriodView` the workbook and `status` also
//! read; this module only turns them into the words and figures a county
//! bulletin uses (units, percentages to one decimal, full unit names). The
//! wording lives in `templates/bulletin.html` and `templates/bulletin.txt`,
//! which the office edits without a rebuild; the Word version is laid out from
//! the rendered text, so an edit there reaches the `.docx` as well.

use crate::catalog::{Catalog, Indicator, Kind};
use crate::consolidate::{Counts, IndicatorView, LevelView, PeriodView, Status, Warning};
use crate::period::Period;
use crate::templates::Templates;
use crate::text::{number, percent};
use anyhow::{Context as _, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub const HTML_TEMPLATE: &str = "bulletin.html";
pub const TEXT_TEMPLATE: &str = "bulletin.txt";
/// How many indicators the bulletin names as having moved most.
const HIGHLIGHTS: usize = 5;

/// What the bulletin needs besides the period's figures.
pub struct Meta<'a> {
    pub catalog: &'a Catalog,
    /// Issue date (the clock's today).
    pub today: NaiveDate,
    /// Points below 序时进度 still 序时推进, and beyond which 严重滞后.
    pub tolerance: f64,
    pub severe: f64,
    pub deadline_day: u32,
}

/// A rendered bulletin.
pub struct Bulletin {
    pub subject: String,
    pub issue_number: u32,
    pub html: String,
    pub text: String,
    pub docx: Vec<u8>,
}

/// `平江县民生可感行动调度通报（2024年第3期）`: the issue number is the
/// period's month in the plan year, so a re-run of a period keeps its number.
pub fn subject(plan_name: &str, period: Period) -> String {
    format!(
        "{plan_name}调度通报（{}年第{}期）",
        period.year, period.month
    )
}

pub fn build(view: &PeriodView, meta: &Meta, templates: &Templates) -> Result<Bulletin> {
    let ctx = context(view, meta);
    let html = templates.render(HTML_TEMPLATE, &ctx)?;
    let text = templates.render(TEXT_TEMPLATE, &ctx)?;
    let docx = docx::build(&text, &ctx).context("无法生成 Word 版调度通报")?;
    Ok(Bulletin {
        subject: ctx.subject,
        issue_number: view.period.month,
        html,
        text,
        docx,
    })
}

// ---------------------------------------------------------------- context ---

/// Everything the templates see, numbers already written the way a bulletin
/// prints them, so an edited template cannot get a unit or a rounding wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub subject: String,
    pub title: String,
    /// `2024年第3期`
    pub issue: String,
    pub issue_number: u32,
    pub plan: String,
    pub county: String,
    pub issuer: String,
    /// Issue date, `2024年4月3日`.
    pub date: String,
    pub period: String,
    /// `2024年3月`
    pub period_text: String,
    /// The period's last day, `2024年3月31日`.
    pub as_of: String,
    pub time_progress: String,
    /// 序时进度 in percent, for bar widths.
    pub time_progress_value: f64,
    pub tolerance: String,
    pub severe_points: String,
    pub total: LevelCtx,
    pub levels: Vec<LevelCtx>,
    pub departments_total: usize,
    pub departments_reported: usize,
    /// Units without an accepted return, full names.
    pub missing: Vec<String>,
    /// Units whose return was rejected and not yet replaced by an accepted one.
    pub rejected_pending: Vec<String>,
    /// Units with a rejected return this period that have since reported.
    pub rejected_fixed: Vec<String>,
    /// Units that reported after the deadline.
    pub late: Vec<String>,
    pub previous: Option<PreviousCtx>,
    pub lagging: Vec<ItemCtx>,
    pub severe: Vec<ItemCtx>,
    pub done_items: Vec<ItemCtx>,
    pub highlights: Vec<ItemCtx>,
    pub legend: Vec<Segment>,
    /// When the next period's returns are due, `2024年5月5日`.
    pub next_deadline: String,
    pub next_period_text: String,
    pub last_period: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelCtx {
    pub name: String,
    pub tasks: usize,
    pub tasks_done: usize,
    pub indicators: usize,
    pub done: usize,
    pub on_track: usize,
    pub lagging: usize,
    pub severe: usize,
    pub not_reported: usize,
    pub behind: usize,
    /// Share of indicators reached, `8.6%`.
    pub reached: String,
    /// Mean progress of reported indicators, `41.3%`, or `—`.
    pub progress: String,
    /// One segment per status with any indicators, widths in percent.
    pub bars: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub label: String,
    pub count: usize,
    pub color: String,
    pub width: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousCtx {
    pub period_text: String,
    pub done: usize,
    pub behind: usize,
    pub not_reported: usize,
    pub reported: usize,
    /// `增加2项` / `减少1项` / `持平`.
    pub done_change: String,
    pub behind_change: String,
    pub reported_change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemCtx {
    pub code: String,
    pub name: String,
    pub task: String,
    pub level: String,
    pub department: String,
    /// With its unit: `419户`, `100%`, `完成`.
    pub target: String,
    pub done: String,
    pub rate: String,
    /// Completion in percent, capped at 100, for bar widths.
    pub rate_value: f64,
    pub time: String,
    /// Points behind 序时进度, `22.5`.
    pub gap: String,
    pub status: String,
    pub status_color: String,
    pub warning: String,
    pub warning_color: String,
    /// Completion last period and the rise since, `+12.5`.
    pub previous_rate: String,
    pub change: String,
    pub work: String,
    pub problems: String,
    pub measures: String,
}

/// Colours of the statuses, shared by the bars and the tables: green
/// reached, blue on schedule, orange and red behind, grey not reported.
pub fn status_rgb(s: Status) -> u32 {
    match s {
        Status::Done => 0x2E7D32,
        Status::OnTrack => 0x1F6FB2,
        Status::Lagging => 0xE08A00,
        Status::Severe => 0xC62828,
        Status::NotReported => 0x9E9E9E,
    }
}

fn css(rgb: u32) -> String {
    format!("#{rgb:06X}")
}

pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub fn context(v: &PeriodView, meta: &Meta) -> Context {
    let plan = &meta.catalog.plan;
    let subject = subject(&plan.name, v.period);
    let total_tasks = v.tasks.len();
    let total = level_ctx(
        "合计",
        total_tasks,
        v.tasks.iter().filter(|t| t.status == Status::Done).count(),
        &v.totals,
        mean(v.levels.iter()),
    );
    let levels: Vec<LevelCtx> = v
        .levels
        .iter()
        .filter(|l| l.tasks > 0)
        .map(|l| level_ctx(l.level.name(), l.tasks, l.tasks_done, &l.counts, l.progress))
        .collect();
    let names = |f: &dyn Fn(&&crate::consolidate::DepartmentView) -> bool| -> Vec<String> {
        v.departments
            .iter()
            .filter(f)
            .map(|d| d.name.clone())
            .collect()
    };
    // A month nobody reported for is no base to compare with.
    let previous = v
        .previous
        .as_ref()
        .filter(|p| p.reported_departments > 0)
        .map(|p| PreviousCtx {
            period_text: format!("{}月", p.period.month),
            done: p.counts.get(Status::Done),
            behind: p.counts.behind(),
            not_reported: p.counts.get(Status::NotReported),
            reported: p.reported_departments,
            done_change: change_words(v.totals.get(Status::Done), p.counts.get(Status::Done), "项"),
            behind_change: change_words(v.totals.behind(), p.counts.behind(), "项"),
            reported_change: change_words(v.reported_departments(), p.reported_departments, "个"),
        });
    let lagging: Vec<ItemCtx> = v.lagging().into_iter().map(|i| item(i, v)).collect();
    let next = v.period.next();
    Context {
        title: format!("{}调度通报", plan.name),
        issue: format!("{}年第{}期", v.period.year, v.period.month),
        issue_number: v.period.month,
        subject,
        plan: plan.name.clone(),
        county: plan.county.clone(),
        issuer: plan.issuer.clone(),
        date: chinese_date(meta.today),
        period: v.period.to_string(),
        period_text: v.period.chinese(),
        as_of: chinese_date(v.period.last_day()),
        time_progress: percent(v.time_progress),
        time_progress_value: round1(v.time_progress * 100.0),
        tolerance: number(meta.tolerance),
        severe_points: number(meta.severe),
        total,
        levels,
        departments_total: v.departments.len(),
        departments_reported: v.reported_departments(),
        missing: names(&|d| !d.submitted),
        rejected_pending: names(&|d| !d.submitted && d.rejected > 0),
        rejected_fixed: names(&|d| d.submitted && d.rejected > 0),
        late: names(&|d| d.submitted && d.late),
        previous,
        severe: lagging
            .iter()
            .filter(|i| i.status == Status::Severe.name())
            .cloned()
            .collect(),
        lagging,
        done_items: v
            .indicators
            .iter()
            .filter(|i| i.status == Status::Done)
            .map(|i| item(i, v))
            .collect(),
        // Progress on an item still behind is no highlight for a leader.
        highlights: v
            .movers(usize::MAX)
            .into_iter()
            .filter(|i| !i.status.is_behind())
            .take(HIGHLIGHTS)
            .map(|i| item(i, v))
            .collect(),
        legend: Status::ALL
            .iter()
            .map(|&s| Segment {
                label: s.name().into(),
                count: v.totals.get(s),
                color: css(status_rgb(s)),
                width: 0.0,
            })
            .collect(),
        next_deadline: chinese_date(next.deadline(meta.deadline_day)),
        next_period_text: next.chinese(),
        last_period: v.period.month == 12,
    }
}

/// Mean progress over levels, weighted by their reported indicators.
fn mean<'a>(levels: impl Iterator<Item = &'a LevelView>) -> Option<f64> {
    let (sum, n) = levels.fold((0.0, 0usize), |(s, n), l| match l.progress {
        Some(p) => (s + p * l.counts.reported() as f64, n + l.counts.reported()),
        None => (s, n),
    });
    (n > 0).then(|| sum / n as f64)
}

fn level_ctx(
    name: &str,
    tasks: usize,
    tasks_done: usize,
    c: &Counts,
    progress: Option<f64>,
) -> LevelCtx {
    let n = c.total().max(1) as f64;
    LevelCtx {
        name: name.into(),
        tasks,
        tasks_done,
        indicators: c.total(),
        done: c.get(Status::Done),
        on_track: c.get(Status::OnTrack),
        lagging: c.get(Status::Lagging),
        severe: c.get(Status::Severe),
        not_reported: c.get(Status::NotReported),
        behind: c.behind(),
        reached: percent(c.reached_share()),
        progress: progress.map(percent).unwrap_or_else(|| "—".into()),
        bars: Status::ALL
            .iter()
            .filter(|&&s| c.get(s) > 0)
            .map(|&s| Segment {
                label: s.name().into(),
                count: c.get(s),
                color: css(status_rgb(s)),
                width: round1(c.get(s) as f64 / n * 100.0),
            })
            .collect(),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `增加2项`, `减少1项`, `持平`.
fn change_words(now: usize, before: usize, unit: &str) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("增加{}{unit}", now - before),
        std::cmp::Ordering::Less => format!("减少{}{unit}", before - now),
        std::cmp::Ordering::Equal => "持平".into(),
    }
}

/// An amount with its unit, as a bulletin writes it: `4200名`, `95%`, a stage.
pub fn amount_text(ind: &Indicator, v: f64) -> String {
    match ind.kind {
        Kind::Percent => format!("{}%", number(v)),
        Kind::Milestone => crate::catalog::STAGES
            .get((v / 25.0).round().clamp(0.0, 4.0) as usize)
            .copied()
            .unwrap_or_default()
            .to_string(),
        Kind::Count | Kind::Standard => format!("{}{}", number(v), ind.unit),
    }
}

pub fn target_text(ind: &Indicator) -> String {
    match ind.kind {
        Kind::Milestone => crate::catalog::MILESTONE_TARGET.into(),
        _ => amount_text(ind, ind.target),
    }
}

fn item(i: &IndicatorView, v: &PeriodView) -> ItemCtx {
    let ind = i.indicator;
    ItemCtx {
        code: ind.code.clone(),
        name: ind.name.clone(),
        task: i.task_title.to_string(),
        level: i.level.name().into(),
        department: ind.department.clone(),
        target: target_text(ind),
        done: i
            .value
            .map(|x| amount_text(ind, x.amount()))
            .unwrap_or_else(|| "未报送".into()),
        rate: i.progress.map(percent).unwrap_or_else(|| "—".into()),
        rate_value: round1(i.progress.unwrap_or(0.0).clamp(0.0, 1.0) * 100.0),
        time: percent(v.time_progress),
        gap: i.gap.map(|g| format!("{g:.1}")).unwrap_or_default(),
        status: i.status.name().into(),
        status_color: css(status_rgb(i.status)),
        warning: i.warning.name().into(),
        warning_color: if i.warning == Warning::None {
            String::new()
        } else {
            css(i.warning.rgb())
        },
        previous_rate: i.previous_progress.map(percent).unwrap_or_default(),
        change: i
            .change()
            .map(|c| format!("{:+.1}", c * 100.0))
            .unwrap_or_default(),
        work: sentence(&i.work),
        problems: sentence(&i.problems),
        measures: sentence(&i.measures),
    }
}

/// What a department typed as one sentence of a paragraph: its lines joined
/// (a line break would split a list item in the text and Word versions) and
/// a closing 。 where it has no closing mark.
pub fn sentence(s: &str) -> String {
    const CLOSING: &str = "。！？；.!?;…";
    let mut out = String::new();
    for line in s.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if out
            .chars()
            .last()
            .is_some_and(|c| !CLOSING.contains(c) && c != '，' && c != ',')
        {
            out.push('；');
        }
        out.push_str(line);
    }
    if out.chars().last().is_some_and(|c| !CLOSING.contains(c)) {
        out.push('。');
    }
    out
}

// ------------------------------------------------------------------- docx ---

/// The Word bulletin in the layout of GB/T 9704 (党政机关公文格式): A4,
/// margins 37/35/28/26 mm, title in 小标宋 二号, body 仿宋 三号 at a fixed
/// 28-point line pitch, level-one headings in 黑体, level-two in 楷体, page
/// numbers `— 1 —` at the foot; the lagging items as an attached table.
mod docx {
    use super::Context;
    use anyhow::Result;
    use docx_rs::{
        AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
        Paragraph, Run, RunFonts,
    };
    use std::io::{Cursor, Read, Write};

    const FANGSONG: &str = "仿宋_GB2312";
    const HEITI: &str = "黑体";
    const KAITI: &str = "楷体_GB2312";
    const XIAOBIAOSONG: &str = "方正小标宋简体";
    const SONGTI: &str = "宋体";
    /// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
    const ERHAO: usize = 44;
    const SANHAO: usize = 32;
    const SIHAO: usize = 28;
    const WUHAO: usize = 21;
    /// Twips (1/20 pt, 1/1440 inch).
    const A4: (u32, u32) = (11906, 16838);
    const MARGIN_TOP: i32 = 2098;
    const MARGIN_BOTTOM: i32 = 1984;
    const MARGIN_LEFT: i32 = 1588;
    const MARGIN_RIGHT: i32 = 1474;
    const LINE: i32 = 560;
    /// Two characters of 三号 text: the first-line indent of a paragraph.
    const INDENT: i32 = 640;

    fn fonts(name: &str) -> RunFonts {
        RunFonts::new()
            .east_asia(name)
            .ascii(name)
            .hi_ansi(name)
            .cs(name)
    }

    fn run(text: &str, font: &str, size: usize) -> Run {
        Run::new()
            .add_text(allowed_in_xml(text))
            .fonts(fonts(font))
            .size(size)
    }

    /// docx-rs escapes markup but passes control characters through, which
    /// XML 1.0 forbids and Word then refuses to open the file.
    fn allowed_in_xml(s: &str) -> String {
        s.chars().filter(|&c| xml_char(c)).collect()
    }

    fn xml_char(c: char) -> bool {
        !((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')
            || c == '\u{FFFE}'
            || c == '\u{FFFF}')
    }

    fn exact(line: i32) -> LineSpacing {
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(line)
    }

    fn body(runs: Vec<Run>) -> Paragraph {
        let mut p = Paragraph::new()
            .align(AlignmentType::Both)
            .line_spacing(exact(LINE))
            .indent(
                None,
                Some(docx_rs::SpecialIndentType::FirstLine(INDENT)),
                None,
                None,
            );
        for r in runs {
            p = p.add_run(r);
        }
        p
    }

    /// A text line as a paragraph: headings by their numbering (`一、`,
    /// `（一）`), the issuer and date flush right, the rest body text.
    fn paragraph(line: &str, ctx: &Context) -> Paragraph {
        let line = line.trim();
        if is_level_one(line) {
            return body(vec![run(line, HEITI, SANHAO)]).keep_next(true);
        }
        if line.starts_with('（')
            && let Some(end) = line.find('）')
            && line[..end].chars().skip(1).all(is_cjk_numeral)
        {
            // A run-in heading: the heading sentence in 楷体, the rest in 仿宋.
            let cut = line
                .find('。')
                .map(|i| i + '。'.len_utf8())
                .unwrap_or(line.len());
            let (head, rest) = line.split_at(cut);
            let mut runs = vec![run(head, KAITI, SANHAO)];
            if !rest.is_empty() {
                runs.push(run(rest, FANGSONG, SANHAO));
            }
            return body(runs);
        }
        if line == ctx.issuer || line == ctx.date {
            // 署名 and 成文日期 sit right, the date four characters in.
            let right = if line == ctx.date { INDENT * 2 } else { 0 };
            return Paragraph::new()
                .align(AlignmentType::Right)
                .line_spacing(exact(LINE))
                .indent(None, None, Some(right), None)
                .add_run(run(line, FANGSONG, SANHAO));
        }
        body(vec![run(line, FANGSONG, SANHAO)])
    }

    fn is_cjk_numeral(c: char) -> bool {
        "一二三四五六七八九十".contains(c)
    }

    fn is_level_one(line: &str) -> bool {
        let mut chars = line.chars();
        let mut numerals = 0;
        for c in chars.by_ref() {
            if is_cjk_numeral(c) {
                numerals += 1;
            } else {
                return numerals > 0 && c == '、';
            }
        }
        false
    }

    pub fn build(text: &str, ctx: &Context) -> Result<Vec<u8>> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .peekable();
        let mut doc = Docx::new()
            .page_size(A4.0, A4.1)
            .page_margin(
                PageMargin::new()
                    .top(MARGIN_TOP)
                    .bottom(MARGIN_BOTTOM)
                    .left(MARGIN_LEFT)
                    .right(MARGIN_RIGHT)
                    .header(851)
                    .footer(992),
            )
            .default_fonts(fonts(SONGTI))
            .default_size(SIHAO)
            .footer(
                Footer::new().add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(run("— ", SONGTI, SIHAO))
                        .add_page_num(PageNum::new())
                        .add_run(run(" —", SONGTI, SIHAO)),
                ),
            );
        // The title, and the issue line under it when the template keeps one.
        if let Some(title) = lines.next() {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .line_spacing(exact(700))
                    .add_run(run(title, XIAOBIAOSONG, ERHAO)),
            );
        }
        if let Some(sub) = lines.next_if(|l| l.starts_with('（') && l.ends_with('）')) {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .line_spacing(exact(LINE))
                    .add_run(run(sub, KAITI, SANHAO)),
            );
        }
        doc = doc.add_paragraph(Paragraph::new().line_spacing(exact(LINE)));
        for line in lines {
            doc = doc.add_paragraph(paragraph(line, ctx));
        }
        let table = if ctx.lagging.is_empty() {
            None
        } else {
            doc = attachment(doc, ctx);
            Some(table_xml(ctx))
        };
        let mut out = Cursor::new(Vec::new());
        doc.pack(&mut out)?;
        finish(&out.into_inner(), table.as_deref())
    }

    /// Stands in the document for the attached table until [`finish`]
    /// puts the table there.
    const TABLE_MARK: &str = "\u{E000}minsheng-attachment-table\u{E000}";

    /// 附件: the lagging items as a table, the way bulletins attach their
    /// 慢序时项目 list.
    fn attachment(doc: Docx, ctx: &Context) -> Docx {
        doc.add_paragraph(
            Paragraph::new()
                .line_spacing(exact(LINE))
                .add_run(Run::new().add_break(BreakType::Page))
                .add_run(run("附件", HEITI, SANHAO)),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact(LINE * 5 / 4))
                .add_run(run(
                    &format!("{}滞后事项清单", ctx.period_text),
                    XIAOBIAOSONG,
                    SANHAO + 4,
                )),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact(LINE))
                .add_run(run(
                    &format!("（序时进度 {}，按落后序时进度多少排列）", ctx.time_progress),
                    KAITI,
                    WUHAO + 3,
                )),
        )
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(TABLE_MARK)))
    }

    /// Widths in twips; they add up to the type area (8844).
    const COLS: [(&str, usize); 8] = [
        ("序号", 560),
        ("指标", 2240),
        ("牵头单位", 1450),
        ("年度目标", 1050),
        ("累计完成", 1050),
        ("完成率", 830),
        ("序时进度", 830),
        ("落后（百分点）", 834),
    ];

    /// The attached table as WordprocessingML, written directly: docx-rs
    /// keeps some kilobytes per table cell in memory (a province-scale
    /// list of a thousand items took 50 MB) and cannot mark a header row to
    /// repeat on every page (`w:tblHeader`), which a long list needs.
    fn table_xml(ctx: &Context) -> String {
        let mut x = String::with_capacity(2048 + ctx.lagging.len() * 3000);
        let border = |side: &str| {
            format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#)
        };
        x.push_str(r#"<w:tbl><w:tblPr><w:tblW w:w=""#);
        x.push_str(&COLS.iter().map(|c| c.1).sum::<usize>().to_string());
        x.push_str(r#"" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#);
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            x.push_str(&border(side));
        }
        // Narrow side margins leave `24.9%` room on one line.
        x.push_str(
            r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="60" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#,
        );
        for (_, w) in COLS {
            x.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
        }
        x.push_str("</w:tblGrid>");
        row_xml(&mut x, true, COLS.iter().map(|c| (c.0.to_string(), false)));
        for (n, i) in ctx.lagging.iter().enumerate() {
            row_xml(
                &mut x,
                false,
                [
                    ((n + 1).to_string(), false),
                    (format!("{}（{}）", i.name, i.code), true),
                    (i.department.clone(), true),
                    (i.target.clone(), false),
                    (i.done.clone(), false),
                    (i.rate.clone(), false),
                    (i.time.clone(), false),
                    (i.gap.clone(), false),
                ]
                .into_iter(),
            );
        }
        x.push_str("</w:tbl>");
        x
    }

    /// One row; the header row repeats at the top of every page, and no
    /// row breaks across pages.
    fn row_xml(x: &mut String, header: bool, cells: impl Iterator<Item = (String, bool)>) {
        x.push_str("<w:tr><w:trPr><w:cantSplit/>");
        if header {
            x.push_str("<w:tblHeader/>");
        }
        x.push_str("</w:trPr>");
        let font = if header { HEITI } else { FANGSONG };
        for ((text, left), (_, w)) in cells.zip(COLS) {
            x.push_str(&format!(
                r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{}<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:spacing w:line="260" w:lineRule="auto"/><w:jc w:val="{}"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/><w:sz w:val="{WUHAO}"/><w:szCs w:val="{WUHAO}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p></w:tc>"#,
                if header {
                    r#"<w:shd w:val="clear" w:color="auto" w:fill="D9E1F2"/>"#
                } else {
                    ""
                },
                if left { "left" } else { "center" },
                xml_text(&text)
            ));
        }
        x.push_str("</w:tr>");
    }

    /// Text as XML character data: escaped, and without the control
    /// characters XML 1.0 forbids (a pasted form feed would break the file).
    fn xml_text(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\t' | '\n' | '\r' => out.push(' '),
                c if !xml_char(c) => {}
                c => out.push(c),
            }
        }
        out
    }

    /// Repackage what docx-rs wrote: the attached table in place of its
    /// mark, every part deflated, and a font table with fallbacks. docx-rs
    /// writes a fixed font table; Word substitutes a missing font by the
    /// table's `altName`, so the official fonts (仿宋_GB2312, 方正小标宋简体,
    /// 楷体_GB2312), absent from many office PCs, fall back to the 仿宋, 宋体
    /// and 楷体 every Windows has instead of to the default font.
    fn finish(docx: &[u8], table: Option<&str>) -> Result<Vec<u8>> {
        const DOCUMENT: &str = "word/document.xml";
        const FONT_TABLE: &str = "word/fontTable.xml";
        let entry = |name: &str, alt: &str| {
            format!(
                r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#
            )
        };
        let fonts = format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
                r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
                r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
                "{}{}{}{}{}",
                "</w:fonts>"
            ),
            entry(FANGSONG, "仿宋"),
            entry(XIAOBIAOSONG, SONGTI),
            entry(KAITI, "楷体"),
            entry(HEITI, "SimHei"),
            entry(SONGTI, "SimSun"),
        );
        // docx-rs stores its parts uncompressed; deflating them here makes
        // a long bulletin a tenth of the size as a mail attachment.
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut zin = zip::ZipArchive::new(Cursor::new(docx))?;
        let mut zout = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(docx.len() / 4)));
        let mut part = Vec::new();
        for n in 0..zin.len() {
            let mut file = zin.by_index(n)?;
            let name = file.name()?.to_string();
            if name == FONT_TABLE || file.is_dir() {
                continue;
            }
            part.clear();
            file.read_to_end(&mut part)?;
            zout.start_file(name.as_str(), opts)?;
            match table {
                Some(t) if name == DOCUMENT => zout.write_all(&splice(&part, t)?)?,
                _ => zout.write_all(&part)?,
            }
        }
        zout.start_file(FONT_TABLE, opts)?;
        zout.write_all(fonts.as_bytes())?;
        let out = zout.finish()?.into_inner();
        // A package that cannot be opened again fails here, not in Word.
        zip::ZipArchive::new(Cursor::new(&out))?.by_name(DOCUMENT)?;
        Ok(out)
    }

    /// document.xml with the paragraph holding [`TABLE_MARK`] replaced by `table`.
    fn splice(document: &[u8], table: &str) -> Result<Vec<u8>> {
        let doc = std::str::from_utf8(document)?;
        let at = doc
            .find(TABLE_MARK)
            .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记丢失"))?;
        let start = doc[..at]
            .rfind("<w:p ")
            .or_else(|| doc[..at].rfind("<w:p>"))
            .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记不在段落中"))?;
        let end = doc[at..]
            .find("</w:p>")
            .map(|i| at + i + "</w:p>".len())
            .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记不在段落中"))?;
        let mut out = String::with_capacity(doc.len() + table.len());
        out.push_str(&doc[..start]);
        out.push_str(table);
        out.push_str(&doc[end..]);
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_carries_the_issue_number_of_the_month() {
        let p = Period::new(2024, 3).unwrap();
        assert_eq!(
            subject("平江县民生可感行动", p),
            "平江县民生可感行动调度通报（2024年第3期）"
        );
    }

    /// A March with one lagging item whose text carries markup and a
    /// control character, through the built-in templates.
    fn rendered() -> Bulletin {
        use crate::consolidate::{Inputs, Thresholds, consolidate};
        use crate::ledger::CurrentValue;
        let c = crate::testutil::catalog();
        let current = vec![CurrentValue {
            department: "县民政局".into(),
            indicator: "P13-1".into(),
            value: crate::value::Value::Number(10.0),
            progress: "已完成10户".into(),
            problems: "资金<b>未到位</b> & \u{c}拖延".into(),
            measures: "加快拨付".into(),
        }];
        let view = consolidate(&Inputs {
            catalog: &c,
            period: Period::new(2024, 3).unwrap(),
            current: &current,
            previous: &[],
            submissions: &std::collections::HashMap::new(),
            thresholds: Thresholds {
                tolerance: 5.0,
                severe: 20.0,
            },
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(),
        });
        let meta = Meta {
            catalog: &c,
            today: NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(),
            tolerance: 5.0,
            severe: 20.0,
            deadline_day: 5,
        };
        let dir = tempfile::tempdir().unwrap();
        build(&view, &meta, &Templates::load(dir.path()).unwrap()).unwrap()
    }

    #[test]
    fn the_word_version_is_well_formed_with_the_table_in_place() {
        use std::io::Read;
        let b = rendered();
        assert_eq!(b.subject, "平江县民生可感行动调度通报（2024年第3期）");
        assert!(
            b.html.contains("资金&lt;b&gt;未到位&lt;&#x2f;b&gt; &amp;"),
            "escaped"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&b.docx)).unwrap();
        for n in 0..zip.len() {
            let f = zip.by_index(n).unwrap();
            assert_eq!(
                f.compression(),
                zip::CompressionMethod::Deflated,
                "{:?}",
                f.name()
            );
        }
        let mut doc = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut doc)
            .unwrap();
        let mut reader = quick_xml::Reader::from_str(&doc);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("document.xml is not well-formed: {e}"),
            }
        }
        assert!(
            !doc.contains("minsheng-attachment-table"),
            "the mark is replaced"
        );
        assert_eq!(doc.matches("<w:tbl>").count(), 1);
        assert!(doc.contains("<w:tblHeader/>"), "the header row repeats");
        assert!(doc.contains("特殊困难老年人家庭适老化改造（P13-1）"));
        assert!(doc.contains("资金&lt;b&gt;未到位&lt;/b&gt; &amp;"), "{doc}");
        assert!(!doc.contains('\u{c}'));
        assert!(
            b.text.contains("存在问题：资金<b>未到位</b> & "),
            "{}",
            b.text
        );
    }

    #[test]
    fn amounts_read_with_units() {
        let c = crate::testutil::catalog();
        let ind = |code: &str| c.indicator(code).unwrap();
        assert_eq!(amount_text(ind("P13-1"), 10.0), "10户");
        assert_eq!(amount_text(ind("P22-1"), 246.3), "246.3万方");
        assert_eq!(amount_text(ind("P11-2"), 95.0), "95%");
        assert_eq!(amount_text(ind("C01-1"), 50.0), "开工建设");
        assert_eq!(target_text(ind("C01-1")), "完成");
        assert_eq!(target_text(ind("P05-1")), "700元/月");
        assert_eq!(change_words(3, 1, "项"), "增加2项");
        assert_eq!(change_words(1, 3, "个"), "减少2个");
        assert_eq!(change_words(2, 2, "项"), "持平");
        assert_eq!(sentence(" 资金未到位 "), "资金未到位。");
        assert_eq!(
            sentence("1.资金未到位\n2.招标慢。"),
            "1.资金未到位；2.招标慢。"
        );
        assert_eq!(sentence("正在招标；"), "正在招标；");
        assert_eq!(sentence(""), "");
    }
}
