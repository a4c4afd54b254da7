//! The task catalog of one plan: tasks, their indicators and who reports
//! each. Loading is split like ripgrep's config reader: `Catalog::parse`
//! is pure (text in, catalog or every problem with its line out), and
//! `Catalog::load` only adds the file read.
//!
//! A catalog drafted from a plan carries `待核对` comments where the draft
//! guessed. They do not stop it loading (the office reviews it with
//! `minsheng catalog`), but they are recorded with their lines, so the
//! commands that send its figures out can refuse an unreviewed catalog.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// The five stages of a milestone indicator, in order; stage `i` means
/// `i * 25` percent done.
pub const STAGES: [&str; 5] = ["未启动", "前期工作", "开工建设", "主体完工", "完成"];
/// 单位 and 年度目标 of a milestone row.
pub(crate) const MILESTONE_UNIT: &str = "阶段";
pub(crate) const MILESTONE_TARGET: &str = "完成";
const PERCENT_UNIT: &str = "%";

/// The word that marks a guess nobody has checked yet, at the start of a
/// comment (`# 待核对：…`). Deleting the comment is the review.
pub(crate) const REVIEW_MARK: &str = "待核对";

/// One `待核对` comment left in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewMark {
    pub line: usize,
    /// The comment after the mark (`原文“1.5万人”，已换算为 15000 人`).
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Level {
    #[serde(rename = "省级")]
    Province,
    #[serde(rename = "市级")]
    City,
    #[serde(rename = "县级")]
    County,
}

impl Level {
    pub(crate) const ALL: [Level; 3] = [Level::Province, Level::City, Level::County];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
        }
    }

    fn code_prefix(self) -> char {
        match self {
            Level::Province => 'P',
            Level::City => 'M',
            Level::County => 'C',
        }
    }

    /// A level as a plan names it. The issuer's own level is 县级 for a
    /// county, 区级 for a district, 旗级 for a banner; `own` is the name the
    /// catalog gives it (`[plan] level`), so that a county-level city's 市级
    /// is its own level and not the prefecture's.
    fn parse(s: &str, own: &str) -> Option<Level> {
        if !own.is_empty() && s == own {
            return Some(Level::County);
        }
        match s {
            "区级" | "旗级" => Some(Level::County),
            _ => Level::ALL.into_iter().find(|l| l.name() == s),
        }
    }
}

/// The names a plan gives the issuer's own level.
const OWN_LEVELS: [&str; 4] = ["县级", "区级", "市级", "旗级"];

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Cumulative amount toward the target.
    Count,
    /// A rate in percentage points that must reach the target.
    Percent,
    /// A benefit standard that must be raised to at least the target.
    Standard,
    /// A project stage, one of [`STAGES`].
    Milestone,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "count" => Some(Kind::Count),
            "percent" => Some(Kind::Percent),
            "standard" => Some(Kind::Standard),
            "milestone" => Some(Kind::Milestone),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Count => "count",
            Kind::Percent => "percent",
            Kind::Standard => "standard",
            Kind::Milestone => "milestone",
        }
    }

    /// Whether the value is a running total that should never go down.
    pub(crate) fn is_cumulative(self) -> bool {
        !matches!(self, Kind::Percent)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub(crate) task: String,
    pub name: String,
    /// In the indicator's unit; a milestone's target is 100 (percent of its stages).
    pub target: f64,
    pub unit: String,
    pub kind: Kind,
    pub department: String,
    /// A standard's value before the plan (e.g. 650 元/月).
    pub baseline: Option<f64>,
}

