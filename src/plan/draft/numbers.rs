//! The numbers of one item's text with their units, before any is named:
//! the text split into sentences and clauses, every number that has a unit
//! (`7.3 万人次` → 73000 人次, `每人每月 760 元` → 760 元/人·月), a standard's
//! old value paired with its new one (`从 A 提高到 B`, `由 A 提高到 B`), and
//! the numbers that only describe another (`13 种致畸基因…筛查 4350 人次`).

/// A number as the plan wrote it (digits only, no grouping commas) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    pub(crate) text: String,
    pub(crate) value: f64,
}

impl Num {
    pub(super) fn parse(text: &str) -> Option<Num> {
        let text = normalise_number(text);
        // Beyond 15 digits a TOML integer (and an f64) no longer holds it
        // exactly; no plan target is that large.
        if text.split('.').next().is_some_and(|i| i.len() > 15) {
            return None;
        }
        let value: f64 = text.parse().ok()?;
        value.is_finite().then_some(Num { text, value })
    }

    /// `7.3` × 10⁴ → `73000`, on the digits, so no float rounding creeps in.
    fn scaled(&self, pow: usize) -> Option<Num> {
        let (int, frac) = self.text.split_once('.').unwrap_or((&self.text, ""));
        let mut digits = format!("{int}{frac}");
        if frac.len() < pow {
            digits.push_str(&"0".repeat(pow - frac.len()));
        }
        let point = int.len() + pow;
        let (i, f) = digits.split_at(point);
        Num::parse(&if f.is_empty() {
            i.to_string()
        } else {
            format!("{i}.{f}")
        })
    }
}

/// `007` → `7`, `0.70` → `0.7`, `2.0` → `2`: a TOML number has no leading
/// zeros, and trailing ones say nothing.
fn normalise_number(s: &str) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// Units a target is counted in. `万`/`亿` before them are read separately.
pub(super) const UNITS: &[&str] = &[
    "元/人·年",
    "元/人/年",
    "元/人·月",
    "元/人/月",
    "元/人",
    "元/月",
    "元/年",
    "元/亩",
    "元/次",
    "元/天",
    "元/平方米",
    "平方公里",
    "平方米",
    "立方米",
    "公里",
    "千米",
    "km",
    "㎞",
    "米",
    "m",
    "㎡",
    "公顷",
    "亩",
    "方",
    "吨",
    "千瓦",
    "兆瓦",
    "千伏安",
    "公斤",
    "千克",
    "kg",
    "人次",
    "户次",
    "场次",
    "车次",
    "班次",
    "批次",
    "个百分点",
    "人",
    "名",
    "位",
    "户",
    "家",
    "个",
    "场",
    "所",
    "件",
    "项",
    "座",
    "套",
    "台",
    "辆",
    "张",
    "床",
    "间",
    "栋",
    "幢",
    "条",
    "处",
    "批",
    "期",
    "支",
    "队",
    "类",
    "种",
    "次",
    "元",
    "份",
    "册",
    "本",
    "块",
    "盏",
    "根",
    "口",
    "眼",
    "宗",
    "部",
    "门",
    "棵",
    "株",
    "段",
    "节",
    "课时",
    "学时",
    "篇",
    "款",
    "笔",
    "单",
    "村",
    "镇",
    "所次",
    "例",
    "台次",
    "对",
    "组",
    "只",
    "头",
    "羽",
    "艘",
    "架",
];

/// Units of time and age: numbers in them are dates, deadlines or age
/// bounds (`2024 年底`, `3 岁以下`), never targets.
pub(super) const TIME_UNITS: &[&str] = &[
    "年", "个月", "月", "日", "号", "周岁", "岁", "周", "季度", "天", "小时", "时", "分钟",
];

/// Units that count people: `万` before them is multiplied out (`7.3 万人次`
/// → 73000 人次), since departments report heads, not ten-thousands. Other
/// units keep `万` as written (`0.7 万亩`).
pub(super) const PEOPLE: &[&str] = &["人", "人次", "名", "位"];

