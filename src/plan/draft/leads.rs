//! Who is responsible for an item, in the wordings plans use: a note
//! `（牵头单位：…）` / `（责任单位：…）` (full- or half-width, the closing
//! bracket sometimes lost at the end of a line), `（牵头领导：张三，责任单位：
//! 县卫生健康局）` where the leader is a person and only the unit reports,
//! `（县人社局牵头）` at the end of a sentence, and several such notes in one
//! item, each for the outcomes written before it. Units named as helpers
//! (协同、配合、协办) are not leads.

use super::structure::is_space;

/// Labels before the lead units, longest first so 牵头责任单位 is not read as 责任单位.
const UNIT_LABELS: [&str; 7] = [
    "牵头责任单位",
    "牵头单位",
    "牵头部门",
    "责任单位",
    "责任部门",
    "主责单位",
    "实施单位",
];

/// Where the lead units stop: helpers, and the next label.
const STOPS: [&str; 11] = [
    "；",
    ";",
    "配合",
    "协同",
    "协办",
    "协助",
    "参与",
    "责任单位",
    "牵头领导",
    "责任领导",
    "分管领导",
];

/// What a unit's name ends with; `（张三牵头）` names a person, not a unit.
const UNIT_ENDINGS: [&str; 16] = [
    "局", "委", "办", "院", "会", "部", "中心", "公司", "室", "站", "所", "队", "团", "联", "社",
    "处",
];

/// One stretch of an item's text and the units its note names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    /// The text before the note (and after the previous one), note removed.
    pub(crate) text: String,
    pub(crate) leads: Vec<String>,
}

/// Whether `text` holds a lead note in any wording.
pub(crate) fn has_note(text: &str) -> bool {
    !notes(text).is_empty()
}

/// The notes of `text`: byte range of each (brackets included) and its units.
fn notes(text: &str) -> Vec<(usize, usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let Some(rel) = text[i..].find(['（', '(']) else {
            // A label with no bracket at all: `责任单位：县教育局` on its own.
            if let Some((at, units)) = bare_label(&text[i..]) {
                out.push((i + at, text.len(), units));
            }
            break;
        };
        let open = i + rel;
        let inner_start = open + text[open..].chars().next().map_or(1, char::len_utf8);
        // The closing bracket, or the end of the text when it was lost.
        let close = matching_close(&text[inner_start..]).map(|c| inner_start + c);
        let inner_end = close.unwrap_or(text.len());
        let end = close.map_or(text.len(), |c| {
            c + text[c..].chars().next().map_or(1, char::len_utf8)
        });
        let inner = &text[inner_start..inner_end];
        let units = units_of(inner);
        if !units.is_empty() || UNIT_LABELS.iter().any(|l| inner.contains(l)) {
            // A bare label before this bracket belongs to the text before.
            out.push((open, end, units));
        }
        i = if close.is_some() { end } else { text.len() };
    }
    out
}

/// The closing bracket of a note, nested brackets skipped.
fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' if depth == 0 => return Some(i),
            '）' | ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn bare_label(text: &str) -> Option<(usize, Vec<String>)> {
    let (at, label) = UNIT_LABELS
        .iter()
        .filter_map(|l| text.find(l).map(|i| (i, *l)))
        .min_by_key(|(i, l)| (*i, usize::MAX - l.len()))?;
    let after = &text[at + label.len()..];
    if !after.starts_with(['：', ':']) {
        return None;
    }
    let units = split_units(after);
    (!units.is_empty()).then_some((at, units))
}

/// The lead units a bracket names, if it is a lead note.
fn units_of(inner: &str) -> Vec<String> {
    if let Some((at, label)) = UNIT_LABELS
        .iter()
        .filter_map(|l| inner.find(l).map(|i| (i, *l)))
        .min_by_key(|(i, l)| (*i, usize::MAX - l.len()))
    {
        return split_units(&inner[at + label.len()..]);
    }
    // `县人社局牵头` / `县人社局牵头，县财政局配合` / `县住建局负责`.
    for verb in ["牵头", "负责"] {
        if let Some(at) = inner.find(verb) {
            let units = split_units(&inner[..at]);
            if !units.is_empty() && units.iter().all(|u| looks_like_unit(u)) {
                return units;
            }
        }
    }
    Vec::new()
}

fn looks_like_unit(u: &str) -> bool {
    u.chars().count() >= 2 && UNIT_ENDINGS.iter().any(|e| u.ends_with(e))
}

