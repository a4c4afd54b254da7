//! Our JSON and receipts checked by the executable contract of DESIGN.md
//! (shared/tools/contract.py), the same code the acceptance tests use.

use crate::util::{Ws, fill_return, repo};
use serde_json::json;
use std::path::Path;
use std::process::Command;

const P: &str = "2024-03";

#[track_caller]
fn contract(args: &[&str]) {
    let o = Command::new("python3")
        .arg(repo("tests/tools/contract_check.py"))
        .args(args)
        .output()
        .expect("python3 runs (tests/setup.sh installs openpyxl)");
    assert!(
        o.status.success(),
        "contract problems ({args:?}):\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn save(ws: &Ws, name: &str, text: &str) -> String {
    let p = ws.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn receipts(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap().flatten() {
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            out.push(format!(
                "{}/{}",
                sub.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            ));
        }
    }
    out
}

#[test]
fn verdicts_status_catalog_and_receipts_keep_the_contract() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", P]).ok();
    let accepted = fill_return(
        &ws,
        "县民政局",
        P,
        json!({"values": {"P13-1": 10}, "text": {"P13-1": {"存在问题": "资金未到位", "下步措施": "加快拨付"}}}),
    );
    let warned = fill_return(
        &ws,
        "县人社局",
        P,
        json!({"values": {"P11-2": 0.5, "P11-1": 2000}, "footer": {"填报人": null}}),
    );
    let rejected = fill_return(&ws, "县残联", P, json!({"values": {"P09-1": "已完成"}}));
    let milestone = fill_return(
        &ws,
        "天岳投资集团",
        P,
        json!({"values": {"C01-1": "主体完工"}}),
    );
    let junk = ws.path("inbox/说明.xlsx");
    std::fs::write(&junk, "不是表格").unwrap();
    let lock = ws.path("inbox/~$2024-03-县残联.xlsx");
    std::fs::write(&lock, b"lock").unwrap();
    let files: Vec<String> = [
        &accepted, &warned, &rejected, &milestone, &accepted, &junk, &lock,
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    let mut args = vec!["ingest", "--json"];
    args.extend(files.iter().map(String::as_str));
    let run = ws.run(&args).code(1);
    let verdicts: Vec<_> = run.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        verdicts,
        [
            "accepted",
            "accepted",
            "rejected",
            "accepted",
            "duplicate",
            "rejected",
            "skipped"
        ]
    );
    contract(&["results", &save(&ws, "results.json", &run.stdout)]);

    let status = ws.run(&["status", "--period", P, "--json"]).ok().stdout;
    contract(&["status", &save(&ws, "status.json", &status)]);
    let catalog = ws.run(&["catalog", "--json"]).ok().stdout;
    contract(&["catalog", &save(&ws, "catalog.json", &catalog)]);

    // Each processed file left exactly one text receipt of the right name
    // (the skipped lock file none), checked one department at a time.
    let all = receipts(&ws.path("outbox/receipts"));
    let now = "2024-04-03T12:00:00";
    for (who, folder, verdict, xlsx) in [
        ("县残联", P, "rejected", json!(true)),
        ("天岳投资集团", P, "accepted", json!(null)),
        ("说明", "_unidentified", "rejected", json!(null)),
    ] {
        let new: Vec<&String> = all
            .iter()
            .filter(|f| f.contains(&format!("/{who}-")))
            .collect();
        let spec = json!({"new": new, "want": {"verdict": verdict, "folder": folder, "who": who, "xlsx": xlsx}});
        contract(&[
            "receipts",
            &save(&ws, &format!("{who}.json"), &spec.to_string()),
            now,
        ]);
    }
    assert!(!all.iter().any(|f| f.contains("~$")), "{all:?}");
}
