//! Taking in returned files: claim, read, validate, record, archive, answer.
//! The daemon and `minsheng ingest` share this path. Order matters for
//! crash safety: the file is claimed into `var/processing/` before anything
//! else, the ledger commit decides its fate, and only then is it moved to the
//! archive and its receipt written; `recover` finishes whatever a crash left.

use crate::ledger::{FileRow, Ledger, NewFile};
use crate::period::Period;
use crate::read::ParsedReturn;
use crate::receipt::{ReceiptInfo, Verdict};
use crate::templates::Templates;
use crate::validate::{self, Contact, Finding, Reported, Rules};
use crate::workbook;
use crate::workspace::Workspace;
use crate::{fsx, receipt};
use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

pub const UNIDENTIFIED: &str = "_unidentified";

/// The outcome for one file, as `ingest --json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub file: String,
    pub department: Option<String>,
    pub period: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<FindingJson>,
    #[serde(skip)]
    pub receipt: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingJson {
    pub code: &'static str,
    pub severity: &'static str,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub indicator: Option<String>,
    pub message: String,
}

impl From<&Finding> for FindingJson {
    fn from(f: &Finding) -> Self {
        FindingJson {
            code: f.code,
            severity: if f.is_error() { "error" } else { "warning" },
            sheet: f.sheet.clone(),
            cell: f.cell.clone(),
            indicator: f.indicator.clone(),
            message: f.message.clone(),
        }
    }
}

/// A file that could not be taken at all (missing, unreadable, not movable):
/// nothing was received, the file stays where it was.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotTaken(pub String);

/// Excel and LibreOffice lock files, browser partial downloads, editor temp
/// files and hidden files: never a return, never touched.
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with("~$")
        || name.starts_with('.')
        || name.starts_with('~')
        || [
            ".tmp",
            ".crdownload",
            ".part",
            ".partial",
            ".download",
            "#",
            ".swp",
            ".bak",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
        || lower == "thumbs.db"
        || lower == "desktop.ini"
}

/// Everything worked out about one file before anything is recorded.
struct Evaluation {
    parsed: Option<ParsedReturn>,
    department: Option<String>,
    period: Option<Period>,
    findings: Vec<Finding>,
    accepted: Option<(Vec<Reported>, Contact)>,
}

pub struct Intake<'a> {
    ws: &'a Workspace,
    ledger: Ledger,
    templates: Templates,
    key: Vec<u8>,
    inbox: Option<PathBuf>,
}

impl<'a> Intake<'a> {
    pub fn open(ws: &'a Workspace) -> Result<Intake<'a>> {
        Ok(Intake {
            ws,
            ledger: Ledger::open(&ws.ledger_path())?,
            templates: Templates::load(&ws.root)?,
            key: ws.signing_key()?,
            inbox: fs::canonicalize(ws.inbox()).ok(),
        })
    }

    /// Take one file: from the inbox it is moved, from elsewhere copied.
    /// `Err` means the file could not be taken at all (it stays where it was)
    /// or the workspace itself failed.
    pub fn ingest(&mut self, path: &Path, shown: &str) -> Result<FileResult> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_ignored(&name) {
            return Ok(FileResult {
                file: shown.to_string(),
                department: None,
                period: None,
                verdict: Verdict::Skipped,
                findings: Vec::new(),
                receipt: None,
            });
        }
        let claimed = self
            .claim(path, &name)
            .map_err(|e| NotTaken(crate::error::chain(&e)))?;
        self.process_claimed(&claimed, &name, shown)
    }

    fn claim(&self, path: &Path, name: &str) -> Result<PathBuf> {
        let meta = fs::metadata(path).with_context(|| format!("找不到文件 {}", path.display()))?;
        anyhow::ensure!(meta.is_file(), "{} 不是文件", path.display());
        let processing = self.ws.var().join("processing");
        fs::create_dir_all(&processing)
            .with_context(|| format!("无法创建目录 {}", processing.display()))?;
        let stamp = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let target = processing.join(format!("{stamp}-{}", fsx::safe_component(name)));
        let from_inbox = path.parent().and_then(|p| fs::canonicalize(p).ok()) == self.inbox
            && self.inbox.is_some();
        if from_inbox {
            // A rename, or across file systems (an inbox on a network share)
            // a synced copy before the original goes.
            fsx::move_file(path, &target)
                .with_context(|| format!("无法取走 {}", path.display()))?;
        } else {
            let tmp = fsx::temp_name(&target);
            fs::copy(path, &tmp).with_context(|| format!("无法读取 {}", path.display()))?;
            fs::rename(&tmp, &target).with_context(|| format!("无法写入 {}", target.display()))?;
        }
        Ok(target)
    }

