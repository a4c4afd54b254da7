//! Plans written as a table: a Word table (its rows arrive as tab-separated
//! lines, merged cells already filled in), the same table pasted as text
//! with tabs or `|`, or a list in a spreadsheet. The header row is found by
//! its column names, not its position; each row below it is one item.

use super::structure::is_space;

/// What a column holds, told by the words of its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Content,
    Lead,
    /// 协同单位 / 配合单位: not a department of the catalog.
    Helper,
    Category,
    Level,
    /// 投资 / 资金: an amount, never a target.
    Money,
    /// 单位 / 计量单位 beside a bare 年度目标.
    Unit,
    Other,
}

fn col_of(header: &str) -> Col {
    let h: String = header.chars().filter(|c| !is_space(*c)).collect();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if h == "单位" || h == "计量单位" {
        Col::Unit
    } else if has(&["编号", "序号"]) {
        Col::Other
    } else if has(&["投资", "资金", "金额", "万元"]) {
        Col::Money
    } else if has(&["协同", "配合", "协办", "协助", "参与"]) {
        Col::Helper
    } else if has(&["牵头", "责任单位", "责任部门", "主责", "实施单位"]) {
        Col::Lead
    } else if has(&["分类", "类别", "领域"]) {
        Col::Category
    } else if has(&["级别", "层级"]) {
        Col::Level
    } else if has(&["内容", "目标", "规模", "任务"]) {
        Col::Content
    } else if has(&["名称", "项目", "事项", "实事", "指标"]) {
        Col::Name
    } else {
        Col::Other
    }
}

/// The cells of a table line: tab-separated, or `|`-separated with the
/// outer bars of a Markdown-style row dropped.
fn cells(line: &str) -> Option<Vec<String>> {
    let sep: &[char] = if line.contains('\t') {
        &['\t']
    } else if line.matches(['|', '｜']).count() >= 2 {
        &['|', '｜']
    } else {
        return None;
    };
    let mut cells: Vec<String> = line
        .split(sep)
        .map(|c| c.trim_matches(is_space).to_string())
        .collect();
    if sep != ['\t'] {
        if cells.first().is_some_and(String::is_empty) {
            cells.remove(0);
        }
        if cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
    }
    (cells.len() >= 2).then_some(cells)
}

/// One row of a table, as an item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) category: String,
    /// The level column as written (省级, 区级), empty without one.
    pub(crate) level: String,
    /// The item written as the prose readers expect: name, content and a
    /// `（牵头单位：…）` note when the table names a lead.
    pub(crate) body: String,
    /// The 项目名称 column, when the row has content beside it.
    pub(crate) name: Option<String>,
}

/// Stands in the prose for a table taken out (`\u{E000}3` for the fourth),
/// so the items of a table under a level heading take its level.
pub(crate) const PLACE: char = '\u{E000}';

/// The tables found among the lines, each its rows, and the lines left for
/// the prose reader, with a [`PLACE`] line where each table was.
pub(crate) struct Tables {
    pub(crate) tables: Vec<Vec<Row>>,
    pub(crate) rest: Vec<String>,
}

impl Tables {
    /// The rows of the table a [`PLACE`] line stands for.
    pub(crate) fn at(&self, line: &str) -> Option<&[Row]> {
        let k: usize = line.strip_prefix(PLACE)?.parse().ok()?;
        self.tables.get(k).map(Vec::as_slice)
    }
}

struct Header {
    cols: Vec<Col>,
}

fn header(cells: &[String]) -> Option<Header> {
    let cols: Vec<Col> = cells.iter().map(|c| col_of(c)).collect();
    let named = cols.contains(&Col::Name) || cols.contains(&Col::Content);
    let known = cols.iter().filter(|c| **c != Col::Other).count();
    // Header cells are short; a row of a table is not.
    let short = cells.iter().all(|c| c.chars().count() <= 16);
    (named && known >= 2 && short).then_some(Header { cols })
}

/// Take the tables out of `lines`.
pub(crate) fn extract(lines: &[String]) -> Tables {
    let mut tables: Vec<Vec<Row>> = Vec::new();
    let mut rest = Vec::new();
    let mut current: Option<(Header, Vec<String>)> = None;
    let mut category = String::new();
    for line in lines {
        let row_cells = cells(line);
        if let Some((h, above)) = &mut current {
            match &row_cells {
                Some(c) => {
                    if let Some(r) = row(h, c, above, &mut category)
                        && let Some(rows) = tables.last_mut()
                    {
                        rows.push(r);
                    }
                    continue;
                }
                None if line.trim_matches(is_space).is_empty() => continue,
                None => {
                    // A row whose only text is a category spanning the table
                    // (a numbered heading after it ends the table).
                    let t = line.trim_matches(is_space);
                    let numbered = super::structure::parse_marker(t).is_some();
                    if t.chars().count() <= 20
                        && !t.ends_with(['。', '；'])
                        && !numbered
                        && tables.last().is_some_and(|r| !r.is_empty())
                    {
                        category = category_text(t);
                        continue;
                    }
                    current = None;
                }
            }
        }
        if let Some(c) = &row_cells
            && let Some(h) = header(c)
        {
            category.clear();
            current = Some((h, Vec::new()));
            rest.push(format!("{PLACE}{}", tables.len()));
            tables.push(Vec::new());
            continue;
        }
        rest.push(line.clone());
    }
    Tables { tables, rest }
}

