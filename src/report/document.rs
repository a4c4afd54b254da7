//! The bulletin as an official document (公文): its title and issue line,
//! its paragraphs each knowing its level, the 落款 and 成文日期, and the
//! lagging items attached as a table of rows. The Word version is written
//! from this ([`super::docx`]), never from text it has to take apart.
//!
//! The wording is the office's: the lines of `templates/bulletin.txt` as
//! rendered, so an edit there reaches the printed copy. A line's level is
//! its 层次序数, the numbering GB/T 9704 gives a document's levels (`一、`
//! the first, `（一）` the second), as the template's header tells whoever
//! edits it; the 落款 and the date are the lines that say the context's
//! issuer and date; the attachment is built from the items themselves.

use super::bulletin::Context;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    pub(crate) title: String,
    /// `（2024年第3期）`, when the template keeps the line under the title.
    pub(crate) issue: Option<String>,
    pub(crate) blocks: Vec<Block>,
    /// 附件: the lagging items, when there are any.
    pub(crate) attachment: Option<Table>,
    /// Who issues it and on what day: the file's author and creation time.
    pub(crate) issuer: String,
    pub(crate) date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A level-one heading, `一、总体进展情况`.
    Heading(String),
    /// A level-two paragraph, `（一）压实工作责任。各牵头单位要…`: its first
    /// sentence is the heading, run in with the rest.
    RunIn {
        head: String,
        rest: String,
    },
    Body(String),
    /// 落款, flush right.
    Issuer(String),
    /// 成文日期, right, under the 落款.
    Date(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// `2024年3月滞后事项清单`
    pub(crate) title: String,
    pub(crate) note: String,
    pub(crate) columns: &'static [Column],
    /// One cell per column, in order.
    pub(crate) rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    /// Twips; the columns add up to the type area (8844).
    pub(crate) width: u32,
    /// Text read from the left (names); figures are centred.
    pub(crate) left: bool,
}

const LAGGING_COLUMNS: &[Column] = &[
    Column::centred("序号", 560),
    Column::left("指标", 2240),
    Column::left("牵头单位", 1450),
    Column::centred("年度目标", 1050),
    Column::centred("累计完成", 1050),
    Column::centred("完成率", 830),
    Column::centred("序时进度", 830),
    Column::centred("落后（百分点）", 834),
];

impl Column {
    const fn left(name: &'static str, width: u32) -> Column {
        Column {
            name,
            width,
            left: true,
        }
    }
    const fn centred(name: &'static str, width: u32) -> Column {
        Column {
            name,
            width,
            left: false,
        }
    }
}

impl Document {
    /// The bulletin's rendered text (`templates/bulletin.txt`) laid out as a
    /// document: the first line its title, a `（…）` line under it the issue,
    /// the rest by level; the lagging items of `ctx` as the attachment.
    pub(crate) fn of_bulletin(text: &str, ctx: &Context, date: NaiveDate) -> Document {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .peekable();
        let title = lines.next().unwrap_or_default().to_string();
        let issue = lines
            .next_if(|l| l.starts_with('（') && l.ends_with('）'))
            .map(String::from);
        let blocks = lines.map(|l| block(l, ctx)).collect();
        Document {
            title,
            issue,
            blocks,
            attachment: lagging_table(ctx),
            issuer: ctx.words.issuer.clone(),
            date,
        }
    }
}

fn block(line: &str, ctx: &Context) -> Block {
    if level_one(line) {
        return Block::Heading(line.to_string());
    }
    if level_two(line) {
        let cut = line
            .find('。')
            .map(|i| i + '。'.len_utf8())
            .unwrap_or(line.len());
        let (head, rest) = line.split_at(cut);
        return Block::RunIn {
            head: head.to_string(),
            rest: rest.to_string(),
        };
    }
    if line == ctx.words.issuer {
        return Block::Issuer(line.to_string());
    }
    if line == ctx.date {
        return Block::Date(line.to_string());
    }
    Block::Body(line.to_string())
}

fn cjk_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// `一、`, `十二、`: numerals, then `、`.
fn level_one(line: &str) -> bool {
    let numerals = line.chars().take_while(|&c| cjk_numeral(c)).count();
    numerals > 0 && line.chars().nth(numerals) == Some('、')
}

/// `（一）`, `（十二）`: numerals in full-width brackets.
fn level_two(line: &str) -> bool {
    let Some(inner) = line.strip_prefix('（') else {
        return false;
    };
    let numerals = inner.chars().take_while(|&c| cjk_numeral(c)).count();
    numerals > 0 && inner.chars().nth(numerals) == Some('）')
}

/// 附件: the lagging items as a table, the way bulletins attach their
/// 慢序时项目 list, most behind first (as the context has them).
fn lagging_table(ctx: &Context) -> Option<Table> {
    if ctx.lagging.is_empty() {
        return None;
    }
    let rows = ctx
        .lagging
        .iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                (n + 1).to_string(),
                format!("{}（{}）", i.name, i.code),
                i.department.clone(),
                i.target.clone(),
                i.done.clone(),
                i.rate.clone(),
                i.time.clone(),
                i.gap.clone(),
            ]
        })
        .collect();
    Some(Table {
        title: format!("{}滞后事项清单", ctx.period_text),
        note: format!("（序时进度 {}，按落后序时进度多少排列）", ctx.time_progress),
        columns: LAGGING_COLUMNS,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_fill_the_type_area() {
        assert_eq!(LAGGING_COLUMNS.iter().map(|c| c.width).sum::<u32>(), 8844);
    }

    #[test]
    fn a_line_is_a_heading_by_its_numbering_only() {
        for (line, one, two) in [
            ("一、总体进展情况", true, false),
            ("十二、其他事项", true, false),
            ("一是加快推进。", false, false),
            ("一、", true, false),
            ("、一", false, false),
            ("（一）压实工作责任。", false, true),
            ("（十一）其他。", false, true),
            ("（注：单位为户）", false, false),
            ("（一", false, false),
            ("1. 某指标", false, false),
            ("", false, false),
        ] {
            assert_eq!(level_one(line), one, "{line}");
            assert_eq!(level_two(line), two, "{line}");
        }
    }

    /// Generated lines: any text after a numbering keeps its level, and no
    /// line without one is taken for a heading.
    #[test]
    fn generated_lines_keep_their_level() {
        let numerals = ["一", "二", "九", "十", "十一", "二十"];
        let bodies = ["", "总体情况", "压实责任。各单位要抓紧。", "（注）", "、"];
        for n in numerals {
            for b in bodies {
                assert!(level_one(&format!("{n}、{b}")), "{n}、{b}");
                assert!(level_two(&format!("（{n}）{b}")), "（{n}）{b}");
                assert!(!level_one(&format!("{b}{n}")), "{b}{n}");
                let plain = format!("截至{n}月{b}");
                assert!(!level_one(&plain) && !level_two(&plain), "{plain}");
            }
        }
    }
}
