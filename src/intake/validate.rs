//! The rules a return must keep. Pure: the parsed return, the catalog and
//! what the ledger knows go in; findings and the values to record come out.
//! Every finding names its sheet and cell and says in plain Chinese what a
//! clerk should fix.

use super::read::{self, Col, ParsedReturn, Sender, cell_text};
use super::value;
use crate::config::PlanConfig;
use crate::model::{Contact, Finding, FindingCode, Percent, Reported, Severity, Value, a1, behind};
use crate::plan::Period;
use crate::plan::catalog::{Catalog, Indicator, Kind, MILESTONE_TARGET};
use crate::plan::words::Words;
use calamine::Data;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Who sent a return and for when, as far as it can be told.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Identity {
    /// A department of the catalog, when it could be told.
    pub(crate) department: Option<String>,
    /// The period the return names, when it reads as one (open or not).
    pub(crate) period: Option<Period>,
}

/// What validation needs besides the return itself.
pub(crate) struct Rules<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) plan: &'a PlanConfig,
    pub(crate) key: &'a [u8],
    pub(crate) today: NaiveDate,
}

/// Step 1: who and when, from `_meta` (signed) or, failing that, from the
/// 填报单位/报送期次 row and the file name.
pub(crate) fn identify(
    sender: &Sender,
    file_stem: &str,
    rules: &Rules,
    findings: &mut Vec<Finding>,
) -> Identity {
    // Where a finding goes: on the sheet the labels are on, when there is one.
    let place = |f: Finding, cell: Option<(u32, u32)>| match &sender.sheet {
        Some(sheet) => f.at(sheet, cell),
        None => f,
    };
    // Who issues the forms, in the plan's word (专班, 领导小组, 指挥部).
    let group = Words::of(rules.catalog).group;
    let stem_guess = stem_identity(file_stem);
    let (department, period_text) = match &sender.meta {
        Some(meta) => {
            if !crate::form::meta::verify(meta, rules.key) {
                findings.push(
                    Finding::error(
                        FindingCode::SignatureInvalid,
                        format!("表格的校验信息不符：这不是本{group}下发的表格，或隐藏的校验页被改动过。请使用{group}下发的最新填报表重新填报"),
                    )
                    .at(crate::form::meta::SHEET, None),
                );
            } else if meta.get("catalog").map(String::as_str) != Some(rules.catalog.id.as_str()) {
                findings.push(Finding::error(
                    FindingCode::NotAForm,
                    format!(
                        "这张表属于另一份任务目录（{}），不是本年度{}的填报表；请使用{group}本期下发的填报表填写",
                        meta.get("catalog").cloned().unwrap_or_default(),
                        rules.catalog.plan.name
                    ),
                ));
            }
            (meta.get("department").cloned(), meta.get("period").cloned())
        }
        None => {
            let dept = sender
                .unit
                .as_ref()
                .map(|l| l.text.clone())
                .filter(|t| !t.is_empty())
                .or(stem_guess.0.clone());
            let period = sender
                .period
                .as_ref()
                .map(|l| l.text.clone())
                .filter(|t| !t.is_empty())
                .or(stem_guess.1.clone());
            findings.push(Finding::warning(
                FindingCode::MetaMissing,
                format!("表格缺少{group}下发时附带的隐藏校验页（可能是把内容复制到了新表格），已按“填报单位”“报送期次”和文件名识别。今后请直接在下发的表格中填写"),
            ));
            (dept, period)
        }
    };
    let department = department.map(|d| d.trim().to_string());
    let mut id = Identity {
        department: None,
        period: None,
    };
    match department {
        Some(d) if rules.catalog.has_department(&d) => id.department = Some(d),
        other => {
            let cell = sender.unit.as_ref().map(|l| l.at);
            let named = other.filter(|d| !d.is_empty());
            findings.push(place(
                Finding::error(
                    FindingCode::UnknownDepartment,
                    match named {
                        Some(d) => format!(
                            "填报单位“{d}”不是本次调度的报送单位，请使用{group}下发给本单位的表格"
                        ),
                        None => format!("无法识别填报单位，请使用{group}下发给本单位的表格"),
                    },
                ),
                if sender.meta.is_none() { cell } else { None },
            ));
        }
    }
    let period_cell = if sender.meta.is_none() {
        sender.period.as_ref().map(|l| l.at)
    } else {
        None
    };
    match period_text.as_deref().map(str::parse::<Period>) {
        Some(Ok(period)) => {
            if let Some(f) = period_problem(period, rules) {
                findings.push(place(f, period_cell));
            }
            id.period = Some(period);
        }
        other => {
            let msg = match other {
                Some(Err(_)) => format!(
                    "报送期次“{}”无法识别，应为 {}-03 这样的年月，请改正",
                    period_text.unwrap_or_default(),
                    rules.catalog.plan.year
                ),
                _ => format!("无法识别报送期次，请使用{group}下发的本期表格"),
            };
            findings.push(place(
                Finding::error(FindingCode::UnknownPeriod, msg),
                period_cell,
            ));
        }
    }
    id
}