impl Indicator {
    /// The target as a form and a report show it.
    pub(crate) fn target_text(&self) -> String {
        match self.kind {
            Kind::Milestone => MILESTONE_TARGET.to_string(),
            _ => crate::text::number(self.target),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub code: String,
    pub level: Level,
    pub category: String,
    pub title: String,
    pub leads: Vec<String>,
    pub(crate) text: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub name: String,
    pub county: String,
    pub year: i32,
    #[serde(default = "default_timezone")]
    pub(crate) timezone: String,
    #[serde(default)]
    pub source: String,
    /// Who signs bulletins and forms (工作专班).
    pub issuer: String,
    /// What the plan calls the issuer's own level: 县级, 区级 for a
    /// district, 市级 for a county-level city. Empty: as the tasks say it.
    #[serde(default)]
    pub(crate) level: String,
}

fn default_timezone() -> String {
    "Asia/Shanghai".into()
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WorkingGroup {
    #[serde(default)]
    pub convener: String,
    #[serde(default)]
    pub deputy_conveners: Vec<String>,
    #[serde(default)]
    pub members: Vec<String>,
    /// The unit the office sits in (县人社局).
    #[serde(default)]
    pub office: String,
    /// What the plan calls its office (专班办公室, 领导小组办公室,
    /// 指挥部办公室); when empty, named after the issuer's group.
    #[serde(default)]
    pub(crate) office_name: String,
    /// The unit that follows up lagging items with the office (县政府督查室),
    /// named in the bulletin only when set.
    #[serde(default)]
    pub supervisor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// A short identifier of the catalog (its file stem), written into forms.
    pub(crate) id: String,
    pub(crate) version: String,
    pub plan: Plan,
    pub tz: chrono_tz::Tz,
    pub working_group: WorkingGroup,
    /// Reporting departments, in the order forms and reports list them.
    pub departments: Vec<String>,
    pub tasks: Vec<Task>,
    /// The issuer's own level as the plan names it (县级, 区级, 市级).
    pub(crate) own_level: String,
    /// `待核对` comments still in the file, in line order; empty once reviewed.
    pub review: Vec<ReviewMark>,
    by_code: HashMap<String, (usize, usize)>,
}

/// One problem in a catalog file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) line: usize,
    pub(crate) message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    pub(crate) file: String,
    pub(crate) problems: Vec<Problem>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "任务目录 {} 有 {} 处错误：",
            self.file,
            self.problems.len()
        )?;
        for p in &self.problems {
            write!(f, "\n  {} 第 {} 行：{}", self.file, p.line, p.message)?;
        }
        Ok(())
    }
}

// The file as written, with spans kept for the checks that follow.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default = "one")]
    schema: u32,
    version: String,
    plan: Plan,
    #[serde(default)]
    working_group: WorkingGroup,
    #[serde(default)]
    departments: Vec<RawDepartment>,
    #[serde(default)]
    tasks: Vec<Spanned<RawTask>>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartment {
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    code: Spanned<String>,
    level: Spanned<String>,
    #[serde(default)]
    category: String,
    title: String,
    leads: Spanned<Vec<String>>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    indicators: Vec<Spanned<RawIndicator>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: Spanned<String>,
    name: String,
    target: Option<Spanned<toml::Value>>,
    unit: Spanned<String>,
    kind: Spanned<String>,
    department: Spanned<String>,
    baseline: Option<Spanned<toml::Value>>,
}

fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Catalog {
    /// Read and check a catalog file.
    pub fn load(path: &Path) -> anyhow::Result<Catalog> {
        use anyhow::Context;
        let src = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取任务目录 {}", path.display()))?;
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Catalog::parse(&src, &id, &path.display().to_string())?)
    }

    /// Parse and check catalog text. `file` only names the source in errors.
    pub fn parse(src: &str, id: &str, file: &str) -> Result<Catalog, CatalogError> {
        let fail = |problems| CatalogError {
            file: file.to_string(),
            problems,
        };
        let raw: RawCatalog = toml::from_str(src).map_err(|e| {
            let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
            fail(vec![Problem {
                line,
                message: translate_toml_error(e.message()),
            }])
        })?;
        let mut problems = Vec::new();
        let mut at = |span: std::ops::Range<usize>, message: String| {
            problems.push(Problem {
                line: line_of(src, span.start),
                message,
            })
        };

        if raw.schema != 1 {
            at(
                0..0,
                format!("不支持的目录格式版本 schema = {}（应为 1）", raw.schema),
            );
        }
        let tz: chrono_tz::Tz = raw.plan.timezone.parse().unwrap_or_else(|_| {
            at(0..0, format!("未知的时区“{}”", raw.plan.timezone));
            chrono_tz::Asia::Shanghai
        });

        let mut departments = Vec::new();
        let mut seen_departments = HashSet::new();
        for d in &raw.departments {
            let name = d.name.get_ref().trim().to_string();
            if name.is_empty() {
                at(d.name.span(), "单位名称为空".into());
            } else if name
                .chars()
                .any(|c| c.is_control() || "/\\:*?\"<>|".contains(c))
            {
                // Department names become file names of forms and receipts.
                at(
                    d.name.span(),
                    format!("单位名称“{name}”含有不能用于文件名的字符"),
                );
            } else if !seen_departments.insert(name.clone()) {
                at(d.name.span(), format!("单位“{name}”重复列出"));
            } else {
                departments.push(name);
            }
        }

        let mut tasks = Vec::new();
        let mut by_code = HashMap::new();
        let mut task_lines: HashMap<String, usize> = HashMap::new();
        let mut indicator_lines: HashMap<String, usize> = HashMap::new();
        let mut reporting = HashSet::new();
        let own_level = raw.plan.level.trim();
        if !own_level.is_empty() && !OWN_LEVELS.contains(&own_level) {
            at(
                0..0,
                format!(
                    "[plan] level“{own_level}”未知，应为 县级、区级、市级 或 旗级（本级的名称）"
                ),
            );
        }
        let mut written_own: Option<String> = None;
        for raw_task in &raw.tasks {
            let t = raw_task.get_ref();
            let code = t.code.get_ref().trim().to_string();
            let written = t.level.get_ref().trim();
            let level = Level::parse(written, own_level);
            if level == Some(Level::County) && own_level.is_empty() && written_own.is_none() {
                written_own = Some(written.to_string());
            }
            match level {
                None => at(
                    t.level.span(),
                    format!(
                        "任务 {code} 的级别“{}”未知，应为 省级、市级 或 县级（区的方案可写 区级）",
                        t.level.get_ref()
                    ),
                ),
                Some(l) if !valid_task_code(&code, l) => at(
                    t.code.span(),
                    format!(
                        "任务编号“{code}”不符合{}任务的格式（应为 {}01 这样的编号）",
                        l,
                        l.code_prefix()
                    ),
                ),
                _ => {}
            }
            if let Some(first) = task_lines.insert(code.clone(), line_of(src, t.code.span().start))
            {
                at(
                    t.code.span(),
                    format!("任务编号 {code} 重复（第 {first} 行已有）"),
                );
            }
            if t.leads.get_ref().is_empty() {
                at(t.leads.span(), format!("任务 {code} 没有牵头单位"));
            }
            for lead in t.leads.get_ref() {
                if !seen_departments.contains(lead.trim()) {
                    at(
                        t.leads.span(),
                        format!("任务 {code} 的牵头单位“{lead}”不在单位名单 [[departments]] 中"),
                    );
                }
            }
            if t.indicators.is_empty() {
                at(raw_task.span(), format!("任务 {code} 没有任何指标"));
            }
            let mut indicators = Vec::new();
            for raw_ind in &t.indicators {
                let i = raw_ind.get_ref();
                let icode = i.code.get_ref().trim().to_string();
                reporting.insert(i.department.get_ref().trim().to_string());
                if !icode.starts_with(&format!("{code}-"))
                    || icode[code.len() + 1..].parse::<u32>().is_err()
                {
                    at(
                        i.code.span(),
                        format!("指标编号“{icode}”应为任务编号加序号，如 {code}-1"),
                    );
                }
                if let Some(first) =
                    indicator_lines.insert(icode.clone(), line_of(src, i.code.span().start))
                {
                    at(
                        i.code.span(),
                        format!("指标编号 {icode} 重复（第 {first} 行已有）"),
                    );
                }
                let Some(kind) = Kind::parse(i.kind.get_ref().trim()) else {
                    at(
                        i.kind.span(),
                        format!(
                            "指标 {icode} 的类型“{}”未知，应为 count、percent、standard 或 milestone",
                            i.kind.get_ref()
                        ),
                    );
                    continue;
                };
                let unit = i.unit.get_ref().trim().to_string();
                let target = match (kind, &i.target) {
                    (Kind::Milestone, None) => 100.0,
                    (Kind::Milestone, Some(v)) => {
                        if v.get_ref().as_str() != Some(MILESTONE_TARGET) {
                            at(
                                v.span(),
                                format!(
                                    "指标 {icode} 是阶段性指标，年度目标应为“{MILESTONE_TARGET}”"
                                ),
                            );
                        }
                        100.0
                    }
                    (_, None) => {
                        at(raw_ind.span(), format!("指标 {icode} 缺少年度目标 target"));
                        continue;
                    }
                    (_, Some(v)) => match number(v.get_ref()) {
                        Some(n) if n > 0.0 && n.is_finite() => n,
                        Some(n) => {
                            at(v.span(), format!("指标 {icode} 的年度目标 {n} 应为正数"));
                            continue;
                        }
                        None => {
                            at(v.span(), format!("指标 {icode} 的年度目标应为数字"));
                            continue;
                        }
                    },
                };
                match kind {
                    Kind::Milestone if unit != MILESTONE_UNIT => at(
                        i.unit.span(),
                        format!("指标 {icode} 是阶段性指标，单位应为“{MILESTONE_UNIT}”"),
                    ),
                    Kind::Percent if unit != PERCENT_UNIT => at(
                        i.unit.span(),
                        format!("指标 {icode} 是百分比指标，单位应为“%”"),
                    ),
                    Kind::Percent if target > 100.0 => at(
                        raw_ind.span(),
                        format!("指标 {icode} 是百分比指标，目标不能超过 100"),
                    ),
                    _ if unit.is_empty() => at(i.unit.span(), format!("指标 {icode} 缺少单位")),
                    _ => {}
                }
                let baseline = match &i.baseline {
                    None => None,
                    Some(b) if kind != Kind::Standard => {
                        at(
                            b.span(),
                            format!("只有标准类指标（standard）才有 baseline，{icode} 不是"),
                        );
                        None
                    }
                    Some(b) => match number(b.get_ref()) {
                        Some(n) if n >= 0.0 && n < target => Some(n),
                        _ => {
                            at(
                                b.span(),
                                format!("指标 {icode} 的原标准 baseline 应为小于目标的非负数"),
                            );
                            None
                        }
                    },
                };
                let department = i.department.get_ref().trim().to_string();
                if !t.leads.get_ref().iter().any(|l| l.trim() == department) {
                    at(
                        i.department.span(),
                        format!("指标 {icode} 的报送单位“{department}”不是任务 {code} 的牵头单位"),
                    );
                }
                indicators.push(Indicator {
                    code: icode,
                    task: code.clone(),
                    name: i.name.trim().to_string(),
                    target,
                    unit,
                    kind,
                    department,
                    baseline,
                });
            }
            if let Some(level) = level {
                for (n, ind) in indicators.iter().enumerate() {
                    by_code.insert(ind.code.clone(), (tasks.len(), n));
                }
                tasks.push(Task {
                    code,
                    level,
                    category: t.category.trim().to_string(),
                    title: t.title.trim().to_string(),
                    leads: t
                        .leads
                        .get_ref()
                        .iter()
                        .map(|l| l.trim().to_string())
                        .collect(),
                    text: t.text.trim().to_string(),
                    indicators,
                });
            }
        }
        for d in &raw.departments {
            let name = d.name.get_ref().trim();
            if !name.is_empty() && !reporting.contains(name) {
                at(d.name.span(), format!("单位“{name}”没有任何需要报送的指标"));
            }
        }
        if tasks.is_empty() && problems.is_empty() {
            problems.push(Problem {
                line: 1,
                message: "目录中没有任何任务 [[tasks]]".into(),
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(fail(problems));
        }
        let own_level = match own_level {
            "" => written_own.unwrap_or_else(|| Level::County.name().to_string()),
            named => named.to_string(),
        };
        Ok(Catalog {
            id: id.to_string(),
            own_level,
            version: raw.version,
            plan: raw.plan,
            tz,
            working_group: raw.working_group,
            departments,
            tasks,
            review: review_marks(src),
            by_code,
        })
    }

    /// A level by the name the plan gives it: the issuer's own level is
    /// 区级 in a district's plan.
    pub fn level_name(&self, level: Level) -> &str {
        match level {
            Level::County => &self.own_level,
            other => other.name(),
        }
    }

    /// Whether nobody has yet removed the draft's `待核对` marks.
    pub fn is_draft(&self) -> bool {
        !self.review.is_empty()
    }

    /// Refuse to send this catalog's figures out while it holds marks.
    pub fn check_reviewed(&self) -> Result<(), Unreviewed> {
        if self.review.is_empty() {
            Ok(())
        } else {
            Err(Unreviewed {
                marks: self.review.len(),
                lines: self.review.iter().map(|m| m.line).collect(),
            })
        }
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.by_code
            .get(code)
            .map(|&(t, i)| &self.tasks[t].indicators[i])
    }

    pub(crate) fn task_of(&self, indicator: &Indicator) -> &Task {
        &self.tasks[self.by_code[&indicator.code].0]
    }

    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.tasks.iter().flat_map(|t| &t.indicators)
    }

    pub fn indicators_of<'a>(
        &'a self,
        department: &'a str,
    ) -> impl Iterator<Item = &'a Indicator> + 'a {
        self.indicators()
            .filter(move |i| i.department == department)
    }

    pub(crate) fn has_department(&self, name: &str) -> bool {
        self.departments.iter().any(|d| d == name)
    }

    /// The `catalog --json` document of DESIGN.md.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let tasks: Vec<_> = self
            .tasks
            .iter()
            .map(|t| {
                let indicators: Vec<_> = t
                    .indicators
                    .iter()
                    .map(|i| {
                        json!({
                            "code": i.code,
                            "name": i.name,
                            "target": target_json(i),
                            "unit": i.unit,
                            "kind": i.kind,
                            "department": i.department,
                            "baseline": i.baseline.map(crate::text::json_number),
                        })
                    })
                    .collect();
                json!({
                    "code": t.code,
                    "level": self.level_name(t.level),
                    "category": t.category,
                    "title": t.title,
                    "leads": t.leads,
                    "indicators": indicators,
                })
            })
            .collect();
        json!({
            "plan": {
                "name": self.plan.name,
                "county": self.plan.county,
                "year": self.plan.year,
                "timezone": self.plan.timezone,
                "version": self.version,
            },
            "departments": self.departments,
            "tasks": tasks,
            "review_marks": self
                .review
                .iter()
                .map(|m| json!({ "line": m.line, "text": m.text }))
                .collect::<Vec<_>>(),
        })
    }
}

