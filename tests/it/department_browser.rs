//! A department's page in Chromium over WebDriver, as a clerk on a phone
//! uses it: at 360 px wide the page, the answer to an upload and the
//! leaders' board never scroll sideways; an upload through the file input
//! is answered on screen with 已采用, or with the cell, the message and what
//! to do next; with JavaScript off the plain form still uploads. The
//! screenshots (360 px and 1280 px, the office's list of links too) stay
//! under `target/department-screens/`.

use crate::util::fill_return;
use crate::web::{PERIOD, serve, workspace};
use serde_json::{Value, json};

#[test]
fn a_department_clerk_works_its_page_on_a_phone_in_a_real_browser() {
    let (ws, dept) = workspace();
    let page = serve(&ws, "");
    let links = ws.run(&["links", "--json"]).ok().json();
    let dept_url = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["department"] == dept.as_str())
        .expect("a link for the department")["url"]
        .as_str()
        .unwrap()
        .to_string();
    let board_url = links["board"].as_str().unwrap().to_string();
    let link_count = links["links"].as_array().unwrap().len();
    assert!(dept_url.starts_with(&page.url("/d/")), "{dept_url}");

    let catalog = ws.run(&["catalog", "--json"]).ok().json();
    let code = catalog["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap().clone())
        .find(|i| i["department"] == dept.as_str())
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = fill_return(&ws, &dept, PERIOD, json!({"values": {&code: "很多"}}));
    let good = fill_return(&ws, &dept, PERIOD, json!({}));
    let wrong_wide = fill_return(
        &ws,
        &dept,
        PERIOD,
        json!({"values": {&code: "很多"}, "progress": "第三次报送"}),
    );
    let good_no_script = fill_return(&ws, &dept, PERIOD, json!({"progress": "无脚本报送"}));

    let out = crate::util::repo("target/department-screens");
    let o = std::process::Command::new("python3")
        .arg(crate::util::repo("tests/tools/department_browser.py"))
        .arg(&dept_url)
        .arg(&board_url)
        .arg(page.url("/links"))
        .arg(&out)
        .args([&wrong, &good, &wrong_wide, &good_no_script])
        .output()
        .expect("python3 runs (tests/setup.sh installs selenium and chromium)");
    assert!(
        o.status.success(),
        "department_browser.py failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let seen: Value = serde_json::from_slice(&o.stdout).unwrap();
    let cell = seen["cell"].as_str().unwrap();

    let phone = &seen["360"];
    assert_eq!(phone["heading"], dept.as_str(), "{phone}");
    assert_eq!(phone["department"]["sideways"], false, "the page: {phone}");
    let wrong_seen = &phone["first"];
    assert_eq!(wrong_seen["verdict"], "退回", "{wrong_seen}");
    assert_eq!(wrong_seen["sideways"], false, "the answer: {wrong_seen}");
    assert!(
        wrong_seen["findings"].as_array().unwrap().iter().any(|f| f
            .as_str()
            .unwrap()
            .contains(cell)
            && f.as_str().unwrap().contains("很多")),
        "the finding names cell {cell} and what was typed: {wrong_seen}"
    );
    assert!(
        wrong_seen["next"][0]
            .as_str()
            .unwrap()
            .starts_with("下一步"),
        "{wrong_seen}"
    );
    assert!(
        wrong_seen["marked"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{dept_url}/receipt/")),
        "the marked copy offered: {wrong_seen}"
    );
    assert_eq!(wrong_seen["label_changed"], true, "scripts run here");
    assert_eq!(
        wrong_seen["upload_again"], 1,
        "the fixed file can go up from the answer: {wrong_seen}"
    );
    let good_seen = &phone["second"];
    assert_eq!(good_seen["verdict"], "已采用", "{good_seen}");
    assert_eq!(good_seen["sideways"], false, "{good_seen}");
    assert_eq!(good_seen["findings"], json!([]), "{good_seen}");
    assert_eq!(good_seen["upload_again"], 0, "nothing left to fix");
    assert_eq!(phone["after"]["sideways"], false);
    assert_eq!(
        phone["after"]["returns"],
        json!(["已采用", "退回"]),
        "newest first"
    );
    assert_eq!(phone["board"]["sideways"], false, "the board: {phone}");
    assert_eq!(phone["board"]["forms"], 0, "the board cannot upload");
    assert_eq!(phone["links"]["sideways"], false, "the links: {phone}");
    assert_eq!(phone["links"]["copy_buttons"], link_count + 1);

    let plain = &seen["360-noscript"];
    assert_eq!(plain["department"]["sideways"], false, "{plain}");
    let plain_seen = &plain["second"];
    assert_eq!(
        plain_seen["label_changed"], false,
        "scripts are off: {plain}"
    );
    assert_eq!(
        plain_seen["verdict"], "已采用",
        "the plain form uploads: {plain}"
    );
    assert_eq!(plain_seen["sideways"], false, "{plain}");
    assert_eq!(plain["links"]["sideways"], false, "{plain}");
    assert_eq!(
        plain["links"]["copy_buttons"], 0,
        "without scripts no copy button that cannot copy: {plain}"
    );

    let wide = &seen["1280"];
    assert_eq!(wide["first"]["verdict"], "退回", "{wide}");
    assert_eq!(wide["links"]["copy_buttons"], link_count + 1);

    let status = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    let counted = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == dept.as_str())
        .unwrap()["submitted"]
        .clone();
    assert_eq!(counted, true, "the browser's upload is counted");
    for shot in [
        "department-360",
        "receipt-360",
        "receipt-accepted-360",
        "department-after-360",
        "board-360",
        "links-360",
        "department-360-noscript",
        "receipt-accepted-360-noscript",
        "links-360-noscript",
        "department-1280",
        "receipt-1280",
        "board-1280",
        "links-1280",
    ] {
        assert!(out.join(format!("{shot}.png")).is_file(), "{shot}");
    }
    drop(page);
}