fn split_units(s: &str) -> Vec<String> {
    let mut s = s.trim_start_matches(['：', ':', ' ', '\u{3000}']);
    for stop in STOPS {
        if let Some(i) = s.find(stop) {
            s = &s[..i];
        }
    }
    let mut out: Vec<String> = Vec::new();
    let all = s
        .split(['、', '，', ',', '/', ' ', '\u{3000}', '。'])
        .map(|u| {
            u.trim_matches(is_space)
                .trim_start_matches(['和', '及'])
                .trim_end_matches("等单位")
                .trim_end_matches("等部门")
                .trim_end_matches('等')
                .to_string()
        })
        .filter(|u| !u.is_empty());
    for u in all {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The item's text cut at its notes: each stretch with the units named
/// after it. Text after the last note goes with the last stretch. No note:
/// one stretch without leads.
pub(crate) fn segments(body: &str) -> Vec<Segment> {
    let found = notes(body);
    if found.is_empty() {
        return vec![Segment {
            text: body.trim_matches(is_space).to_string(),
            leads: Vec::new(),
        }];
    }
    let mut out: Vec<Segment> = Vec::new();
    let mut from = 0;
    for (start, end, units) in &found {
        let text = body[from..*start]
            .trim_matches(is_space)
            .trim_start_matches(['。', '；', ';', '，', ','])
            .to_string();
        match out.last_mut() {
            // A note right after another (`（牵头领导：…）（责任单位：…）`)
            // belongs to the same stretch.
            Some(last) if text.trim_matches(['。', '；', ';']).is_empty() => {
                for u in units {
                    if !last.leads.contains(u) {
                        last.leads.push(u.clone());
                    }
                }
                last.text.push_str(&text);
            }
            _ => out.push(Segment {
                text,
                leads: units.clone(),
            }),
        }
        from = *end;
    }
    let rest = body[from..].trim_matches(is_space);
    if let Some(last) = out.last_mut() {
        last.text.push_str(rest);
    }
    out.retain(|s| !s.text.is_empty() || !s.leads.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leads(body: &str) -> Vec<Vec<String>> {
        segments(body).into_iter().map(|s| s.leads).collect()
    }

    #[test]
    fn every_wording_of_a_lead_note() {
        assert_eq!(
            segments("建成学校 2 所。（牵头单位：县教育局）"),
            [Segment {
                text: "建成学校 2 所。".into(),
                leads: vec!["县教育局".into()]
            }]
        );
        assert_eq!(
            leads("改造 5 个。(责任单位:县住建局,县财政局)"),
            [["县住建局", "县财政局"]]
        );
        assert_eq!(
            segments("新建养老中心 1 个。（牵头领导：张三，责任单位：县卫生健康局）")[0],
            Segment {
                text: "新建养老中心 1 个。".into(),
                leads: vec!["县卫生健康局".into()]
            },
            "the leader is a person"
        );
        assert_eq!(leads("新增就业 3000 人（县人社局牵头）。"), [["县人社局"]]);
        assert_eq!(leads("改造 5 个（住建局牵头，财政局配合）"), [["住建局"]]);
        assert_eq!(
            leads("改造 5 个（牵头单位：县住建局；协同单位：县财政局）"),
            [["县住建局"]]
        );
        assert_eq!(
            leads("建成 2 所。（牵头单位：县教育局"),
            [["县教育局"]],
            "no closing bracket"
        );
        assert_eq!(leads("建成 2 所（含 1 所分校）。"), [Vec::<String>::new()]);
        let s = segments(
            "对河段进行加固(含 3 个泵站)。(牵头单位:县水利局、县生活垃圾焚烧发电项目指挥部)",
        );
        assert_eq!(s[0].text, "对河段进行加固(含 3 个泵站)。");
        assert_eq!(s[0].leads, ["县水利局", "县生活垃圾焚烧发电项目指挥部"]);
        assert_eq!(
            leads("张三牵头建成 2 所（张三牵头）"),
            [Vec::<String>::new()]
        );
    }

    #[test]
    fn two_notes_cut_the_item_in_two() {
        let s = segments("免费筛查 4200 人（县卫健局牵头）。为 20400 名妇女体检（县妇联牵头）。");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "免费筛查 4200 人");
        assert_eq!(s[0].leads, ["县卫健局"]);
        assert_eq!(s[1].text, "为 20400 名妇女体检。");
        assert_eq!(s[1].leads, ["县妇联"]);
    }
}
