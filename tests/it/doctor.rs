//! `minsheng doctor` as the county's IT person runs it: each broken setting
//! is broken for real (a mail server refusing the password, an inbox the
//! service cannot write, a catalog it cannot read, the page opened to the
//! LAN without a password) and must be named in Chinese with exit 1; a
//! healthy workspace exits 0 and still lists what needs attention.

use crate::daemon::{count_soon, start, stop, wait_for, workspace};
use crate::mail::Smtpd;
use crate::util::{Run, Ws};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn doctor(ws: &Ws, env: &[(&str, &str)]) -> Run {
    let mut c = ws.cmd(&["doctor"]);
    c.env_remove("MINSHENG_SMTP_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
    .no_panic()
}

fn doctor_json(ws: &Ws) -> Value {
    let run = ws.run(&["doctor", "--json"]);
    let doc = run.json();
    assert_eq!(doc["ok"], run.code == 0, "{}", run.stdout);
    doc
}

/// The check named `name` in a `doctor --json` document.
fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {doc}"))
}

/// Hand the workspace to an account that is not the one running the tests,
/// as the package hands it to `minsheng`: as root, to `nobody`; otherwise the
/// tests' own account already stands for the service.
fn hand_to_service(ws: &Ws) {
    if euid() == 0 {
        let ok = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(ws.root())
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown");
    }
}

fn euid() -> u32 {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file and folder under `root`, to show that a check leaves nothing behind.
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn a_healthy_workspace_passes_with_its_warnings_listed_and_is_left_untouched() {
    let ws = Ws::new();
    // The page as shipped: on this machine only.
    let config = ws
        .read("minsheng.toml")
        .replace("listen = \"\"", "listen = \"127.0.0.1:8080\"");
    ws.write("minsheng.toml", &config);
    let before = tree(&ws.root());
    let run = doctor(&ws, &[]).ok();
    let out = &run.stdout;
    for expected in [
        "[正常] 配置文件",
        "[正常] 任务目录",
        "[正常] 读写权限",
        "[警告] 发信服务器：没有配置 [smtp]",
        "[警告] 值守程序：没有运行",
        "个报送单位没有邮箱",
        "处理：systemctl enable --now minsheng",
        "只有本机能打开",
        "时区 Asia/Shanghai",
        "汇总并发送调度通报（report）：从未运行，下次 2024-05-01 09:00",
        "没有错误",
    ] {
        assert!(out.contains(expected), "{expected} missing in:\n{out}");
    }
    assert!(!out.contains("[错误]"), "{out}");
    assert_eq!(tree(&ws.root()), before, "doctor must change nothing");

    let doc = doctor_json(&ws);
    assert_eq!(doc["ok"], true);
    assert_eq!(check(&doc, "smtp")["level"], "warn");
    assert_eq!(check(&doc, "daemon")["level"], "warn");
    assert_eq!(check(&doc, "folders")["level"], "ok");
    assert!(
        check(&doc, "smtp")["fix"]
            .as_str()
            .unwrap()
            .contains("[smtp]")
    );
}

#[test]
fn a_wrong_smtp_password_is_a_refused_login_and_the_right_one_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--auth", "zhuanban:正确的授权码"],
    );
    let ws = Ws::new();
    ws.write(
        "minsheng.toml",
        &format!(
            "{}\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"zhuanban\"\nfrom = \"专班 <zhuanban@example.cn>\"\ntimeout_secs = 10\n",
            minsheng::config::TEMPLATE,
            server.port
        ),
    );

    let run = doctor(&ws, &[("MINSHENG_SMTP_PASSWORD", "错误的密码")]).code(1);
    assert!(
        run.stdout.contains("[错误] 发信服务器") && run.stdout.contains("登录被拒绝"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("处理：核对 minsheng.toml 的 [smtp]"));

    let run = doctor(&ws, &[("MINSHENG_SMTP_PASSWORD", "正确的授权码")]).ok();
    assert!(
        run.stdout.contains("账号 zhuanban 登录成功"),
        "{}",
        run.stdout
    );
    assert!(server.received().is_empty(), "doctor sent a message");

    // A server that is not there at all.
    drop(server);
    let run = doctor(&ws, &[("MINSHENG_SMTP_PASSWORD", "正确的授权码")]).code(1);
    assert!(run.stdout.contains("无法连接发信服务器"), "{}", run.stdout);
}