/// Who sent a file in which no table was found, and the one finding that
/// says so: known from a signed `_meta`, or the labels and the file name;
/// what cannot be told is not a finding of its own beside this one.
pub(crate) fn identify_without_table(
    sender: &Sender,
    file_stem: &str,
    rules: &Rules,
    findings: &mut Vec<Finding>,
) -> Identity {
    let words = Words::of(rules.catalog);
    let mut found = Vec::new();
    let id = identify(sender, file_stem, rules, &mut found);
    // A form of another plan's catalog is said to be so, once.
    if !found.iter().any(|f| f.code == FindingCode::NotAForm) {
        findings.push(Finding::error(
            FindingCode::NotAForm,
            format!(
                "文件中找不到填报表（含“指标编号”“累计完成”等列的表头）。请使用{}下发的本单位本期填报表填写，不要另建表格；如原表格已找不到，请向{}索取",
                words.group,
                words.office_with_seat()
            ),
        ));
    }
    findings.extend(found.into_iter().filter(|f| match f.code {
        FindingCode::MetaMissing => false,
        FindingCode::UnknownDepartment => id.department.is_some(),
        FindingCode::UnknownPeriod => id.period.is_some(),
        _ => true,
    }));
    id
}

/// `2024-03-县教育局` → (县教育局, 2024-03): the name `forms` gives a file.
fn stem_identity(stem: &str) -> (Option<String>, Option<String>) {
    let mut parts = stem.splitn(3, '-');
    let (y, m, rest) = (parts.next(), parts.next(), parts.next());
    match (y, m, rest) {
        (Some(y), Some(m), Some(rest)) if y.len() == 4 && m.len() == 2 => {
            let dept = rest
                .split(['-', '_', ' ', '(', '（'])
                .next()
                .unwrap_or(rest);
            (
                Some(dept.to_string()).filter(|d| !d.is_empty()),
                Some(format!("{y}-{m}")),
            )
        }
        _ => (None, None),
    }
}

/// Whether returns for `period` are taken now.
fn period_problem(period: Period, rules: &Rules) -> Option<Finding> {
    let year = rules.catalog.plan.year;
    let words = Words::of(rules.catalog);
    if period.year != year {
        return Some(Finding::error(
            FindingCode::UnknownPeriod,
            format!(
                "报送期次 {period} 不在 {year} 年度计划内，请使用{}下发的本期表格",
                words.group
            ),
        ));
    }
    if period.first_day() > rules.today {
        return Some(Finding::error(
            FindingCode::UnknownPeriod,
            format!("报送期次 {period} 尚未开始，请核对期次"),
        ));
    }
    if rules.plan.closed_through.is_some_and(|c| period <= c) {
        return Some(Finding::error(
            FindingCode::PeriodClosed,
            format!(
                "{} 的报送已截止并关账，不再接收；如需更正请联系{}",
                period.chinese(),
                words.office_name
            ),
        ));
    }
    let current = Period::of_date(rules.today);
    if rules.plan.max_late_periods > 0
        && period.months_until(current) > rules.plan.max_late_periods as i32
    {
        return Some(Finding::error(
            FindingCode::PeriodClosed,
            format!(
                "{} 的报送期已过（超过 {} 个月），不再接收；如需更正请联系{}",
                period.chinese(),
                rules.plan.max_late_periods,
                words.office_name
            ),
        ));
    }
    None
}

