//! Taking in returned files: claim, read, validate, record, archive, answer.
//! Order matters for crash safety: the file is claimed into
//! `var/processing/` before anything else, the ledger commit decides its
//! fate, and only then is it moved to the archive and its receipt written;
//! [`Intake::recover`] finishes whatever a crash left.

use super::names::{self, UNIDENTIFIED};
use super::read::ParsedReturn;
use super::receipt::{self, Receipt, ReceiptInfo};
use super::validate::{self, Rules};
use super::workbook;
use crate::fsx;
use crate::ledger::{FileRow, Ledger, NewFile};
use crate::model::{Contact, Finding, Reported, Verdict};
use crate::plan::Period;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The outcome for one file, as `ingest --json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub file: String,
    pub department: Option<String>,
    pub period: Option<Period>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub receipt: Option<FiledReceipt>,
}

/// A receipt as written under `outbox/receipts/`, with its content kept in
/// memory for whoever sends it on.
#[derive(Debug, Clone, PartialEq)]
pub struct FiledReceipt {
    pub txt: PathBuf,
    /// The marked copy, when there is one.
    pub xlsx: Option<PathBuf>,
    pub receipt: Receipt,
    /// The name the department gave the file.
    pub file_name: String,
}

/// A file that could not be taken at all (missing, unreadable, not movable):
/// nothing was received, the file stays where it was.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotTaken(pub String);

/// Everything worked out about one file before anything is recorded.
struct Evaluation {
    parsed: Option<ParsedReturn>,
    department: Option<String>,
    period: Option<Period>,
    findings: Vec<Finding>,
    accepted: Option<(Vec<Reported>, Contact)>,
}

impl Evaluation {
    fn rejected(findings: Vec<Finding>) -> Evaluation {
        Evaluation {
            parsed: None,
            department: None,
            period: None,
            findings,
            accepted: None,
        }
    }
}

/// What the ledger holds about one processed file, and so what its receipt
/// and its result say.
struct Recorded {
    name: String,
    department: Option<String>,
    period: Option<Period>,
    received_at: DateTime<FixedOffset>,
    verdict: Verdict,
    findings: Vec<Finding>,
    receipt_stem: String,
    archive_path: String,
    /// For a duplicate: the name and arrival of the return it repeats.
    duplicate_of: Option<(String, DateTime<FixedOffset>)>,
}

/// A claimed file and what is known of its bytes.
struct Incoming<'p> {
    claimed: &'p Path,
    /// How the result names the file.
    shown: &'p str,
    sha: String,
    size: u64,
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
    /// `Err` means the file could not be taken at all (it stays where it was,
    /// [`NotTaken`]) or the workspace itself failed.
    pub fn ingest(&mut self, path: &Path, shown: &str) -> Result<FileResult> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if names::is_ignored(&name) {
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
    fn process_claimed(&mut self, claimed: &Path, name: &str, shown: &str) -> Result<FileResult> {
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
            crate::text::hex(&Sha256::digest(&bytes))
        };
        let received_at = self.ws.clock.now().fixed_offset();
        let incoming = Incoming {
            claimed,
            shown,
            sha,
            size,
        };

        if let Some(first) = self.ledger.find_by_hash(&incoming.sha)? {
            if !self.ws.path(&first.archive_path).exists() {
                // The same file, recorded before a crash but never archived.
                return self.finish_recorded(claimed, &first, shown);
            }
            let department = first.department.as_deref();
            let recorded = Recorded {
                name: name.to_string(),
                department: first.department.clone(),
                period: first.period,
                received_at,
                verdict: Verdict::Duplicate,
                findings: Vec::new(),
                receipt_stem: self.free_receipt_stem(
                    first.period,
                    department,
                    name,
                    received_at,
                    Verdict::Duplicate,
                ),
                archive_path: names::archive_path(
                    department,
                    first.period,
                    received_at,
                    &incoming.sha,
                    name,
                ),
                duplicate_of: Some((first.name.clone(), first.received_at)),
            };
            return self.file(&incoming, &recorded, Some(first.id), None, None);
        }

        let eval = if too_big {
            Evaluation::rejected(vec![read_error_finding(workbook::too_large_file(
                size, limits,
            ))])
        } else {
            self.evaluate(&bytes, name)?
        };
        let verdict = if eval.accepted.is_some() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        };
        // A period the plan does not know (or that has not begun) is no
        // folder of its own: such files are filed with the unidentified ones.
        let filed = eval
            .period
            .filter(|_| !eval.findings.iter().any(|f| f.code == "unknown_period"));
        let department = eval.department.as_deref();
        let recorded = Recorded {
            name: name.to_string(),
            department: eval.department.clone(),
            period: eval.period,
            received_at,
            verdict,
            receipt_stem: self.free_receipt_stem(filed, department, name, received_at, verdict),
            archive_path: names::archive_path(department, filed, received_at, &incoming.sha, name),
            findings: eval.findings,
            duplicate_of: None,
        };
        let accepted = eval.accepted.as_ref().map(|(v, c)| (v.as_slice(), c));
        self.file(&incoming, &recorded, None, accepted, eval.parsed.as_ref())
    }

    /// Record a file in the ledger, archive it, write its receipt.
    fn file(
        &mut self,
        incoming: &Incoming,
        r: &Recorded,
        duplicate_of: Option<i64>,
        accepted: Option<(&[Reported], &Contact)>,
        parsed: Option<&ParsedReturn>,
    ) -> Result<FileResult> {
        self.ledger.record(&NewFile {
            sha256: &incoming.sha,
            name: &r.name,
            size: incoming.size,
            received_at: r.received_at,
            verdict: r.verdict,
            department: r.department.as_deref(),
            period: r.period,
            archive_path: &r.archive_path,
            receipt_stem: &r.receipt_stem,
            duplicate_of,
            findings: &r.findings,
            accepted,
        })?;
        fsx::move_file(incoming.claimed, &self.ws.path(&r.archive_path))?;
        let receipt = self.answer(r, parsed)?;
        Ok(result_of(r, incoming.shown, receipt))
    }

    fn evaluate(&self, bytes: &[u8], name: &str) -> Result<Evaluation> {
        let mut book = match workbook::read(bytes, names::extension(name), &self.ws.config.limits) {
            Ok(b) => b,
            Err(e) => return Ok(Evaluation::rejected(vec![read_error_finding(e)])),
        };
        let Some(parsed) = super::read::parse(&mut book) else {
            return Ok(Evaluation::rejected(vec![Finding::error(
                "not_a_form",
                "文件中找不到填报表（含“指标编号”“累计完成”等列的表头），请使用专班下发的填报表填写",
            )]));
        };
        let rules = Rules {
            catalog: &self.ws.catalog,
            plan: &self.ws.config.plan,
            key: &self.key,
            today: self.ws.clock.today(),
        };
        let mut findings = Vec::new();
        let id = validate::identify(&parsed, names::stem(name), &rules, &mut findings);
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

    /// A file the ledger already holds (a crash came between the commit and
    /// the archive move): archive it where the ledger says and write its
    /// receipt again from what was recorded.
    fn finish_recorded(
        &mut self,
        claimed: &Path,
        row: &FileRow,
        shown: &str,
    ) -> Result<FileResult> {
        fsx::move_file(claimed, &self.ws.path(&row.archive_path))?;
        let recorded = self.recorded(row)?;
        let receipt = self.answer(&recorded, self.reread(row).as_ref())?;
        Ok(result_of(&recorded, shown, receipt))
    }

    /// What the ledger says of `row`, as its receipt needs it.
    fn recorded(&self, row: &FileRow) -> Result<Recorded> {
        let duplicate_of = match row.verdict {
            Verdict::Duplicate => self
                .ledger
                .find_by_hash(&row.sha256)?
                .map(|first| (first.name, first.received_at)),
            _ => None,
        };
        Ok(Recorded {
            name: row.name.clone(),
            department: row.department.clone(),
            period: row.period,
            received_at: row.received_at,
            verdict: row.verdict,
            findings: self.ledger.findings(row.id)?,
            receipt_stem: row.receipt_stem.clone(),
            archive_path: row.archive_path.clone(),
            duplicate_of,
        })
    }

    /// The archived original read as a form again, for the marked copy of a
    /// receipt written after a crash.
    fn reread(&self, row: &FileRow) -> Option<ParsedReturn> {
        if row.verdict == Verdict::Duplicate {
            return None;
        }
        let bytes = fs::read(self.ws.path(&row.archive_path)).ok()?;
        let mut book =
            workbook::read(&bytes, names::extension(&row.name), &self.ws.config.limits).ok()?;
        super::read::parse(&mut book)
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
            if !self.receipt_path(&row.receipt_stem, "txt").exists()
                && self.ws.path(&row.archive_path).exists()
            {
                tracing::info!(file = %row.name, "rewriting a receipt lost in an interrupted run");
                let recorded = self.recorded(&row)?;
                self.answer(&recorded, self.reread(&row).as_ref())?;
            }
        }
        Ok(results)
    }

    /// `<period>/<who>-<YYYYMMDDHHMMSS>-<verdict>`, a second later if taken.
    fn free_receipt_stem(
        &self,
        period: Option<Period>,
        department: Option<&str>,
        name: &str,
        at: DateTime<FixedOffset>,
        verdict: Verdict,
    ) -> String {
        let folder = period.map_or_else(|| UNIDENTIFIED.to_string(), |p| p.to_string());
        let who = fsx::safe_component(department.unwrap_or(names::stem(name)));
        let mut t = at;
        loop {
            let stem = format!(
                "{folder}/{who}-{}-{}",
                t.format("%Y%m%d%H%M%S"),
                verdict.as_str()
            );
            if !self.receipt_path(&stem, "txt").exists() {
                return stem;
            }
            t += chrono::Duration::seconds(1);
        }
    }

    fn receipt_path(&self, stem: &str, ext: &str) -> PathBuf {
        self.ws.receipts_dir("").join(format!("{stem}.{ext}"))
    }

    /// The one place a receipt is made: from what the ledger recorded.
    fn answer(&self, r: &Recorded, parsed: Option<&ParsedReturn>) -> Result<FiledReceipt> {
        let info = ReceiptInfo {
            catalog: &self.ws.catalog,
            file: &r.name,
            department: r.department.as_deref(),
            period: r.period,
            received_at: r.received_at,
            verdict: r.verdict,
            findings: &r.findings,
            duplicate_of: r.duplicate_of.as_ref().map(|(n, at)| (n.as_str(), *at)),
        };
        let receipt = receipt::compose(&self.templates, &info, parsed)?;
        let xlsx = match &receipt.marked {
            Some(bytes) => {
                let path = self.receipt_path(&r.receipt_stem, "xlsx");
                fsx::write_derived(&path, bytes)?;
                Some(path)
            }
            None => None,
        };
        let txt = self.receipt_path(&r.receipt_stem, "txt");
        fsx::write_derived(&txt, receipt.text.as_bytes())?;
        Ok(FiledReceipt {
            txt,
            xlsx,
            receipt,
            file_name: r.name.clone(),
        })
    }
}

fn result_of(r: &Recorded, shown: &str, receipt: FiledReceipt) -> FileResult {
    FileResult {
        file: shown.to_string(),
        department: r.department.clone(),
        period: r.period,
        verdict: r.verdict,
        findings: r.findings.clone(),
        receipt: Some(receipt),
    }
}

fn read_error_finding(e: workbook::ReadError) -> Finding {
    let message = match &e {
        workbook::ReadError::Encrypted => {
            "文件已加密（设置了打开密码），无法读取；请取消密码后重新报送".to_string()
        }
        other => other.to_string(),
    };
    Finding::error(e.code(), message)
}

fn hash_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        if n == 0 {
            return Ok(crate::text::hex(&h.finalize()));
        }
        h.update(&buf[..n]);
    }
}
