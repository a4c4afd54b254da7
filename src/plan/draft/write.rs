//! The draft as TOML, laid out like the hand-made `seeds/pingjiang-2024.toml`
//! so the office reviews it in the form it already knows: banners per level,
//! a heading per category, and above every indicator the sentence it came
//! from and what was guessed. Written by hand rather than through serde,
//! since serde cannot place comments.

use super::{Draft, DraftIndicator, DraftTask};
use crate::plan::catalog::REVIEW_MARK;
use crate::text::pad;

/// A TOML basic string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line; line breaks in quoted text would end the comment early.
fn comment(out: &mut String, text: &str) {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    out.push_str(&format!("# {}\n", one_line.trim_end()));
}

fn review(out: &mut String, notes: &[String]) {
    for n in notes {
        comment(out, &format!("{REVIEW_MARK}：{n}"));
    }
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

const RULE: &str =
    "# ============================================================================\n";

pub(crate) fn render(d: &Draft) -> String {
    let mut out = String::new();
    comment(
        &mut out,
        &format!(
            "{} {} 年任务目录（草稿）— 由 minsheng catalog draft 从 {} 起草",
            d.plan_name, d.year, d.source
        ),
    );
    out.push_str("#\n");
    for line in [
        "这是程序起草的草稿，不是定稿。核对方法：",
        "- 每个指标上方的“原文”是它所出自的句子，对照原文核对目标、单位和类型；",
        "- 程序猜测的地方（类型、报送单位、单位换算、拆分等）各有一行以“待核对”开头的注释，",
        "  核对无误或改正后删去该行；这样的注释全部删去，才算核对完成。核对完成前，",
        "  forms、report --send、remind 要加 --draft 才运行，值守程序不发通报和催报；",
        "- 类型：count 数量（累计完成）、percent 百分比（目标为百分点）、",
        "  standard 标准（提高到不低于目标，baseline 为原标准）、milestone 阶段（目标为“完成”）；",
        "- 核对完成后，用 minsheng catalog diff 旧目录.toml 本文件 查看与旧目录的差别。",
    ] {
        comment(&mut out, line);
    }
    out.push_str("schema = 1\n");
    out.push_str(&format!("version = {}\n\n", quote(&d.version)));

    out.push_str("[plan]\n");
    review(&mut out, &d.plan_notes);
    out.push_str(&format!("name = {}\n", quote(&d.plan_name)));
    out.push_str(&format!("county = {}\n", quote(&d.county)));
    out.push_str(&format!("year = {}\n", d.year));
    out.push_str("timezone = \"Asia/Shanghai\"\n");
    out.push_str(&format!("source = {}\n", quote(&d.source)));
    out.push_str(&format!("issuer = {}\n", quote(&d.issuer)));
    if d.own_level != crate::plan::catalog::Level::County.name() {
        comment(&mut out, "本级的名称：表格、通报中的级别都用这个名称。");
        out.push_str(&format!("level = {}\n", quote(&d.own_level)));
    }
    out.push('\n');

    let g = &d.group;
    if g.convener.is_some() || !g.deputies.is_empty() || !g.members.is_empty() || g.office.is_some()
    {
        out.push_str("[working_group]\n");
        review(&mut out, &d.group_notes);
        if let Some(c) = &g.convener {
            out.push_str(&format!("convener = {}\n", quote(c)));
        }
        if !g.deputies.is_empty() {
            out.push_str(&format!("deputy_conveners = {}\n", list(&g.deputies)));
        }
        if !g.members.is_empty() {
            comment(
                &mut out,
                &format!("{} 个成员单位，按原文中的顺序。", g.members.len()),
            );
            out.push_str("members = [\n");
            for m in &g.members {
                out.push_str(&format!("  {},\n", quote(m)));
            }
            out.push_str("]\n");
            let idle: Vec<&str> = g
                .members
                .iter()
                .filter(|m| !d.departments.iter().any(|(x, _)| x == *m))
                .map(String::as_str)
                .collect();
            if !idle.is_empty() {
                comment(
                    &mut out,
                    &format!("成员单位中不牵头任务、不报送的：{}", idle.join("、")),
                );
            }
        }
        if let Some(o) = &g.office {
            out.push_str(&format!("office = {}\n", quote(o)));
        }
        match &g.office_name {
            Some(n) => out.push_str(&format!("office_name = {}\n", quote(n))),
            None => comment(
                &mut out,
                "原文没有写明办公室的名称，office_name 未写，回执、催报等按发布单位称“…办公室”",
            ),
        }
        if let Some(s) = &g.supervisor {
            out.push_str(&format!("supervisor = {}\n", quote(s)));
        }
        out.push('\n');
    } else {
        comment(
            &mut out,
            &format!(
                "{REVIEW_MARK}：原文没有找到工作机构（召集人、成员单位、办公室），[working_group] 未写"
            ),
        );
        out.push('\n');
    }

    comment(
        &mut out,
        &format!(
            "{} 个报送单位（原文各牵头单位），按在（牵头单位：…）中首次出现的顺序。",
            d.departments.len()
        ),
    );
    out.push('\n');
    for (name, first) in &d.departments {
        out.push_str("[[departments]]\n");
        let line = format!("name = {}", quote(name));
        let cols = (crate::text::width(&line) + 2).max(32);
        out.push_str(&format!("{}# {first}\n\n", pad(&line, cols)));
    }

    let mut section: Option<&str> = None;
    let mut category: Option<&str> = None;
    for t in &d.tasks {
        if section != Some(t.section.as_str()) {
            section = Some(&t.section);
            category = None;
            let codes: Vec<&str> = d
                .tasks
                .iter()
                .filter(|x| x.section == t.section)
                .map(|x| x.code.as_str())
                .collect();
            out.push_str(RULE);
            let heading = if t.section.is_empty() {
                format!("{}重点民生实事", t.level_name)
            } else {
                t.section.clone()
            };
            let range = match (codes.first(), codes.last()) {
                (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
                (Some(a), _) => a.to_string(),
                _ => String::new(),
            };
            comment(&mut out, &format!("{heading} — {range}"));
            out.push_str(RULE);
            out.push('\n');
        }
        if let Some(h) = &t.category_heading
            && category != Some(h.as_str())
        {
            category = Some(h);
            comment(&mut out, &format!("--- {h} ---"));
            out.push('\n');
        }
        task(&mut out, t);
    }
    out
}

fn task(out: &mut String, t: &DraftTask) {
    review(out, &t.notes);
    out.push_str("[[tasks]]\n");
    out.push_str(&format!("code = {}\n", quote(&t.code)));
    out.push_str(&format!("level = {}\n", quote(&t.level_name)));
    out.push_str(&format!("category = {}\n", quote(&t.category)));
    out.push_str(&format!("title = {}\n", quote(&t.title)));
    out.push_str(&format!("leads = {}\n", list(&t.leads)));
    out.push_str(&format!("text = {}\n\n", quote(&t.text)));
    for i in &t.indicators {
        indicator(out, i);
    }
}

fn indicator(out: &mut String, i: &DraftIndicator) {
    comment(out, &format!("原文：{}", i.sentence));
    review(out, &i.notes);
    out.push_str("[[tasks.indicators]]\n");
    out.push_str(&format!("code = {}\n", quote(&i.code)));
    out.push_str(&format!("name = {}\n", quote(&i.name)));
    match &i.target {
        Some(n) => out.push_str(&format!("target = {}\n", n.text)),
        None => out.push_str(&format!(
            "target = {}\n",
            quote(crate::plan::catalog::MILESTONE_TARGET)
        )),
    }
    if let Some(b) = &i.baseline {
        out.push_str(&format!("baseline = {}\n", b.text));
    }
    out.push_str(&format!("unit = {}\n", quote(&i.unit)));
    out.push_str(&format!("kind = {}\n", quote(i.kind.name())));
    out.push_str(&format!("department = {}\n\n", quote(&i.department)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_valid_toml_whatever_the_plan_holds() {
        for s in ["县“三合一”", "a\"b\\c", "两行\n文字\t", "\u{0007}"] {
            let doc = format!("x = {}\n", quote(s));
            let v: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(v["x"].as_str(), Some(s));
        }
    }

    #[test]
    fn a_comment_never_spills_onto_a_second_line() {
        let mut out = String::new();
        comment(&mut out, "原文：第一行\n第二行");
        assert_eq!(out.lines().count(), 1);
    }
}
