//! What differs between two catalogs (`minsheng catalog diff A.toml B.toml`),
//! so the office can review a draft against last year's catalog or the
//! hand-made one before forms go out with it.
//!
//! Compared is what forms and reports use: the plan header, the reporting
//! departments, each task's level, category, title and leads, and each
//! indicator's name, target, baseline, unit, kind and department. The plan
//! text (`text`) and the working group are not compared.
//!
//! Indicators are paired first where target, unit and kind agree, the
//! closest names first (a code moved by an indicator added or removed
//! before it, in the same task or by a task inserted, is still the same
//! indicator), then by code or a close name where the target changed; what
//! is left was added or removed.

use crate::plan::catalog::{Catalog, Indicator, Kind, Task};
use crate::text::{number, pad, truncate, width};

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// 新增 / 删除 / 修改 / 编号变化
    pub(crate) what: &'static str,
    /// The code (or codes, `P03-1 → P04-1`) it is about.
    pub(crate) code: String,
    /// Which field.
    pub(crate) field: String,
    pub(crate) a: String,
    pub(crate) b: String,
}

fn change(what: &'static str, code: &str, field: &str, a: String, b: String) -> Change {
    Change {
        what,
        code: code.to_string(),
        field: field.to_string(),
        a,
        b,
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Count => "数量",
        Kind::Percent => "百分比",
        Kind::Standard => "标准",
        Kind::Milestone => "阶段",
    }
}

/// The target exactly (`3.911`, not a report's rounded `3.91`), so a change
/// in the third decimal still shows.
fn target(i: &Indicator) -> String {
    match i.kind {
        Kind::Milestone => format!("{} {}", crate::plan::catalog::MILESTONE_TARGET, i.unit),
        _ => format!("{} {}", i.target, i.unit),
    }
}

fn summary(i: &Indicator) -> String {
    format!("{}：{}", i.name, target(i))
}

fn same_value(a: &Indicator, b: &Indicator) -> bool {
    a.unit == b.unit && a.kind == b.kind && (a.target - b.target).abs() < 1e-9
}

/// Names this alike are one indicator when target and unit agree…
const SIMILAR: f64 = 0.4;
/// …and this alike when the target changed too.
const CLOSE: f64 = 0.6;

/// How alike two names are, 0 to 1: the Dice coefficient of their
/// two-character pieces, which suits Chinese, where a reviewer rewords a
/// name by adding or dropping words (`新建农村供水工程解决饮水提质问题` →
/// `农村供水工程解决饮水提质人数`).
fn similarity(a: &str, b: &str) -> f64 {
    let pieces = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
        match c.len() {
            0 => Vec::new(),
            1 => vec![(c[0], c[0])],
            _ => c.windows(2).map(|w| (w[0], w[1])).collect(),
        }
    };
    let (pa, mut pb) = (pieces(a), pieces(b));
    if pa.is_empty() || pb.is_empty() {
        return 0.0;
    }
    let total = pa.len() + pb.len();
    let mut common = 0;
    for p in &pa {
        if let Some(k) = pb.iter().position(|q| q == p) {
            pb.swap_remove(k);
            common += 1;
        }
    }
    2.0 * common as f64 / total as f64
}

