//! A workspace is a folder holding `minsheng.toml`, the catalog, templates,
//! the inbox and outbox, and `var/` (ledger, archive, signing key). The repo
//! root is one; `minsheng init DIR` makes another, with the Pingjiang example
//! catalog, or with `--plan` a catalog drafted from the county's own plan.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::UserError;
use crate::fsx;
use crate::plan::Period;
use crate::plan::catalog::{Catalog, CatalogError};
use crate::plan::draft::{self, Draft};
use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

pub(crate) const CONFIG_FILE: &str = "minsheng.toml";

/// The example plan and its hand-made catalog that a plain `init` writes,
/// relative to the new workspace. The repo's own copies are embedded so an
/// installed binary can make a workspace anywhere.
pub(crate) const EXAMPLE_CATALOG: &str = "seeds/pingjiang-2024.toml";
const EXAMPLE_FILES: &[(&str, &str)] = &[
    (
        EXAMPLE_CATALOG,
        include_str!("../seeds/pingjiang-2024.toml"),
    ),
    (
        "seeds/pingjiang-minsheng-2024.txt",
        include_str!("../seeds/pingjiang-minsheng-2024.txt"),
    ),
];
const GITIGNORE: (&str, &str) = (".gitignore", "var/\n");

/// Where the daemon holds its lock (and writes its pid), relative to the workspace.
pub(crate) const DAEMON_LOCK: &str = "var/daemon.lock";
/// The office password's hash for the web page; present means a password is set.
pub(crate) const WEB_PASSWORD: &str = "var/web-password";

/// The folders a workspace holds, every one of them written by the daemon.
pub const FOLDERS: &[&str] = &[
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

    /// Create a new workspace at `dir` with the Pingjiang example catalog.
    /// Refuses to touch an existing one.
    pub fn init(dir: &Path) -> Result<()> {
        refuse_existing(dir)?;
        let config = (CONFIG_FILE, crate::config::TEMPLATE);
        lay_out(dir, EXAMPLE_FILES.iter().chain([&config]))?;
        Workspace::open(Some(dir))?.signing_key()?;
        Ok(())
    }

    /// Create a new workspace at `dir` whose catalog is drafted from the
    /// county's plan: the draft and a copy of the plan go into `seeds/`, and
    /// `[plan] catalog` points at the draft. The plan is read and drafted
    /// before anything is created, so a plan that cannot be read leaves no
    /// half-made workspace behind. A draft that does not load as a catalog
    /// is still written, with its problems returned, for the office to fix.
    pub(crate) fn init_with_plan(dir: &Path, plan: &Path) -> Result<PlanWorkspace> {
        refuse_existing(dir)?;
        let bytes = read_plan(plan)?;
        let seeds = dir.join("seeds");
        let plan_name = plan
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let plan_copy = free_name(&seeds, &fsx::safe_component(&plan_name), Some(&bytes));
        let draft = draft_bytes(plan, &bytes, &plan_copy)?;
        let catalog_name = free_name(&seeds, &catalog_file_name(&draft), None);
        let catalog_rel = format!("seeds/{catalog_name}");
        let toml = draft.to_toml();
        let id = catalog_name.trim_end_matches(".toml");
        let checked = Catalog::parse(&toml, id, &catalog_rel);

        let config = config_with_catalog(crate::config::TEMPLATE, &catalog_rel);
        let drafted = [
            (CONFIG_FILE, config.as_str()),
            (catalog_rel.as_str(), toml.as_str()),
        ];
        lay_out(dir, drafted.iter())?;
        let copy = seeds.join(&plan_copy);
        if !copy.exists() {
            fsx::write_atomic(&copy, &bytes)?;
        }
        let (marks, problems) = match checked {
            Ok(c) => {
                Workspace::open(Some(dir))?.signing_key()?;
                (c.review.len(), None)
            }
            // The key is made on first use, once the catalog loads.
            Err(e) => (draft.review_count(), Some(e)),
        };
        Ok(PlanWorkspace {
            draft,
            catalog: catalog_rel,
            plan_copy: format!("seeds/{plan_copy}"),
            marks,
            problems,
        })
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub(crate) fn inbox(&self) -> PathBuf {
        self.path("inbox")
    }

    pub(crate) fn forms_dir(&self, p: Period) -> PathBuf {
        self.path("outbox/forms").join(p.to_string())
    }

    pub fn receipts_dir(&self, folder: &str) -> PathBuf {
        self.path("outbox/receipts").join(folder)
    }

    pub(crate) fn reports_dir(&self, p: Period) -> PathBuf {
        self.path("outbox/reports").join(p.to_string())
    }

    pub(crate) fn mail_dir(&self, state: &str) -> PathBuf {
        self.path("outbox/mail").join(state)
    }

    pub(crate) fn var(&self) -> PathBuf {
        self.path("var")
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.var().join("ledger.sqlite")
    }

    /// The key that signs issued forms, created on first use (0600, in `var/`,
    /// never in the repo).
    pub fn signing_key(&self) -> Result<Vec<u8>> {
        self.secret("form.key", "签名密钥")
    }

    /// The key the departments' and leaders' link tokens are derived from
    /// (the ledger keeps only their hashes), created on first use.
    pub(crate) fn link_key(&self) -> Result<Vec<u8>> {
        self.secret("link.key", "链接密钥")
    }

    /// A new link key in place of the old one: every token derived from the
    /// old key stops matching once the ledger's hashes are replaced.
    pub(crate) fn renew_link_key(&self) -> Result<()> {
        let path = self.var().join("link.key");
        let key = random_key()?;
        fs::create_dir_all(self.var())
            .with_context(|| format!("无法创建目录 {}", self.var().display()))?;
        fsx::write_private_atomic(&path, crate::text::hex(&key).as_bytes())
    }

    /// A 32-byte secret in `var/<name>`, made on first use (0600). A second
    /// process racing to create it reads the winner's key.
    fn secret(&self, name: &str, what: &str) -> Result<Vec<u8>> {
        let path = self.var().join(name);
        if !path.exists() {
            fs::create_dir_all(self.var())
                .with_context(|| format!("无法创建目录 {}", self.var().display()))?;
            let key = random_key()?;
            match fsx::create_private(&path, crate::text::hex(&key).as_bytes()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("无法创建{what} {}", path.display()));
                }
            }
        }
        let text = fs::read_to_string(&path)
            .with_context(|| format!("无法读取{what} {}", path.display()))?;
        Some(text.trim())
            .filter(|t| t.len() >= 32)
            .and_then(crate::text::unhex)
            .with_context(|| format!("{what} {} 已损坏", path.display()))
    }

    /// The period a command uses when none is given.
    pub(crate) fn default_period(&self) -> Period {
        crate::clock::default_period(self.clock.today(), self.catalog.plan.year)
    }
}