/// A catalog whose `待核对` marks are still in it: the figures of forms and
/// bulletins would be the draft's guesses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Unreviewed {
    pub(crate) marks: usize,
    /// Every mark's line, in order.
    pub(crate) lines: Vec<usize>,
}

impl Unreviewed {
    /// How many lines a message names before `等`.
    const SHOWN: usize = 5;

    /// The first lines, the ones a message names.
    pub(crate) fn shown_lines(&self) -> &[usize] {
        &self.lines[..self.lines.len().min(Self::SHOWN)]
    }

    /// `第 12、30、45 行` (and `等` when there are more).
    fn lines_text(&self) -> String {
        let shown: Vec<String> = self.shown_lines().iter().map(usize::to_string).collect();
        let more = if self.lines.len() > Self::SHOWN {
            "等"
        } else {
            ""
        };
        format!("第 {} 行{more}", shown.join("、"))
    }
}

impl fmt::Display for Unreviewed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "还有 {} 处“{REVIEW_MARK}”标记没有核对（{}）",
            self.marks,
            self.lines_text()
        )
    }
}

/// Every comment that begins with the mark, whole-line or after a value.
/// Only a comment's start counts, so a header that talks about the marks
/// (`# - “待核对”标出…`) is not one.
fn review_marks(src: &str) -> Vec<ReviewMark> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        for (at, _) in line.match_indices('#') {
            let rest = line[at + 1..].trim_start_matches(|c: char| c.is_whitespace() || c == '#');
            if let Some(text) = rest.strip_prefix(REVIEW_MARK) {
                out.push(ReviewMark {
                    line: n + 1,
                    text: text
                        .trim_start_matches(['：', ':', ' ', '\u{3000}'])
                        .trim_end()
                        .to_string(),
                });
                break;
            }
        }
    }
    out
}