/// Step 2: the rows of a return from `department` for `period`, against the
/// catalog and against `previous` (latest accepted value of each indicator
/// in an earlier period).
pub(crate) fn check(
    p: &ParsedReturn,
    department: &str,
    period: Period,
    previous: &HashMap<String, (Period, Value)>,
    rules: &Rules,
    findings: &mut Vec<Finding>,
) -> (Vec<Reported>, Contact) {
    let sheet = p.sheet.name.as_str();
    let catalog = rules.catalog;
    if p.col(Col::Done).is_none() {
        findings.push(header_changed(p, Col::Done));
    }
    let mut seen = HashSet::new();
    let mut reported = Vec::new();
    for row in &p.rows {
        let code_cell = Some((row.row, p.col(Col::Code).unwrap_or(0)));
        let Some(ind) = catalog.indicator(&row.code) else {
            findings.push(
                Finding::error(
                    FindingCode::UnknownIndicator,
                    format!(
                        "指标编号 {} 不在任务目录中；请删除该行，或改回下发表格中的编号（请勿自行增加或修改指标编号）",
                        row.code
                    ),
                )
                .at(sheet, code_cell)
                .of(&row.code),
            );
            continue;
        };
        if ind.department != department {
            findings.push(
                Finding::error(
                    FindingCode::ForeignIndicator,
                    format!(
                        "指标 {} 由{}报送，不属于本单位，请删除该行",
                        row.code, ind.department
                    ),
                )
                .at(sheet, code_cell)
                .of(&row.code),
            );
            continue;
        }
        if !seen.insert(row.code.clone()) {
            findings.push(
                Finding::error(
                    FindingCode::DuplicateIndicator,
                    format!("指标 {} 重复填报，请只保留一行", row.code),
                )
                .at(sheet, code_cell)
                .of(&row.code),
            );
            continue;
        }
        if let Some(r) = check_row(
            p,
            row.row,
            ind,
            period,
            previous.get(&ind.code),
            rules,
            findings,
        ) {
            reported.push(r);
        }
    }
    for ind in catalog.indicators_of(department) {
        if !seen.contains(&ind.code) {
            findings.push(
                Finding::error(
                    FindingCode::MissingIndicator,
                    format!(
                        "缺少指标 {}（{}）这一行，请使用下发的表格完整填报",
                        ind.code, ind.name
                    ),
                )
                .at(sheet, None)
                .of(&ind.code),
            );
        }
    }
    (
        reported,
        check_contact(p, &Words::of(rules.catalog).group, findings),
    )
}

/// A column of the form the header row lacks, named at the cell where the
/// form had it, with what is there now.
fn header_changed(p: &ParsedReturn, col: Col) -> Finding {
    let sheet = p.sheet.name.as_str();
    let name = read::HEADERS
        .iter()
        .find(|(c, _)| *c == col)
        .map_or("", |(_, n)| *n);
    match p.expected_at(col) {
        Some(at) => {
            let now = match cell_text(p.sheet.value(at.0, at.1)) {
                t if t.is_empty() => "空白".to_string(),
                t => format!("“{}”", crate::text::truncate(&t, 24)),
            };
            Finding::error(
                FindingCode::HeaderChanged,
                format!(
                    "表头 {} 应为“{name}”，现为{now}；请把这个表头改回“{name}”，表头的文字请勿改动",
                    a1(at.0, at.1)
                ),
            )
            .naming(sheet, at)
        }
        None => Finding::error(
            FindingCode::HeaderChanged,
            format!("表头中找不到“{name}”这一列；请把这一列的表头改回“{name}”，表头的文字请勿改动"),
        )
        .at(sheet, None),
    }
}