/// What `init --plan` made, for the office to be told what to do next.
#[derive(Debug)]
pub(crate) struct PlanWorkspace {
    pub(crate) draft: Draft,
    /// The drafted catalog, relative to the workspace (`seeds/枫林县-2025.toml`).
    pub(crate) catalog: String,
    /// The copy of the plan kept beside it, relative to the workspace.
    pub(crate) plan_copy: String,
    /// How many `待核对` marks the catalog holds.
    pub(crate) marks: usize,
    /// Why the draft does not load as a catalog, when it does not.
    pub(crate) problems: Option<CatalogError>,
}

fn refuse_existing(dir: &Path) -> Result<()> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(UserError::usage(format!(
            "{} 已经是工作目录（已有 {CONFIG_FILE}），未做任何改动",
            dir.display()
        ))
        .into());
    }
    Ok(())
}

/// The folders, the given files, `.gitignore` and the templates; a file
/// already there is kept.
fn lay_out<'a>(dir: &Path, files: impl Iterator<Item = &'a (&'a str, &'a str)>) -> Result<()> {
    for folder in FOLDERS {
        let p = dir.join(folder);
        fs::create_dir_all(&p).with_context(|| format!("无法创建目录 {}", p.display()))?;
    }
    for (name, content) in files.chain([&GITIGNORE]).chain(crate::templates::DEFAULTS) {
        let p = dir.join(name);
        if !p.exists() {
            fsx::write_atomic(&p, content.as_bytes())?;
        }
    }
    Ok(())
}

/// The bytes of a plan document, or a usage error in the office's words.
pub(crate) fn read_plan(plan: &Path) -> Result<Vec<u8>> {
    fs::read(plan).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".into(),
            std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
            _ if plan.is_dir() => "这是一个文件夹，不是文件".into(),
            _ => e.to_string(),
        };
        UserError::usage(format!("无法读取实施方案 {}：{reason}", plan.display())).into()
    })
}

/// Draft a catalog from a plan's bytes; `source` is the plan's name as the
/// catalog records it. A plan that cannot be drafted is a usage error
/// naming the file.
pub(crate) fn draft_bytes(plan: &Path, bytes: &[u8], source: &str) -> Result<Draft> {
    let ext = plan
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |e: draft::DraftError| UserError::usage(format!("{}：{}", plan.display(), e.0));
    let lines = draft::plan_lines(bytes, &ext).map_err(bad)?;
    Ok(draft::draft(&lines, source).map_err(bad)?)
}

/// `枫林县-2025.toml`: the catalog's file name from the plan's county and
/// year, safe as a file name whatever the title held.
fn catalog_file_name(d: &Draft) -> String {
    let county: String = d
        .county
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let county = if county.is_empty() {
        "plan".to_string()
    } else {
        county
    };
    format!("{county}-{}.toml", d.year)
}

/// `name` in `dir`, or `stem-2.ext`, `stem-3.ext` … when it is taken. A file
/// already holding exactly `same` counts as free: it is the one to keep.
fn free_name(dir: &Path, name: &str, same: Option<&[u8]>) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| match n {
            1 => name.to_string(),
            n => format!("{stem}-{n}{ext}"),
        })
        .find(|candidate| {
            let p = dir.join(candidate);
            !p.exists() || same.is_some_and(|b| fs::read(&p).is_ok_and(|have| have == b))
        })
        .unwrap_or_else(|| name.to_string())
}