    /// Process a file already in `var/processing/`. `name` is its original
    /// name, `shown` how the result names it.
    pub fn process_claimed(
        &mut self,
        claimed: &Path,
        name: &str,
        shown: &str,
    ) -> Result<FileResult> {
        let size = fs::metadata(claimed)
            .with_context(|| format!("无法读取 {}", claimed.display()))?
            .len();
        let limits = &self.ws.config.limits;
        let too_big = size > limits.max_file_mb * 1024 * 1024;
        let bytes = if too_big {
            Vec::new()
        } else {
            fs::read(claimed).with_context(|| format!("无法读取 {}", claimed.display()))?
        };
        let sha = if too_big {
            hash_file(claimed)?
        } else {
            hex(&Sha256::digest(&bytes))
        };

        if let Some(first) = self.ledger.find_by_hash(&sha)? {
            if !self.ws.path(&first.archive_path).exists() {
                // The same file, recorded before a crash but never archived.
                return self.finish_recorded(claimed, &first, shown);
            }
            return self.duplicate(claimed, name, shown, size, &sha, &first);
        }

        let now = self.ws.clock.now();
        let received_at = now.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let ext = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let eval = if too_big {
            let e = workbook::too_large_file(size, limits);
            evaluation_of_read_error(e)
        } else {
            self.evaluate(
                &bytes,
                &ext,
                Path::new(name)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )?
        };
        let verdict = if eval.accepted.is_some() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        };
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let who = fsx::safe_component(eval.department.as_deref().unwrap_or(&stem));
        // A period the plan does not know (or that has not begun) is no
        // folder of its own: such files are filed with the unidentified ones.
        let filed = eval
            .period
            .filter(|_| !eval.findings.iter().any(|f| f.code == "unknown_period"));
        let folder = filed
            .map(|p| p.to_string())
            .unwrap_or_else(|| UNIDENTIFIED.to_string());
        let archive = archive_path(eval.department.as_deref(), filed, now, &sha, name);
        let receipt_stem = self.free_receipt_stem(&folder, &who, now, verdict);
        let accepted = eval.accepted.as_ref().map(|(v, c)| (v.as_slice(), c));
        self.ledger.record(&NewFile {
            sha256: &sha,
            name,
            size,
            received_at: &received_at,
            verdict: verdict.as_str(),
            department: eval.department.as_deref(),
            period: eval.period,
            archive_path: &archive,
            receipt_stem: &receipt_stem,
            duplicate_of: None,
            findings: &eval.findings,
            accepted,
        })?;
        fsx::move_file(claimed, &self.ws.path(&archive))?;
        let receipt = self.write_receipt(
            &receipt_stem,
            eval.parsed.as_ref(),
            &ReceiptInfo {
                catalog: &self.ws.catalog,
                file: name,
                department: eval.department.as_deref(),
                period: eval.period.map(|p| p.chinese()),
                received_at: &received_at.replace('T', " ")[..19],
                verdict,
                findings: &eval.findings,
                duplicate_of: None,
            },
        )?;
        Ok(FileResult {
            file: shown.to_string(),
            department: eval.department,
            period: eval.period.map(|p| p.to_string()),
            verdict,
            findings: eval.findings.iter().map(FindingJson::from).collect(),
            receipt: Some(receipt),
        })
    }

    fn evaluate(&self, bytes: &[u8], ext: &str, stem: String) -> Result<Evaluation> {
        let mut book = match workbook::read(bytes, ext, &self.ws.config.limits) {
            Ok(b) => b,
            Err(e) => return Ok(evaluation_of_read_error(e)),
        };
        let Some(parsed) = crate::read::parse(&mut book) else {
            return Ok(Evaluation {
                parsed: None,
                department: None,
                period: None,
                findings: vec![Finding::error(
                    "not_a_form",
                    "文件中找不到填报表（含“指标编号”“累计完成”等列的表头），请使用专班下发的填报表填写",
                )],
                accepted: None,
            });
        };
        let rules = Rules {
            catalog: &self.ws.catalog,
            plan: &self.ws.config.plan,
            key: &self.key,
            today: self.ws.clock.today(),
        };
        let mut findings = Vec::new();
        let id = validate::identify(&parsed, &stem, &rules, &mut findings);
        let mut accepted = None;
        if let (Some(dept), Some(period)) = (&id.department, id.period)
            && !findings.iter().any(|f| f.is_error())
        {
            let previous = self.ledger.previous_values(dept, period)?;
            let (values, contact) =
                validate::check(&parsed, dept, period, &previous, &rules, &mut findings);
            if !findings.iter().any(|f| f.is_error()) {
                accepted = Some((values, contact));
            }
        }
        Ok(Evaluation {
            parsed: Some(parsed),
            department: id.department,
            period: id.period,
            findings,
            accepted,
        })
    }

    fn duplicate(
        &mut self,
        claimed: &Path,
        name: &str,
        shown: &str,
        size: u64,
        sha: &str,
        first: &FileRow,
    ) -> Result<FileResult> {
        let now = self.ws.clock.now();
        let received_at = now.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let period: Option<Period> = first.period.as_deref().and_then(|p| p.parse().ok());
        let folder = period
            .map(|p| p.to_string())
            .unwrap_or_else(|| UNIDENTIFIED.to_string());
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let who = fsx::safe_component(first.department.as_deref().unwrap_or(&stem));
        let archive = archive_path(first.department.as_deref(), period, now, sha, name);
        let receipt_stem = self.free_receipt_stem(&folder, &who, now, Verdict::Duplicate);
        self.ledger.record(&NewFile {
            sha256: sha,
            name,
            size,
            received_at: &received_at,
            verdict: "duplicate",
            department: first.department.as_deref(),
            period,
            archive_path: &archive,
            receipt_stem: &receipt_stem,
            duplicate_of: Some(first.id),
            findings: &[],
            accepted: None,
        })?;
        fsx::move_file(claimed, &self.ws.path(&archive))?;
        let first_at = first.received_at.replace('T', " ");
        let receipt = self.write_receipt(
            &receipt_stem,
            None,
            &ReceiptInfo {
                catalog: &self.ws.catalog,
                file: name,
                department: first.department.as_deref(),
                period: period.map(|p| p.chinese()),
                received_at: &received_at.replace('T', " ")[..19],
                verdict: Verdict::Duplicate,
                findings: &[],
                duplicate_of: Some((&first.name, first_at.get(..19).unwrap_or(&first_at))),
            },
        )?;
        Ok(FileResult {
            file: shown.to_string(),
            department: first.department.clone(),
            period: first.period.clone(),
            verdict: Verdict::Duplicate,
            findings: Vec::new(),
            receipt: Some(receipt),
        })
    }

    /// A file the ledger already holds (a crash came between the commit and
    /// the archive move): archive it where the ledger says and rewrite its
    /// receipt from what was recorded.
    fn finish_recorded(
        &mut self,
        claimed: &Path,
        row: &FileRow,
        shown: &str,
    ) -> Result<FileResult> {
        fsx::move_file(claimed, &self.ws.path(&row.archive_path))?;
        self.rewrite_receipt(row)?;
        let findings = self.ledger.findings(row.id)?;
        Ok(FileResult {
            file: shown.to_string(),
            department: row.department.clone(),
            period: row.period.clone(),
            verdict: verdict_of(&row.verdict),
            findings: findings.iter().map(FindingJson::from).collect(),
            receipt: Some(
                self.ws
                    .receipts_dir("")
                    .join(format!("{}.txt", row.receipt_stem)),
            ),
        })
    }

    fn rewrite_receipt(&mut self, row: &FileRow) -> Result<()> {
        let findings = self.ledger.findings(row.id)?;
        let archived = self.ws.path(&row.archive_path);
        let parsed = fs::read(&archived).ok().and_then(|bytes| {
            let ext = Path::new(&row.name)
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            workbook::read(&bytes, &ext, &self.ws.config.limits)
                .ok()
                .and_then(|mut book| crate::read::parse(&mut book))
        });
        let period: Option<Period> = row.period.as_deref().and_then(|p| p.parse().ok());
        let at = row.received_at.replace('T', " ");
        self.write_receipt(
            &row.receipt_stem,
            if row.verdict == "duplicate" {
                None
            } else {
                parsed.as_ref()
            },
            &ReceiptInfo {
                catalog: &self.ws.catalog,
                file: &row.name,
                department: row.department.as_deref(),
                period: period.map(|p| p.chinese()),
                received_at: at.get(..19).unwrap_or(&at),
                verdict: verdict_of(&row.verdict),
                findings: &findings,
                duplicate_of: None,
            },
        )?;
        Ok(())
    }

    /// Finish what a crash left: files in `var/processing/` are processed (or,
    /// if the ledger already has them, archived), and receipts the ledger
    /// promises but the disk lacks are written.
    pub fn recover(&mut self) -> Result<Vec<FileResult>> {
        let mut results = Vec::new();
        let processing = self.ws.var().join("processing");
        let mut leftovers: Vec<PathBuf> = match fs::read_dir(&processing) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect(),
            Err(_) => Vec::new(),
        };
        leftovers.sort();
        for path in leftovers {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if file_name.starts_with('.') {
                // A half-copied temp file: its source is still where it was.
                fs::remove_file(&path).ok();
                continue;
            }
            let original = file_name
                .split_once('-')
                .map(|(_, n)| n.to_string())
                .unwrap_or(file_name.clone());
            tracing::info!(file = %original, "finishing a file left by an interrupted run");
            results.push(self.process_claimed(&path, &original, &original)?);
        }
        for row in self.ledger.all_files()? {
            if !self
                .ws
                .receipts_dir("")
                .join(format!("{}.txt", row.receipt_stem))
                .exists()
                && self.ws.path(&row.archive_path).exists()
            {
                tracing::info!(file = %row.name, "rewriting a receipt lost in an interrupted run");
                self.rewrite_receipt(&row)?;
            }
        }
        Ok(results)
    }

    /// `<period>/<who>-<YYYYMMDDHHMMSS>-<verdict>`, a second later if taken.
    fn free_receipt_stem(
        &self,
        folder: &str,
        who: &str,
        now: chrono::DateTime<chrono_tz::Tz>,
        verdict: Verdict,
    ) -> String {
        let mut t = now;
        loop {
            let stem = format!(
                "{folder}/{who}-{}-{}",
                t.format("%Y%m%d%H%M%S"),
                verdict.as_str()
            );
            if !self
                .ws
                .receipts_dir("")
                .join(format!("{stem}.txt"))
                .exists()
            {
                return stem;
            }
            t += chrono::Duration::seconds(1);
        }
    }

    fn write_receipt(
        &self,
        stem: &str,
        parsed: Option<&ParsedReturn>,
        info: &ReceiptInfo,
    ) -> Result<PathBuf> {
        let base = self.ws.receipts_dir("").join(stem);
        if let Some(p) = parsed {
            let xlsx = receipt::workbook(p, info.findings)?;
            fsx::write_derived(&base.with_extension("xlsx"), &xlsx)?;
        }
        let txt = base.with_extension("txt");
        fsx::write_derived(&txt, receipt::text(&self.templates, info)?.as_bytes())?;
        Ok(txt)
    }
}