/// `一、教育类` → `教育类`.
fn category_text(t: &str) -> String {
    match super::structure::parse_marker(t) {
        Some((_, _, rest)) => rest,
        None => t.to_string(),
    }
}

/// One row as an item; `above` holds the previous row's cells, for cells a
/// spreadsheet leaves empty under a merged one.
fn row(
    h: &Header,
    cells: &[String],
    above: &mut Vec<String>,
    category: &mut String,
) -> Option<Row> {
    let get = |col: Col| -> Vec<&str> {
        h.cols
            .iter()
            .zip(cells)
            .filter(|(c, _)| **c == col)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
    if filled.is_empty() {
        return None;
    }
    // A category row: one cell of text across the table.
    if filled.len() == 1 && get(Col::Name).is_empty() && get(Col::Content).is_empty() {
        *category = category_text(filled[0]);
        return None;
    }
    if let Some(i) = h.cols.iter().position(|c| *c == Col::Category) {
        match cells.get(i).filter(|v| !v.is_empty()) {
            Some(v) => *category = category_text(v),
            // Merged down in a spreadsheet: only its first row holds it.
            None => {
                if let Some(v) = above.get(i).filter(|v| !v.is_empty()) {
                    *category = category_text(v);
                }
            }
        }
    }
    *above = cells.to_vec();
    let names = get(Col::Name);
    let contents = get(Col::Content);
    if names.is_empty() && contents.is_empty() {
        return None;
    }
    let name = names.join("，");
    let mut content = contents.join("；");
    // `指标 | 单位 | 年度目标` = `新增学位 | 个 | 600`: the figure is read
    // with its unit, after what it counts.
    if let Some(unit) = get(Col::Unit).first()
        && content.parse::<f64>().is_ok()
    {
        content = format!("{name} {content} {unit}");
    }
    // The name titles the item; the content holds its outcomes, so a
    // name like 城区供水管网改造 is not read as a project of its own.
    let mut body = if content.is_empty() {
        name.clone()
    } else {
        content.clone()
    };
    if !body.ends_with(['。', '；', ';', '！']) {
        body.push('。');
    }
    let leads = get(Col::Lead);
    if !leads.is_empty() {
        body.push_str(&format!("（牵头单位：{}）", leads.join("、")));
    }
    Some(Row {
        category: category.clone(),
        level: get(Col::Level)
            .first()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        body,
        name: (!name.is_empty() && !content.is_empty()).then_some(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_table_pasted_with_tabs_or_bars_reads_the_same() {
        let tab = "某县2025年民生实事项目清单\n序号\t项目名称\t建设内容\t年度投资金额（万元）\t责任单位\n1\t城区学校扩容\t新增学位 600 个\t300\t县教体局\n2\t老旧小区改造\t改造小区 8 个\t1200\t县住建局\n说明：以上项目年底前完成。";
        let bars = tab.replace('\t', " | ");
        for text in [tab.to_string(), bars] {
            let t = extract(&lines(&text));
            let rows = t.at(&t.rest[1]).unwrap();
            assert_eq!(rows.len(), 2, "{text}");
            assert_eq!(rows[0].body, "新增学位 600 个。（牵头单位：县教体局）");
            assert_eq!(rows[0].name.as_deref(), Some("城区学校扩容"));
            assert!(!rows[1].body.contains("1200"), "investment is no target");
            assert_eq!(
                t.rest,
                [
                    "某县2025年民生实事项目清单",
                    "\u{E000}0",
                    "说明：以上项目年底前完成。"
                ]
            );
        }
    }

    #[test]
    fn a_category_merged_down_and_helpers_left_out() {
        let t = extract(&lines(
            "事项分类\t事项名称\t项目内容\t牵头单位\t协同单位\n教育\t学位扩容\t新增学位 600 个\t县教育局\t县财政局\n\t校舍改造\t改造校舍 3 栋\t县教育局\t县住建局\n卫生\t村卫生室\t建成村卫生室 5 个\t县卫健局\t",
        ));
        let got: Vec<(&str, &str)> = t.tables[0]
            .iter()
            .map(|r| (r.category.as_str(), r.body.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("教育", "新增学位 600 个。（牵头单位：县教育局）"),
                ("教育", "改造校舍 3 栋。（牵头单位：县教育局）"),
                ("卫生", "建成村卫生室 5 个。（牵头单位：县卫健局）"),
            ]
        );
    }

    #[test]
    fn a_bare_target_is_read_with_its_unit_column() {
        let t = extract(&lines(
            "序号\t指标编号\t指标\t单位\t年度目标\t牵头单位\n1\tC01-1\t新增公办学位\t个\t600\t县教育局",
        ));
        assert_eq!(
            t.tables[0][0].body,
            "新增公办学位 600 个。（牵头单位：县教育局）"
        );
    }

    #[test]
    fn prose_is_no_table() {
        assert_eq!(cells("建成学校 2 所。（牵头单位：县教育局）"), None);
        let t = extract(&lines("一、任务\n1. 建成学校 2 所。"));
        assert!(t.tables.is_empty());
        assert_eq!(t.rest.len(), 2);
    }
}