#[test]
fn an_inbox_the_service_cannot_write_is_named() {
    // Write permission taken from the inbox of the tests' own workspace.
    let ws = Ws::new();
    chmod(&ws.path("inbox"), 0o555);
    let run = doctor(&ws, &[]).code(1);
    assert!(
        run.stdout.contains("[错误] 读写权限") && run.stdout.contains("inbox/：用户"),
        "{}",
        run.stdout
    );
    chmod(&ws.path("inbox"), 0o755);
    doctor(&ws, &[]).ok();

    // The same for a workspace handed to the service's account.
    hand_to_service(&ws);
    chmod(&ws.path("inbox"), 0o555);
    let run = doctor(&ws, &[]).code(1);
    assert!(
        run.stdout.contains("[错误] 读写权限")
            && run.stdout.contains("inbox/：用户")
            && run.stdout.contains("不能写入"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("chown -R"), "{}", run.stdout);
    chmod(&ws.path("inbox"), 0o755);

    // An inbox that is a file, not a folder.
    std::fs::remove_dir(ws.path("inbox")).unwrap();
    std::fs::write(ws.path("inbox"), "").unwrap();
    let run = doctor(&ws, &[]).code(1);
    assert!(run.stdout.contains("inbox/ 不是文件夹"), "{}", run.stdout);
}

#[test]
fn a_catalog_that_cannot_be_read_or_does_not_load_is_an_error() {
    let ws = Ws::new();
    let catalog = ws.path("seeds/pingjiang-2024.toml");
    hand_to_service(&ws);
    chmod(&catalog, 0o000);
    let run = doctor(&ws, &[]).code(1);
    assert!(
        run.stdout.contains("seeds/pingjiang-2024.toml：用户") && run.stdout.contains("不能读取"),
        "{}",
        run.stdout
    );
    chmod(&catalog, 0o644);

    std::fs::write(&catalog, "[plan]\nname = \"未写完\n").unwrap();
    let run = doctor(&ws, &[]).code(1);
    assert!(run.stdout.contains("[错误] 任务目录"), "{}", run.stdout);
    assert!(run.stdout.contains("pingjiang-2024.toml"), "{}", run.stdout);
    let doc = doctor_json(&ws);
    assert_eq!(check(&doc, "catalog")["level"], "fail");

    // A configuration that does not load stops the checks that need it.
    ws.write("minsheng.toml", "[smpt]\nhost = \"x\"\n");
    let run = doctor(&ws, &[]).code(1);
    assert!(
        run.stdout.contains("[错误] 配置文件") && run.stdout.contains("smpt"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_lan_address_without_a_password_is_an_error_until_one_is_set() {
    let ws = Ws::new();
    // The office opens the page to the LAN as the shipped file suggests,
    // but forgets the password (port 0: any free one, so the test never
    // meets another program's port).
    let config = ws
        .read("minsheng.toml")
        .replace("listen = \"\"", "listen = \"0.0.0.0:0\"")
        .replace(
            "# public_url = \"http://192.0.2.10:8080\"",
            "public_url = \"http://192.0.2.10:8080\"",
        );
    ws.write("minsheng.toml", &config);
    let run = doctor(&ws, &[]).code(1);
    assert!(
        run.stdout.contains("[错误] 网页") && run.stdout.contains("还没有设置办公室密码"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("minsheng web password"),
        "{}",
        run.stdout
    );

    ws.write(
        "var/web-password",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA\n",
    );
    let run = doctor(&ws, &[]).ok();
    assert!(
        run.stdout
            .contains("各单位通过 http://192.0.2.10:8080 打开"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_running_daemon_shows_with_its_pid_and_its_last_scheduled_run() {
    let ws = workspace(0.5, "[web]\nlisten = \"\"\n");
    let config = ws
        .read("minsheng.toml")
        .replace("mail = \"0 0 9 3 1 * 2099\"", "mail = \"*/2 * * * * *\"");
    ws.write("minsheng.toml", &config);
    let daemon = start(&ws);
    wait_for(&ws, 20, "a mail run", || {
        count_soon(
            &ws,
            "SELECT COUNT(*) FROM job_runs WHERE job = 'mail' AND outcome LIKE 'ok%'",
        ) >= 1
    });
    let doc = doctor_json(&ws);
    let d = check(&doc, "daemon");
    assert_eq!(d["level"], "ok", "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains(&daemon.id().to_string()),
        "{d}"
    );
    let s = check(&doc, "schedule")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(s.contains("投递邮件（mail）：上次 2024-04-03"), "{s}");
    assert!(s.contains("完成"), "{s}");
    assert!(
        s.contains("汇总并发送调度通报（report）：从未运行，下次 2099-01-01 09:00"),
        "{s}"
    );
    assert!(stop(daemon).success());

    let doc = doctor_json(&ws);
    assert_eq!(check(&doc, "daemon")["level"], "warn");
}
