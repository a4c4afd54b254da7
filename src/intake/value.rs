//! What a clerk typed into 累计完成, read the way a person would read it:
//! `4,200`, `４２００`, `4200人`, ` 4200 `, `7.3万人次`, `95%`, a number stored as
//! text, a formula's cached value. Pure: a cell in, a value or a reason out.

use crate::model::Value;
use crate::plan::catalog::{Indicator, Kind, STAGES};
use crate::text::nfkc;
use calamine::Data;

/// A value read, and whether a fraction was taken as a percentage
/// (`0.95` → 95), which the clerk is told about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub(crate) value: Value,
    pub scaled_from: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Missing,
    FormulaNoValue,
    NotANumber(String),
    /// A number with words around it (`约120`, `120余户`, `120（含续建10户）`):
    /// not taken, but the number seen and the words are told back.
    WithWords {
        typed: String,
        number: f64,
        /// Estimate words (`约`, `余`, `左右`), in the order typed.
        estimate: Vec<&'static str>,
        /// A note beside the number (`含续建10户`), when there is one.
        note: String,
    },
    Negative(f64),
    PercentOver100(f64),
    BadStage(String),
}

/// Read the 累计完成 cell of `ind`. `formula` is the cell's formula text, if any.
pub fn read(cell: &Data, formula: Option<&str>, ind: &Indicator) -> Result<Reading, Problem> {
    if ind.kind == Kind::Milestone {
        return read_stage(cell, formula);
    }
    let (number, had_percent_sign) = match cell {
        Data::Empty if formula.is_some() => return Err(Problem::FormulaNoValue),
        Data::Empty => return Err(Problem::Missing),
        Data::Int(i) => (*i as f64, false),
        Data::Float(f) => (*f, false),
        Data::String(s) if s.trim().is_empty() => return Err(Problem::Missing),
        Data::String(s) => parse_text(s, ind).ok_or_else(|| with_words(s, ind))?,
        Data::Bool(b) => {
            return Err(Problem::NotANumber(
                if *b { "TRUE" } else { "FALSE" }.into(),
            ));
        }
        Data::DateTime(d) => {
            let shown = d
                .as_datetime()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            return Err(Problem::NotANumber(format!("{shown}（被识别为日期）")));
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => {
            return Err(Problem::NotANumber(format!("{s}（被识别为日期）")));
        }
        Data::Error(e) => return Err(Problem::NotANumber(format!("错误值 {e}"))),
    };
    if !number.is_finite() {
        return Err(Problem::NotANumber(number.to_string()));
    }
    if number < 0.0 {
        return Err(Problem::Negative(number));
    }
    let mut reading = Reading {
        value: Value::Number(number),
        scaled_from: None,
    };
    if ind.kind == Kind::Percent {
        // Excel stores a typed `95%` as 0.95; a rate of at most one point is
        // far less likely than a fraction meant as a percentage.
        if !had_percent_sign && number > 0.0 && number <= 1.0 && ind.target > 1.0 {
            reading = Reading {
                value: Value::Number(number * 100.0),
                scaled_from: Some(number),
            };
        }
        if let Value::Number(v) = reading.value
            && v > 100.0 + 1e-9
        {
            return Err(Problem::PercentOver100(v));
        }
    }
    Ok(reading)
}

/// Words people put before a number they are not sure of.
const ESTIMATE_BEFORE: [&str; 8] = ["大约", "约计", "将近", "接近", "超过", "近", "约", "逾"];
/// … and after it.
const ESTIMATE_AFTER: [&str; 8] = ["左右", "以上", "上下", "出头", "余", "多", "许", "+"];
/// How a note beside the number begins, when not in brackets.
const NOTE_START: [char; 14] = [
    '(', '[', '【', '〔', ',', ';', '、', '。', '含', '其', '包', '另', '已', '共',
];

/// Text that is no number as typed: a number with estimate words or a note
/// around it when it reads as one, else just the text.
fn with_words(s: &str, ind: &Indicator) -> Problem {
    let t: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
    let mut estimate = Vec::new();
    let mut rest = t.as_str();
    if let Some(w) = ESTIMATE_BEFORE.iter().find(|w| rest.starts_with(**w)) {
        estimate.push(*w);
        rest = &rest[w.len()..];
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let (digits, mut after) = rest.split_at(end);
    let number = digits
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| remove_thousands_separators(digits.trim_end_matches(['.', ','])))
        .flatten()
        .and_then(|d| d.parse::<f64>().ok());
    let Some(mut number) = number.filter(|n| n.is_finite()) else {
        return Problem::NotANumber(shown(s));
    };
    let unit: String = nfkc(&ind.unit)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !unit.starts_with('万')
        && let Some(r) = after.strip_prefix('万')
    {
        number *= 10_000.0;
        after = r;
    }
    loop {
        if let Some(w) = ESTIMATE_AFTER.iter().find(|w| after.starts_with(**w)) {
            estimate.push(*w);
            after = &after[w.len()..];
        } else if let Some(n) = unit_prefix(after, &unit, ind.kind) {
            after = &after[n..];
        } else {
            break;
        }
    }
    let note = after
        .trim_start_matches(['(', '[', '【', '〔', ',', ';', '、', '。'])
        .trim_end_matches([')', ']', '】', '〕', '。', ',', ';'])
        .to_string();
    let reads_as_one = after.is_empty() || after.starts_with(NOTE_START);
    if !reads_as_one || (estimate.is_empty() && note.is_empty()) {
        return Problem::NotANumber(shown(s));
    }
    Problem::WithWords {
        typed: shown(s),
        number,
        estimate,
        note: crate::text::truncate(&note, 24),
    }
}

/// How many bytes of `t` a unit takes at its start: the indicator's own, a
/// leading part of it (`元` of `元/月`), or `%` for a percentage.
fn unit_prefix(t: &str, unit: &str, kind: Kind) -> Option<usize> {
    if kind == Kind::Percent && t.starts_with('%') {
        return Some(1);
    }
    let chars: Vec<char> = unit.chars().collect();
    (1..=chars.len()).rev().find_map(|n| {
        let part: String = chars[..n].iter().collect();
        t.starts_with(&part).then_some(part.len())
    })
}

fn shown(s: &str) -> String {
    crate::text::truncate(s.trim(), 24)
}

fn read_stage(cell: &Data, formula: Option<&str>) -> Result<Reading, Problem> {
    let text = match cell {
        Data::Empty if formula.is_some() => return Err(Problem::FormulaNoValue),
        Data::Empty => return Err(Problem::Missing),
        Data::String(s) if s.trim().is_empty() => return Err(Problem::Missing),
        Data::String(s) => s.clone(),
        Data::Float(f) => crate::text::number(*f),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    };
    let norm: String = nfkc(&text).chars().filter(|c| !c.is_whitespace()).collect();
    let norm = if norm == "已完成" {
        "完成".to_string()
    } else {
        norm
    };
    STAGES
        .iter()
        .position(|s| *s == norm)
        .map(|i| Reading {
            value: Value::Stage(i),
            scaled_from: None,
        })
        .ok_or_else(|| Problem::BadStage(shown(&text)))
}

/// A number typed as text. Returns the number and whether it carried a `%`.
pub(crate) fn parse_text(s: &str, ind: &Indicator) -> Option<(f64, bool)> {
    let mut t: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
    let unit: String = nfkc(&ind.unit)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut percent = false;
    if ind.kind == Kind::Percent {
        if let Some(rest) = t.strip_suffix('%') {
            t = rest.to_string();
            percent = true;
        }
    } else {
        t = strip_unit(&t, &unit);
    }
    let mut factor = 1.0;
    if !unit.starts_with('万')
        && let Some(rest) = t.strip_suffix('万')
    {
        t = rest.to_string();
        factor = 10_000.0;
    }
    let digits = remove_thousands_separators(&t)?;
    let v: f64 = digits.parse().ok()?;
    v.is_finite().then_some((v * factor, percent))
}

/// Drop a trailing unit: the indicator's own (`人次`), a leading part of it
/// (`元` of `元/月`, `万` of `万元`), or a common spelling of it (`公里` for `km`).
fn strip_unit(t: &str, unit: &str) -> String {
    let synonyms: &[&str] = match unit {
        "km" => &["公里", "千米", "KM", "Km"],
        "公里" => &["km", "千米", "KM"],
        "万方" => &["万立方米", "万m3", "万m³"],
        _ => &[],
    };
    for u in std::iter::once(unit).chain(synonyms.iter().copied()) {
        if !u.is_empty()
            && let Some(rest) = t.strip_suffix(u)
        {
            return rest.to_string();
        }
    }
    // The longest leading part of the unit that the text ends with.
    let chars: Vec<char> = unit.chars().collect();
    for n in (1..chars.len()).rev() {
        let prefix: String = chars[..n].iter().collect();
        if let Some(rest) = t.strip_suffix(&prefix) {
            // `万` alone is also the multiplier; leave it for that when the
            // unit does not start with it.
            return rest.to_string();
        }
    }
    t.to_string()
}

/// `4,200` → `4200`; a comma must separate groups of three digits.
fn remove_thousands_separators(t: &str) -> Option<String> {
    if !t.contains(',') {
        return Some(t.to_string());
    }
    let (int, frac) = t.split_once('.').map_or((t, None), |(a, b)| (a, Some(b)));
    let groups: Vec<&str> = int.split(',').collect();
    let ok = !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| {
        let mut s: String = groups.concat();
        if let Some(f) = frac {
            s.push('.');
            s.push_str(f);
        }
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(kind: Kind, unit: &str, target: f64) -> Indicator {
        Indicator {
            code: "X01-1".into(),
            task: "X01".into(),
            name: "测试".into(),
            target,
            unit: unit.into(),
            kind,
            department: "县教育局".into(),
            baseline: None,
        }
    }

    fn num(cell: Data, i: &Indicator) -> f64 {
        match read(&cell, None, i)
            .unwrap_or_else(|e| panic!("{cell:?}: {e:?}"))
            .value
        {
            Value::Number(v) => v,
            v => panic!("{v:?}"),
        }
    }

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn numbers_as_people_type_them() {
        let people = ind(Kind::Count, "名", 4200.0);
        for s in [
            "4200",
            "4,200",
            "４２００",
            "４，２００",
            " 4200 ",
            "4200名",
            "4200 名",
            "4200.0",
        ] {
            assert_eq!(num(text(s), &people), 4200.0, "{s}");
        }
        assert_eq!(num(Data::Float(4200.0), &people), 4200.0);
        assert_eq!(num(Data::Int(4200), &people), 4200.0);
        assert_eq!(num(text("1,234,567.5"), &people), 1_234_567.5);
    }

    #[test]
    fn units_and_wan() {
        assert_eq!(num(text("81公里"), &ind(Kind::Count, "公里", 81.0)), 81.0);
        assert_eq!(
            num(text("31.94公里"), &ind(Kind::Count, "km", 31.94)),
            31.94
        );
        assert_eq!(
            num(text("7.3万人次"), &ind(Kind::Count, "人次", 73000.0)),
            73000.0
        );
        assert_eq!(
            num(text("7.3万"), &ind(Kind::Count, "人次", 73000.0)),
            73000.0
        );
        assert_eq!(
            num(text("1.5万人"), &ind(Kind::Count, "人", 15000.0)),
            15000.0
        );
        assert_eq!(
            num(text("246.3万方"), &ind(Kind::Count, "万方", 246.3)),
            246.3
        );
        assert_eq!(
            num(text("2800万元"), &ind(Kind::Count, "万元", 2800.0)),
            2800.0
        );
        assert_eq!(
            num(text("2800万"), &ind(Kind::Count, "万元", 2800.0)),
            2800.0
        );
        assert_eq!(
            num(text("700元/月"), &ind(Kind::Standard, "元/月", 700.0)),
            700.0
        );
        assert_eq!(
            num(text("700元"), &ind(Kind::Standard, "元/月", 700.0)),
            700.0
        );
    }

    #[test]
    fn percentages() {
        let rate = ind(Kind::Percent, "%", 90.0);
        assert_eq!(num(text("95%"), &rate), 95.0);
        assert_eq!(num(text("95"), &rate), 95.0);
        assert_eq!(num(Data::Float(95.0), &rate), 95.0);
        let r = read(&Data::Float(0.95), None, &rate).unwrap();
        assert_eq!(r.value, Value::Number(95.0));
        assert_eq!(r.scaled_from, Some(0.95));
        let r = read(&text("0.95"), None, &rate).unwrap();
        assert_eq!(r.value, Value::Number(95.0));
        assert_eq!(
            read(&Data::Float(0.0), None, &rate).unwrap().value,
            Value::Number(0.0)
        );
        assert_eq!(
            read(&text("120%"), None, &rate),
            Err(Problem::PercentOver100(120.0))
        );
        assert!(matches!(
            read(&text("95%"), None, &ind(Kind::Count, "人", 10.0)),
            Err(Problem::NotANumber(_))
        ));
    }

    #[test]
    fn what_is_not_a_number() {
        let people = ind(Kind::Count, "人", 100.0);
        assert_eq!(read(&Data::Empty, None, &people), Err(Problem::Missing));
        assert_eq!(read(&text("  "), None, &people), Err(Problem::Missing));
        assert_eq!(
            read(&Data::Empty, Some("A1+B1"), &people),
            Err(Problem::FormulaNoValue)
        );
        assert_eq!(
            read(&text("已完成"), None, &people),
            Err(Problem::NotANumber("已完成".into()))
        );
        assert!(matches!(
            read(&text("约100"), None, &people),
            Err(Problem::WithWords { number, .. }) if number == 100.0
        ));
        assert!(matches!(
            read(&text("1,5"), None, &people),
            Err(Problem::NotANumber(_))
        ));
        assert_eq!(
            read(&Data::Float(-3.0), None, &people),
            Err(Problem::Negative(-3.0))
        );
        assert_eq!(
            read(&text("-3"), None, &people),
            Err(Problem::Negative(-3.0))
        );
        assert!(matches!(
            read(&Data::Bool(true), None, &people),
            Err(Problem::NotANumber(_))
        ));
        assert!(matches!(
            read(&Data::Error(calamine::CellErrorType::Div0), None, &people),
            Err(Problem::NotANumber(_))
        ));
    }

    #[test]
    fn numbers_with_words_are_told_back_with_the_number_seen() {
        let households = ind(Kind::Count, "户", 419.0);
        let told = |s: &str| match read(&text(s), None, &households) {
            Err(Problem::WithWords {
                number,
                estimate,
                note,
                ..
            }) => (number, estimate, note),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(told("约120"), (120.0, vec!["约"], String::new()));
        assert_eq!(told("大约 120 户"), (120.0, vec!["大约"], String::new()));
        assert_eq!(told("120余户"), (120.0, vec!["余"], String::new()));
        assert_eq!(told("120户左右"), (120.0, vec!["左右"], String::new()));
        assert_eq!(
            told("120（含续建10户）"),
            (120.0, vec![], "含续建10户".to_string())
        );
        assert_eq!(
            told("120户，其中续建10户"),
            (120.0, vec![], "其中续建10户".to_string())
        );
        assert_eq!(told("1.2万余"), (12000.0, vec!["余"], String::new()));
        let rate = ind(Kind::Percent, "%", 90.0);
        assert!(matches!(
            read(&text("约95%"), None, &rate),
            Err(Problem::WithWords { number, .. }) if number == 95.0
        ));
        // Words with no number to tell back, or a number in a sentence, are just text.
        for s in ["已完成", "1-3月120", "第2批"] {
            assert!(
                matches!(
                    read(&text(s), None, &households),
                    Err(Problem::NotANumber(_))
                ),
                "{s}"
            );
        }
    }

    #[test]
    fn stages() {
        let m = ind(Kind::Milestone, "阶段", 100.0);
        assert_eq!(
            read(&text("开工建设"), None, &m).unwrap().value,
            Value::Stage(2)
        );
        assert_eq!(
            read(&text(" 完成 "), None, &m).unwrap().value,
            Value::Stage(4)
        );
        assert_eq!(
            read(&text("已完成"), None, &m).unwrap().value,
            Value::Stage(4)
        );
        assert_eq!(
            read(&text("施工中"), None, &m),
            Err(Problem::BadStage("施工中".into()))
        );
        assert_eq!(read(&Data::Empty, None, &m), Err(Problem::Missing));
        assert_eq!(Value::Stage(3).progress(&m), 0.75);
    }
}