/// Every difference between catalog `a` and catalog `b`, in catalog order.
pub(crate) fn diff(a: &Catalog, b: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    for (field, x, y) in [
        ("方案名称", a.plan.name.clone(), b.plan.name.clone()),
        ("县名", a.plan.county.clone(), b.plan.county.clone()),
        ("年度", a.plan.year.to_string(), b.plan.year.to_string()),
        ("目录版本", a.version.clone(), b.version.clone()),
        ("发布单位", a.plan.issuer.clone(), b.plan.issuer.clone()),
    ] {
        if x != y {
            out.push(change("修改", "方案", field, x, y));
        }
    }
    for d in &a.departments {
        if !b.has_department(d) {
            out.push(change("删除", "单位", "报送单位", d.clone(), String::new()));
        }
    }
    for d in &b.departments {
        if !a.has_department(d) {
            out.push(change("新增", "单位", "报送单位", String::new(), d.clone()));
        }
    }

    let task_b = |code: &str| b.tasks.iter().find(|t| t.code == code);
    for ta in &a.tasks {
        match task_b(&ta.code) {
            None => out.push(change(
                "删除",
                &ta.code,
                "任务",
                format!("{}（{}）", ta.title, a.level_name(ta.level)),
                String::new(),
            )),
            Some(tb) => task_changes(ta, tb, &mut out),
        }
    }
    for tb in &b.tasks {
        if !a.tasks.iter().any(|t| t.code == tb.code) {
            out.push(change(
                "新增",
                &tb.code,
                "任务",
                String::new(),
                format!("{}（{}）", tb.title, b.level_name(tb.level)),
            ));
        }
    }

    let ia: Vec<&Indicator> = a.indicators().collect();
    let ib: Vec<&Indicator> = b.indicators().collect();
    let mut used_a = vec![false; ia.len()];
    let mut used_b = vec![false; ib.len()];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    // Same value: pair even with other names when the code is the same or
    // the names are alike. Changed value: only the same code or a close name.
    for (values_agree, least) in [(true, SIMILAR), (false, CLOSE)] {
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        for (i, x) in ia.iter().enumerate() {
            for (j, y) in ib.iter().enumerate() {
                if used_a[i] || used_b[j] || same_value(x, y) != values_agree {
                    continue;
                }
                let sim = similarity(&x.name, &y.name);
                let same_code = x.code == y.code;
                if same_code || sim >= least {
                    let score = sim
                        + if same_code { 0.25 } else { 0.0 }
                        + if x.task == y.task { 0.1 } else { 0.0 };
                    candidates.push((score, i, j));
                }
            }
        }
        // Best pairs first; ties in catalog order.
        candidates.sort_by(|p, q| q.0.total_cmp(&p.0).then((p.1, p.2).cmp(&(q.1, q.2))));
        for (_, i, j) in candidates {
            if !used_a[i] && !used_b[j] {
                used_a[i] = true;
                used_b[j] = true;
                pairs.push((i, j));
            }
        }
    }
    // A task inserted earlier shifts every code after it: same value, codes
    // that exist in one catalog only, names reworded past recognition.
    let codes_a: Vec<&str> = ia.iter().map(|i| i.code.as_str()).collect();
    let codes_b: Vec<&str> = ib.iter().map(|i| i.code.as_str()).collect();
    for (i, x) in ia.iter().enumerate() {
        if used_a[i] || codes_b.contains(&x.code.as_str()) {
            continue;
        }
        if let Some(j) = (0..ib.len()).find(|&j| {
            !used_b[j] && same_value(x, ib[j]) && !codes_a.contains(&ib[j].code.as_str())
        }) {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push((i, j));
        }
    }
    pairs.sort_by_key(|&(i, j)| (j, i));
    for (i, j) in pairs {
        indicator_changes(ia[i], ib[j], &mut out);
    }
    for (i, x) in ia.iter().enumerate() {
        if !used_a[i] {
            out.push(change("删除", &x.code, "指标", summary(x), String::new()));
        }
    }
    for (j, y) in ib.iter().enumerate() {
        if !used_b[j] {
            out.push(change("新增", &y.code, "指标", String::new(), summary(y)));
        }
    }
    out
}

fn task_changes(a: &Task, b: &Task, out: &mut Vec<Change>) {
    let mut field = |what: &str, x: String, y: String| {
        if x != y {
            out.push(change("修改", &a.code, what, x, y));
        }
    };
    field("级别", a.level.to_string(), b.level.to_string());
    field("牵头单位", a.leads.join("、"), b.leads.join("、"));
    field("类别", a.category.clone(), b.category.clone());
    field("任务名称", a.title.clone(), b.title.clone());
}

fn indicator_changes(a: &Indicator, b: &Indicator, out: &mut Vec<Change>) {
    let code = if a.code == b.code {
        a.code.clone()
    } else {
        let moved = format!("{} → {}", a.code, b.code);
        out.push(change(
            "编号变化",
            &moved,
            "指标编号",
            a.code.clone(),
            b.code.clone(),
        ));
        moved
    };
    let mut field = |differs: bool, what: &str, x: String, y: String| {
        if differs {
            out.push(change("修改", &code, what, x, y));
        }
    };
    let kind = |i: &Indicator| format!("{}（{}）", kind_name(i.kind), i.kind.name());
    field(a.kind != b.kind, "类型", kind(a), kind(b));
    let targets_differ = match (a.kind, b.kind) {
        (Kind::Milestone, Kind::Milestone) => false,
        (Kind::Milestone, _) | (_, Kind::Milestone) => true,
        _ => (a.target - b.target).abs() >= 1e-9,
    };
    field(targets_differ, "年度目标", target(a), target(b));
    field(a.unit != b.unit, "单位", a.unit.clone(), b.unit.clone());
    let show = |v: Option<f64>| v.map(number).unwrap_or_else(|| "（无）".into());
    field(
        a.baseline != b.baseline,
        "原标准",
        show(a.baseline),
        show(b.baseline),
    );
    field(
        a.department != b.department,
        "报送单位",
        a.department.clone(),
        b.department.clone(),
    );
    field(a.name != b.name, "指标名称", a.name.clone(), b.name.clone());
}

