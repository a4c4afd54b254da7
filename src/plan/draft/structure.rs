//! The outline of a Chinese government plan: 一、 parts, （一） sections
//! (one per level: 省级 / 市级 / 县级), `1.` categories or items, `（1）` items,
//! the （牵头单位：…） note closing each item, and the 推进机制 part naming the
//! working group. Lines are joined back into items first, since plan text
//! is often broken mid-word (`先天性心脏` / `病`).

use crate::plan::catalog::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `一、`
    Part,
    /// `（一）`
    Section,
    /// `1.` `1．` `1、`
    Num,
    /// `（1）` `(1)`
    Paren,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub marker: Option<Marker>,
    /// The marker as written (`（一）`, `1.`), empty without one.
    pub label: String,
    /// The text after the marker, continuation lines joined.
    pub text: String,
}

/// One item of a level section, before its targets are read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTask {
    pub level: Level,
    /// The section heading as written, `（一）办好…省级重点民生实事`.
    pub section: String,
    pub category: String,
    /// The category heading as written (`1. 推进教育高质量发展`) where the
    /// section has them.
    pub category_heading: Option<String>,
    /// The item text after its marker, lead note included.
    pub body: String,
    /// Said about this task for the reviewer (`待核对`).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outline {
    pub title: Option<String>,
    pub tasks: Vec<RawTask>,
    /// Text of the 推进机制 part (or of everything outside the sections when
    /// there is no such part), where the working group is named.
    pub mechanism: String,
    /// The whole text, for looking up the plan year.
    pub all_text: String,
    /// Things the office should hear about that belong to no task.
    pub warnings: Vec<String>,
}

const CN_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 1 → 一, 12 → 十二, 23 → 二十三 (up to 99, which is all a plan numbers).
pub fn chinese_numeral(n: usize) -> String {
    match n {
        0..=9 => CN_DIGITS[n].to_string(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                String::new()
            } else {
                CN_DIGITS[n - 10].to_string()
            }
        ),
        20..=99 => format!(
            "{}十{}",
            CN_DIGITS[n / 10],
            if n.is_multiple_of(10) {
                String::new()
            } else {
                CN_DIGITS[n % 10].to_string()
            }
        ),
        _ => n.to_string(),
    }
}

fn is_cn_numeral(c: char) -> bool {
    CN_DIGITS.contains(&c) || matches!(c, '十' | '〇' | '两')
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Spaces as plans contain them: ASCII, the ideographic space, no-break space.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}'
}

/// The marker at the start of a line, the marker as written, and the rest.
pub fn parse_marker(line: &str) -> Option<(Marker, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let rest = |from: usize| {
        chars[from..]
            .iter()
            .collect::<String>()
            .trim_matches(is_space)
            .to_string()
    };
    let label = |to: usize| chars[..to].iter().collect::<String>();
    // 一、
    let n = chars.iter().take_while(|&&c| is_cn_numeral(c)).count();
    if (1..=3).contains(&n) && chars.get(n) == Some(&'、') {
        return Some((Marker::Part, label(n + 1), rest(n + 1)));
    }
    // （一） （1） (1)
    if matches!(chars.first(), Some('（' | '(')) {
        let cn = chars[1..].iter().take_while(|&&c| is_cn_numeral(c)).count();
        if (1..=3).contains(&cn) && matches!(chars.get(1 + cn), Some('）' | ')')) {
            return Some((Marker::Section, label(cn + 2), rest(cn + 2)));
        }
        let d = chars[1..].iter().take_while(|&&c| is_digit(c)).count();
        if (1..=3).contains(&d) && matches!(chars.get(1 + d), Some('）' | ')')) {
            return Some((Marker::Paren, label(d + 2), rest(d + 2)));
        }
        return None;
    }
    // 1. 1． 1、 — but not 1.5 万人 at the start of a continued line.
    let d = chars.iter().take_while(|&&c| is_digit(c)).count();
    if (1..=3).contains(&d)
        && matches!(chars.get(d), Some('.' | '．' | '、'))
        && !chars.get(d + 1).is_some_and(|&c| is_digit(c))
    {
        return Some((Marker::Num, label(d + 1), rest(d + 1)));
    }
    None
}

const LEAD_LABELS: [&str; 4] = ["牵头单位", "牵头部门", "责任单位", "责任部门"];

