//! The outline of a Chinese government plan, found by numbering and layout
//! rather than by one county's headings: 一、 parts (tasks, topics such as
//! `促进就业(3项)`, or the 推进机制 part naming the working group), headings
//! and items numbered `（一）` `1.` `（1）` `①` in that order of depth, level
//! headings (省级 / 市级 / 县级 / 区级) where the plan has them, and tables in
//! their place. Lines are joined back into items first, since plan text is
//! often broken mid-word (`先天性心脏` / `病`).

use crate::plan::catalog::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `一、`
    Part,
    /// `（一）`
    Section,
    /// `1.` `1．` `1、`
    Num,
    /// `（1）` `(1)`
    Paren,
    /// `①`
    Circle,
}

impl Marker {
    /// Depth in the usual order of Chinese official numbering:
    /// 一、 > （一） > 1. > （1） > ①.
    fn rank(self) -> u8 {
        match self {
            Marker::Part => 0,
            Marker::Section => 1,
            Marker::Num => 2,
            Marker::Paren => 3,
            Marker::Circle => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Block {
    pub(crate) marker: Option<Marker>,
    /// The marker as written (`（一）`, `1.`), empty without one.
    pub(crate) label: String,
    /// The text after the marker, continuation lines joined.
    pub(crate) text: String,
}

/// One item of a level section, before its targets are read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawTask {
    pub(crate) level: Level,
    /// The level as the plan's heading names it (区级); None when no
    /// heading does, and the issuer's own level is meant.
    pub(crate) level_name: Option<String>,
    /// The section heading as written, `（一）办好…省级重点民生实事`.
    pub(crate) section: String,
    pub(crate) category: String,
    /// The category heading as written (`1. 推进教育高质量发展`) where the
    /// section has them.
    pub(crate) category_heading: Option<String>,
    /// The item text after its marker, lead note included.
    pub(crate) body: String,
    /// The item's name where the plan gives one apart from its text (a
    /// table's 项目名称 column).
    pub(crate) title: Option<String>,
    /// Said about this task for the reviewer (`待核对`).
    pub(crate) notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Outline {
    pub(crate) title: Option<String>,
    pub(crate) tasks: Vec<RawTask>,
    /// Text of the 推进机制 part (or of everything outside the sections when
    /// there is no such part), where the working group is named.
    pub(crate) mechanism: String,
    /// The whole text, for looking up the plan year.
    pub(crate) all_text: String,
    /// Things the office should hear about that belong to no task.
    pub(crate) warnings: Vec<String>,
}

const CN_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 1 → 一, 12 → 十二, 23 → 二十三 (up to 99, which is all a plan numbers).
pub(crate) fn chinese_numeral(n: usize) -> String {
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
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}'
}

/// The marker at the start of a line, the marker as written, and the rest.
pub(crate) fn parse_marker(line: &str) -> Option<(Marker, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let rest = |from: usize| {
        chars[from..]
            .iter()
            .collect::<String>()
            .trim_matches(is_space)
            .to_string()
    };
    let label = |to: usize| chars[..to].iter().collect::<String>();
    // 一、 一．
    let n = chars.iter().take_while(|&&c| is_cn_numeral(c)).count();
    if (1..=3).contains(&n) && matches!(chars.get(n), Some('、' | '．' | '.')) {
        return Some((Marker::Part, label(n + 1), rest(n + 1)));
    }
    // ①
    if chars.first().is_some_and(|c| ('①'..='⑳').contains(c)) {
        return Some((Marker::Circle, label(1), rest(1)));
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

use super::leads::has_note;
use super::table::PLACE;

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

/// A paragraph holding several items (`1. …（县人社局牵头）。2. …`) cut
/// before each numbered item that follows a lead note; numbers inside an
/// item's own text never follow one.
fn split_inline(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if i == start || !(is_digit(c) || is_cn_numeral(c) || matches!(c, '（' | '(' | '①'..='⑳'))
        {
            continue;
        }
        let before = line[start..i].trim_end_matches(is_space);
        if before.ends_with(['。', '；', ';', '）', ')'])
            && has_note(before)
            && parse_marker(&line[i..]).is_some()
        {
            out.push(before.to_string());
            start = i;
        }
    }
    out.push(line[start..].to_string());
    out
}

/// The title lines at the top and the blocks of the body.
fn blocks(lines: &[String]) -> (Option<String>, Vec<Block>) {
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
        if parse_marker(l).is_some() || ends_a_sentence(l) || !short || l.starts_with(PLACE) {
            break;
        }
        title = Some(match title {
            Some(t) => format!("{t}{l}"),
            None => l.to_string(),
        });
        lines.next();
    }
    let mut blocks: Vec<Block> = Vec::new();
    let pieces: Vec<String> = lines.flat_map(split_inline).collect();
    for line in pieces.iter().map(String::as_str) {
        // A table's place stands alone: nothing joins it, it joins nothing.
        if line.starts_with(PLACE) {
            blocks.push(Block {
                marker: None,
                label: String::new(),
                text: line.to_string(),
            });
            continue;
        }
        if let Some((marker, label, text)) = parse_marker(line) {
            blocks.push(Block {
                marker: Some(marker),
                label,
                text,
            });
            continue;
        }
        if let Some(cur) = blocks.last_mut().filter(|b| !b.text.starts_with(PLACE)) {
            let joinable = match cur.marker {
                Some(Marker::Part | Marker::Section) => false,
                // An item runs on until its lead note closes it.
                Some(Marker::Num | Marker::Paren | Marker::Circle) => {
                    !has_note(&cur.text) || !ends_a_sentence(&cur.text)
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

/// The level a heading names (`办好…十大省级重点民生实事` → 省级), with the
/// name the plan gives it: a district's own items are 区级.
fn level_of(title: &str) -> Option<(Level, &'static str)> {
    if title.contains("省级") {
        Some((Level::Province, "省级"))
    } else if title.contains("市级") && !title.contains("县级市") {
        Some((Level::City, "市级"))
    } else if title.contains("区级") {
        Some((Level::County, "区级"))
    } else if title.contains("旗级") {
        Some((Level::County, "旗级"))
    } else if title.contains("县级") || title.contains("县（区）级") {
        Some((Level::County, "县级"))
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A part of items: `二、工作任务`, or a topic (`一、促进就业(3项)`).
    Tasks {
        generic: bool,
    },
    Mechanism,
    Other,
}

/// What a part holds, from its title and whether any of its items names a
/// lead: a topic like `三、强化社会保障` is a part of items, though its
/// title says 保障.
fn part_of(title: &str, has_notes: bool) -> Part {
    let generic = ["任务", "实事", "内容", "项目"]
        .iter()
        .any(|k| title.contains(k));
    if count_of(title).is_some() {
        Part::Tasks { generic: false }
    } else if has_notes {
        Part::Tasks { generic }
    } else if ["机制", "组织", "保障", "领导", "要求"]
        .iter()
        .any(|k| title.contains(k))
    {
        Part::Mechanism
    } else if generic {
        Part::Tasks { generic: true }
    } else {
        Part::Other
    }
}

/// The count a topic heading gives: `促进就业(3项)` → 3.
fn count_of(title: &str) -> Option<usize> {
    let t = title
        .trim_end_matches(['。', '：', ':'])
        .trim_matches(is_space);
    let inner = t
        .strip_suffix(['）', ')'])?
        .rsplit_once(['（', '('])?
        .1
        .trim_start_matches('共');
    let n = inner.strip_suffix(['项', '件', '个'])?;
    n.trim().parse().ok()
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

/// A heading without its end punctuation and its count (`促进就业(3项)`).
fn heading_text(text: &str) -> String {
    let mut t = text
        .trim_end_matches(['。', '：', ':', '；', ';'])
        .trim_matches(is_space)
        .to_string();
    if count_of(&t).is_some()
        && let Some((head, _)) = t.rsplit_once(['（', '('])
    {
        t = head.trim_matches(is_space).to_string();
    }
    t
}

/// A heading above the block being read.
struct Heading {
    rank: u8,
    label: String,
    text: String,
    level: Option<(Level, &'static str)>,
    /// A part whose title only says "tasks" (`二、工作任务`): no category.
    generic: bool,
    /// What its title promises (`(3项)`) and how many items were found.
    count: Option<usize>,
}

/// Sort the blocks into tasks and the 推进机制 text. Items are found by
/// their numbering: a numbered block with nothing numbered deeper under it,
/// or any paragraph that names its lead, inside a part of items; the
/// headings above it give its level (省级 / 市级 / 县级, else the issuer's)
/// and its category. Tables are read by their columns.
pub(crate) fn outline(lines: &[String]) -> Outline {
    let tables = super::table::extract(lines);
    let (title, blocks) = blocks(&tables.rest);
    let mut out = Outline {
        title,
        all_text: blocks
            .iter()
            .filter(|b| !b.text.starts_with(PLACE))
            .map(|b| format!("{}{}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("\n"),
        ..Outline::default()
    };
    let notes: Vec<bool> = blocks.iter().map(|b| has_note(&b.text)).collect();
    let rank = |b: &Block| b.marker.map(Marker::rank);
    // A numbered block is a heading when the next numbered block sits
    // deeper and it names no lead itself; a part always is, unless it does.
    let is_heading = |i: usize| -> bool {
        let b = &blocks[i];
        let Some(r) = rank(b) else { return false };
        if notes[i] {
            return false;
        }
        if b.marker == Some(Marker::Part) {
            return true;
        }
        // A table right under it has its items too.
        blocks[i + 1..]
            .iter()
            .find(|n| n.marker.is_some() || n.text.starts_with(PLACE))
            .is_some_and(|n| rank(n).is_none_or(|next| next > r))
    };
    // Whether each part (from its heading to the next) has a lead note.
    let part_has_notes = |i: usize| -> bool {
        blocks[i + 1..]
            .iter()
            .zip(&notes[i + 1..])
            .take_while(|(b, _)| b.marker != Some(Marker::Part))
            .any(|(_, n)| *n)
    };
    let has_levels = blocks
        .iter()
        .enumerate()
        .any(|(i, b)| is_heading(i) && level_of(&b.text).is_some());

    let mut part =
        if notes.iter().any(|n| *n) && !blocks.iter().any(|b| b.marker == Some(Marker::Part)) {
            Part::Tasks { generic: true }
        } else {
            Part::Other
        };
    let mut mechanism = Vec::new();
    let mut outside = Vec::new();
    let mut stack: Vec<Heading> = Vec::new();
    // The last item and its rank, for sub-points written under it.
    let mut last_item: Option<(u8, usize)> = None;
    let mut unplaced: Vec<String> = Vec::new();
    let mut found_per_heading: Vec<(String, usize, usize)> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if b.marker == Some(Marker::Part) {
            close(&mut stack, 0);
            part = part_of(&b.text, part_has_notes(i) || notes[i]);
            last_item = None;
        }
        if let Some(r) = rank(b) {
            close(&mut stack, r);
        }
        // A table where it stood: its rows are items under the headings above.
        if let Some(rows) = tables.at(&b.text) {
            let level_heading = stack.iter().rev().find_map(|h| h.level);
            let section = stack
                .iter()
                .rev()
                .find(|h| h.level.is_some())
                .map(|h| format!("{}{}", h.label, h.text))
                .unwrap_or_default();
            let above = stack
                .iter()
                .rev()
                .take_while(|h| h.level.is_none())
                .find(|h| !h.generic)
                .map(|h| heading_text(&h.text));
            for r in rows {
                let level = level_of(&r.level).or(level_heading);
                let category = Some(r.category.clone())
                    .filter(|c| !c.is_empty())
                    .or_else(|| above.clone());
                out.tasks.push(RawTask {
                    level: level.map_or(Level::County, |l| l.0),
                    level_name: level.map(|l| l.1.to_string()),
                    section: section.clone(),
                    category: category.clone().unwrap_or_else(|| "重点民生实事".into()),
                    category_heading: category,
                    body: r.body.clone(),
                    title: r.name.clone(),
                    notes: Vec::new(),
                });
            }
            last_item = None;
            continue;
        }
        let in_mechanism = part == Part::Mechanism;
        if is_heading(i) {
            let generic =
                matches!(part, Part::Tasks { generic: true }) && b.marker == Some(Marker::Part);
            stack.push(Heading {
                rank: rank(b).unwrap_or(0),
                label: b.label.clone(),
                text: b.text.clone(),
                level: if in_mechanism {
                    None
                } else {
                    level_of(&b.text)
                },
                generic,
                count: count_of(&b.text),
            });
            last_item = None;
            if in_mechanism && b.marker != Some(Marker::Part) {
                mechanism.push(b.text.clone());
            } else if !in_mechanism
                && !matches!(part, Part::Tasks { .. })
                && b.marker != Some(Marker::Part)
            {
                outside.push(b.text.clone());
            }
            continue;
        }
        let is_item = match part {
            Part::Mechanism => false,
            Part::Tasks { .. } => b.marker.is_some() || notes[i],
            Part::Other => notes[i],
        };
        // A sub-point under an item that names its lead belongs to it.
        if let (Some((item_rank, t)), Some(r)) = (last_item, rank(b))
            && r > item_rank
            && !notes[i]
            && let Some(task) = out.tasks.get_mut(t)
        {
            // Its number is left out: `①其中…` reads as `其中…`.
            task.body = join(&task.body, &b.text);
            continue;
        }
        if !is_item {
            if in_mechanism {
                mechanism.push(b.text.clone());
            } else {
                outside.push(b.text.clone());
            }
            continue;
        }
        let level_heading = stack.iter().rev().find(|h| h.level.is_some());
        if has_levels && level_heading.is_none() {
            let under = stack
                .last()
                .map(|h| format!("{}{}", h.label, h.text))
                .unwrap_or_else(|| format!("{}{}", b.label, b.text));
            if !unplaced.contains(&under) {
                unplaced.push(under);
            }
            continue;
        }
        let category = stack
            .iter()
            .rev()
            .take_while(|h| h.level.is_none())
            .find(|h| !h.generic);
        let (level, level_name) = match level_heading.and_then(|h| h.level) {
            Some((l, name)) => (l, Some(name.to_string())),
            None => (Level::County, None),
        };
        let section = level_heading
            .map(|h| format!("{}{}", h.label, h.text))
            .unwrap_or_default();
        let default_category = level_heading
            .map(|h| section_category(&h.text))
            .unwrap_or_else(|| "重点民生实事".to_string());
        if let Some(h) = stack.iter().rev().find(|h| h.count.is_some()) {
            let key = format!("{}{}", h.label, h.text);
            match found_per_heading.iter_mut().find(|(k, _, _)| *k == key) {
                Some(e) => e.2 += 1,
                None => found_per_heading.push((key, h.count.unwrap_or(0), 1)),
            }
        }
        last_item = rank(b).map(|r| (r, out.tasks.len()));
        out.tasks.push(RawTask {
            level,
            level_name,
            section,
            category: category
                .map(|h| heading_text(&h.text))
                .unwrap_or(default_category),
            category_heading: category.map(|h| {
                let sep = if h.label.ends_with(['.', '．']) {
                    " "
                } else {
                    ""
                };
                format!("{}{sep}{}", h.label, heading_text(&h.text))
            }),
            body: b.text.clone(),
            title: None,
            notes: Vec::new(),
        });
    }
    for u in unplaced {
        out.warnings.push(format!(
            "“{u}”看不出是省级、市级还是县级，其中的事项没有列入目录"
        ));
    }
    for (heading, promised, found) in found_per_heading {
        if promised != found {
            out.warnings.push(format!(
                "“{heading}”写明 {promised} 项，找到 {found} 项，请核对是否有事项没有编号或合并在一段里"
            ));
        }
    }
    out.mechanism = if mechanism.is_empty() {
        outside.join("\n")
    } else {
        mechanism.join("\n")
    };
    out
}

/// Headings at `rank` or deeper are closed by a block at `rank`.
fn close(stack: &mut Vec<Heading>, rank: u8) {
    while stack.last().is_some_and(|h| h.rank >= rank) {
        stack.pop();
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Group {
    pub(crate) issuer: Option<String>,
    pub(crate) convener: Option<String>,
    pub(crate) deputies: Vec<String>,
    pub(crate) members: Vec<String>,
    pub(crate) office: Option<String>,
    /// What the plan calls the office: `领导小组办公室设在…` → 领导小组办公室.
    pub(crate) office_name: Option<String>,
    /// A member unit that supervises (县政府督查室), for the bulletin's follow-up.
    pub(crate) supervisor: Option<String>,
}

/// The working group as the 推进机制 part names it. Plans say it a few ways:
/// `由 X 担任召集人`, `召集人：X`, `X 任组长`; a 领导小组's 组长 and a
/// 指挥部's 指挥长 are read as the convener.
pub(crate) fn working_group(text: &str) -> Group {
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
        // Beside sections that name their level, one that does not is left out.
        let o = outline(&lines(
            "二、工作任务\n（一）办好省级实事\n1. 新建公园 1 个。（牵头单位：县城管局）\n（二）其他事项\n1. 建成学校 1 所。（牵头单位：县教育局）\n三、推进机制\n成立专班。",
        ));
        assert_eq!(o.tasks.len(), 1);
        assert!(o.warnings[0].contains("其他事项"), "{:?}", o.warnings);
        // A plan that names no level at all lists the issuer's own items.
        let o = outline(&lines(
            "二、工作任务\n（一）其他事项\n1. 建成学校 1 所。（牵头单位：县教育局）\n三、推进机制\n成立专班。",
        ));
        assert_eq!(o.tasks.len(), 1);
        assert_eq!(
            (o.tasks[0].level, o.tasks[0].level_name.as_deref()),
            (Level::County, None)
        );
        assert_eq!(o.tasks[0].category, "其他事项");
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    }

    #[test]
    fn topics_with_counts_items_in_every_numbering_and_units_in_every_wording() {
        let o = outline(&lines(
            "某县2025年十大民生实事\n一、促进就业(2项)\n(一)新增城镇就业 3000 人（县人社局牵头）。\n(二)培训农民工 1200 人次。（牵头领导：张三，责任单位：县人社局）\n二、办好教育（1项）\n①新增学位 600 个（县教育局牵头）\n三、保障措施\n（一）加强领导。成立县民生实事工作领导小组，组长：县长。",
        ));
        let got: Vec<(&str, &str)> = o
            .tasks
            .iter()
            .map(|t| (t.category.as_str(), t.body.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("促进就业", "新增城镇就业 3000 人（县人社局牵头）。"),
                (
                    "促进就业",
                    "培训农民工 1200 人次。（牵头领导：张三，责任单位：县人社局）"
                ),
                ("办好教育", "新增学位 600 个（县教育局牵头）"),
            ]
        );
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
        assert!(o.mechanism.contains("领导小组"));
    }

    #[test]
    fn a_table_under_a_level_heading_takes_its_level() {
        let o = outline(&lines(
            "某区2025年民生实事\n一、工作任务\n（一）省级民生实事\n项目名称\t建设内容\t责任单位\n学位扩容\t新增学位 600 个\t区教育局\n（二）区级民生实事\n1. 新建公园 2 个（区城管局牵头）。\n二、保障措施\n成立领导小组。",
        ));
        let got: Vec<(Level, Option<&str>, &str)> = o
            .tasks
            .iter()
            .map(|t| (t.level, t.level_name.as_deref(), t.body.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Level::Province,
                    Some("省级"),
                    "新增学位 600 个。（牵头单位：区教育局）"
                ),
                (
                    Level::County,
                    Some("区级"),
                    "新建公园 2 个（区城管局牵头）。"
                ),
            ]
        );
        assert_eq!(o.tasks[0].title.as_deref(), Some("学位扩容"));
        assert_eq!(o.mechanism, "成立领导小组。");
    }

    #[test]
    fn several_items_in_one_paragraph_are_told_apart() {
        let o = outline(&lines(
            "某区2025年民生实事\n一、主要任务\n1. 新建公园 2 个（区城管局牵头）。2. 新增托位 300 个（区卫健局牵头）。\n（一）改造道路 5 公里（区交通局牵头）",
        ));
        let bodies: Vec<&str> = o.tasks.iter().map(|t| t.body.as_str()).collect();
        assert_eq!(
            bodies,
            [
                "新建公园 2 个（区城管局牵头）。",
                "新增托位 300 个（区卫健局牵头）。",
                "改造道路 5 公里（区交通局牵头）"
            ]
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
