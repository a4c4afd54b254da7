//! A fresh workspace per test and a runner for the built binary.

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