fn check_row(
    p: &ParsedReturn,
    row: u32,
    ind: &Indicator,
    period: Period,
    previous: Option<&(Period, Value)>,
    rules: &Rules,
    findings: &mut Vec<Finding>,
) -> Option<Reported> {
    let sheet = p.sheet.name.as_str();
    let push = |findings: &mut Vec<Finding>, f: Finding, col: Option<u32>| {
        findings.push(f.at(sheet, col.map(|c| (row, c))).of(&ind.code));
    };
    if let Some((col, target)) = p.cell(row, Col::Target)
        && !target_matches(target, ind)
    {
        push(
            findings,
            Finding::error(
                FindingCode::TargetChanged,
                format!(
                    "年度目标被改为“{}”，应为 {}；请改回 {}，年度目标请勿修改",
                    cell_text(target),
                    ind.target_text(),
                    ind.target_text()
                ),
            ),
            Some(col),
        );
    }
    if let Some((col, unit)) = p.cell(row, Col::Unit) {
        let typed: String = crate::text::nfkc(&cell_text(unit))
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if typed != crate::text::nfkc(&ind.unit) {
            push(
                findings,
                Finding::error(
                    FindingCode::UnitChanged,
                    format!(
                        "单位被改为“{}”，应为“{}”；请改回“{}”，单位请勿修改",
                        cell_text(unit),
                        ind.unit,
                        ind.unit
                    ),
                ),
                Some(col),
            );
        }
    }
    let done_col = p.col(Col::Done)?;
    let cell = p.sheet.value(row, done_col);
    let formula = p.sheet.formula(row, done_col);
    let reading = match value::read(cell, formula, ind) {
        Ok(r) => r,
        Err(problem) => {
            push(findings, value_finding(problem, ind), Some(done_col));
            return None;
        }
    };
    if let Some(fraction) = reading.scaled_from {
        push(
            findings,
            Finding::warning(
                FindingCode::PercentScaled,
                format!(
                    "填写的是 {}，已按 {} 理解；百分比指标请直接填百分数，如 95",
                    crate::text::number(fraction),
                    reading.value.display(ind)
                ),
            ),
            Some(done_col),
        );
    }
    let value = reading.value;
    if let (Value::Number(v), Kind::Count) = (value, ind.kind)
        && v > ind.target * rules.plan.far_above_factor
    {
        push(
            findings,
            Finding::warning(
                FindingCode::FarAboveTarget,
                format!(
                    "累计完成 {} {} 远超年度目标 {} {}，请核对是否多填了位数或单位",
                    crate::text::number(v),
                    ind.unit,
                    ind.target_text(),
                    ind.unit
                ),
            ),
            Some(done_col),
        );
    }
    if let Some((prev_period, prev)) = previous
        && ind.kind.is_cumulative()
        && value.amount() + 1e-9 < prev.amount()
    {
        let f = format!(
            "累计完成 {} 小于 {} 已报的 {}；累计完成应为年初至今的累计数，请核对",
            value.display(ind),
            prev_period.chinese(),
            prev.display(ind)
        );
        let finding = match rules.plan.decrease {
            Severity::Error => Finding::error(FindingCode::Decreased, f),
            Severity::Warning => Finding::warning(FindingCode::Decreased, f),
        };
        push(findings, finding, Some(done_col));
    }
    // The rule that calls the indicator 滞后 in the bulletin.
    let progress = value.progress(ind);
    let time = period.time_progress();
    if progress < 1.0 && behind(progress, time).exceeds(rules.plan.tolerance) {
        for (col, what) in [(Col::Problems, "存在问题"), (Col::Measures, "下步措施")] {
            if p.text_at(row, col).is_empty() {
                push(
                    findings,
                    Finding::error(
                        FindingCode::ReasonMissing,
                        format!(
                            "完成率 {} 低于序时进度 {}，请在“{what}”中说明原因和措施",
                            Percent::of(progress),
                            Percent::of(time)
                        ),
                    ),
                    p.col(col),
                );
            }
        }
    }
    Some(Reported {
        code: ind.code.clone(),
        value,
        progress: p.text_at(row, Col::Progress),
        problems: p.text_at(row, Col::Problems),
        measures: p.text_at(row, Col::Measures),
    })
}

