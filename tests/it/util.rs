//! A fresh workspace per test and a runner for the built binary.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_minsheng");

pub struct Ws {
    pub dir: tempfile::TempDir,
    pub today: String,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, want: i32) -> Run {
        assert_eq!(
            self.code, want,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// A user never sees a Rust panic.
    #[track_caller]
    pub fn no_panic(self) -> Run {
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        self
    }
}

/// Run the binary with no workspace chosen (for `init` and `--help`).
pub fn bare(args: &[&str], cwd: &Path) -> Run {
    Run::from(
        Command::new(BIN)
            .args(args)
            .current_dir(cwd)
            .env_remove("MINSHENG_HOME")
            .env_remove("RUST_LOG")
            .output()
            .expect("binary runs"),
    )
    .no_panic()
}

impl Ws {
    /// A new workspace made by `minsheng init`, with the clock set inside the plan year.
    pub fn new() -> Ws {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = dir.path().join("ws");
        bare(&["init", ws.to_str().unwrap()], dir.path()).ok();
        // Tests that start `run` serve no page unless they ask for one, so
        // they never fight over a port.
        let config = ws.join("minsheng.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let text = text.replace("listen = \"127.0.0.1:8080\"", "listen = \"\"");
        std::fs::write(&config, text).unwrap();
        Ws {
            dir,
            today: "2024-04-03".into(),
        }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .arg("--workspace")
            .arg(self.root())
            .current_dir(self.dir.path())
            .env_remove("MINSHENG_HOME")
            .env_remove("RUST_LOG")
            .env("MINSHENG_TODAY", &self.today);
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("binary runs")).no_panic()
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Every indicator of `dept` at its full target (a milestone at 完成), with
/// contacts filled: a return that should be accepted without findings.
fn full_values(ws: &Ws, dept: &str) -> serde_json::Map<String, Value> {
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let mut m = serde_json::Map::new();
    for t in doc["tasks"].as_array().unwrap() {
        for i in t["indicators"].as_array().unwrap() {
            if i["department"] == dept {
                m.insert(i["code"].as_str().unwrap().into(), i["target"].clone());
            }
        }
    }
    m
}

/// Fill `dept`'s issued form of `period` with `spec` (see tests/tools/fill.py)
/// on top of full values and contacts; returns the filled file's path.
pub fn fill_return(ws: &Ws, dept: &str, period: &str, spec: Value) -> PathBuf {
    let mut spec = spec.as_object().cloned().unwrap_or_default();
    let mut values = full_values(ws, dept);
    if let Some(Value::Object(given)) = spec.get("values") {
        values.extend(given.clone());
    }
    spec.insert("values".into(), Value::Object(values));
    spec.entry("progress").or_insert(json!("按计划推进"));
    spec.entry("footer")
        .or_insert(json!({"填报人": "张三", "联系电话": "0730-6221234", "填报日期": "2024-04-02"}));
    let form = ws.path(&format!("outbox/forms/{period}/{period}-{dept}.xlsx"));
    assert!(form.exists(), "form {form:?} not issued");
    let dir = ws.dir.path().join("filled");
    std::fs::create_dir_all(&dir).unwrap();
    let n = std::fs::read_dir(&dir).unwrap().count();
    let out = dir.join(format!("{n}-{period}-{dept}.xlsx"));
    let spec_path = dir.join(format!("{n}.json"));
    std::fs::write(
        &spec_path,
        serde_json::to_vec(&Value::Object(spec)).unwrap(),
    )
    .unwrap();
    let o = Command::new("python3")
        .arg(repo("tests/tools/fill.py"))
        .args([&form, &out, &spec_path])
        .output()
        .expect("python3 runs (CI installs openpyxl)");
    assert!(
        o.status.success(),
        "fill.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The verdict a receipt's file name gives: `<who>-<time>-<verdict>.txt`,
/// or `…-<verdict>-2.txt` when that name was taken in the same second.
pub fn receipt_verdict(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".txt")?;
    let stem = match stem.rsplit_once('-') {
        Some((rest, n)) if n.parse::<u32>().is_ok_and(|n| n >= 2) && n.len() < 4 => rest,
        _ => stem,
    };
    let (_, verdict) = stem.rsplit_once('-')?;
    ["accepted", "rejected", "duplicate"]
        .contains(&verdict)
        .then_some(verdict)
}
