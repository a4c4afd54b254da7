//! Shared fixtures for unit tests: the shipped catalog and two small
//! catalogs whose every figure a test can check by hand.

use crate::plan::catalog::Catalog;

/// The shipped 2024 catalog's text.
pub const SHIPPED: &str = include_str!("../seeds/pingjiang-2024.toml");

/// The shipped 2024 catalog.
pub fn catalog() -> Catalog {
    Catalog::parse(SHIPPED, "pingjiang-2024", "seeds/pingjiang-2024.toml")
        .expect("the shipped catalog loads")
}

/// Three tasks, one per level, over three departments (甲局, 乙局, 丙局), with
/// a count, a percent, two standards with baselines and a milestone.
pub const SMALL: &str = r#"
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

pub fn small_catalog() -> Catalog {
    Catalog::parse(SMALL, "t", "t.toml").expect("the small catalog loads")
}

/// Two tasks over 县教育局 and 县民政局: a count, a standard with a baseline
/// and a milestone; catalog tests break it one key at a time.
pub const TWO_DEPARTMENTS: &str = r#"
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

/// Generated text of the shapes that break careless parsing: multi-byte
/// characters next to the ASCII a parser looks for, full-width twins of
/// its punctuation, control characters, a BOM, surrogate-free emoji, and
/// the words and numbers of plans, cells, mail and configuration.
pub struct Hostile(u64);

const PIECES: &[&str] = &[
    "一",
    "二",
    "十",
    "、",
    "（",
    "）",
    "(",
    ")",
    "：",
    ":",
    "；",
    "，",
    "。",
    ",",
    ".",
    "．",
    "牵头",
    "责任单位",
    "（县教育局牵头）",
    "县",
    "局",
    "万",
    "%",
    "％",
    "个",
    "人",
    "元",
    "户",
    "约",
    "近",
    "超",
    "0",
    "1",
    "9",
    "12",
    "3.5",
    "1,000",
    "１２",
    "-",
    "—",
    "－",
    "年",
    "月",
    "日",
    "第",
    "项",
    "「",
    "」",
    "【",
    "】",
    "é",
    "😀",
    "\u{0}",
    "\u{7}",
    "\u{FEFF}",
    "\u{200B}",
    "=",
    "省级",
    "市级",
    "县级",
    "一、",
    "（一）",
    "1.",
    "1、",
    "①",
    "任务",
    "目标",
    "完成",
    "P01",
    "P01-1",
    "<",
    ">",
    "\"",
    "'",
    "\\",
    "/",
    "=?utf-8?B?",
    "?=",
    "\r\n",
    "\n",
    "\t",
    " ",
    "　",
    "250",
    "550",
    "5.7.1",
    "-",
    "[plan]",
    "[web]",
    "catalog",
    "listen",
    "#",
    "@",
    "@@",
    "<>",
    "Message-ID:",
    "From:",
    "Subject:",
    "Content-Type:",
    "…",
    "...",
    "~",
    "至",
    "不少于",
    "达到",
    "以上",
];

impl Hostile {
    pub fn new(seed: u64) -> Hostile {
        Hostile(seed | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: the same cases on every run, so a failure repeats.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `pieces` pieces, now and then a random character.
    pub fn text(&mut self, pieces: usize) -> String {
        let n = self.below(pieces + 1);
        let mut s = String::new();
        for _ in 0..n {
            if self.below(8) == 0 {
                let c = char::from_u32(self.below(0x3_0000) as u32).unwrap_or('\u{FFFD}');
                s.push(c);
            } else {
                s.push_str(PIECES[self.below(PIECES.len())]);
            }
        }
        s
    }

    /// Text cut at a random byte, so its UTF-8 may end mid-character, with
    /// some bytes flipped.
    pub fn bytes(&mut self, pieces: usize) -> Vec<u8> {
        let mut b = self.text(pieces).into_bytes();
        if !b.is_empty() {
            b.truncate(self.below(b.len() + 1));
            for _ in 0..self.below(3) {
                let i = self.below(b.len().max(1));
                if let Some(x) = b.get_mut(i) {
                    *x = self.next() as u8;
                }
            }
        }
        b
    }

    pub fn lines(&mut self, max_lines: usize, pieces: usize) -> Vec<String> {
        (0..self.below(max_lines + 1))
            .map(|_| self.text(pieces))
            .collect()
    }
}
