//! `minsheng catalog` as a table that fits a 100-column terminal.

use crate::catalog::{Catalog, Level};
use crate::text::{pad, pad_left, truncate};

const CODE: usize = 6;
const NAME: usize = 36;
const TARGET: usize = 9;
const UNIT: usize = 6;
const DEPT: usize = 28;

pub fn render(c: &Catalog) -> String {
    let mut out = String::new();
    let n_ind = c.indicators().count();
    out.push_str(&format!(
        "{}（{} 年）任务目录 {}：{} 项任务，{} 个指标，{} 个报送单位\n",
        c.plan.name,
        c.plan.year,
        c.version,
        c.tasks.len(),
        n_ind,
        c.departments.len()
    ));
    for level in Level::ALL {
        let tasks: Vec<_> = c.tasks.iter().filter(|t| t.level == level).collect();
        if tasks.is_empty() {
            continue;
        }
        out.push_str(&format!("\n【{}】{} 项任务\n", level.name(), tasks.len()));
        out.push_str(&format!(
            "{}  {}  {} {}  {}\n",
            pad("编号", CODE),
            pad("指标", NAME),
            pad_left("年度目标", TARGET),
            pad("单位", UNIT),
            "报送单位"
        ));
        out.push_str(&format!(
            "{}\n",
            "-".repeat(CODE + NAME + TARGET + UNIT + DEPT + 7)
        ));
        for t in tasks {
            out.push_str(&format!(
                "{}  {}\n",
                pad(&t.code, CODE),
                truncate(&t.title, NAME + TARGET + UNIT + 4)
            ));
            for i in &t.indicators {
                out.push_str(&format!(
                    "{}  {}  {} {}  {}\n",
                    pad(&format!(" {}", i.code), CODE),
                    pad(&truncate(&i.name, NAME), NAME),
                    pad_left(&i.target_text(), TARGET),
                    pad(&i.unit, UNIT),
                    truncate(&i.department, DEPT)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::width;

    #[test]
    fn every_line_fits_100_columns_and_every_indicator_is_listed() {
        let c = crate::testutil::catalog();
        let table = render(&c);
        for line in table.lines() {
            assert!(width(line) <= 100, "{} columns: {line}", width(line));
        }
        for i in c.indicators() {
            assert!(table.contains(&i.code), "{} missing", i.code);
        }
        assert!(table.contains("4200"));
        assert!(table.contains("县生活垃圾焚烧发电项目指挥部"));
    }
}
