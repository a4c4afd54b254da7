//! The dispatch bulletin (调度通报) of a period: what leaders read on a phone
//! or file as a Word document.
//!
//! The numbers come from the one `PeriodView` the workbook and `status` also
//! read; this module only turns them into the words and figures a county
//! bulletin uses (units, percentages to one decimal, full unit names). The
//! wording lives in `templates/bulletin.html` and `templates/bulletin.txt`,
//! which the office edits without a rebuild; the Word version is laid out
//! from the rendered text ([`super::document`]), so an edit there reaches
//! the `.docx` as well.

use super::document::Document;
use crate::plan::catalog::{Catalog, Indicator, Kind};
use crate::plan::words::Words;
use crate::report::consolidate::{Counts, IndicatorView, PeriodView, Rates, Status, Warning};
use crate::templates::Templates;
use crate::text::{chinese_date, number};
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use serde::Serialize;

const HTML_TEMPLATE: &str = "bulletin.html";
const TEXT_TEMPLATE: &str = "bulletin.txt";
/// How many indicators the bulletin names as having moved most.
const HIGHLIGHTS: usize = 5;

/// What the bulletin needs besides the period's figures.
pub struct Meta<'a> {
    pub(crate) catalog: &'a Catalog,
    /// Issue date (the clock's today).
    pub(crate) today: NaiveDate,
    /// Points below 序时进度 still 序时推进, and beyond which 严重滞后.
    pub(crate) tolerance: f64,
    pub(crate) severe: f64,
    pub(crate) deadline_day: u32,
    /// 第N期, from the ledger: the count of the plan year's periods that
    /// have had a report, this one included.
    pub issue_number: u32,
}

/// A rendered bulletin.
pub struct Bulletin {
    pub subject: String,
    pub issue_number: u32,
    pub html: String,
    pub text: String,
    pub docx: Vec<u8>,
}

/// `平江县民生可感行动调度通报（2024年第3期）`.
fn subject(plan_name: &str, year: i32, issue_number: u32) -> String {
    format!("{plan_name}调度通报（{year}年第{issue_number}期）")
}

pub fn build(view: &PeriodView, meta: &Meta, templates: &Templates) -> Result<Bulletin> {
    let ctx = context(view, meta);
    let html = templates.render(HTML_TEMPLATE, &ctx)?;
    let text = templates.render(TEXT_TEMPLATE, &ctx)?;
    let document = Document::of_bulletin(&text, &ctx, meta.today);
    let docx = super::docx::write(&document).context("无法生成 Word 版调度通报")?;
    Ok(Bulletin {
        subject: ctx.subject,
        issue_number: meta.issue_number,
        html,
        text,
        docx,
    })
}

// ---------------------------------------------------------------- context ---