fn target_matches(cell: &Data, ind: &Indicator) -> bool {
    if ind.kind == Kind::Milestone {
        return crate::text::label(&cell_text(cell)) == MILESTONE_TARGET;
    }
    let typed = match cell {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) => value::parse_text(s, ind).map(|(v, _)| v),
        _ => None,
    };
    typed.is_some_and(|v| (v - ind.target).abs() <= 1e-9 * ind.target.abs().max(1.0))
}

fn value_finding(problem: value::Problem, ind: &Indicator) -> Finding {
    use value::Problem::*;
    match problem {
        Missing => Finding::error(
            FindingCode::ValueMissing,
            if ind.kind == Kind::Milestone {
                format!(
                    "“{}”的累计完成未填写；请点单元格右侧的箭头，从下拉列表中选择项目目前所处的阶段",
                    ind.name
                )
            } else {
                format!(
                    "“{}”的累计完成未填写；请填写年初至本期末的累计数，尚无进展的填 0",
                    ind.name
                )
            },
        ),
        FormulaNoValue => Finding::error(
            FindingCode::FormulaNoValue,
            "累计完成是公式，但文件中没有保存计算结果；请在 Excel 或 WPS 中打开、确认数字显示正确后保存再报送，或直接填写数字",
        ),
        NotANumber(typed) => Finding::error(
            FindingCode::NotANumber,
            format!("累计完成应为数字，现为“{typed}”"),
        ),
        WithWords {
            typed,
            number,
            estimate,
            note,
        } => {
            let n = crate::text::number(number);
            let advice = if note.is_empty() {
                let words: Vec<String> = estimate.iter().map(|w| format!("“{w}”")).collect();
                format!(
                    "请只填数字 {n}（按实际完成数填写，不加{}）；情况说明请写在“工作进展”栏",
                    words.join("")
                )
            } else {
                format!("请只填数字 {n}；“{note}”等说明请写在“工作进展”栏")
            };
            Finding::error(
                FindingCode::NotANumber,
                format!("累计完成应为数字，现为“{typed}”。{advice}"),
            )
        }
        Negative(v) => Finding::error(
            FindingCode::Negative,
            format!(
                "累计完成不能为负数，现为 {}；请填写年初至本期末的累计数（0 或正数）",
                crate::text::number(v)
            ),
        ),
        PercentOver100(v) => Finding::error(
            FindingCode::PercentOver100,
            format!(
                "百分比不能超过 100%，现为 {}%；请填写 0 到 100 之间的百分点数，如 95",
                crate::text::number(v)
            ),
        ),
        BadStage(typed) => Finding::error(
            FindingCode::BadStage,
            format!(
                "进度阶段应从下拉列表选择（未启动、前期工作、开工建设、主体完工、完成），现为“{typed}”；请点单元格右侧的箭头，从下拉列表中选择"
            ),
        ),
    }
}

fn check_contact(p: &ParsedReturn, group: &str, findings: &mut Vec<Finding>) -> Contact {
    let sheet = p.sheet.name.as_str();
    let get = |label: &str| p.footer.get(label);
    let mut contact = Contact::default();
    for (label, slot) in [
        ("填报人", &mut contact.filler),
        ("联系电话", &mut contact.phone),
    ] {
        match get(label) {
            Some(l) if !l.text().is_empty() => *slot = l.text(),
            found => findings.push(
                Finding::warning(
                    FindingCode::ContactMissing,
                    format!("请填写{label}，便于{group}核实数据时联系"),
                )
                .at(sheet, found.map(|l| l.at)),
            ),
        }
    }
    if let Some(bad) = bad_phone(&contact.phone) {
        let what = if bad == contact.phone {
            format!("联系电话“{bad}”")
        } else {
            format!("联系电话“{}”中的“{bad}”", contact.phone)
        };
        findings.push(
            Finding::warning(
                FindingCode::PhoneInvalid,
                format!("{what}不像是电话号码；请填写 11 位手机号或带区号的固定电话（如 0730-6221234），两个号码之间用“/”隔开"),
            )
            .at(sheet, get("联系电话").map(|l| l.at)),
        );
    }
    if let Some(l) = get("填报日期") {
        contact.date = match &l.value {
            Data::DateTime(t) => t
                .as_datetime()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
            other => cell_text(other),
        };
    }
    contact
}

