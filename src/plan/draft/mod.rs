//! `minsheng catalog draft`: a first catalog drawn from the plan document
//! itself. Every year (and in every county) the office receives a new plan;
//! typing its tasks and targets into TOML by hand is where errors creep in,
//! and a wrong target makes every bulletin wrong. The draft does the typing
//! and says where it guessed, so the office's work becomes checking.
//!
//! Stages, each a plain function: bytes → lines (`source`: text, Word,
//! spreadsheets; tables as tab-separated rows), lines → tasks by level
//! (`structure`, tables by their columns in `table`), each task's lead
//! notes in any wording (`leads`), task text → numbers with
//! their units (`numbers`) → indicators (`targets`, named by the rules of
//! `names`), several leads → one reporting department each
//! (`departments`), draft → TOML text (`write`). Nothing here touches
//! files: the commands read the plan and write the draft.

mod departments;
#[cfg(test)]
mod hostile_text;
mod leads;
mod names;
mod numbers;
mod source;
mod structure;
mod table;
mod targets;
mod write;

use crate::plan::catalog::{Kind, Level};
use anyhow::Result;
use std::collections::HashSet;
use std::path::Path;

pub use targets::Num;
pub use write::quote as toml_string;

/// Placeholder lead for an item whose lead note is missing; the catalog
/// needs one, and a name nobody has stands out in review.
const NO_LEAD: &str = "待定单位";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub(crate) plan_name: String,
    pub(crate) county: String,
    pub(crate) year: i32,
    pub(crate) version: String,
    pub(crate) source: String,
    pub(crate) issuer: String,
    /// The issuer's own level as the plan names it (县级, 区级, 市级).
    pub(crate) own_level: String,
    pub(crate) plan_notes: Vec<String>,
    pub(crate) group: structure::Group,
    pub(crate) group_notes: Vec<String>,
    /// Reporting departments in order of first appearance, with the task
    /// where each first appears.
    pub(crate) departments: Vec<(String, String)>,
    pub(crate) tasks: Vec<DraftTask>,
    /// Said to the office on stderr: parts of the plan left out.
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DraftTask {
    pub(crate) code: String,
    pub(crate) level: Level,
    /// The level as the plan names it: 区级 for a district's own items.
    pub(crate) level_name: String,
    pub(crate) section: String,
    pub(crate) category: String,
    pub(crate) category_heading: Option<String>,
    pub(crate) title: String,
    pub(crate) leads: Vec<String>,
    pub(crate) text: String,
    pub(crate) notes: Vec<String>,
    pub(crate) indicators: Vec<DraftIndicator>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DraftIndicator {
    pub(crate) code: String,
    pub(crate) name: String,
    /// None for a milestone.
    pub(crate) target: Option<Num>,
    pub(crate) baseline: Option<Num>,
    pub(crate) unit: String,
    pub(crate) kind: Kind,
    pub(crate) department: String,
    pub(crate) sentence: String,
    clause: String,
    pub(crate) notes: Vec<String>,
}

impl Draft {
    fn indicators(&self) -> impl Iterator<Item = &DraftIndicator> {
        self.tasks.iter().flat_map(|t| &t.indicators)
    }

    /// Every `待核对` line the TOML will carry.
    pub(crate) fn review_count(&self) -> usize {
        self.plan_notes.len()
            + self.group_notes.len()
            + usize::from(self.group == structure::Group::default())
            + self
                .tasks
                .iter()
                .map(|t| t.notes.len() + t.indicators.iter().map(|i| i.notes.len()).sum::<usize>())
                .sum::<usize>()
    }

    pub(crate) fn to_toml(&self) -> String {
        write::render(self)
    }
}

/// Why no draft could be made; the message is for the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DraftError(pub String);

/// The lines of a plan file (`.txt` or `.docx` bytes).
pub(crate) fn plan_lines(bytes: &[u8], ext: &str) -> Result<Vec<String>, DraftError> {
    source::lines_of(bytes, ext).map_err(|e| DraftError(e.0))
}

/// Draft a catalog from the lines of a plan. `source` is the plan's file
/// name, recorded in `[plan] source`.
pub(crate) fn draft(lines: &[String], source: &str) -> Result<Draft, DraftError> {
    let outline = structure::outline(lines);
    if outline.tasks.is_empty() {
        let mut msg = "没有在方案中找到任何任务。程序找的是：按“一、”“（一）”“1.”“（1）”“①”等编号列出的事项，\
                       写有（牵头单位：…）、（责任单位：…）或（…牵头）的段落，\
                       或者带“项目名称”“建设内容”“责任单位”等列名的表格（Word 表格、Excel 清单、用制表符或“|”分隔的文字）。\
                       请确认文件是实施方案的正文或项目清单"
            .to_string();
        for w in &outline.warnings {
            msg.push_str(&format!("；{w}"));
        }
        return Err(DraftError(msg));
    }
    let mut plan_notes = Vec::new();
    let (plan_name, county) = plan_name(outline.title.as_deref(), &mut plan_notes);
    let year = plan_year(&outline, source, &mut plan_notes);
    let group = structure::working_group(&outline.mechanism);
    let mut group_notes = Vec::new();
    let issuer = match &group.issuer {
        Some(i) => with_county(i, &county),
        None => {
            plan_notes.push("原文没有找到“成立…专班/领导小组”，issuer 按方案名称暂拟".into());
            format!("{plan_name}工作专班")
        }
    };
    if group.convener.is_none() && group != structure::Group::default() {
        group_notes.push("原文没有找到召集人（或组长）".into());
    }

    // The issuer's own level: as the plan's headings name it, else by the
    // issuer (县级; 区级 for a district; 市级 for a county-level city).
    let own_level = outline
        .tasks
        .iter()
        .filter(|t| t.level == Level::County)
        .find_map(|t| t.level_name.clone())
        .unwrap_or_else(|| own_level_of(&county).to_string());
    let mut counters = [0usize; 3];
    let mut tasks = Vec::new();
    for raw in &outline.tasks {
        let li = Level::ALL.iter().position(|l| *l == raw.level).unwrap_or(2);
        counters[li] += 1;
        if counters[li] > 99 {
            return Err(DraftError(format!(
                "{}任务超过 99 项，任务编号只有两位数字，无法起草",
                raw.level
            )));
        }
        let prefix = ['P', 'M', 'C'][li];
        let code = format!("{prefix}{:02}", counters[li]);
        let level_name = match (&raw.level_name, raw.level) {
            (Some(n), _) => n.clone(),
            (None, Level::County) => own_level.clone(),
            (None, l) => l.name().to_string(),
        };
        tasks.push(task(raw, code, level_name));
    }
    unify_spellings(&mut tasks);
    ensure_every_lead_reports(&mut tasks);

    let mut departments: Vec<(String, String)> = Vec::new();
    for t in &tasks {
        for l in &t.leads {
            if !departments.iter().any(|(d, _)| d == l) {
                departments.push((l.clone(), t.code.clone()));
            }
        }
    }
    // A lead missing from the member list is often the same unit spelt
    // another way (县卫健局 / 县卫生健康局), which would make two departments.
    if !group.members.is_empty() {
        for (d, first) in &departments {
            if !group.members.contains(d) && d != NO_LEAD {
                group_notes.push(format!(
                    "牵头单位{d}（{first}）不在成员单位名单中，请核对是否与名单中的某个单位是同一单位的不同写法"
                ));
            }
        }
    }
    Ok(Draft {
        own_level,
        version: format!("{year}.1"),
        plan_name,
        county,
        year,
        source: source.to_string(),
        issuer,
        plan_notes,
        group,
        group_notes,
        departments,
        tasks,
        warnings: outline.warnings,
    })
}

fn task(raw: &structure::RawTask, code: String, level_name: String) -> DraftTask {
    let segments = leads::segments(&raw.body);
    let mut notes = raw.notes.clone();
    let mut leads: Vec<String> = Vec::new();
    for s in &segments {
        for l in &s.leads {
            if !leads.contains(l) {
                leads.push(l.clone());
            }
        }
    }
    let text: String = segments.iter().map(|s| s.text.as_str()).collect();
    if leads.is_empty() {
        notes.push(format!(
            "原文没有找到（牵头单位：…）或（…牵头）这样写明的责任单位，暂填“{NO_LEAD}”，请改为实际的牵头单位"
        ));
        leads = vec![NO_LEAD.to_string()];
    }
    // Each note names the units of the outcomes written before it; an item
    // with one note (or none) is read whole, as before.
    let parts: Vec<(String, Vec<String>)> =
        if segments.iter().filter(|s| !s.leads.is_empty()).count() > 1 {
            segments
                .iter()
                .map(|s| {
                    let own = if s.leads.is_empty() {
                        leads.clone()
                    } else {
                        s.leads.clone()
                    };
                    (s.text.clone(), own)
                })
                .collect()
        } else {
            vec![(text.clone(), leads.clone())]
        };
    let mut title = String::new();
    let mut found_all = Vec::new();
    for (n, (part_text, part_leads)) in parts.iter().enumerate() {
        let reading = targets::read(part_text);
        notes.extend(reading.notes);
        if n == 0 {
            title = reading.title;
        }
        let reporters = departments::assign(part_leads, &reading.found);
        found_all.extend(reading.found.into_iter().zip(reporters));
    }
    if let Some(t) = &raw.title {
        title = t.clone();
    }
    if title.is_empty() {
        title = targets::first_phrase(&text);
    }
    let indicators = found_all
        .into_iter()
        .enumerate()
        .map(|(n, (f, (department, note)))| {
            let mut notes = f.notes;
            notes.extend(note);
            DraftIndicator {
                code: format!("{code}-{}", n + 1),
                name: f.name,
                target: f.target,
                baseline: f.baseline,
                unit: f.unit,
                kind: f.kind,
                department,
                sentence: f.sentence,
                clause: f.clause,
                notes,
            }
        })
        .collect();
    DraftTask {
        code,
        level: raw.level,
        level_name,
        section: raw.section.clone(),
        category: raw.category.clone(),
        category_heading: raw.category_heading.clone(),
        title,
        leads,
        text,
        notes,
        indicators,
    }
}

/// Names a plan writes one unit by, short and full: each group is one unit.
const SAME_UNIT: &[&[&str]] = &[
    &["人社局", "人力资源和社会保障局", "人力资源社会保障局"],
    &[
        "卫健局",
        "卫生健康局",
        "卫健委",
        "卫生健康委员会",
        "卫生和健康委员会",
    ],
    &["住建局", "住房和城乡建设局", "住房城乡建设局"],
    &["教体局", "教育体育局", "教育和体育局"],
    &[
        "发改局",
        "发展和改革局",
        "发展改革局",
        "发改委",
        "发展和改革委员会",
    ],
    &["城管局", "城市管理局", "城市管理和综合执法局"],
    &["交通局", "交通运输局"],
    &["市场监管局", "市场监督管理局"],
    &["医保局", "医疗保障局"],
    &["文旅局", "文化和旅游局", "文化旅游局"],
    &["残联", "残疾人联合会"],
    &["妇联", "妇女联合会"],
    &["应急局", "应急管理局"],
    &["自然资源局", "自然资源和规划局"],
];

/// One key for every spelling of a unit: `县人社局`, `人社局` and
/// `县人力资源和社会保障局` are one.
fn unit_key(name: &str) -> String {
    let core = ['县', '区', '市', '旗']
        .iter()
        .find_map(|p| name.strip_prefix(*p).filter(|r| r.chars().count() >= 2))
        .unwrap_or(name);
    SAME_UNIT
        .iter()
        .find(|g| g.contains(&core))
        .map_or_else(|| core.to_string(), |g| g[0].to_string())
}

/// A unit the plan names two ways (`县人社局` here, `县人力资源和社会保障局`
/// there) would become two departments, each with a form; it is one, under
/// the name the plan first gives it, and the task saying it otherwise is
/// marked.
fn unify_spellings(tasks: &mut [DraftTask]) {
    let mut first: Vec<(String, String)> = Vec::new();
    for t in tasks.iter_mut() {
        let mut renamed: Vec<(String, String)> = Vec::new();
        for lead in t.leads.iter_mut() {
            let key = unit_key(lead);
            match first.iter().find(|(k, _)| *k == key) {
                Some((_, name)) if name != lead => {
                    renamed.push((lead.clone(), name.clone()));
                    *lead = name.clone();
                }
                Some(_) => {}
                None => first.push((key, lead.clone())),
            }
        }
        for (from, to) in renamed {
            for i in t.indicators.iter_mut().filter(|i| i.department == from) {
                i.department = to.clone();
            }
            t.notes.push(format!(
                "原文此处写作“{from}”，与前文的“{to}”应是同一单位，已统一为“{to}”；如不是同一单位请改回"
            ));
        }
        let mut seen = HashSet::new();
        t.leads.retain(|l| seen.insert(l.clone()));
    }
}

/// A catalog refuses a department that reports nothing. A lead that got no
/// indicator anywhere takes over the indicator of its task that fits it
/// best, if another lead there keeps at least one; otherwise it is taken out
/// of the task's leads, with a note.
fn ensure_every_lead_reports(tasks: &mut [DraftTask]) {
    let reporting = |tasks: &[DraftTask]| -> HashSet<String> {
        tasks
            .iter()
            .flat_map(|t| t.indicators.iter().map(|i| i.department.clone()))
            .collect()
    };
    for ti in 0..tasks.len() {
        let leads = tasks[ti].leads.clone();
        for lead in &leads {
            if reporting(tasks).contains(lead) {
                continue;
            }
            let t = &mut tasks[ti];
            let count =
                |d: &str, t: &DraftTask| t.indicators.iter().filter(|i| i.department == d).count();
            let donor = t
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, i)| count(&i.department, t) >= 2)
                .max_by_key(|(_, i)| {
                    let pair = [lead.clone(), i.department.clone()];
                    // Prefer the one whose words point at this lead.
                    i32::from(departments::guess(&pair, &i.name, &i.clause, i.kind).0 == 0)
                })
                .map(|(k, _)| k);
            match donor {
                Some(k) => {
                    let ind = &mut t.indicators[k];
                    ind.notes.retain(|n| !n.starts_with("牵头单位有"));
                    ind.notes.push(format!(
                        "牵头单位{lead}原本没有分到指标，此项改由它报送（每个报送单位至少要报一个指标）"
                    ));
                    ind.department = lead.clone();
                }
                None => {
                    t.leads.retain(|l| l != lead);
                    t.notes.push(format!(
                        "牵头单位{lead}没有分到任何指标，已从 leads 中去掉（目录要求每个报送单位至少报一个指标）；如需由它报送，请加回并给它分一个指标"
                    ));
                }
            }
        }
    }
}