/// The comparison as a table the office reads in a terminal.
pub(crate) fn render(
    a_name: &str,
    b_name: &str,
    a: &Catalog,
    b: &Catalog,
    changes: &[Change],
) -> String {
    let mut s = format!(
        "比较 A：{a_name}（{} 项任务，{} 个指标）\n     B：{b_name}（{} 项任务，{} 个指标）\n",
        a.tasks.len(),
        a.indicators().count(),
        b.tasks.len(),
        b.indicators().count()
    );
    if changes.is_empty() {
        s.push_str("两份目录相同。\n");
        return s;
    }
    const CELL: usize = 36;
    let cols = [
        (
            "变化",
            changes.iter().map(|c| width(c.what)).max().unwrap_or(0),
        ),
        (
            "编号",
            changes.iter().map(|c| width(&c.code)).max().unwrap_or(0),
        ),
        (
            "项目",
            changes.iter().map(|c| width(&c.field)).max().unwrap_or(0),
        ),
        (
            "A",
            changes
                .iter()
                .map(|c| width(&truncate(&c.a, CELL)))
                .max()
                .unwrap_or(0),
        ),
    ];
    let w: Vec<usize> = cols.iter().map(|(h, n)| (*n).max(width(h))).collect();
    s.push('\n');
    s.push_str(&format!(
        "{}  {}  {}  {}  B\n",
        pad("变化", w[0]),
        pad("编号", w[1]),
        pad("项目", w[2]),
        pad("A", w[3])
    ));
    s.push_str(&format!(
        "{}\n",
        "-".repeat(w.iter().sum::<usize>() + 8 + CELL)
    ));
    for c in changes {
        let dash = |v: &str| {
            if v.is_empty() {
                "—".to_string()
            } else {
                truncate(v, CELL)
            }
        };
        s.push_str(&format!(
            "{}  {}  {}  {}  {}\n",
            pad(c.what, w[0]),
            pad(&c.code, w[1]),
            pad(&c.field, w[2]),
            pad(&dash(&c.a), w[3]),
            dash(&c.b)
        ));
    }
    let count = |what: &str| changes.iter().filter(|c| c.what == what).count();
    s.push_str(&format!(
        "\n共 {} 处不同（修改 {}，新增 {}，删除 {}，编号变化 {}）。\n",
        changes.len(),
        count("修改"),
        count("新增"),
        count("删除"),
        count("编号变化")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(src: &str) -> Catalog {
        Catalog::parse(src, "t", "t.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn shipped() -> String {
        crate::testutil::SHIPPED.to_string()
    }

    #[test]
    fn a_catalog_equals_itself() {
        let c = catalog(&shipped());
        assert!(diff(&c, &c).is_empty());
        assert!(render("a", "b", &c, &c, &[]).contains("两份目录相同"));
    }

    #[test]
    fn a_changed_target_unit_and_department_are_each_named() {
        let a = catalog(&shipped());
        let src = shipped()
            .replacen("target = 4200", "target = 4300", 1)
            .replacen("unit = \"万亩\"", "unit = \"亩\"", 1)
            .replacen(
                "department = \"县交通运输局\"",
                "department = \"县人社局\"",
                1,
            );
        let b = catalog(&src);
        let d = diff(&a, &b);
        let find = |code: &str, field: &str| {
            d.iter()
                .find(|c| c.code == code && c.field == field)
                .unwrap_or_else(|| panic!("{code} {field} in {d:#?}"))
        };
        assert_eq!(find("P03-1", "年度目标").a, "4200 名");
        assert_eq!(find("P03-1", "年度目标").b, "4300 名");
        assert_eq!(find("P22-2", "单位").b, "亩");
        assert_eq!(find("P18-2", "报送单位").b, "县人社局");
        assert_eq!(d.len(), 3, "{d:#?}");
    }

    #[test]
    fn renumbered_indicators_are_matched_by_their_target() {
        let a = catalog(&shipped());
        // P02's two indicators swap codes.
        let src = shipped()
            .replacen("code = \"P02-1\"", "code = \"P02-X\"", 1)
            .replacen("code = \"P02-2\"", "code = \"P02-1\"", 1)
            .replacen("code = \"P02-X\"", "code = \"P02-2\"", 1);
        let b = catalog(&src);
        let d = diff(&a, &b);
        assert!(
            d.iter().all(|c| c.what == "编号变化"),
            "only the codes moved: {d:#?}"
        );
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn added_and_removed_indicators_and_tasks() {
        let a = catalog(&shipped());
        let cut = shipped().replacen(
            "\n[[tasks.indicators]]\ncode = \"P02-2\"\nname = \"惠及家长\"\ntarget = 41000\nunit = \"名\"\nkind = \"count\"\ndepartment = \"县妇联\"\n",
            "\n",
            1,
        );
        let b = catalog(&cut);
        let d = diff(&a, &b);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!((d[0].what, d[0].code.as_str()), ("删除", "P02-2"));
        let d = diff(&b, &a);
        assert_eq!((d[0].what, d[0].code.as_str()), ("新增", "P02-2"));
        assert!(d[0].b.contains("41000 名"));
    }

    #[test]
    fn names_are_alike_by_their_pieces() {
        assert_eq!(similarity("城市低保标准", "城市低保标准"), 1.0);
        assert_eq!(similarity("新建学校", "改造道路"), 0.0);
        assert!(
            similarity(
                "新建农村供水工程解决饮水提质问题",
                "农村供水工程解决饮水提质人数"
            ) > CLOSE
        );
        assert!(similarity("城镇新增就业", "城镇调查失业率") < SIMILAR);
    }

    #[test]
    fn codes_moved_by_an_indicator_removed_before_them_are_paired() {
        // The draft had a stage before M06's four counts (two of them 4 个);
        // the reviewer removed it and reworded a name, so every code moved.
        let mut draft = shipped();
        for k in (1..=4).rev() {
            draft = draft.replacen(
                &format!("code = \"M06-{k}\""),
                &format!("code = \"M06-{}\"", k + 1),
                1,
            );
        }
        let draft = draft.replacen(
            "[[tasks.indicators]]\ncode = \"M06-2\"",
            "[[tasks.indicators]]\ncode = \"M06-1\"\nname = \"建设和美乡村\"\ntarget = \"完成\"\nunit = \"阶段\"\nkind = \"milestone\"\ndepartment = \"县乡村振兴局\"\n\n[[tasks.indicators]]\ncode = \"M06-2\"",
            1,
        );
        let a = catalog(&draft);
        let b = catalog(&shipped().replacen(
            "name = \"村农村人居环境提档升级\"",
            "name = \"农村人居环境提档升级村数\"",
            1,
        ));
        let d = diff(&a, &b);
        let moved: Vec<&str> = d
            .iter()
            .filter(|c| c.what == "编号变化")
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(
            moved,
            [
                "M06-2 → M06-1",
                "M06-3 → M06-2",
                "M06-4 → M06-3",
                "M06-5 → M06-4"
            ],
            "{d:#?}"
        );
        assert!(
            d.iter()
                .any(|c| c.what == "删除" && c.code == "M06-1" && c.a.contains("建设和美乡村")),
            "{d:#?}"
        );
        assert!(
            d.iter().all(|c| c.field != "年度目标"),
            "no target is said to have changed: {d:#?}"
        );
        assert!(
            d.iter()
                .any(|c| c.code == "M06-5 → M06-4" && c.field == "指标名称"),
            "{d:#?}"
        );
        assert_eq!(d.len(), 6, "{d:#?}");
    }

    #[test]
    fn the_table_fits_and_counts() {
        let a = catalog(&shipped());
        let b = catalog(&shipped().replacen("target = 4200", "target = 4300", 1));
        let d = diff(&a, &b);
        let t = render("a.toml", "b.toml", &a, &b, &d);
        assert!(t.contains("P03-1") && t.contains("4300 名"), "{t}");
        assert!(t.contains("共 1 处不同"), "{t}");
    }
}