fn has_lead_note(text: &str) -> bool {
    LEAD_LABELS.iter().any(|l| text.contains(l))
}

fn ends_a_sentence(text: &str) -> bool {
    text.trim_end_matches(is_space)
        .chars()
        .last()
        .is_some_and(|c| "。！？；;!?）)".contains(c))
}

/// Join a line broken mid-word. A break between a number and a word was a
/// space in the plan's own style (`开展 13` / `种`), so one is kept there.
fn join(a: &str, b: &str) -> String {
    let left = a.chars().last();
    let right = b.chars().next();
    let ascii = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if ascii(left) != ascii(right) && left.is_some() && right.is_some() {
        format!("{a} {b}")
    } else {
        format!("{a}{b}")
    }
}

/// The title lines at the top and the blocks of the body.
pub fn blocks(lines: &[String]) -> (Option<String>, Vec<Block>) {
    let mut lines = lines
        .iter()
        .map(|l| l.trim_matches(is_space))
        .filter(|l| !l.is_empty())
        .peekable();
    // An attachment label (附件 / 附件1：) may sit above the title.
    while let Some(l) = lines.peek() {
        if l.starts_with("附件") && l.chars().count() <= 6 {
            lines.next();
        } else {
            break;
        }
    }
    let mut title: Option<String> = None;
    while let Some(l) = lines.peek() {
        let short = l.chars().count() <= 40;
        if parse_marker(l).is_some() || ends_a_sentence(l) || !short {
            break;
        }
        title = Some(match title {
            Some(t) => format!("{t}{l}"),
            None => l.to_string(),
        });
        lines.next();
    }
    let mut blocks: Vec<Block> = Vec::new();
    for line in lines {
        if let Some((marker, label, text)) = parse_marker(line) {
            blocks.push(Block {
                marker: Some(marker),
                label,
                text,
            });
            continue;
        }
        if let Some(cur) = blocks.last_mut() {
            let joinable = match cur.marker {
                Some(Marker::Part | Marker::Section) => false,
                // An item runs on until its lead note closes it.
                Some(Marker::Num | Marker::Paren) => {
                    !has_lead_note(&cur.text) || !ends_a_sentence(&cur.text)
                }
                None => !ends_a_sentence(&cur.text),
            };
            if joinable {
                cur.text = join(&cur.text, line);
                continue;
            }
        }
        blocks.push(Block {
            marker: None,
            label: String::new(),
            text: line.to_string(),
        });
    }
    (title, blocks)
}