/// The part of a 联系电话 that is no phone number, if any: the field may hold
/// one number or several, separated by `/`, `、`, `，`, `;` or spaces
/// (`13812345678/0730-6223456`), and each must be one.
fn bad_phone(s: &str) -> Option<String> {
    let t = crate::text::nfkc(s).trim().to_string();
    if t.is_empty() || is_phone(&t) {
        return None;
    }
    let parts: Vec<&str> = t
        .split(['/', '、', ',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return (!spaced_phones(&t)).then_some(t);
    }
    parts
        .into_iter()
        .find(|p| !is_phone(p) && !spaced_phones(p))
        .map(str::to_string)
}

/// Numbers separated by spaces only, where a number may hold spaces itself
/// (`138 0000 1111 0730 6221234`): whether the words group into numbers.
fn spaced_phones(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    // ends[i]: the first i words group into whole numbers.
    let mut ends = vec![false; words.len() + 1];
    ends[0] = true;
    for i in 0..words.len() {
        if !ends[i] {
            continue;
        }
        for j in i + 1..=words.len() {
            if is_phone(&words[i..j].join(" ")) {
                ends[j] = true;
            }
        }
    }
    words.len() > 1 && ends[words.len()]
}

/// A mobile (11 digits from 1), a landline with or without area code, with
/// an optional extension.
fn is_phone(s: &str) -> bool {
    let t = crate::text::nfkc(s);
    let main = t.split(['转', '#', 'x', 'X']).next().unwrap_or(&t);
    if main
        .chars()
        .any(|c| !(c.is_ascii_digit() || " -()+".contains(c)))
    {
        return false;
    }
    let digits: String = main.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits
        .strip_prefix("86")
        .filter(|_| main.trim_start().starts_with('+'))
        .unwrap_or(&digits);
    match digits.len() {
        11 if digits.starts_with('1') => true,
        7 | 8 => true,
        10..=12 if digits.starts_with('0') => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::workbook::{Book, Format, Sheet};
    use crate::model::a1;

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }
    const E: Data = Data::Empty;

    fn rules<'a>(c: &'a Catalog, plan: &'a PlanConfig) -> Rules<'a> {
        Rules {
            catalog: c,
            plan,
            key: b"k",
            today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
        }
    }

    /// A 县民政局 return for 2024-03 without `_meta`, values given per code.
    fn parsed(rows: &[(&str, Data, &str, &str)], footer: (&str, &str)) -> ParsedReturn {
        parsed_edited("县民政局", rows, footer, |_| {})
    }

    /// A return of `dept` for 2024-03 without `_meta`, its table (title,
    /// labels, header, rows, blank, footer) edited by `edit` before reading.
    fn parsed_edited(
        dept: &str,
        rows: &[(&str, Data, &str, &str)],
        footer: (&str, &str),
        edit: impl Fn(&mut Vec<Vec<Data>>),
    ) -> ParsedReturn {
        let c = crate::testutil::catalog();
        let header = crate::form::HEADERS.map(s).to_vec();
        let mut table: Vec<Vec<Data>> = vec![
            vec![s("调度表")],
            vec![s("填报单位"), s(dept), s("报送期次"), s("2024-03")],
            header,
        ];
        for (code, done, problems, measures) in rows {
            let ind = c.indicator(code);
            let target = ind
                .map(|i| {
                    if i.kind == Kind::Milestone {
                        s("完成")
                    } else {
                        Data::Float(i.target)
                    }
                })
                .unwrap_or(E);
            let unit = ind.map(|i| s(&i.unit)).unwrap_or(E);
            table.push(vec![
                E,
                s(code),
                E,
                E,
                unit,
                target,
                done.clone(),
                E,
                s("推进中"),
                s(problems),
                s(measures),
            ]);
        }
        table.push(vec![]);
        table.push(vec![s("填报人"), s(footer.0), s("联系电话"), s(footer.1)]);
        edit(&mut table);
        let refs: Vec<&[Data]> = table.iter().map(|r| r.as_slice()).collect();
        crate::intake::read::parse(&mut Book::from_sheets(
            Format::Xlsx,
            vec![Sheet::from_rows("填报表", &refs)],
        ))
        .unwrap()
    }

    fn all_mz(overrides: &[(&str, Data)]) -> Vec<(&'static str, Data, &'static str, &'static str)> {
        let c = crate::testutil::catalog();
        c.indicators_of("县民政局")
            .map(|i| {
                let code: &'static str = Box::leak(i.code.clone().into_boxed_str());
                let v = overrides
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Data::Float(i.target));
                (code, v, "", "")
            })
            .collect()
    }

    fn run(
        p: &ParsedReturn,
        previous: &HashMap<String, (Period, Value)>,
    ) -> (Vec<Finding>, Vec<Reported>) {
        let c = crate::testutil::catalog();
        let plan = PlanConfig::default();
        let r = rules(&c, &plan);
        let mut findings = Vec::new();
        let id = identify(&p.sender(), "x", &r, &mut findings);
        let (rep, _) = check(
            p,
            id.department.as_deref().unwrap(),
            id.period.unwrap(),
            previous,
            &r,
            &mut findings,
        );
        (findings, rep)
    }

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_clean_return_has_only_the_meta_warning() {
        let p = parsed(&all_mz(&[]), ("张三", "0730-6221234"));
        let (f, rep) = run(&p, &HashMap::new());
        assert_eq!(codes(&f), vec!["meta_missing"]);
        assert_eq!(
            rep.len(),
            crate::testutil::catalog().indicators_of("县民政局").count()
        );
    }

    #[test]
    fn bad_values_point_at_their_cells() {
        let p = parsed(
            &all_mz(&[("P12-1", s("已完成")), ("P13-1", Data::Float(-1.0))]),
            ("张三", "0730-6221234"),
        );
        let (f, _) = run(&p, &HashMap::new());
        let nan = f
            .iter()
            .find(|f| f.code == FindingCode::NotANumber)
            .unwrap();
        let row = p.rows.iter().find(|r| r.code == "P12-1").unwrap().row;
        assert_eq!(nan.cell.as_deref(), Some(a1(row, 6).as_str()));
        assert_eq!(
            nan.message,
            format!("{}：累计完成应为数字，现为“已完成”", a1(row, 6))
        );
        assert_eq!(nan.indicator.as_deref(), Some("P12-1"));
        assert_eq!(nan.sheet.as_deref(), Some("填报表"));
        assert!(codes(&f).contains(&"negative"));
    }

    #[test]
    fn lagging_without_reasons_is_an_error_on_each_empty_cell() {
        // 2024-03: time progress 24.9 %; 1 of 5 meal points is 20 %, within 5 points.
        let p = parsed(
            &all_mz(&[("P12-1", Data::Float(1.0)), ("P13-1", Data::Float(10.0))]),
            ("张三", "13800001111"),
        );
        let (f, _) = run(&p, &HashMap::new());
        let reasons: Vec<_> = f
            .iter()
            .filter(|f| f.code == FindingCode::ReasonMissing)
            .collect();
        assert_eq!(reasons.len(), 2, "{f:?}");
        assert!(
            reasons
                .iter()
                .all(|r| r.indicator.as_deref() == Some("P13-1"))
        );
        let row = p.rows.iter().find(|r| r.code == "P13-1").unwrap().row;
        assert_eq!(reasons[0].cell, Some(a1(row, 9)));
        assert_eq!(reasons[1].cell, Some(a1(row, 10)));
    }

    #[test]
    fn decrease_against_last_period() {
        let p = parsed(
            &all_mz(&[("P13-1", Data::Float(200.0))]),
            ("张三", "13800001111"),
        );
        let prev = HashMap::from([(
            "P13-1".to_string(),
            (Period::new(2024, 2).unwrap(), Value::Number(250.0)),
        )]);
        let (f, _) = run(&p, &prev);
        let d = f.iter().find(|f| f.code == FindingCode::Decreased).unwrap();
        assert!(d.is_error());
        assert!(d.message.contains("2024年2月"), "{}", d.message);
    }

    #[test]
    fn structure_findings() {
        let mut rows = all_mz(&[]);
        let first = rows[0].clone();
        rows.push(first); // duplicate
        rows.push(("P99-1", Data::Float(1.0), "", "")); // unknown
        rows.push(("P01-1", Data::Float(1.0), "", "")); // another department's
        rows.remove(1); // missing
        let p = parsed(&rows, ("", "abc"));
        let (f, _) = run(&p, &HashMap::new());
        for code in [
            "duplicate_indicator",
            "unknown_indicator",
            "foreign_indicator",
            "missing_indicator",
            "contact_missing",
            "phone_invalid",
        ] {
            assert!(codes(&f).contains(&code), "{code} not in {:?}", codes(&f));
        }
        let missing = f
            .iter()
            .find(|f| f.code == FindingCode::MissingIndicator)
            .unwrap();
        assert!(missing.cell.is_none() && missing.sheet.is_some());
    }

    #[test]
    fn periods() {
        let c = crate::testutil::catalog();
        let mut plan = PlanConfig::default();
        let r = rules(&c, &plan);
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(
            period_problem(p("2023-12"), &r).unwrap().code.as_str(),
            "unknown_period"
        );
        assert_eq!(
            period_problem(p("2024-05"), &r).unwrap().code.as_str(),
            "unknown_period"
        );
        assert!(
            period_problem(p("2024-04"), &r).is_none(),
            "the current month has begun"
        );
        assert!(
            period_problem(p("2024-01"), &r).is_none(),
            "late returns are taken while open"
        );
        plan.closed_through = Some(p("2024-02"));
        let r = rules(&c, &plan);
        assert_eq!(
            period_problem(p("2024-02"), &r).unwrap().code.as_str(),
            "period_closed"
        );
        assert!(period_problem(p("2024-03"), &r).is_none());
    }

    #[test]
    fn phones() {
        for ok in [
            "13800001111",
            "0730-6221234",
            "(0730)6221234",
            "6221234",
            "+86 138 0000 1111",
            "0730-6221234转801",
        ] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["abc", "123", "1380000111", "电话"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn two_phone_numbers_are_each_checked() {
        for ok in [
            "13812345678/0730-6223456",
            "13812345678、0730-6223456",
            "13812345678，0730-6223456",
            "13812345678 0730-6223456",
            "138 1234 5678 0730 6223456",
            "0730-6223456 / 13812345678",
        ] {
            assert_eq!(bad_phone(ok), None, "{ok}");
        }
        assert_eq!(bad_phone("13812345678/12345"), Some("12345".into()));
        assert_eq!(
            bad_phone("13812345678 12345"),
            Some("13812345678 12345".into())
        );
        assert_eq!(bad_phone("找办公室"), Some("找办公室".into()));
        assert_eq!(bad_phone(""), None);
    }

    #[test]
    fn file_stem_identity() {
        assert_eq!(
            stem_identity("2024-03-县教育局"),
            (Some("县教育局".into()), Some("2024-03".into()))
        );
        assert_eq!(
            stem_identity("2024-03-县教育局(1)"),
            (Some("县教育局".into()), Some("2024-03".into()))
        );
        assert_eq!(stem_identity("报表"), (None, None));
    }
}

/// Every finding code's message tells the clerk what to do: one test per code.
#[cfg(test)]
mod advice;