/// Words joining two parallel targets (`1 个县级和 27 个乡镇级`).
pub(super) const COORDINATORS: &[char] = &['、', '和', '及', '与', '并', '或'];

/// The text of an item as two parallel char arrays: as written (for names
/// and quotes) and folded to ASCII where the plan uses full-width forms (for
/// matching), plus the bracket depth of every char.
pub(super) struct Doc {
    pub(super) orig: Vec<char>,
    pub(super) f: Vec<char>,
    pub(super) depth: Vec<u8>,
    /// Inside “…”: a name (“和美乡村”), whose 和 joins nothing.
    pub(super) quoted: Vec<bool>,
}

pub(super) fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => c,
    }
}

impl Doc {
    pub(super) fn new(text: &str) -> Doc {
        let orig: Vec<char> = text.chars().collect();
        let f: Vec<char> = orig.iter().map(|&c| fold(c)).collect();
        let mut depth = Vec::with_capacity(f.len());
        let mut quoted = Vec::with_capacity(f.len());
        let mut d: u8 = 0;
        let mut q = false;
        for &c in &f {
            if c == ')' {
                d = d.saturating_sub(1);
            }
            match c {
                '“' => q = true,
                '”' => q = false,
                _ => {}
            }
            depth.push(d);
            quoted.push(q && c != '“');
            if c == '(' {
                d = d.saturating_add(1);
            }
        }
        Doc {
            orig,
            f,
            depth,
            quoted,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.f.len()
    }

    pub(super) fn orig(&self, a: usize, b: usize) -> String {
        self.orig[a.min(b)..b].iter().collect()
    }

    pub(super) fn folded(&self, a: usize, b: usize) -> String {
        self.f[a.min(b)..b].iter().collect()
    }

    pub(super) fn at(&self, i: usize, pat: &str) -> bool {
        (i..)
            .zip(pat.chars())
            .all(|(k, p)| self.f.get(k) == Some(&p))
    }

    pub(super) fn skip_spaces(&self, mut i: usize) -> usize {
        while i < self.len() && self.f[i] == ' ' {
            i += 1;
        }
        i
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Target,
    /// The old value of a `从 A 提高到 B` standard.
    Baseline,
    /// A number describing what is counted (`13 种致畸基因`).
    Modifier,
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) num: Num,
    pub(super) unit: String,
    pub(super) percent: bool,
    pub(super) depth: u8,
    pub(super) role: Role,
    pub(super) baseline: Option<Num>,
    /// Where the subject of a standard ends (its `从` or `由`).
    pub(super) subject_end: Option<usize>,
    pub(super) notes: Vec<String>,
}

/// Words that introduce the old value of a raised standard.
pub(super) const FROM_WORDS: [char; 2] = ['从', '由'];

#[derive(Debug, Clone, Copy)]
pub(super) struct Clause {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) sentence: usize,
}

