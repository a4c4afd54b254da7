//! `init`, `--workspace`/`MINSHENG_HOME`, configuration errors, the signing key.

use crate::util::{BIN, Ws, bare};
use std::process::Command;

#[test]
fn init_makes_a_complete_workspace() {
    let ws = Ws::new();
    for p in [
        "minsheng.toml",
        "seeds/pingjiang-2024.toml",
        "seeds/pingjiang-minsheng-2024.txt",
        "inbox",
        "outbox/forms",
        "outbox/receipts",
        "outbox/reports",
        "outbox/mail/queue",
        "outbox/mail/sent",
        "outbox/mail/failed",
        "var/archive",
    ] {
        assert!(ws.path(p).exists(), "{p} missing");
    }
    let config = ws.read("minsheng.toml");
    for commented in ["# [smtp]", "# [[leaders]]", "# [departments."] {
        assert!(
            config.contains(commented),
            "{commented} not offered in the config"
        );
    }
    let key = ws.path("var/form.key");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn init_refuses_an_existing_workspace() {
    let ws = Ws::new();
    ws.write("minsheng.toml", "[plan]\ntolerance = 7.0\n");
    let r = bare(&["init", ws.root().to_str().unwrap()], ws.dir.path()).code(2);
    assert!(r.stderr.contains("已经是工作目录"), "{}", r.stderr);
    assert_eq!(ws.read("minsheng.toml"), "[plan]\ntolerance = 7.0\n");
}

#[test]
fn minsheng_home_and_workspace_flag_both_work() {
    let ws = Ws::new();
    let out = Command::new(BIN)
        .args(["catalog", "--json"])
        .env("MINSHENG_HOME", ws.root())
        .current_dir(ws.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let via_flag_first = Command::new(BIN)
        .args([
            "--workspace",
            ws.root().to_str().unwrap(),
            "catalog",
            "--json",
        ])
        .env_remove("MINSHENG_HOME")
        .output()
        .unwrap();
    assert_eq!(out.stdout, via_flag_first.stdout);
}

#[test]
fn a_folder_that_is_not_a_workspace_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let r = bare(&["catalog"], dir.path()).code(2);
    assert!(r.stderr.contains("不是 minsheng 工作目录"), "{}", r.stderr);
}

#[test]
fn an_empty_config_works() {
    let ws = Ws::new();
    ws.write("minsheng.toml", "");
    ws.run(&["catalog", "--json"]).ok();
}

#[test]
fn an_unknown_config_key_names_key_and_line() {
    let ws = Ws::new();
    ws.write("minsheng.toml", "[plan]\ncatalog = \"seeds/pingjiang-2024.toml\"\n\n[smtp]\nhost = \"h\"\nfrom = \"f\"\nprot = 25\n");
    let r = ws.run(&["catalog"]).code(2);
    assert!(
        r.stderr.contains("第 7 行") && r.stderr.contains("prot"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_department_in_config_must_be_in_the_catalog() {
    let ws = Ws::new();
    ws.write(
        "minsheng.toml",
        "[departments.\"县财政局\"]\nemail = \"c@example.cn\"\n",
    );
    let r = ws.run(&["catalog"]).code(2);
    assert!(r.stderr.contains("县财政局"), "{}", r.stderr);
}

#[test]
fn a_bad_minsheng_today_is_a_clear_error() {
    let mut ws = Ws::new();
    ws.today = "next tuesday".into();
    let r = ws.run(&["catalog"]).code(2);
    assert!(r.stderr.contains("MINSHENG_TODAY"), "{}", r.stderr);
}

#[test]
fn help_is_in_english_and_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let r = bare(&["--help"], dir.path()).ok();
    for word in [
        "forms",
        "ingest",
        "status",
        "report",
        "remind",
        "mail",
        "run",
        "demo",
        "填报表",
        "workspace",
    ] {
        assert!(r.stdout.contains(word), "help lacks {word}:\n{}", r.stdout);
    }
}

#[test]
fn bad_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let r = bare(&["frobnicate"], dir.path()).code(2);
    assert!(r.stderr.starts_with("用法错误："), "{}", r.stderr);
    bare(&["ingest"], dir.path()).code(2);
}