/// `var/archive/<period>/<department>/<time>-<hash>-<name>`; what is not
/// known goes under `_unidentified`.
fn archive_path(
    department: Option<&str>,
    period: Option<Period>,
    now: chrono::DateTime<chrono_tz::Tz>,
    sha: &str,
    name: &str,
) -> String {
    let folder = match (period, department) {
        (Some(p), Some(d)) => format!("{p}/{}", fsx::safe_component(d)),
        (Some(p), None) => format!("{p}/{UNIDENTIFIED}"),
        (None, Some(d)) => format!("{UNIDENTIFIED}/{}", fsx::safe_component(d)),
        (None, None) => UNIDENTIFIED.to_string(),
    };
    format!(
        "var/archive/{folder}/{}-{}-{}",
        now.format("%Y%m%d%H%M%S"),
        &sha[..12],
        fsx::safe_component(name)
    )
}

fn evaluation_of_read_error(e: workbook::ReadError) -> Evaluation {
    let message = match &e {
        workbook::ReadError::Encrypted => {
            "文件已加密（设置了打开密码），无法读取；请取消密码后重新报送".to_string()
        }
        other => other.to_string(),
    };
    Evaluation {
        parsed: None,
        department: None,
        period: None,
        findings: vec![Finding::error(e.code(), message)],
        accepted: None,
    }
}

