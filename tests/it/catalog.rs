//! The shipped 2024 catalog against the plan text, and broken catalogs.

use crate::util::Ws;
use serde_json::Value;
use std::collections::BTreeSet;

fn indicators(doc: &Value) -> Vec<&Value> {
    doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap())
        .collect()
}

#[test]
fn catalog_json_holds_all_35_tasks_of_the_plan() {
    let ws = Ws::new();
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let tasks = doc["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 35);
    let per_level = |l: &str| tasks.iter().filter(|t| t["level"] == l).count();
    assert_eq!(
        (per_level("省级"), per_level("市级"), per_level("县级")),
        (23, 9, 3)
    );
    let codes: Vec<_> = tasks
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<_> = (1..=23)
        .map(|n| format!("P{n:02}"))
        .chain((1..=9).map(|n| format!("M{n:02}")))
        .chain((1..=3).map(|n| format!("C{n:02}")))
        .collect();
    assert_eq!(codes, want);
    for t in tasks {
        for key in ["code", "level", "title", "leads", "indicators"] {
            assert!(!t[key].is_null(), "task {} lacks {key}", t["code"]);
        }
    }
}

#[test]
fn twenty_departments_each_report_something() {
    let ws = Ws::new();
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let reporting: BTreeSet<_> = indicators(&doc)
        .iter()
        .map(|i| i["department"].as_str().unwrap())
        .collect();
    assert_eq!(reporting.len(), 20, "{reporting:?}");
    for d in [
        "县教育局",
        "县妇联",
        "县公路建设和养护中心",
        "天岳投资集团",
        "县生活垃圾焚烧发电项目指挥部",
        "国网平江供电公司",
    ] {
        assert!(reporting.contains(d), "{d}");
    }
    // Every indicator's department leads its task.
    for t in doc["tasks"].as_array().unwrap() {
        for i in t["indicators"].as_array().unwrap() {
            assert!(
                t["leads"].as_array().unwrap().contains(&i["department"]),
                "{}",
                i["code"]
            );
        }
    }
}

#[test]
fn targets_match_the_plan_text() {
    let ws = Ws::new();
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let all = indicators(&doc);
    let has = |target: f64, unit: &str| {
        all.iter()
            .any(|i| i["target"].as_f64() == Some(target) && i["unit"] == unit)
    };
    for (target, unit) in [
        (4200.0, "名"),
        (17865.0, "人"),
        (73000.0, "人次"),
        (5565.0, "户"),
        (11711.0, "万元"),
        (246.3, "万方"),
        (31.94, "km"),
        (497.0, "个"),
        (15000.0, "人"),
        (700.0, "元/月"),
    ] {
        assert!(has(target, unit), "no indicator {target} {unit}");
    }
    let by_code = |c: &str| {
        *all.iter()
            .find(|i| i["code"] == c)
            .unwrap_or_else(|| panic!("{c}"))
    };
    let p11: Vec<_> = all
        .iter()
        .filter(|i| i["code"].as_str().unwrap().starts_with("P11-"))
        .collect();
    assert_eq!(p11.len(), 3);
    assert_eq!(
        all.iter()
            .filter(|i| i["code"].as_str().unwrap().starts_with("P17-"))
            .count(),
        4
    );
    assert_eq!(by_code("P05-1")["baseline"], 650);
    assert_eq!(by_code("P05-1")["kind"], "standard");
    assert!(
        all.iter()
            .any(|i| i["kind"] == "percent" && i["unit"] == "%" && i["target"] == 100)
    );
    assert!(
        all.iter()
            .any(|i| i["kind"] == "milestone" && i["target"] == "完成" && i["unit"] == "阶段")
    );
}

#[test]
fn catalog_table_fits_a_100_column_terminal() {
    let ws = Ws::new();
    let out = ws.run(&["catalog"]).ok().stdout;
    assert!(out.contains("35 项任务"), "{out}");
    assert!(out.contains("P03-1") && out.contains("4200") && out.contains("县卫生健康局"));
    for line in out.lines() {
        let w: usize = line
            .chars()
            .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
            .sum();
        assert!(w <= 100, "{w} columns: {line}");
    }
}

/// Break the shipped catalog in one place; the command must fail with exit 2
/// and name the file, the line and the problem.
#[track_caller]
fn broken(from: &str, to: &str, want: &str) {
    let ws = Ws::new();
    let src = ws.read("seeds/pingjiang-2024.toml");
    assert!(src.contains(from), "fixture text {from:?} not in catalog");
    let bad = src.replacen(from, to, 1);
    let line = src[..src.find(from).unwrap()].matches('\n').count() + 1;
    ws.write("seeds/pingjiang-2024.toml", &bad);
    let r = ws.run(&["catalog"]).code(2);
    assert!(r.stderr.contains("pingjiang-2024.toml"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("第 {line} 行")),
        "want line {line}: {}",
        r.stderr
    );
    assert!(r.stderr.contains(want), "want {want:?}: {}", r.stderr);
}

#[test]
fn duplicate_indicator_code_is_refused_with_its_line() {
    broken("code = \"P02-2\"", "code = \"P02-1\"", "P02-1 重复");
}

#[test]
fn unknown_kind_is_refused_with_its_line() {
    broken("kind = \"percent\"", "kind = \"ratio\"", "ratio");
}

#[test]
fn department_not_leading_its_task_is_refused() {
    broken(
        "department = \"县司法局\"",
        "department = \"县妇联\"",
        "不是任务 P15 的牵头单位",
    );
}

#[test]
fn zero_target_is_refused() {
    broken("target = 4200", "target = 0", "应为正数");
}

#[test]
fn misspelt_key_is_refused() {
    broken("unit = \"名\"", "units = \"名\"", "units");
}