/// The level a section heading names (`办好…十大省级重点民生实事` → 省级).
/// A district's plan says 区级; the catalog calls that level 县级.
pub fn level_of(title: &str) -> Option<Level> {
    if title.contains("省级") {
        Some(Level::Province)
    } else if title.contains("市级") {
        Some(Level::City)
    } else if title.contains("县级") || title.contains("区级") || title.contains("县（区）级")
    {
        Some(Level::County)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Tasks,
    Mechanism,
    Other,
}

fn part_of(title: &str) -> Part {
    if ["机制", "组织", "保障", "领导", "要求"]
        .iter()
        .any(|k| title.contains(k))
    {
        Part::Mechanism
    } else if ["任务", "实事", "内容", "项目"]
        .iter()
        .any(|k| title.contains(k))
    {
        Part::Tasks
    } else {
        Part::Other
    }
}

/// The category of tasks numbered directly under their section: the
/// section's own name after its verb phrase (`办好可感可及的九大市级重点民生实事`
/// → `九大市级重点民生实事`).
fn section_category(title: &str) -> String {
    let t = title.trim_end_matches(['。', '：', ':']);
    match t.rfind('的') {
        Some(i) if i + '的'.len_utf8() < t.len() => t[i + '的'.len_utf8()..].to_string(),
        _ => t.trim_start_matches("办好").to_string(),
    }
}

fn heading_text(text: &str) -> String {
    text.trim_end_matches(['。', '：', ':', '；', ';'])
        .trim_matches(is_space)
        .to_string()
}

/// Sort the blocks into tasks by level and the 推进机制 text.
pub fn outline(lines: &[String]) -> Outline {
    let (title, blocks) = blocks(lines);
    let mut out = Outline {
        title,
        all_text: blocks
            .iter()
            .map(|b| format!("{}{}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("\n"),
        ..Outline::default()
    };
    let mut part = Part::Other;
    let mut mechanism = Vec::new();
    let mut outside = Vec::new();
    // (level, section heading, category of tasks numbered directly under it)
    let mut section: Option<(Level, String, String)> = None;
    let mut category: Option<(String, String)> = None;
    let mut part_has_sections = false;
    for (i, b) in blocks.iter().enumerate() {
        let in_mechanism = part == Part::Mechanism;
        match b.marker {
            Some(Marker::Part) => {
                part = part_of(&b.text);
                part_has_sections = false;
                section = None;
                category = None;
                continue;
            }
            Some(Marker::Section) => {
                category = None;
                part_has_sections = true;
                section = match level_of(&b.text) {
                    Some(level) if !in_mechanism => Some((
                        level,
                        format!("{}{}", b.label, b.text),
                        section_category(&b.text),
                    )),
                    _ => {
                        if part == Part::Tasks {
                            out.warnings.push(format!(
                                "“{}{}”看不出是省级、市级还是县级，其中的事项没有列入目录",
                                b.label, b.text
                            ));
                        }
                        None
                    }
                };
                if section.is_none() {
                    let sink = if in_mechanism {
                        &mut mechanism
                    } else {
                        &mut outside
                    };
                    sink.push(b.text.clone());
                }
                continue;
            }
            _ => {}
        }
        let item = matches!(b.marker, Some(Marker::Num | Marker::Paren));
        let placed = match (&section, item) {
            (Some(s), true) => Some(s.clone()),
            // Items in a task part that has no sections at all.
            (None, true) if part == Part::Tasks && !part_has_sections => {
                Some((Level::County, String::new(), "重点民生实事".to_string()))
            }
            _ => None,
        };
        let Some((level, heading, default_category)) = placed else {
            if in_mechanism {
                mechanism.push(b.text.clone());
            } else {
                outside.push(b.text.clone());
            }
            continue;
        };
        let next_marker = blocks[i + 1..].iter().find_map(|n| n.marker);
        if b.marker == Some(Marker::Num)
            && !has_lead_note(&b.text)
            && next_marker == Some(Marker::Paren)
        {
            category = Some((
                format!("{} {}", b.label, heading_text(&b.text)),
                heading_text(&b.text),
            ));
            continue;
        }
        let mut notes = Vec::new();
        if heading.is_empty() {
            notes.push("方案中未找到所属级别的章节（省级、市级、县级），暂按县级列入".to_string());
        }
        out.tasks.push(RawTask {
            level,
            section: heading,
            category: category
                .as_ref()
                .map(|c| c.1.clone())
                .unwrap_or(default_category),
            category_heading: category.as_ref().map(|c| c.0.clone()),
            body: b.text.clone(),
            notes,
        });
    }
    out.mechanism = if mechanism.is_empty() {
        outside.join("\n")
    } else {
        mechanism.join("\n")
    };
    out
}

/// An item's lead note taken out: the text without it, the lead units, and
/// whether a note was there at all.
pub fn split_leads(body: &str) -> (String, Vec<String>, bool) {
    let Some((label_at, label)) = LEAD_LABELS
        .iter()
        .filter_map(|l| body.rfind(l).map(|i| (i, *l)))
        .max_by_key(|(i, _)| *i)
    else {
        return (body.trim_matches(is_space).to_string(), Vec::new(), false);
    };
    let before = &body[..label_at];
    let open = before
        .trim_end_matches(is_space)
        .char_indices()
        .last()
        .filter(|(_, c)| matches!(c, '（' | '('))
        .map(|(i, _)| i);
    let after = &body[label_at + label.len()..];
    let close = after.find(['）', ')']).unwrap_or(after.len());
    let mut units = after[..close].trim_start_matches(['：', ':', ' ', '\u{3000}']);
    // Only the leads: `牵头单位：A；配合单位：B` keeps A.
    for stop in ["；", ";", "配合", "协办", "参与", "责任单位"] {
        if let Some(i) = units.find(stop) {
            units = &units[..i];
        }
    }
    let mut leads: Vec<String> = Vec::new();
    let all = units
        .split(['、', '，', ',', '/', ' ', '\u{3000}'])
        .map(|u| {
            u.trim_matches(is_space)
                .trim_end_matches("等单位")
                .trim_end_matches('等')
                .to_string()
        })
        .filter(|u| !u.is_empty());
    for u in all {
        if !leads.contains(&u) {
            leads.push(u);
        }
    }
    let close_end = after[close..]
        .chars()
        .next()
        .map_or(after.len(), |c| close + c.len_utf8());
    let end = label_at + label.len() + close_end;
    let start = open.unwrap_or(label_at);
    let mut text = String::new();
    text.push_str(&body[..start]);
    text.push_str(&body[end..]);
    (text.trim_matches(is_space).to_string(), leads, true)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    pub issuer: Option<String>,
    pub convener: Option<String>,
    pub deputies: Vec<String>,
    pub members: Vec<String>,
    pub office: Option<String>,
    /// What the plan calls the office: `领导小组办公室设在…` → 领导小组办公室.
    pub office_name: Option<String>,
    /// A member unit that supervises (县政府督查室), for the bulletin's follow-up.
    pub supervisor: Option<String>,
}

/// The working group as the 推进机制 part names it. Plans say it a few ways:
/// `由 X 担任召集人`, `召集人：X`, `X 任组长`; a 领导小组's 组长 and a
/// 指挥部's 指挥长 are read as the convener.
pub fn working_group(text: &str) -> Group {
    let mut g = Group {
        convener: role(
            text,
            &["召集人", "组长", "指挥长"],
            &["副召集人", "副组长", "副指挥长"],
        )
        .map(|v| v.join("、")),
        deputies: role(text, &["副召集人", "副组长", "副指挥长"], &[]).unwrap_or_default(),
        ..Group::default()
    };
    for key in ["成员单位包括", "成员单位为", "成员单位有", "成员单位："] {
        if let Some(i) = text.find(key) {
            let list = until_any(&text[i + key.len()..], &["。", "；", ";", "\n"]);
            g.members = split_list(list)
                .into_iter()
                .map(|m| m.trim_end_matches("等单位").to_string())
                .filter(|m| !m.is_empty())
                .collect();
            break;
        }
    }
    for key in ["办公室设在", "办公室设于", "办公室设"] {
        if let Some(i) = text.find(key) {
            let office = until_any(&text[i + key.len()..], &["，", ",", "。", "；", "\n"]);
            let office = office.trim_matches(is_space);
            if !office.is_empty() {
                g.office = Some(office.to_string());
            }
            // `专班办公室设…`, or `指挥部下设办公室，办公室设在…`.
            g.office_name = office_name(&text[..i]).or_else(|| {
                text.find("下设办公室")
                    .and_then(|j| office_name(&text[..j]))
            });
            break;
        }
    }
    g.supervisor = g.members.iter().find(|m| m.contains("督查")).cloned();
    if let Some(i) = text.find("成立") {
        let rest = until_any(
            &text[i + "成立".len()..],
            &["，", ",", "。", "；", "（", "("],
        );
        for end in ["工作专班", "专班", "领导小组", "工作组", "指挥部"] {
            if let Some(j) = rest.find(end) {
                g.issuer = Some(rest[..j + end.len()].trim_matches(is_space).to_string());
                break;
            }
        }
    }
    g
}

/// The office's name from the words just before `办公室`: a group word
/// (`领导小组`, `县民生实事工作专班`) gives `领导小组办公室`, `专班办公室`.
fn office_name(before: &str) -> Option<String> {
    let start = before
        .rfind(['。', '；', ';', '，', ',', '\n', '：', ':'])
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    crate::plan::words::short_group(before[start..].trim_matches(is_space))
        .map(|g| format!("{g}办公室"))
}

fn until_any<'a>(s: &'a str, stops: &[&str]) -> &'a str {
    let end = stops
        .iter()
        .filter_map(|p| s.find(p))
        .min()
        .unwrap_or(s.len());
    &s[..end]
}

fn split_list(s: &str) -> Vec<String> {
    s.split(['、', '，', ','])
        .map(|x| {
            x.trim_matches(is_space)
                .trim_start_matches("和")
                .trim_end_matches('等')
                .to_string()
        })
        .filter(|x| !x.is_empty())
        .collect()
}

/// Holders of a role: `由 A、B 担任 ROLE` / `A 任 ROLE` / `ROLE：A、B` /
/// `ROLE 由 A 担任`. `not` lists longer roles containing this one (副召集人
/// contains 召集人) so they are not mistaken for it.
fn role(text: &str, names: &[&str], not: &[&str]) -> Option<Vec<String>> {
    for name in names {
        for (at, _) in text.match_indices(name) {
            let is_longer = not.iter().any(|n| {
                let lead = n.len() - name.len();
                at.checked_sub(lead)
                    .and_then(|from| text.get(from..))
                    .is_some_and(|t| t.starts_with(n))
            });
            if is_longer {
                continue;
            }
            let before = &text[..at];
            for verb in ["担任", "任", "为"] {
                if let Some(b) = before.strip_suffix(verb) {
                    let start = ["由", "，", ",", "。", "；", "\n"]
                        .iter()
                        .filter_map(|p| b.rfind(p).map(|i| i + p.len()))
                        .max()
                        .unwrap_or(0);
                    let holders = split_list(&b[start..]);
                    if !holders.is_empty() {
                        return Some(holders);
                    }
                }
            }
            let after = &text[at + name.len()..];
            let after = after
                .strip_prefix("：")
                .or_else(|| after.strip_prefix(":"))
                .or_else(|| after.strip_prefix("为"))
                .or_else(|| after.strip_prefix("由"));
            if let Some(a) = after {
                let a = until_any(a, &["，", ",", "。", "；", "\n", "担任"]);
                let holders = split_list(a);
                if !holders.is_empty() {
                    return Some(holders);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn markers_of_each_level_are_told_apart() {
        let m = parse_marker;
        assert_eq!(
            m("二、工作任务"),
            Some((Marker::Part, "二、".into(), "工作任务".into()))
        );
        assert_eq!(m("（三）办好县级").unwrap().0, Marker::Section);
        assert_eq!(m("(十二)其他").unwrap().0, Marker::Section);
        assert_eq!(m("（1）建成").unwrap().0, Marker::Paren);
        assert_eq!(m("(23) 完成").unwrap().0, Marker::Paren);
        assert_eq!(m("１２．实施").unwrap().0, Marker::Num);
        assert_eq!(m("3、推进").unwrap().0, Marker::Num);
        // Not markers: a continued line that starts with a number.
        assert_eq!(m("1.5 万人。"), None);
        assert_eq!(m("2024 年，创建"), None);
        assert_eq!(m("（2024年）"), None);
        assert_eq!(m("（牵头单位：县教育局）"), None);
    }

    #[test]
    fn lines_broken_mid_word_are_joined_back() {
        let (title, b) = blocks(&lines(
            "附件\n\n某县民生实事实施方案\n\n一、工作任务\n\n（1）为4200名新生儿提供先天性心脏\n\n病筛查。（牵头单\n\n位：县卫生健康局）\n\n2. 开展 13\n\n种筛查 300 人次。（牵头单位：县卫健局）\n\n三、推进机制\n\n成立专班。",
        ));
        assert_eq!(title.as_deref(), Some("某县民生实事实施方案"));
        assert_eq!(
            b[1].text,
            "为4200名新生儿提供先天性心脏病筛查。（牵头单位：县卫生健康局）"
        );
        assert_eq!(b[2].text, "开展 13 种筛查 300 人次。（牵头单位：县卫健局）");
        // A part heading never swallows the paragraph under it.
        assert_eq!(b[3].text, "推进机制");
        assert_eq!(b[4].text, "成立专班。");
    }

    #[test]
    fn levels_categories_and_items_are_sorted_out() {
        let o = outline(&lines(
            "一、工作目标\n办好实事。\n二、工作任务\n（一）办好省级重点民生实事\n1. 推进教育发展\n（1）建成学校 2 所。（牵头单位：县教育局）\n(2) 新增学位 300 个。(牵头单位:县教育局)\n2. 关爱特殊群体\n（3）救助 100 人。（牵头单位：县民政局、县残联）\n（二）办好可感可及的五大市级重点民生实事\n1. 实施道路建设。改造道路 5 公里。（牵头单位：县交通运输局）\n（三）办好区级实事\n1. 新建公园 1 个。（牵头单位：区城管局）\n三、推进机制\n成立专班。",
        ));
        let t = &o.tasks;
        assert_eq!(t.len(), 5);
        assert_eq!(
            t.iter().map(|t| t.level).collect::<Vec<_>>(),
            [
                Level::Province,
                Level::Province,
                Level::Province,
                Level::City,
                Level::County
            ]
        );
        assert_eq!(t[0].category, "推进教育发展");
        assert_eq!(t[0].category_heading.as_deref(), Some("1. 推进教育发展"));
        assert_eq!(t[2].category, "关爱特殊群体");
        assert_eq!(t[3].category, "五大市级重点民生实事");
        assert_eq!(t[3].category_heading, None);
        assert!(t[3].body.starts_with("实施道路建设。"));
        assert_eq!(o.mechanism, "成立专班。");
    }

    #[test]
    fn a_section_without_a_level_is_reported_not_guessed() {
        let o = outline(&lines(
            "二、工作任务\n（一）其他事项\n1. 建成学校 1 所。（牵头单位：县教育局）\n三、推进机制\n成立专班。",
        ));
        assert!(o.tasks.is_empty());
        assert!(o.warnings[0].contains("其他事项"), "{:?}", o.warnings);
    }

    #[test]
    fn lead_notes_in_either_width_with_one_or_several_units() {
        let (text, leads, found) = split_leads("建成学校 2 所。（牵头单位：县教育局）");
        assert_eq!(
            (text.as_str(), leads, found),
            ("建成学校 2 所。", vec!["县教育局".to_string()], true)
        );
        let (text, leads, _) = split_leads(
            "对河段进行加固(含 3 个泵站)。(牵头单位:县水利局、县生活垃圾焚烧发电项目指挥部)",
        );
        assert_eq!(text, "对河段进行加固(含 3 个泵站)。");
        assert_eq!(leads, ["县水利局", "县生活垃圾焚烧发电项目指挥部"]);
        let (_, leads, _) = split_leads("改造 5 个。（牵头单位：县住建局；配合单位：县财政局）");
        assert_eq!(leads, ["县住建局"]);
        let (text, leads, found) = split_leads("改造 5 个。");
        assert_eq!(
            (text.as_str(), leads.len(), found),
            ("改造 5 个。", 0, false)
        );
    }

    #[test]
    fn the_working_group_is_read_in_its_usual_wordings() {
        let g = working_group(
            "成立县民生可感行动工作专班，由县政府分管副县长担任召集人，县政府办分管副主任、县人社局主要负责人担任副召集人，成员单位包括县教育局、县民政局、县财政局等。专班办公室设县人社局，负责日常协调。",
        );
        assert_eq!(g.issuer.as_deref(), Some("县民生可感行动工作专班"));
        assert_eq!(g.convener.as_deref(), Some("县政府分管副县长"));
        assert_eq!(g.deputies, ["县政府办分管副主任", "县人社局主要负责人"]);
        assert_eq!(g.members, ["县教育局", "县民政局", "县财政局"]);
        assert_eq!(g.office.as_deref(), Some("县人社局"));
        assert_eq!(g.office_name.as_deref(), Some("专班办公室"));
        assert_eq!(g.supervisor, None);

        let g = working_group(
            "成立区民生实事工作领导小组，组长：区长；副组长：常务副区长、分管副区长；成员单位：区教育局、区卫健局。领导小组办公室设在区发改局。",
        );
        assert_eq!(g.issuer.as_deref(), Some("区民生实事工作领导小组"));
        assert_eq!(g.convener.as_deref(), Some("区长"));
        assert_eq!(g.deputies, ["常务副区长", "分管副区长"]);
        assert_eq!(g.members, ["区教育局", "区卫健局"]);
        assert_eq!(g.office.as_deref(), Some("区发改局"));
        assert_eq!(g.office_name.as_deref(), Some("领导小组办公室"));

        let g = working_group(
            "成立区重点民生实事项目建设指挥部，区长任指挥长，成员单位包括区发展和改革局、区财政局、区委区政府督查室。指挥部下设办公室，办公室设在区发展和改革局，负责日常调度。",
        );
        assert_eq!(g.issuer.as_deref(), Some("区重点民生实事项目建设指挥部"));
        assert_eq!(g.convener.as_deref(), Some("区长"));
        assert_eq!(g.office.as_deref(), Some("区发展和改革局"));
        assert_eq!(g.office_name.as_deref(), Some("指挥部办公室"));
        assert_eq!(g.supervisor.as_deref(), Some("区委区政府督查室"));

        // An office without a group word before it is left to the catalog's default.
        let g = working_group("成立县民生实事工作专班。日常工作由办公室设在县财政局的专班负责。");
        assert_eq!(g.office_name, None);
    }

    #[test]
    fn chinese_numerals_up_to_99() {
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(20), "二十");
        assert_eq!(chinese_numeral(35), "三十五");
    }
}