fn verdict_of(s: &str) -> Verdict {
    match s {
        "accepted" => Verdict::Accepted,
        "duplicate" => Verdict::Duplicate,
        _ => Verdict::Rejected,
    }
}

fn hash_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        if n == 0 {
            return Ok(hex(&h.finalize()));
        }
        h.update(&buf[..n]);
    }
}

fn hex(b: &[u8]) -> String {
    crate::workspace::hex(b)
}

/// `minsheng ingest FILE… [--json]`.
pub fn command(ws: &Workspace, files: &[PathBuf], json: bool) -> Result<()> {
    let mut intake = Intake::open(ws)?;
    let mut results = Vec::new();
    let mut failed = false;
    for path in files {
        let shown = path.display().to_string();
        match intake.ingest(path, &shown) {
            Ok(r) => {
                // A receipt that cannot be queued (a malformed address in the
                // configuration) must not undo the return that was recorded.
                if let Err(e) = crate::mail::queue_receipt(ws, &r) {
                    tracing::warn!(file = %shown, error = %crate::error::chain(&e), "receipt not queued for mail");
                }
                results.push(r)
            }
            Err(e) => {
                failed = true;
                eprintln!("错误：{}", crate::error::chain(&e));
            }
        }
    }
    if json {
        crate::app::print_json(&serde_json::json!({ "results": results }))?;
    } else {
        crate::app::print_text(&human(&results))?;
    }
    if failed || results.iter().any(|r| r.verdict == Verdict::Rejected) {
        return Err(crate::error::ItemsFailed.into());
    }
    Ok(())
}