pub(super) fn sentences(d: &Doc) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..d.len() {
        let c = d.f[i];
        let end = matches!(c, '。' | '!' | '?') || (matches!(c, ';') && d.depth[i] == 0);
        if end {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < d.len() {
        out.push((start, d.len()));
    }
    out
}

pub(super) fn clauses(d: &Doc, sentences: &[(usize, usize)]) -> Vec<Clause> {
    let mut out = Vec::new();
    for (n, &(a, b)) in sentences.iter().enumerate() {
        let mut start = a;
        for i in a..b {
            let c = d.f[i];
            let between_digits = i > 0
                && d.f[i - 1].is_ascii_digit()
                && d.f.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            let cut =
                (c == ',' && !between_digits) || c == ':' || matches!(c, '。' | '!' | '?' | ';');
            if cut {
                out.push(Clause {
                    start,
                    end: i,
                    sentence: n,
                });
                start = i + 1;
            }
        }
        if start < b {
            out.push(Clause {
                start,
                end: b,
                sentence: n,
            });
        }
    }
    out.retain(|c| d.folded(c.start, c.end).trim().chars().count() > 0);
    out
}

/// The longest unit from `units` at `i`; an ASCII unit must end a word.
fn unit_at(d: &Doc, i: usize, units: &[&str]) -> Option<String> {
    units
        .iter()
        .filter(|u| d.at(i, u))
        .filter(|u| {
            let end = i + u.chars().count();
            !(u.is_ascii() && d.f.get(end).is_some_and(|c| c.is_ascii_alphabetic()))
        })
        .max_by_key(|u| u.chars().count())
        .map(|u| d.orig(i, i + u.chars().count()))
}

/// Every number in a clause that comes with a unit; numbers without one go
/// to `unitless` for the reviewer.
pub(super) fn scan(d: &Doc, c: Clause, unitless: &mut Vec<String>) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = c.start;
    while i < c.end {
        if !d.f[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut text = String::new();
        while i < c.end {
            let ch = d.f[i];
            if ch.is_ascii_digit() {
                text.push(ch);
                i += 1;
            } else if ch == ','
                && (1..=3).all(|k| d.f.get(i + k).is_some_and(|c| c.is_ascii_digit()))
                && !d.f.get(i + 4).is_some_and(|c| c.is_ascii_digit())
            {
                i += 1;
            } else if ch == '.'
                && !text.contains('.')
                && d.f.get(i + 1).is_some_and(|c| c.is_ascii_digit())
            {
                text.push('.');
                i += 1;
            } else {
                break;
            }
        }
        let num_end = i;
        // Part of a code or a name (G106, 5G): not a quantity.
        if start > 0 && (d.f[start - 1].is_ascii_alphabetic() || d.f[start - 1] == '.') {
            continue;
        }
        if d.f.get(num_end).is_some_and(|c| c.is_ascii_alphabetic())
            && unit_at(d, num_end, UNITS).is_none()
        {
            continue;
        }
        let before = d.orig[c.start..start]
            .iter()
            .rev()
            .find(|&&c| fold(c) != ' ')
            .copied();
        // 第 3 批: an ordinal.
        if before == Some('第') {
            continue;
        }
        let k = d.skip_spaces(num_end);
        // The first number of a range (3-5 岁) is read with the second.
        if matches!(d.f.get(k), Some('-' | '—' | '–' | '~' | '～'))
            && d.f
                .get(d.skip_spaces(k + 1))
                .is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        }
        let Some(num) = Num::parse(&text) else {
            continue;
        };
        // A catalog target is positive, and a rate at most 100: anything
        // else is a comparison or a typo for the reviewer to read.
        let pct = d.f.get(k) == Some(&'%');
        if num.value == 0.0 || (pct && num.value > 100.0) {
            unitless.push(format!(
                "“{}”不能作为年度目标，未列为指标",
                tidy(&d.orig(start, (k + 1).min(c.end)))
            ));
            continue;
        }
        if pct {
            let mut t = tok(d, start, k + 1, num, "%".into(), true);
            t.notes = ceiling(d, c, start, k + 1).into_iter().collect();
            out.push(t);
            continue;
        }
        let mut u = k;
        let mut multiplier = None;
        if let Some(&m) = d.f.get(u).filter(|c| matches!(c, '万' | '亿')) {
            multiplier = Some(m);
            u = d.skip_spaces(u + 1);
        }
        let mut approx = None;
        if let Some(&a) = d.f.get(u).filter(|c| matches!(c, '余' | '多')) {
            approx = Some(a);
            u += 1;
        }
        if multiplier.is_none() && unit_at(d, u, TIME_UNITS).is_some() {
            continue;
        }
        let Some(unit) = unit_at(d, u, UNITS) else {
            let after: String = d.orig[num_end..(u + 4).min(c.end).max(num_end)]
                .iter()
                .collect();
            unitless.push(format!(
                "“{}{}”中的数字没有可识别的单位，未列为指标",
                d.orig(start, num_end),
                after.trim_end()
            ));
            continue;
        };
        let end = u + unit.chars().count();
        // 1000 吨级: a grade of what is built, not an amount.
        if d.f.get(end) == Some(&'级') {
            continue;
        }
        let as_written = format!(
            "{}{}{}",
            d.orig(start, num_end),
            multiplier.map(String::from).unwrap_or_default(),
            approx.map(String::from).unwrap_or_default()
        );
        let mut notes = Vec::new();
        let (num, unit) = match multiplier {
            Some(m) if PEOPLE.contains(&unit.as_str()) => {
                let scaled = num.scaled(if m == '万' { 4 } else { 8 });
                match scaled {
                    Some(n) => {
                        notes.push(format!(
                            "原文“{as_written}{unit}”，已换算为 {} {unit}",
                            n.text
                        ));
                        (n, unit)
                    }
                    None => continue,
                }
            }
            Some(m) => (num, format!("{m}{unit}")),
            None => (num, unit),
        };
        if approx.is_some() {
            notes.push(format!(
                "原文“{as_written}{unit}”是约数，已按 {} 起草",
                num.text
            ));
        }
        // `每月 2 次上门探访`: a frequency, a service standard rather than an
        // amount that adds up over the year.
        if unit != "元"
            && let Some((from, _)) = period_before(d, c.start, start)
        {
            unitless.push(format!("“{}”是频次，未列为指标", tidy(&d.orig(from, end))));
            i = end;
            continue;
        }
        // `年度投资金额 300 万元`, `总投资 1.2 亿元`: what a project costs,
        // never what it delivers. (`投资 2800 万元` said as a commitment of
        // the plan is a target and stays one.)
        if unit.ends_with('元') && period_before(d, c.start, start).is_none() {
            let before: String = d.orig[c.start..start].iter().collect();
            if ["投资金额", "投资额", "总投资", "计划投资", "概算", "预算"]
                .iter()
                .any(|w| before.contains(w))
            {
                unitless.push(format!(
                    "“{}”是投资金额，不是实事的目标，未列为指标",
                    tidy(&d.orig(c.start, end))
                ));
                i = end;
                continue;
            }
        }
        // `每人每月 760 元`: the money is per person and month.
        let (start, unit) = match period_before(d, c.start, start) {
            Some((from, per)) if unit == "元" => {
                let u = format!("元/{per}");
                notes.push(format!("原文“{}”，单位写作“{u}”", tidy(&d.orig(from, end))));
                (from, u)
            }
            // `每人每月 760 元、620 元`: a second amount in the list is per
            // the same as the first.
            _ if unit == "元" => match out.last() {
                Some(prev)
                    if prev.unit.starts_with("元/")
                        && d.f[prev.end..start]
                            .iter()
                            .all(|c| *c == ' ' || COORDINATORS.contains(c)) =>
                {
                    notes.push(format!(
                        "原文“{}”与前一个金额并列，单位按前一个写作“{}”",
                        tidy(&d.orig(start, end)),
                        prev.unit
                    ));
                    (start, prev.unit.clone())
                }
                _ => (start, unit),
            },
            _ => (start, unit),
        };
        let mut t = tok(d, start, end, num, unit, false);
        notes.extend(ceiling(d, c, start, end));
        t.notes = notes;
        out.push(t);
        i = end;
    }
    out
}