/// Plan name and county from the title: `平江县民生可感行动实施方案` →
/// `平江县民生可感行动`, `平江县`.
fn plan_name(title: Option<&str>, notes: &mut Vec<String>) -> (String, String) {
    let Some(title) = title else {
        notes.push("原文开头没有找到方案标题，name 和 county 需要填写".into());
        return ("民生实事".into(), String::new());
    };
    let mut name = title.to_string();
    if let (Some(a), Some(b)) = (name.find('《'), name.rfind('》'))
        && a < b
    {
        name = name[a + '《'.len_utf8()..b].to_string();
    }
    // `（2025年）` and `2025年` say the year, which has its own key.
    let chars: Vec<char> = name.chars().collect();
    let mut cleaned = String::new();
    let mut i = 0;
    while i < chars.len() {
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 4 && chars.get(i + 4) == Some(&'年') {
            i += 5;
            continue;
        }
        cleaned.push(chars[i]);
        i += 1;
    }
    let mut name = cleaned.replace("（）", "").replace("()", "");
    for suffix in [
        "实施方案",
        "一览表",
        "清单",
        "表",
        "工作方案",
        "行动方案",
        "实施意见",
        "工作计划",
        "方案",
        "计划",
    ] {
        if let Some(n) = name.strip_suffix(suffix) {
            name = n.to_string();
            break;
        }
    }
    let county = name
        .char_indices()
        .take(10)
        .find(|(_, c)| matches!(c, '县' | '区' | '市' | '旗'))
        .map(|(i, c)| name[..i + c.len_utf8()].to_string())
        .unwrap_or_default();
    if county.is_empty() {
        notes.push(format!("方案名称“{name}”中看不出县名，county 需要填写"));
    }
    (name, county)
}

