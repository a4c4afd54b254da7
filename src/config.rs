//! `minsheng.toml`: every key has a default, so an empty file works, and
//! every unknown key is an error naming the key and its line, because a
//! misspelt key silently ignored is a bulletin sent to nobody.

use crate::model::Severity;
use crate::plan::catalog::translate_toml_error;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub(crate) plan: PlanConfig,
    pub(crate) limits: Limits,
    pub(crate) smtp: Option<Smtp>,
    pub(crate) mail: MailConfig,
    pub(crate) leaders: Vec<Leader>,
    pub(crate) departments: BTreeMap<String, DepartmentConfig>,
    pub(crate) schedule: Schedule,
    pub(crate) watch: Watch,
    pub(crate) web: Web,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct PlanConfig {
    /// Catalog file, relative to the workspace.
    pub(crate) catalog: String,
    /// Last period the office has closed (`"2024-02"`); returns for it and
    /// earlier periods are `period_closed`.
    pub(crate) closed_through: Option<crate::plan::Period>,
    /// Day of the month after a period by which its returns are due.
    pub(crate) deadline_day: u32,
    /// Points below 序时进度 still counted as 序时推进.
    pub(crate) tolerance: f64,
    /// Points below 序时进度 beyond which an indicator is 严重滞后.
    pub(crate) severe: f64,
    /// How many months after a period its returns are still taken (late)
    /// when the office has not closed it; 0 means no limit.
    pub(crate) max_late_periods: u32,
    /// A cumulative value lower than last period's accepted one: "warning" or "error".
    pub(crate) decrease: Severity,
    /// A value above this many times the target draws a warning.
    pub(crate) far_above_factor: f64,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            catalog: "seeds/pingjiang-2024.toml".into(),
            closed_through: None,
            deadline_day: 5,
            tolerance: 5.0,
            severe: 20.0,
            max_late_periods: 0,
            decrease: Severity::Error,
            far_above_factor: 3.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest file taken, in MB on disk.
    pub(crate) max_file_mb: u64,
    /// Largest total uncompressed size of a workbook's parts, in MB.
    pub(crate) max_uncompressed_mb: u64,
    /// Most cells a workbook may hold (and may declare).
    pub(crate) max_cells: u64,
    /// Address space of the process that reads a returned file, in MB.
    pub(crate) max_reader_mb: u64,
    /// Seconds the reading of one file may take.
    pub(crate) max_reader_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_mb: 20,
            max_uncompressed_mb: 200,
            max_cells: 200_000,
            max_reader_mb: 1024,
            max_reader_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    Tls,
    Starttls,
    None,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub(crate) host: String,
    #[serde(default = "default_port")]
    pub(crate) port: u16,
    #[serde(default = "default_security")]
    pub(crate) security: Security,
    #[serde(default)]
    pub(crate) username: Option<String>,
    /// Name of the environment variable holding the password; the password
    /// itself never sits in the file.
    #[serde(default = "default_password_env")]
    pub(crate) password_env: String,
    pub(crate) from: String,
    /// Seconds before a connection or a reply is given up.
    #[serde(default = "default_timeout")]
    pub(crate) timeout_secs: u64,
    /// A PEM file with one more CA to trust (county mail servers often use a private CA).
    #[serde(default)]
    pub(crate) extra_ca_file: Option<String>,
    /// The name the client greets the server with (EHLO); by default the
    /// domain of `from`.
    #[serde(default)]
    pub(crate) helo_name: Option<String>,
}