fn human(results: &[FileResult]) -> String {
    let mut out = String::new();
    let mut counts: HashMap<Verdict, usize> = HashMap::new();
    for r in results {
        *counts.entry(r.verdict).or_default() += 1;
        let who = match (&r.department, &r.period) {
            (Some(d), Some(p)) => format!("{d} {p}"),
            (Some(d), None) => d.clone(),
            _ => "单位/期次未能识别".into(),
        };
        out.push_str(&format!("【{}】{}  {}\n", r.verdict.chinese(), r.file, who));
        for f in &r.findings {
            let tag = if f.severity == "error" {
                "需修改"
            } else {
                "提醒"
            };
            out.push_str(&format!("    {tag}：{}\n", f.message));
        }
        if let Some(p) = &r.receipt {
            out.push_str(&format!("    回执：{}\n", p.display()));
        }
    }
    out.push_str(&format!(
        "共 {} 个文件：已采用 {}，退回 {}，重复 {}，跳过 {}\n",
        results.len(),
        counts.get(&Verdict::Accepted).unwrap_or(&0),
        counts.get(&Verdict::Rejected).unwrap_or(&0),
        counts.get(&Verdict::Duplicate).unwrap_or(&0),
        counts.get(&Verdict::Skipped).unwrap_or(&0),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_temp_files_are_ignored() {
        for name in [
            "~$2024-03-县教育局.xlsx",
            ".~lock.2024-03-县教育局.xlsx#",
            "a.tmp",
            "a.xlsx.crdownload",
            "a.part",
            ".DS_Store",
            "Thumbs.db",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["2024-03-县教育局.xlsx", "报表.xls", "x.ods", "y.et"] {
            assert!(!is_ignored(name), "{name}");
        }
    }
}
