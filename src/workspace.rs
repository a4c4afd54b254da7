//! A workspace is a folder holding `minsheng.toml`, the catalog, templates,
//! the inbox and outbox, and `var/` (ledger, archive, signing key). The repo
//! root is one; `minsheng init DIR` makes another.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::UserError;
use crate::fsx;
use crate::plan::Period;
use crate::plan::catalog::Catalog;
use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "minsheng.toml";

/// Files `init` writes, relative to the new workspace. The repo's own copies
/// are embedded so an installed binary can make a workspace anywhere.
const SEED_FILES: &[(&str, &str)] = &[
    (CONFIG_FILE, crate::config::TEMPLATE),
    (
        "seeds/pingjiang-2024.toml",
        include_str!("../seeds/pingjiang-2024.toml"),
    ),
    (
        "seeds/pingjiang-minsheng-2024.txt",
        include_str!("../seeds/pingjiang-minsheng-2024.txt"),
    ),
    (".gitignore", "var/\n"),
];

const FOLDERS: &[&str] = &[
    "inbox",
    "outbox/forms",
    "outbox/receipts",
    "outbox/reports",
    "outbox/mail/queue",
    "outbox/mail/sent",
    "outbox/mail/failed",
    "var/archive",
    "var/processing",
];

#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub catalog: Catalog,
    pub clock: Clock,
}

impl Workspace {
    /// Open the workspace at `dir` (or `MINSHENG_HOME`, or the current folder).
    pub fn open(dir: Option<&Path>) -> Result<Workspace> {
        let root = match dir {
            Some(d) => d.to_path_buf(),
            None => std::env::current_dir().context("无法确定当前目录")?,
        };
        let config_path = root.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(UserError::usage(format!(
                "{} 不是 minsheng 工作目录（缺少 {CONFIG_FILE}）。可用 minsheng init 目录 新建，或用 --workspace 指定",
                root.display()
            ))
            .into());
        }
        let config = Config::load(&config_path).map_err(UserError::usage_from)?;
        let catalog_path = root.join(&config.plan.catalog);
        let catalog = Catalog::load(&catalog_path).map_err(UserError::usage_from)?;
        for name in config.departments.keys() {
            if !catalog.has_department(name) {
                return Err(UserError::usage(format!(
                    "配置文件 {CONFIG_FILE} 中的 [departments.\"{name}\"] 不是任务目录中的报送单位"
                ))
                .into());
            }
        }
        let clock = Clock::from_env(catalog.tz).map_err(|e| UserError::usage(e.to_string()))?;
        Ok(Workspace {
            root,
            config,
            catalog,
            clock,
        })
    }

    /// Create a new workspace at `dir`. Refuses to touch an existing one.
    pub fn init(dir: &Path) -> Result<()> {
        if dir.join(CONFIG_FILE).exists() {
            return Err(UserError::usage(format!(
                "{} 已经是工作目录（已有 {CONFIG_FILE}），未做任何改动",
                dir.display()
            ))
            .into());
        }
        for folder in FOLDERS {
            let p = dir.join(folder);
            fs::create_dir_all(&p).with_context(|| format!("无法创建目录 {}", p.display()))?;
        }
        for (name, content) in SEED_FILES.iter().chain(crate::templates::DEFAULTS) {
            let p = dir.join(name);
            if !p.exists() {
                fsx::write_atomic(&p, content.as_bytes())?;
            }
        }
        Workspace::open(Some(dir))?.signing_key()?;
        Ok(())
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn inbox(&self) -> PathBuf {
        self.path("inbox")
    }

    pub fn forms_dir(&self, p: Period) -> PathBuf {
        self.path("outbox/forms").join(p.to_string())
    }

    pub fn receipts_dir(&self, folder: &str) -> PathBuf {
        self.path("outbox/receipts").join(folder)
    }

    pub fn reports_dir(&self, p: Period) -> PathBuf {
        self.path("outbox/reports").join(p.to_string())
    }

    pub fn mail_dir(&self, state: &str) -> PathBuf {
        self.path("outbox/mail").join(state)
    }

    pub fn var(&self) -> PathBuf {
        self.path("var")
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.var().join("ledger.sqlite")
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.path("templates")
    }

    /// The key that signs issued forms, created on first use (0600, in `var/`,
    /// never in the repo). A second process racing to create it reads the
    /// winner's key.
    pub fn signing_key(&self) -> Result<Vec<u8>> {
        let path = self.var().join("form.key");
        if !path.exists() {
            fs::create_dir_all(self.var())
                .with_context(|| format!("无法创建目录 {}", self.var().display()))?;
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("无法生成签名密钥：{e}"))?;
            match fsx::create_private(&path, crate::text::hex(&key).as_bytes()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("无法创建签名密钥 {}", path.display()));
                }
            }
        }
        let text = fs::read_to_string(&path)
            .with_context(|| format!("无法读取签名密钥 {}", path.display()))?;
        Some(text.trim())
            .filter(|t| t.len() >= 32)
            .and_then(crate::text::unhex)
            .with_context(|| format!("签名密钥 {} 已损坏", path.display()))
    }

    /// The period a command uses when none is given.
    pub fn default_period(&self) -> Period {
        crate::clock::default_period(self.clock.today(), self.catalog.plan.year)
    }
}