fn default_port() -> u16 {
    465
}
fn default_security() -> Security {
    Security::Tls
}
fn default_password_env() -> String {
    "MINSHENG_SMTP_PASSWORD".into()
}
fn default_timeout() -> u64 {
    30
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MailConfig {
    /// Attempts at a recipient whose delivery fails for a while (4xx
    /// replies, a server that is down) before it is given up; a 5xx reply
    /// gives it up at once.
    pub(crate) max_attempts: u32,
    /// First retry delay in seconds; each later one doubles.
    pub(crate) first_retry_secs: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        // 8 attempts, the waits doubling from 12 minutes (12, 24, … 768),
        // span about 25 hours.
        MailConfig {
            max_attempts: 8,
            first_retry_secs: 720,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Leader {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) title: String,
    pub(crate) email: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct DepartmentConfig {
    /// Where receipts and reminders go; several addresses separated by
    /// commas or semicolons all get the same message.
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) contact: Option<String>,
    #[serde(default)]
    pub(crate) phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Schedule {
    /// Cron (6 fields, with seconds) in the plan's time zone: consolidate and send the bulletin.
    pub(crate) report: String,
    /// Cron: remind departments that have not reported.
    pub(crate) reminder: String,
    /// Optional second reminder (e.g. on the deadline day).
    pub(crate) deadline_reminder: Option<String>,
    /// Cron: deliver the mail queue.
    pub(crate) mail: String,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            report: "0 0 9 1 * *".into(),
            reminder: "0 0 9 20 * *".into(),
            deadline_reminder: None,
            mail: "0 * * * * *".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Watch {
    /// Seconds a dropped file's size and mtime must stay unchanged before it is taken.
    pub(crate) settle_secs: f64,
    /// Always poll instead of using file system events (network shares).
    pub(crate) poll: bool,
    /// Seconds between polls.
    pub(crate) poll_secs: f64,
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            settle_secs: 2.0,
            poll: false,
            poll_secs: 2.0,
        }
    }
}

/// The page `run` serves: the office's console, the departments' pages and
/// the leaders' board.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Web {
    /// `host:port` to serve on; empty serves no page.
    pub(crate) listen: String,
    /// How departments and leaders reach the page (`http://192.0.2.10:8080`);
    /// by default `http://<listen>`.
    pub(crate) public_url: Option<String>,
    /// Uploads in intake at once; more are answered 503 with `Retry-After`.
    pub(crate) max_uploads: usize,
    /// PEM certificate chain and key: both set serves HTTPS.
    pub(crate) tls_cert: Option<String>,
    pub(crate) tls_key: Option<String>,
}

impl Default for Web {
    fn default() -> Self {
        Web {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            max_uploads: 4,
            tls_cert: None,
            tls_key: None,
        }
    }
}

impl Web {
    /// The address links start with: `public_url` without a trailing `/`,
    /// else `http(s)://<listen>`; `None` when no page is served.
    pub(crate) fn base_url(&self) -> Option<String> {
        if let Some(u) = &self.public_url {
            return Some(u.trim_end_matches('/').to_string());
        }
        if self.listen.is_empty() {
            return None;
        }
        let scheme = if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        Some(format!("{scheme}://{}", self.listen))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("配置文件 {file} 第 {line} 行：{message}")]
pub struct ConfigError {
    pub(crate) file: String,
    pub line: usize,
    pub message: String,
}

impl Config {
    pub fn parse(src: &str, file: &str) -> Result<Config, ConfigError> {
        toml::from_str(src).map_err(|e| ConfigError {
            file: file.to_string(),
            line: e
                .span()
                .map(|s| {
                    src.as_bytes()[..s.start.min(src.len())]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1
                })
                .unwrap_or(1),
            message: translate_toml_error(e.message()),
        })
    }

    pub fn load(path: &Path) -> anyhow::Result<Config> {
        use anyhow::Context;
        let src = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
        Ok(Config::parse(&src, &path.display().to_string())?)
    }
}

/// The `minsheng.toml` that `init` writes: every optional section present
/// but commented out, so the office sees what can be set. It is the repo
/// root's own file, which therefore speaks of "the plan" and never names a
/// county: every name comes from the catalog that `[plan] catalog` points at.
pub const TEMPLATE: &str = include_str!("../minsheng.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_all_defaults() {
        let c = Config::parse("", "m.toml").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.plan.catalog, "seeds/pingjiang-2024.toml");
        assert!(c.smtp.is_none());
        assert_eq!(c.limits.max_cells, 200_000);
    }

    #[test]
    fn the_shipped_template_parses() {
        let c = Config::parse(TEMPLATE, "minsheng.toml").unwrap();
        assert!(c.smtp.is_none(), "the default workspace keeps mail queued");
    }

    #[test]
    fn the_template_names_no_county() {
        // The catalog line is the one a workspace's plan is chosen by.
        let words = TEMPLATE
            .lines()
            .filter(|l| !l.trim_start().starts_with("catalog ="));
        for line in words {
            for word in [
                "平江",
                "民生可感行动",
                "专班",
                "督查室",
                "县人社局",
                "zhuanban",
            ] {
                assert!(!line.contains(word), "{word} in: {line}");
            }
        }
        assert!(
            TEMPLATE
                .lines()
                .skip_while(|l| l.trim() != "[plan]")
                .any(|l| l.starts_with("catalog = ")),
            "[plan] keeps a catalog line for init --plan to set"
        );
    }

    #[test]
    fn a_full_file_parses() {
        let src = r#"
[plan]
catalog = "seeds/x.toml"
closed_through = "2024-02"
[smtp]
host = "smtp.example.cn"
port = 587
security = "starttls"
username = "office"
password_env = "PW"
from = "办公室 <z@example.cn>"
helo_name = "mail.example.cn"
[[leaders]]
name = "张三"
title = "分管副县长"
email = "z@example.cn"
[departments."县教育局"]
email = "jy@example.cn"
[schedule]
report = "0 0 9 1 * *"
reminder = "0 0 9 20 * *"
"#;
        let c = Config::parse(src, "m.toml").unwrap();
        assert_eq!(c.plan.closed_through.unwrap().to_string(), "2024-02");
        assert_eq!(c.smtp.as_ref().unwrap().security, Security::Starttls);
        assert_eq!(
            c.smtp.as_ref().unwrap().helo_name.as_deref(),
            Some("mail.example.cn")
        );
        assert_eq!(c.leaders[0].title, "分管副县长");
        assert_eq!(
            c.departments["县教育局"].email.as_deref(),
            Some("jy@example.cn")
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e =
            Config::parse("[plan]\ncatalog = \"a.toml\"\ntolerence = 3\n", "m.toml").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("tolerence"), "{e}");
        assert!(e.to_string().contains("第 3 行"));
        let e = Config::parse("[smpt]\nhost = \"x\"\n", "m.toml").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("smpt"), "{e}");
    }

    #[test]
    fn a_bad_value_is_named_with_its_line() {
        let e = Config::parse("[plan]\nclosed_through = \"2024-13\"\n", "m.toml").unwrap_err();
        assert_eq!(e.line, 2);
        let e = Config::parse(
            "[smtp]\nhost = \"h\"\nfrom = \"f\"\nsecurity = \"ssl\"\n",
            "m.toml",
        )
        .unwrap_err();
        assert_eq!(e.line, 4);
    }
}
