//! Shared fixtures for unit tests: the shipped catalog and two small
//! catalogs whose every figure a test can check by hand.

use crate::plan::catalog::Catalog;

/// The shipped 2024 catalog's text.
pub(crate) const SHIPPED: &str = include_str!("../seeds/pingjiang-2024.toml");

/// The shipped 2024 catalog.
pub(crate) fn catalog() -> Catalog {
    Catalog::parse(SHIPPED, "pingjiang-2024", "seeds/pingjiang-2024.toml")
        .expect("the shipped catalog loads")
}

/// Three tasks, one per level, over three departments (甲局, 乙局, 丙局), with
/// a count, a percent, two standards with baselines and a milestone.
pub(crate) const SMALL: &str = r#"
schema = 1
version = "t"
[plan]
name = "测试行动"
county = "测试县"
year = 2024
issuer = "测试专班"
[[departments]]
name = "甲局"
[[departments]]
name = "乙局"
[[departments]]
name = "丙局"
[[tasks]]
code = "P01"
level = "省级"
title = "建学校"
leads = ["甲局"]
[[tasks.indicators]]
code = "P01-1"
name = "建成学校"
target = 10
unit = "所"
kind = "count"
department = "甲局"
[[tasks.indicators]]
code = "P01-2"
name = "入学率"
target = 90
unit = "%"
kind = "percent"
department = "甲局"
[[tasks]]
code = "M01"
level = "市级"
title = "提标与搬迁"
leads = ["乙局"]
[[tasks.indicators]]
code = "M01-1"
name = "低保标准"
target = 700
baseline = 650
unit = "元/月"
kind = "standard"
department = "乙局"
[[tasks.indicators]]
code = "M01-2"
name = "敬老院搬迁"
target = "完成"
unit = "阶段"
kind = "milestone"
department = "乙局"
[[tasks.indicators]]
code = "M01-3"
name = "护理补贴标准"
target = 90
baseline = 80
unit = "元/月"
kind = "standard"
department = "乙局"
[[tasks]]
code = "C01"
level = "县级"
title = "修路"
leads = ["丙局"]
[[tasks.indicators]]
code = "C01-1"
name = "提质改造公路"
target = 100
unit = "km"
kind = "count"
department = "丙局"
"#;

pub(crate) fn small_catalog() -> Catalog {
    Catalog::parse(SMALL, "t", "t.toml").expect("the small catalog loads")
}

/// Two tasks over 县教育局 and 县民政局: a count, a standard with a baseline
/// and a milestone; catalog tests break it one key at a time.
pub(crate) const TWO_DEPARTMENTS: &str = r#"
schema = 1
version = "t1"
[plan]
name = "测试行动"
county = "测试县"
year = 2024
issuer = "测试专班"

[[departments]]
name = "县教育局"
[[departments]]
name = "县民政局"

[[tasks]]
code = "P01"
level = "省级"
category = "教育"
title = "建学校"
leads = ["县教育局"]
[[tasks.indicators]]
code = "P01-1"
name = "建成学校"
target = 2
unit = "所"
kind = "count"
department = "县教育局"

[[tasks]]
code = "M01"
level = "市级"
title = "低保"
leads = ["县民政局"]
[[tasks.indicators]]
code = "M01-1"
name = "城市低保标准"
target = 700
baseline = 650
unit = "元/月"
kind = "standard"
department = "县民政局"
[[tasks.indicators]]
code = "M01-2"
name = "敬老院搬迁"
target = "完成"
unit = "阶段"
kind = "milestone"
department = "县民政局"
"#;