/// The issuer's own level, named for the issuer: 区级 for a district, 市级
/// for a (county-level) city, 旗级 for a banner, else 县级.
fn own_level_of(county: &str) -> &'static str {
    match county.chars().last() {
        Some('区') => "区级",
        Some('市') => "市级",
        Some('旗') => "旗级",
        _ => "县级",
    }
}

/// `县民生可感行动工作专班` in 平江县's plan is `平江县民生可感行动工作专班`.
fn with_county(issuer: &str, county: &str) -> String {
    if county.is_empty() || issuer.starts_with(county) {
        return issuer.to_string();
    }
    for short in ["县", "区", "市", "旗"] {
        if let Some(rest) = issuer.strip_prefix(short)
            && county.ends_with(short)
        {
            return format!("{county}{rest}");
        }
    }
    issuer.to_string()
}

/// The plan year: the first `20xx 年` in the text, else a year in the file
/// name, else this year (marked).
fn plan_year(o: &structure::Outline, source: &str, notes: &mut Vec<String>) -> i32 {
    let in_text = |text: &str| -> Option<i32> {
        let chars: Vec<char> = text.chars().collect();
        (0..chars.len()).find_map(|i| {
            let digits: String = chars[i..].iter().take(4).collect();
            let boundary = i == 0 || !chars[i - 1].is_ascii_digit();
            let after = chars[i + 4.min(chars.len() - i)..]
                .iter()
                .find(|c| !c.is_whitespace());
            (boundary
                && digits.len() == 4
                && digits.starts_with("20")
                && digits.chars().all(|c| c.is_ascii_digit())
                && !chars.get(i + 4).is_some_and(|c| c.is_ascii_digit())
                && after == Some(&'年'))
            .then(|| digits.parse().ok())
            .flatten()
        })
    };
    if let Some(y) = o.title.as_deref().and_then(in_text) {
        return y;
    }
    if let Some(y) = in_text(&o.all_text) {
        return y;
    }
    let chars: Vec<char> = source.chars().collect();
    for i in 0..chars.len().saturating_sub(3) {
        let s: String = chars[i..i + 4].iter().collect();
        let boundary = (i == 0 || !chars[i - 1].is_ascii_digit())
            && !chars.get(i + 4).is_some_and(|c| c.is_ascii_digit());
        if boundary
            && s.starts_with("20")
            && let Ok(y) = s.parse::<i32>()
        {
            notes.push(format!("方案正文没有写年度，year 按文件名取 {y}"));
            return y;
        }
    }
    let y = chrono::Local::now()
        .format("%Y")
        .to_string()
        .parse()
        .unwrap_or(2024);
    notes.push(format!("方案没有写年度，year 暂填今年 {y}"));
    y
}