/// The configuration `template` with `[plan] catalog` set to `catalog`: the
/// value of its `catalog = "…"` line is replaced and every other line kept
/// as written, comments included. A template without that line gets one at
/// the end of its `[plan]` table (and a `[plan]` if it has none).
pub(crate) fn config_with_catalog(template: &str, catalog: &str) -> String {
    let value = draft::toml_string(catalog);
    let mut out = Vec::new();
    let mut section = String::new();
    let mut done = false;
    for line in template.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            if section == "[plan]" && !done {
                out.push(format!("catalog = {value}"));
                done = true;
            }
            section = t.split('#').next().unwrap_or(t).trim().to_string();
            out.push(line.to_string());
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        if section == "[plan]" && !done && key == "catalog" && t.contains('=') {
            let indent = &line[..line.len() - t.len()];
            // Whatever follows the old value (a comment) stays.
            let after_eq = &t[t.find('=').map_or(t.len(), |i| i + 1)..];
            let rest = after_eq
                .trim_start()
                .strip_prefix('"')
                .and_then(|v| v.find('"').map(|e| &v[e + 1..]))
                .unwrap_or("");
            out.push(format!("{indent}catalog = {value}{rest}"));
            done = true;
            continue;
        }
        out.push(line.to_string());
    }
    if !done {
        if section == "[plan]" {
            out.push(format!("catalog = {value}"));
        } else {
            out.insert(0, format!("[plan]\ncatalog = {value}\n"));
        }
    }
    let mut text = out.join("\n");
    if template.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn random_key() -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("无法生成密钥：{e}"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, TEMPLATE};

    #[test]
    fn the_shipped_template_points_at_the_drafted_catalog_and_keeps_the_rest() {
        let text = config_with_catalog(TEMPLATE, "seeds/枫林县-2025.toml");
        let c = Config::parse(&text, "minsheng.toml").unwrap();
        assert_eq!(c.plan.catalog, "seeds/枫林县-2025.toml");
        assert_eq!(
            c,
            Config {
                plan: crate::config::PlanConfig {
                    catalog: "seeds/枫林县-2025.toml".into(),
                    ..Config::parse(TEMPLATE, "t").unwrap().plan
                },
                ..Config::parse(TEMPLATE, "t").unwrap()
            }
        );
        let changed: Vec<(&str, &str)> = TEMPLATE
            .lines()
            .zip(text.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(TEMPLATE.lines().count(), text.lines().count());
    }

    #[test]
    fn templates_worded_otherwise_still_get_the_catalog() {
        let cases = [
            // A comment after the value, an indented line.
            "[plan]\n  catalog = \"seeds/a.toml\"   # 任务目录\ntolerance = 3.0\n",
            // A commented-out example above the real line.
            "[plan]\n# catalog = \"seeds/old.toml\"\ncatalog = \"seeds/a.toml\"\n[limits]\n",
            // No catalog line under [plan]; one under another table is not it.
            "[plan]\ndeadline_day = 5\n[other]\ncatalog = \"x\"\n",
            // No [plan] at all.
            "[limits]\nmax_cells = 10\n",
            "",
        ];
        for t in cases {
            let text = config_with_catalog(t, "seeds/县 “甲”.toml");
            let v: toml::Table =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{t:?}: {e}\n{text}"));
            assert_eq!(
                v["plan"]["catalog"].as_str(),
                Some("seeds/县 “甲”.toml"),
                "{t:?} → {text}"
            );
        }
        let text = config_with_catalog(
            "[plan]\n  catalog = \"seeds/a.toml\"   # 任务目录\n",
            "seeds/b.toml",
        );
        assert_eq!(text, "[plan]\n  catalog = \"seeds/b.toml\"   # 任务目录\n");
    }

    #[test]
    fn catalog_names_are_safe_and_never_taken() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = draft::draft(
            &[
                "某县方案".to_string(),
                "一、任务".into(),
                "（一）县级".into(),
                "1. 新建公园 1 个。（牵头单位：县甲局）".into(),
            ],
            "x.txt",
        )
        .unwrap();
        d.county = "枫林/县:*".into();
        d.year = 2025;
        assert_eq!(catalog_file_name(&d), "枫林县-2025.toml");
        d.county = String::new();
        assert_eq!(catalog_file_name(&d), "plan-2025.toml");
        std::fs::write(dir.path().join("plan-2025.toml"), "x").unwrap();
        std::fs::write(dir.path().join("plan-2025-2.toml"), "y").unwrap();
        assert_eq!(
            free_name(dir.path(), "plan-2025.toml", None),
            "plan-2025-3.toml"
        );
        // The same plan already there is the one to keep.
        assert_eq!(
            free_name(dir.path(), "plan-2025.toml", Some(b"x")),
            "plan-2025.toml"
        );
    }
}