/// A number for numeric kinds, the stage name 完成 for a milestone.
pub(crate) fn target_json(i: &Indicator) -> serde_json::Value {
    match i.kind {
        Kind::Milestone => MILESTONE_TARGET.into(),
        _ => crate::text::json_number(i.target),
    }
}

fn valid_task_code(code: &str, level: Level) -> bool {
    let mut chars = code.chars();
    chars.next() == Some(level.code_prefix())
        && chars.as_str().len() == 2
        && chars.as_str().bytes().all(|b| b.is_ascii_digit())
}

/// serde's messages are English; the office reads Chinese. The key names
/// stay as they are, since they are what the person has to find in the file.
pub(crate) fn translate_toml_error(message: &str) -> String {
    let m = message.trim();
    if let Some(rest) = m.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest).trim_matches('`');
        return format!("未知的配置项“{field}”");
    }
    if let Some(rest) = m.strip_prefix("missing field ") {
        return format!("缺少必填项“{}”", rest.trim_matches('`'));
    }
    if m.starts_with("invalid type") {
        return format!("取值类型不对（{m}）");
    }
    if m.starts_with("duplicate key") {
        return format!("重复的配置项（{m}）");
    }
    format!("格式错误：{m}")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::TWO_DEPARTMENTS as GOOD;

    fn problems(src: &str) -> Vec<Problem> {
        Catalog::parse(src, "t", "t.toml")
            .expect_err("should fail")
            .problems
    }

    fn line_with(src: &str, needle: &str) -> usize {
        src.lines()
            .position(|l| l.contains(needle))
            .expect("needle in source")
            + 1
    }

    #[test]
    fn a_good_catalog_loads() {
        let c = Catalog::parse(GOOD, "t", "t.toml").unwrap();
        assert_eq!(c.tasks.len(), 2);
        assert_eq!(c.indicator("M01-1").unwrap().baseline, Some(650.0));
        assert_eq!(c.indicator("M01-2").unwrap().kind, Kind::Milestone);
        assert_eq!(c.indicators_of("县民政局").count(), 2);
        assert_eq!(c.task_of(c.indicator("M01-2").unwrap()).code, "M01");
    }

    #[test]
    fn duplicate_indicator_code_names_its_line() {
        let src = GOOD.replace("code = \"M01-2\"", "code = \"M01-1\"");
        let p = problems(&src);
        let dup_line = src
            .match_indices("code = \"M01-1\"")
            .nth(1)
            .map(|(o, _)| line_of(&src, o))
            .unwrap();
        assert!(
            p.iter()
                .any(|p| p.line == dup_line && p.message.contains("M01-1 重复")),
            "{p:?}"
        );
    }

    #[test]
    fn missing_or_nonpositive_target_is_reported() {
        let src = GOOD.replace("target = 2\n", "");
        let p = problems(&src);
        assert!(
            p.iter().any(|p| p.message.contains("P01-1 缺少年度目标")),
            "{p:?}"
        );
        let src = GOOD.replace("target = 2\n", "target = -3\n");
        let p = problems(&src);
        let line = line_with(&src, "target = -3");
        assert!(
            p.iter()
                .any(|p| p.line == line && p.message.contains("正数")),
            "{p:?}"
        );
    }

    #[test]
    fn unknown_kind_names_the_kind_and_line() {
        let src = GOOD.replace("kind = \"count\"", "kind = \"amount\"");
        let p = problems(&src);
        let line = line_with(&src, "kind = \"amount\"");
        assert!(
            p.iter()
                .any(|p| p.line == line && p.message.contains("amount")),
            "{p:?}"
        );
    }

    #[test]
    fn department_must_lead_the_task() {
        let src = GOOD.replace("department = \"县教育局\"", "department = \"县民政局\"");
        let p = problems(&src);
        let line = line_with(&src, "department = \"县民政局\"");
        assert!(
            p.iter()
                .any(|p| p.line == line && p.message.contains("不是任务 P01 的牵头单位")),
            "{p:?}"
        );
    }

    #[test]
    fn unknown_lead_unit_and_unknown_key_are_reported() {
        let src = GOOD.replace(
            "leads = [\"县教育局\"]",
            "leads = [\"县教育局\", \"县财政局\"]",
        );
        let p = problems(&src);
        assert!(
            p.iter()
                .any(|p| p.message.contains("县财政局") && p.message.contains("不在单位名单")),
            "{p:?}"
        );
        let src = GOOD.replace("unit = \"所\"", "unit = \"所\"\ntargte = 3");
        let p = problems(&src);
        assert_eq!(p[0].line, line_with(&src, "targte"));
        assert!(p[0].message.contains("targte"), "{p:?}");
    }

    #[test]
    fn syntax_error_names_a_line() {
        let src = GOOD.replace("title = \"建学校\"", "title = \"建学校");
        let p = problems(&src);
        assert_eq!(p[0].line, line_with(&src, "title = \"建学校"));
    }

    #[test]
    fn review_marks_are_recorded_with_their_lines_and_do_not_stop_loading() {
        let src = GOOD
            .replacen(
                "[[tasks]]",
                "# 待核对：原文“1.5万人”，已换算为 15000 人\n[[tasks]]",
                1,
            )
            .replacen(
                "unit = \"所\"",
                "unit = \"所\"  #待核对: 单位请核对\n#   - “待核对”标出程序猜测的地方",
                1,
            );
        let c = Catalog::parse(&src, "t", "t.toml").unwrap();
        let lines: Vec<usize> = c.review.iter().map(|m| m.line).collect();
        assert_eq!(
            lines,
            [line_with(&src, "已换算为"), line_with(&src, "单位请核对")]
        );
        assert_eq!(c.review[0].text, "原文“1.5万人”，已换算为 15000 人");
        assert_eq!(c.review[1].text, "单位请核对");
        assert!(c.is_draft());
        let e = c.check_reviewed().unwrap_err();
        assert_eq!(e.marks, 2);
        assert!(e.to_string().contains("2 处“待核对”"), "{e}");
        assert!(
            e.to_string()
                .contains(&format!("第 {}、{} 行", lines[0], lines[1])),
            "{e}"
        );
        assert_eq!(c.to_json()["review_marks"][1]["line"], lines[1]);

        let reviewed = Catalog::parse(GOOD, "t", "t.toml").unwrap();
        assert!(reviewed.review.is_empty() && reviewed.check_reviewed().is_ok());
    }

    #[test]
    fn a_long_list_of_marks_names_the_first_lines() {
        let e = Unreviewed {
            marks: 7,
            lines: vec![3, 9, 12, 20, 31, 40, 52],
        };
        assert_eq!(e.lines_text(), "第 3、9、12、20、31 行等");
    }

    #[test]
    fn the_error_message_shows_file_and_line() {
        let src = GOOD.replace("level = \"市级\"", "level = \"乡级\"");
        let e = Catalog::parse(&src, "t", "seeds/t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("seeds/t.toml 第 {} 行", line_with(&src, "乡级"))),
            "{e}"
        );
        assert!(e.contains("乡级"), "{e}");
    }

    #[test]
    fn the_issuers_own_level_goes_by_the_plans_name() {
        use crate::testutil::SMALL;
        let c = Catalog::parse(SMALL, "t", "t.toml").unwrap();
        assert_eq!(c.level_name(Level::County), "县级");
        // A district's tasks say 区级; every output follows.
        let district = SMALL.replace("level = \"县级\"", "level = \"区级\"");
        let c = Catalog::parse(&district, "t", "t.toml").unwrap();
        assert_eq!(c.tasks[2].level, Level::County);
        assert_eq!(c.level_name(Level::County), "区级");
        assert_eq!(c.to_json()["tasks"][2]["level"], "区级");
        assert_eq!(c.level_name(Level::City), "市级");
        // A county-level city names its own level 市级 in [plan].
        let city = SMALL
            .replace(
                "issuer = \"测试专班\"",
                "issuer = \"测试专班\"\nlevel = \"市级\"",
            )
            .replace("level = \"县级\"", "level = \"市级\"")
            .replace(
                "level = \"市级\"\ntitle = \"提标与搬迁\"",
                "level = \"省级\"\ntitle = \"提标与搬迁\"",
            )
            .replace("code = \"M01", "code = \"P02");
        let c = Catalog::parse(&city, "t", "t.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.tasks[2].level, Level::County);
        assert_eq!(c.level_name(Level::County), "市级");
        let odd = SMALL.replace(
            "issuer = \"测试专班\"",
            "issuer = \"测试专班\"\nlevel = \"乡级\"",
        );
        let e = Catalog::parse(&odd, "t", "t.toml").unwrap_err().to_string();
        assert!(e.contains("[plan] level“乡级”未知"), "{e}");
    }
}