/// `每人每月` right before a number: what a money amount is per.
fn period_before(d: &Doc, clause_start: usize, start: usize) -> Option<(usize, &'static str)> {
    const PERIODS: [(&str, &str); 12] = [
        ("每人每月", "人·月"),
        ("每人每年", "人·年"),
        ("每户每月", "户·月"),
        ("每户每年", "户·年"),
        ("每月", "月"),
        ("每年", "年"),
        ("每人", "人"),
        ("每户", "户"),
        ("每亩", "亩"),
        ("每周", "周"),
        ("每季度", "季度"),
        ("每天", "天"),
    ];
    let mut end = start;
    while end > clause_start && d.f[end - 1] == ' ' {
        end -= 1;
    }
    PERIODS.iter().find_map(|(p, per)| {
        let n = p.chars().count();
        (end >= clause_start + n && d.folded(end - n, end) == *p).then(|| (end - n, *per))
    })
}

/// A ceiling (`失业率控制在 5.5% 以内`): the catalog counts progress toward
/// reaching a target, which reads a ceiling backwards.
fn ceiling(d: &Doc, c: Clause, start: usize, end: usize) -> Option<String> {
    let before = d.folded(c.start, start);
    let before = before.trim_end();
    let after = d.folded(end, c.end);
    let after = after.trim_start();
    // 不低于 / 不少于 are floors, though they end in 低于 / 少于.
    let floor = before.ends_with("不低于") || before.ends_with("不少于");
    let word = ["控制在", "不超过", "不高于", "低于", "少于"]
        .iter()
        .find(|w| before.ends_with(**w) && !floor)
        .or_else(|| ["以内", "以下"].iter().find(|w| after.starts_with(**w)))?;
    Some(format!(
        "原文是上限（“{word}”），目录按“达到目标”计算完成率，请核对是否列为指标、如何计算"
    ))
}