/// What the office reads at the end: how much was drafted and how much to check.
pub(crate) fn summary(d: &Draft, source: &str, out: Option<&Path>) -> String {
    let mut s = overview(d, source);
    match out {
        Some(o) => s.push_str(&format!("已写入 {}。\n", o.display())),
        None => s.push_str("草稿已输出到屏幕；加 --out 文件名 可直接保存。\n"),
    }
    s.push_str("核对后可用 minsheng catalog diff 旧目录.toml 新目录.toml 查看两份目录的差别。\n");
    s
}

/// How much was drafted from `source`, how many marks to check, and the
/// parts of the plan left out.
pub(crate) fn overview(d: &Draft, source: &str) -> String {
    let per_level: Vec<String> = Level::ALL
        .iter()
        .map(|l| d.tasks.iter().filter(|t| t.level == *l).collect::<Vec<_>>())
        .filter(|ts| !ts.is_empty())
        .map(|ts| format!("{} {} 项", ts[0].level_name, ts.len()))
        .collect();
    let kinds: Vec<String> = [
        (Kind::Count, "数量"),
        (Kind::Percent, "百分比"),
        (Kind::Standard, "标准"),
        (Kind::Milestone, "阶段"),
    ]
    .iter()
    .map(|(k, name)| (name, d.indicators().filter(|i| i.kind == *k).count()))
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{name} {n} 个"))
    .collect();
    let mut s = format!("已从 {source} 起草任务目录：\n");
    s.push_str(&format!(
        "  {} 项任务（{}）\n",
        d.tasks.len(),
        per_level.join("，")
    ));
    s.push_str(&format!(
        "  {} 个指标（{}）\n",
        d.indicators().count(),
        kinds.join("，")
    ));
    s.push_str(&format!("  {} 个报送单位\n", d.departments.len()));
    s.push_str(&format!(
        "  {} 处标记为“待核对”，请逐条核对，核对无误后删去该行注释\n",
        d.review_count()
    ));
    for w in &d.warnings {
        s.push_str(&format!("注意：{w}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalog::Catalog;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    const SMALL: &str = "某某县2025年民生实事实施方案\n\n一、工作任务\n（一）办好省级民生实事\n1. 教育\n（1）建成学校 2 所。（牵头单位：县教育局）\n（二）办好市级民生实事\n1. 改造公路 12 公里，新增公交线路 3 条。（牵头单位：县交通运输局、县公路事务中心）\n二、推进机制\n成立县民生实事工作专班，由副县长担任召集人。专班办公室设县发改局。";

    #[test]
    fn a_small_plan_drafts_a_catalog_that_loads() {
        let d = draft(&lines(SMALL), "plan.txt").unwrap();
        assert_eq!(d.plan_name, "某某县民生实事");
        assert_eq!(d.county, "某某县");
        assert_eq!(d.year, 2025);
        assert_eq!(d.issuer, "某某县民生实事工作专班");
        assert_eq!(d.tasks[0].code, "P01");
        assert_eq!(d.tasks[1].code, "M01");
        let toml = d.to_toml();
        let c = Catalog::parse(&toml, "t", "t.toml").unwrap_or_else(|e| panic!("{e}\n{toml}"));
        assert_eq!(c.indicators().count(), 3);
        assert!(toml.contains("# 原文：建成学校 2 所。"), "{toml}");
    }

    #[test]
    fn a_lead_left_without_indicators_takes_one_over() {
        let d = draft(&lines(SMALL), "plan.txt").unwrap();
        let m = &d.tasks[1];
        let depts: HashSet<_> = m.indicators.iter().map(|i| i.department.as_str()).collect();
        assert_eq!(depts.len(), 2, "{:#?}", m.indicators);
        assert!(
            m.indicators
                .iter()
                .all(|i| i.notes.iter().any(|n| n.contains("报送")))
        );
    }

    #[test]
    fn an_item_without_a_lead_note_is_kept_and_marked() {
        let d = draft(
            &lines("X县方案\n一、任务\n（一）县级实事\n1. 新建公园 1 个。"),
            "x.txt",
        )
        .unwrap();
        assert_eq!(d.tasks[0].leads, [NO_LEAD]);
        assert!(d.tasks[0].notes.iter().any(|n| n.contains(NO_LEAD)));
        Catalog::parse(&d.to_toml(), "t", "t.toml").unwrap();
    }

    #[test]
    fn one_unit_written_short_and_full_is_one_key() {
        assert_eq!(unit_key("县人社局"), unit_key("县人力资源和社会保障局"));
        assert_eq!(unit_key("教体局"), unit_key("县教育体育局"));
        assert_eq!(unit_key("区卫健委"), unit_key("区卫生健康局"));
        assert_ne!(unit_key("县民政局"), unit_key("县财政局"));
        assert_eq!(unit_key("县"), "县", "a name too short to strip is kept");
    }

    #[test]
    fn a_document_without_tasks_is_refused_in_chinese() {
        let e = draft(&lines("会议通知\n请各单位准时参会。"), "x.txt").unwrap_err();
        assert!(e.0.contains("没有在方案中找到任何任务"), "{e:?}");
        assert!(
            e.0.contains("（牵头单位：…）") && e.0.contains("表格"),
            "says what was looked for: {e:?}"
        );
    }

    #[test]
    fn odd_text_never_panics_and_always_gives_toml() {
        let odd = [
            "",
            "（",
            "（一）",
            "一、\n（一）省级\n（1）",
            "一、任务\n（一）省级\n1.\n（1）（牵头单位：）",
            "一、任务\n（一）县级\n1. 建成 99999999999999999999999 个。（牵头单位：县甲局）",
            "一、任务\n（一）县级\n1. （（（（ 3 个 ））））)))。（牵头单位：县甲局、）",
            "一、任务\n（一）县级\n1. 从 5 提高到 3 元/月，从 700 元。（牵头单位：县甲局）",
            "一、任务\n（一）县级\n1. 𝟘中a召集人副召集人，成员单位包括。办公室设。（牵头单位：县甲局）",
            "一、任务\n（一）市级\n1. 0 个，0.0 万人，.5 名，5. 个，1,2345 户，2024-2025 年。（牵头单位：县/甲局）",
            "一、任务\n（一）省级\n1. 教育\n（1）其中 3 个。（含 5 所）等 7 所。均从 1 提高到 2 元。（牵头单位：县甲局",
            "成立专班，由中a召集人，副组长：、。",
        ];
        for text in odd {
            let lines = lines(text);
            if let Ok(d) = draft(&lines, "odd.txt") {
                let toml = d.to_toml();
                // A draft from nonsense may not load, but it is TOML.
                toml.parse::<toml::Table>()
                    .unwrap_or_else(|e| panic!("{text:?}: {e}\n{toml}"));
                let _ = summary(&d, "odd.txt", None);
            }
        }
    }

    #[test]
    fn plan_names_and_years_from_titles() {
        let mut n = Vec::new();
        assert_eq!(
            plan_name(
                Some("关于印发《青溪区2025年民生实事工作方案》的通知"),
                &mut n
            ),
            ("青溪区民生实事".to_string(), "青溪区".to_string())
        );
        assert!(n.is_empty());
        assert_eq!(with_county("县民生专班", "平江县"), "平江县民生专班");
        assert_eq!(with_county("平江县民生专班", "平江县"), "平江县民生专班");
    }
}