/// Everything the templates see, numbers already written the way a bulletin
/// prints them, so an edited template cannot get a unit or a rounding wrong.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Context {
    pub(crate) subject: String,
    pub(crate) title: String,
    /// `2024年第3期`
    pub(crate) issue: String,
    pub(crate) issue_number: u32,
    /// The plan's words, as the templates' `plan`, `county`, `issuer`,
    /// `group`, `office_name`, `office`, `supervisor`.
    #[serde(flatten)]
    pub(crate) words: Words,
    /// The noun after `共N件`: `重点民生实事`, empty when the plan's name
    /// already says 实事.
    pub(crate) items_noun: String,
    /// The attached workbook's file name.
    pub(crate) workbook: String,
    /// Issue date, `2024年4月3日`.
    pub(crate) date: String,
    pub(crate) period: String,
    /// `2024年3月`
    pub(crate) period_text: String,
    /// The period's last day, `2024年3月31日`.
    pub(crate) as_of: String,
    pub(crate) time_progress: String,
    /// 序时进度 in percent, for bar widths.
    pub(crate) time_progress_value: f64,
    pub(crate) tolerance: String,
    pub(crate) severe_points: String,
    pub(crate) total: LevelCtx,
    pub(crate) levels: Vec<LevelCtx>,
    pub(crate) departments_total: usize,
    pub(crate) departments_reported: usize,
    /// Whether every unit has an accepted return: with the counts of
    /// `total` and the lists below, what the opening sentence is chosen by.
    pub(crate) all_reported: bool,
    /// Units without an accepted return, full names.
    pub(crate) missing: Vec<String>,
    /// Units whose return was rejected and not yet replaced by an accepted one.
    pub(crate) rejected_pending: Vec<String>,
    /// Units with a rejected return this period that have since reported.
    pub(crate) rejected_fixed: Vec<String>,
    /// Units that reported after the deadline.
    pub(crate) late: Vec<String>,
    pub(crate) previous: Option<PreviousCtx>,
    pub(crate) lagging: Vec<ItemCtx>,
    pub(crate) severe: Vec<ItemCtx>,
    pub(crate) done_items: Vec<ItemCtx>,
    pub(crate) highlights: Vec<ItemCtx>,
    pub(crate) legend: Vec<Segment>,
    /// When the next period's returns are due, `2024年5月5日`.
    pub(crate) next_deadline: String,
    pub(crate) next_period_text: String,
    pub(crate) last_period: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct LevelCtx {
    pub(crate) name: String,
    pub(crate) tasks: usize,
    pub(crate) tasks_done: usize,
    pub(crate) indicators: usize,
    pub(crate) done: usize,
    pub(crate) on_track: usize,
    pub(crate) lagging: usize,
    pub(crate) severe: usize,
    pub(crate) not_reported: usize,
    pub(crate) behind: usize,
    /// 已完成指标占比: indicators done / all indicators, `8.6%`.
    pub(crate) done_share: String,
    /// 平均完成率: mean progress of the reported indicators (each at most
    /// 100 %), `41.3%`; empty when none is reported.
    pub(crate) mean_progress: String,
    /// One segment per status with any indicators, widths in percent.
    pub(crate) bars: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Segment {
    pub(crate) label: String,
    pub(crate) count: usize,
    pub(crate) color: String,
    pub(crate) width: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PreviousCtx {
    pub(crate) period_text: String,
    pub(crate) done: usize,
    pub(crate) behind: usize,
    pub(crate) not_reported: usize,
    pub(crate) reported: usize,
    /// `增加2项` / `减少1项` / `持平`.
    pub(crate) done_change: String,
    pub(crate) behind_change: String,
    pub(crate) reported_change: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ItemCtx {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) task: String,
    pub(crate) level: String,
    pub(crate) department: String,
    /// With its unit: `419户`, `100%`, `完成`.
    pub(crate) target: String,
    pub(crate) done: String,
    pub(crate) rate: String,
    /// Completion in percent, capped at 100, for bar widths.
    pub(crate) rate_value: f64,
    pub(crate) time: String,
    /// Points behind 序时进度, `22.5`: the printed 序时进度 less the printed rate.
    pub(crate) gap: String,
    pub(crate) status: String,
    pub(crate) status_color: String,
    pub(crate) warning: String,
    pub(crate) warning_color: String,
    /// Completion last period and the rise since in points, `+12.5`.
    pub(crate) previous_rate: String,
    pub(crate) change: String,
    pub(crate) work: String,
    pub(crate) problems: String,
    pub(crate) measures: String,
}

/// Colours of the statuses, shared by the bars and the tables: green
/// reached, blue on schedule, orange and red behind, grey not reported.
pub(crate) fn status_rgb(s: Status) -> u32 {
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

fn context(v: &PeriodView, meta: &Meta) -> Context {
    let words = Words::of(meta.catalog);
    let year = v.period.year;
    let subject = subject(&words.plan, year, meta.issue_number);
    let total = level_ctx(
        "合计",
        v.tasks.len(),
        v.tasks.iter().filter(|t| t.status == Status::Done).count(),
        &v.totals,
        &v.rates,
    );
    let levels: Vec<LevelCtx> = v
        .levels
        .iter()
        .filter(|l| l.tasks > 0)
        .map(|l| level_ctx(&l.name, l.tasks, l.tasks_done, &l.counts, &l.rates))
        .collect();
    let names = |f: &dyn Fn(&&crate::report::consolidate::DepartmentView) -> bool| -> Vec<String> {
        v.departments
            .iter()
            .filter(f)
            .map(|d| d.name.clone())
            .collect()
    };
    let previous = v.previous.as_ref().map(|p| PreviousCtx {
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
    let missing = names(&|d| !d.submitted);
    Context {
        title: format!("{}调度通报", words.plan),
        issue: format!("{year}年第{}期", meta.issue_number),
        issue_number: meta.issue_number,
        subject,
        items_noun: words.items_noun().to_string(),
        workbook: super::workbook_name(v.period),
        date: chinese_date(meta.today),
        period: v.period.to_string(),
        period_text: v.period.chinese(),
        as_of: chinese_date(v.period.last_day()),
        time_progress: v.time.to_string(),
        time_progress_value: v.time.points(),
        tolerance: number(meta.tolerance),
        severe_points: number(meta.severe),
        total,
        levels,
        departments_total: v.departments.len(),
        departments_reported: v.reported_departments(),
        all_reported: missing.is_empty(),
        missing,
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
        words,
    }
}

fn level_ctx(name: &str, tasks: usize, tasks_done: usize, c: &Counts, rates: &Rates) -> LevelCtx {
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
        done_share: rates.done_share.to_string(),
        mean_progress: rates
            .mean_progress
            .map(|p| p.to_string())
            .unwrap_or_default(),
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
fn amount_text(ind: &Indicator, v: f64) -> String {
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

fn target_text(ind: &Indicator) -> String {
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
        level: i.level_name.into(),
        department: ind.department.clone(),
        target: target_text(ind),
        done: i
            .value
            .map(|x| amount_text(ind, x.amount()))
            .unwrap_or_else(|| "未报送".into()),
        rate: i.rate.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
        rate_value: i.rate.unwrap_or_default().points().clamp(0.0, 100.0),
        time: v.time.to_string(),
        gap: i.gap.map(|g| g.to_string()).unwrap_or_default(),
        status: i.status.name().into(),
        status_color: css(status_rgb(i.status)),
        warning: i.warning.name().into(),
        warning_color: if i.warning == Warning::None {
            String::new()
        } else {
            css(i.warning.rgb())
        },
        previous_rate: i.previous_rate.map(|r| r.to_string()).unwrap_or_default(),
        change: i.change().map(|c| c.signed()).unwrap_or_default(),
        work: sentence(&i.work),
        problems: sentence(&i.problems),
        measures: sentence(&i.measures),
    }
}

/// What a department typed as one sentence of a paragraph: its lines joined
/// (a line break would split a list item in the text and Word versions) and
/// a closing 。 where it has no closing mark.
fn sentence(s: &str) -> String {
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
    use crate::plan::Period;

    #[test]
    fn subject_carries_the_issue_number() {
        assert_eq!(
            subject("平江县民生可感行动", 2024, 3),
            "平江县民生可感行动调度通报（2024年第3期）"
        );
    }

    /// A March with one lagging item whose text carries markup and a
    /// control character, through the built-in templates.
    fn rendered() -> Bulletin {
        use crate::model::CurrentValue;
        let c = crate::testutil::catalog();
        let current = vec![CurrentValue {
            department: "县民政局".into(),
            indicator: "P13-1".into(),
            value: crate::model::Value::Number(10.0),
            progress: "已完成10户".into(),
            problems: "资金<b>未到位</b> & \u{c}拖延".into(),
            measures: "加快拨付".into(),
        }];
        march(&c, &current, &std::collections::HashMap::new(), 3)
    }

    /// March of `catalog` through the built-in templates, issued 8 April.
    fn march(
        catalog: &Catalog,
        current: &[crate::model::CurrentValue],
        submissions: &std::collections::HashMap<String, crate::model::Submission>,
        issue_number: u32,
    ) -> Bulletin {
        march_with(
            catalog,
            current,
            submissions,
            issue_number,
            |view, meta, t| build(view, meta, t).unwrap(),
        )
    }

    fn march_with<T>(
        catalog: &Catalog,
        current: &[crate::model::CurrentValue],
        submissions: &std::collections::HashMap<String, crate::model::Submission>,
        issue_number: u32,
        then: impl FnOnce(&PeriodView, &Meta, &Templates) -> T,
    ) -> T {
        use crate::report::consolidate::{Inputs, Thresholds, consolidate};
        let view = consolidate(&Inputs {
            catalog,
            period: Period::new(2024, 3).unwrap(),
            current,
            previous: &[],
            submissions,
            previous_reported: false,
            thresholds: Thresholds {
                tolerance: 5.0,
                severe: 20.0,
            },
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(),
        });
        let meta = Meta {
            catalog,
            today: NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(),
            tolerance: 5.0,
            severe: 20.0,
            deadline_day: 5,
            issue_number,
        };
        let dir = tempfile::tempdir().unwrap();
        then(&view, &meta, &Templates::load(dir.path()).unwrap())
    }

    #[test]
    fn the_word_version_is_laid_out_by_the_numbering_with_the_items_attached() {
        use super::super::document::Block;
        let c = crate::testutil::catalog();
        let current = vec![crate::model::CurrentValue {
            department: "县民政局".into(),
            indicator: "P13-1".into(),
            value: crate::model::Value::Number(10.0),
            progress: String::new(),
            problems: "资金未到位".into(),
            measures: String::new(),
        }];
        let none = std::collections::HashMap::new();
        let (doc, ctx) = march_with(&c, &current, &none, 3, |view, meta, t| {
            let ctx = context(view, meta);
            let text = t.render(TEXT_TEMPLATE, &ctx).unwrap();
            (Document::of_bulletin(&text, &ctx, meta.today), ctx)
        });
        assert_eq!(doc.title, "平江县民生可感行动调度通报");
        assert_eq!(doc.issue.as_deref(), Some("（2024年第3期）"));
        let headings: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(h) => Some(h.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            headings,
            [
                "一、总体进展情况",
                "二、滞后事项",
                "三、报送情况",
                "四、下步工作要求"
            ]
        );
        let run_in: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::RunIn { head, .. } => Some(head.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            run_in,
            [
                "（一）压实工作责任。",
                "（二）按时准确报送。",
                "（三）强化督查问效。"
            ]
        );
        let n = doc.blocks.len();
        assert_eq!(doc.blocks[n - 2], Block::Issuer(ctx.words.issuer.clone()));
        assert_eq!(doc.blocks[n - 1], Block::Date("2024年4月8日".into()));
        let table = doc.attachment.expect("one lagging item, attached");
        assert_eq!(table.rows.len(), ctx.lagging.len());
        assert_eq!(table.rows[0][0], "1");
        assert_eq!(table.rows[0].len(), table.columns.len());
        assert!(table.rows.iter().any(|r| r[1].ends_with("（P13-1）")));
    }

    #[test]
    fn the_same_bulletin_built_again_is_the_same_bytes() {
        let a = rendered();
        let b = rendered();
        assert_eq!(a.docx, b.docx);
        assert_eq!(a.html, b.html);
        assert_eq!(a.text, b.text);
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

    /// The small plan's March through the built-in text template: `current`
    /// values, `reported` the departments with an accepted return.
    fn march_text(catalog: &Catalog, current: &[(&str, &str, f64)], reported: &[&str]) -> String {
        use crate::model::{CurrentReturn, CurrentValue, Submission, Value, Verdict};
        let at = chrono::DateTime::parse_from_rfc3339("2024-04-03T09:00:00+08:00").unwrap();
        let current: Vec<CurrentValue> = current
            .iter()
            .map(|(d, code, v)| CurrentValue {
                department: d.to_string(),
                indicator: code.to_string(),
                value: if code.ends_with("M01-2") {
                    Value::Stage(*v as usize)
                } else {
                    Value::Number(*v)
                },
                progress: String::new(),
                problems: "资金未到位".into(),
                measures: "加快拨付".into(),
            })
            .collect();
        let submissions = reported
            .iter()
            .map(|d| {
                let sub = Submission {
                    current: Some(CurrentReturn {
                        received_at: at,
                        version: 1,
                        findings: 0,
                    }),
                    latest: Some((Verdict::Accepted, at)),
                    rejected: 0,
                    reason: None,
                };
                (d.to_string(), sub)
            })
            .collect();
        march(catalog, &current, &submissions, 1).text
    }

    /// Every indicator of the small plan on track in March (序时进度 24.9 %).
    const ON_TRACK: [(&str, &str, f64); 6] = [
        ("甲局", "P01-1", 3.0),
        ("甲局", "P01-2", 30.0),
        ("乙局", "M01-1", 665.0),
        ("乙局", "M01-2", 1.0),
        ("乙局", "M01-3", 83.0),
        ("丙局", "C01-1", 30.0),
    ];

    fn opening(text: &str) -> &str {
        text.lines()
            .find(|l| l.starts_with("为兑现"))
            .expect("an opening sentence")
    }

    #[test]
    fn the_opening_follows_the_figures() {
        let c = crate::testutil::small_catalog();
        let all = ["甲局", "乙局", "丙局"];
        let t = march_text(&c, &ON_TRACK, &all);
        assert!(
            opening(&t).contains(
                "从本期调度情况看，各项民生实事总体有序推进，已报送指标均达到序时进度要求。"
            ),
            "{t}"
        );
        // Some behind: P01-1 at 1 of 10 (10 %), 14.9 points behind.
        let mut some = ON_TRACK;
        some[0].2 = 1.0;
        let t = march_text(&c, &some, &all);
        assert!(
            opening(&t).contains("各项民生实事总体有序推进，但仍有1项指标进度滞后于序时进度。"),
            "{t}"
        );
        // Seriously behind: the milestone 未启动 too.
        some[3].2 = 0.0;
        let t = march_text(&c, &some, &all);
        assert!(
            opening(&t).contains(
                "部分民生实事推进不力，1项指标严重滞后于序时进度、1项指标滞后，需引起高度重视。"
            ),
            "{t}"
        );
        assert!(!t.contains("总体有序推进"), "{t}");
        assert!(t.contains("对严重滞后事项，专班将提请挂牌督办。"), "{t}");
        // Units not reported: what was reported is all that can be judged.
        let t = march_text(&c, &ON_TRACK[..2], &["甲局"]);
        assert!(
            opening(&t).contains("已报送的指标均达到序时进度要求；另有2个单位未报送本期进展情况。"),
            "{t}"
        );
        assert!(!t.contains("各项民生实事总体有序推进"), "{t}");
        let t = march_text(&c, &some[..2], &["甲局"]);
        assert!(
            opening(&t).contains("已报送的民生实事总体有序推进，但仍有1项指标进度滞后于序时进度；另有2个单位未报送本期进展情况。"),
            "{t}"
        );
        // Nobody reported.
        let t = march_text(&c, &[], &[]);
        assert!(
            opening(&t).contains("各牵头单位均未报送2024年3月进展情况"),
            "{t}"
        );
        assert!(!t.contains("总体有序推进"), "{t}");
        assert!(t.contains("本期尚无单位报送，暂无滞后事项可列。"), "{t}");
    }

    #[test]
    fn the_office_and_who_follows_up_are_the_plans_own() {
        // No supervisor set: the office follows up alone.
        let c = crate::testutil::small_catalog();
        let t = march_text(&c, &ON_TRACK, &["甲局", "乙局", "丙局"]);
        assert!(
            t.contains("（三）强化督查问效。专班办公室将对各项民生实事进展情况跟踪督办"),
            "{t}"
        );
        assert!(!t.contains("会同"), "{t}");
        // A 领导小组 with an office of its own name and a supervisor.
        let src = crate::testutil::SMALL
            .replace("issuer = \"测试专班\"", "issuer = \"测试县民生实事工作领导小组\"")
            .replacen(
                "[[departments]]",
                "[working_group]\noffice_name = \"领导小组办公室\"\nsupervisor = \"县委县政府督查督办中心\"\n\n[[departments]]",
                1,
            );
        let c = Catalog::parse(&src, "t", "t.toml").unwrap();
        let mut behind = ON_TRACK;
        behind[3].2 = 0.0;
        let t = march_text(&c, &behind, &["甲局", "乙局", "丙局"]);
        assert!(
            t.contains("对严重滞后事项，领导小组将提请挂牌督办。"),
            "{t}"
        );
        assert!(
            t.contains("领导小组办公室将会同县委县政府督查督办中心对各项民生实事进展情况跟踪督办"),
            "{t}"
        );
        assert!(
            t.ends_with("测试县民生实事工作领导小组\n2024年4月8日\n"),
            "{t}"
        );
        assert!(!t.contains("专班"), "{t}");
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