fn tok(d: &Doc, start: usize, end: usize, num: Num, unit: String, percent: bool) -> Tok {
    Tok {
        start,
        end,
        num,
        unit,
        percent,
        depth: d.depth[start],
        role: Role::Target,
        baseline: None,
        subject_end: None,
        notes: Vec::new(),
    }
}

/// `从 A 提高到 B` (or `由 A 提高到 B`): A becomes B's baseline.
pub(super) fn pair_standards(d: &Doc, c: Clause, toks: &mut [Tok]) {
    for k in 1..toks.len() {
        let (a, b) = (&toks[k - 1], &toks[k]);
        if a.role != Role::Target {
            continue;
        }
        let lead_from = if k >= 2 { toks[k - 2].end } else { c.start };
        let from = (lead_from..a.start)
            .rev()
            .find(|&i| FROM_WORDS.contains(&d.f[i]));
        let between = d.folded(a.end, b.start);
        if let Some(from) = from
            && ["到", "至", "为"].iter().any(|w| between.contains(w))
        {
            let baseline = a.num.clone();
            if b.unit == "元" && a.unit.starts_with("元/") {
                // `从每人每年 670 元提高到 700 元`: the second amount is per the same.
                toks[k].unit = toks[k - 1].unit.clone();
            }
            toks[k - 1].role = Role::Baseline;
            toks[k].baseline = Some(baseline);
            toks[k].subject_end = Some(from);
        }
    }
}

/// A number followed in the same clause by another target, with no word
/// joining them, only says what the second counts: `13 种致畸基因免费筛查
/// 4350 人次`. Joined numbers are parallel targets: `1 个县级和 27 个乡镇级`.
pub(super) fn mark_modifiers(d: &Doc, toks: &mut [Tok]) {
    let targets: Vec<usize> = (0..toks.len())
        .filter(|&k| toks[k].role == Role::Target)
        .collect();
    for w in targets.windows(2) {
        let (x, y) = (&toks[w[0]], &toks[w[1]]);
        if x.depth != y.depth {
            continue;
        }
        let between = d.folded(x.end, y.start);
        let joined = between.chars().any(|c| COORDINATORS.contains(&c));
        let bracket = between.contains(['(', ')']);
        if !joined && !bracket {
            toks[w[0]].role = Role::Modifier;
        }
    }
}

/// Spaces only where the plan spaced a number; none inside a Chinese name.
pub(super) fn tidy(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' || c == '\u{3000}' {
            let prev = out.chars().last();
            let next = chars.get(i + 1).copied();
            let keep = prev.is_some_and(|p| p.is_ascii_alphanumeric())
                && next.is_some_and(|n| n.is_ascii_alphanumeric());
            if keep && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
    }
    out.trim_matches(|c: char| c.is_whitespace() || "，,、；;：:。".contains(c))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_scaling_is_exact() {
        let n = Num::parse("7.3").unwrap();
        assert_eq!(n.scaled(4).unwrap().text, "73000");
        assert_eq!(
            Num::parse("0.12345").unwrap().scaled(4).unwrap().text,
            "1234.5"
        );
        assert_eq!(
            Num::parse("1").unwrap().scaled(8).unwrap().text,
            "100000000"
        );
        assert_eq!(normalise_number("007.50"), "7.5");
    }
}
