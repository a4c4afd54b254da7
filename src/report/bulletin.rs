//! The dispatch bulletin (调度通报) of a period: what leaders read on a phone
//! or file as a Word document.
//!
//! The numbers come from the one `PeriodView` the workbook and `status` also
//! read; this module only turns them into the words and figures a county
//! bulletin uses (units, percentages to one decimal, full unit names). The
//! wording lives in `templates/bulletin.html` and `templates/bulletin.txt`,
//! which the office edits without a rebuild; the Word version is laid out from
//! the rendered text, so an edit there reaches the `.docx` as well.

use crate::plan::Period;
use crate::plan::catalog::{Catalog, Indicator, Kind};
use crate::report::consolidate::{Counts, IndicatorView, LevelView, PeriodView, Status, Warning};
use crate::templates::Templates;
use crate::text::{chinese_date, number, percent};
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
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
    let docx = super::docx::build(&text, &ctx).context("无法生成 Word 版调度通报")?;
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
    let names = |f: &dyn Fn(&&crate::report::consolidate::DepartmentView) -> bool| -> Vec<String> {
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
        Kind::Milestone => crate::plan::catalog::STAGES
            .get((v / 25.0).round().clamp(0.0, 4.0) as usize)
            .copied()
            .unwrap_or_default()
            .to_string(),
        Kind::Count | Kind::Standard => format!("{}{}", number(v), ind.unit),
    }
}

pub fn target_text(ind: &Indicator) -> String {
    match ind.kind {
        Kind::Milestone => crate::plan::catalog::MILESTONE_TARGET.into(),
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
        use crate::model::CurrentValue;
        use crate::report::consolidate::{Inputs, Thresholds, consolidate};
        let c = crate::testutil::catalog();
        let current = vec![CurrentValue {
            department: "县民政局".into(),
            indicator: "P13-1".into(),
            value: crate::model::Value::Number(10.0),
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
