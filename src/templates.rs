//! Message templates (minijinja). The office edits the copies under a
//! workspace's `templates/`; a template missing there falls back to the one
//! built into the program, so an old workspace keeps working after an upgrade.

use anyhow::{Context, Result};
use std::path::Path;

/// (path relative to the workspace, content)
pub(crate) const DEFAULTS: &[(&str, &str)] = &[
    (
        "templates/receipt.txt",
        include_str!("../templates/receipt.txt"),
    ),
    (
        "templates/bulletin.html",
        include_str!("../templates/bulletin.html"),
    ),
    (
        "templates/bulletin.txt",
        include_str!("../templates/bulletin.txt"),
    ),
    (
        "templates/reminder.txt",
        include_str!("../templates/reminder.txt"),
    ),
    (
        "templates/test-mail.txt",
        include_str!("../templates/test-mail.txt"),
    ),
];

pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    /// Load every template once: the workspace's copy where there is one.
    pub(crate) fn load(workspace: &Path) -> Result<Templates> {
        let mut env = minijinja::Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("fixed syntax settings are valid"),
        );
        for (rel, builtin) in DEFAULTS {
            let path = workspace.join(rel);
            let source = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin.to_string(),
                Err(e) => {
                    return Err(e).with_context(|| format!("无法读取模板 {}", path.display()));
                }
            };
            let name = rel.trim_start_matches("templates/");
            env.add_template_owned(name.to_string(), source)
                .with_context(|| format!("模板 {} 有语法错误", path.display()))?;
        }
        Ok(Templates { env })
    }

    pub(crate) fn render(&self, name: &str, ctx: impl serde::Serialize) -> Result<String> {
        let t = self
            .env
            .get_template(name)
            .with_context(|| format!("缺少模板 {name}"))?;
        t.render(minijinja::value::Serde(ctx))
            .with_context(|| format!("模板 templates/{name} 无法生成内容"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_copy_wins_and_builtin_fills_in() {
        let dir = tempfile::tempdir().unwrap();
        let t = Templates::load(dir.path()).unwrap();
        assert!(
            t.render("receipt.txt", serde_json::json!({"plan": "计划"}))
                .unwrap()
                .starts_with("计划 报送回执")
        );
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/receipt.txt"), "回执：{{ plan }}").unwrap();
        let t = Templates::load(dir.path()).unwrap();
        assert_eq!(
            t.render("receipt.txt", serde_json::json!({"plan": "计划"}))
                .unwrap(),
            "回执：计划"
        );
    }

    #[test]
    fn a_broken_template_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/receipt.txt"), "{% if %}").unwrap();
        let e = Templates::load(dir.path()).err().unwrap();
        assert!(format!("{e:#}").contains("receipt.txt"), "{e:#}");
    }
}
