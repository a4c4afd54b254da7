//! Taking in returned files: claim, read, validate, record, archive, answer.
//! Order matters for crash safety: the file is claimed into
//! `var/processing/` before anything else, the ledger commit decides its
//! fate, and only then is it moved to the archive and its receipt written;
//! [`Intake::recover`] finishes whatever a crash left.

use super::names::{self, UNIDENTIFIED};
use super::read::ParsedReturn;
use super::reader::{Outcome, Reader};
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
use std::collections::{HashSet, VecDeque};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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

/// How many files share one ledger transaction (one flush): enough to
/// spread the flush thin, few enough to keep memory flat.
const BATCH: usize = 64;

/// A file claimed into `var/processing/`, locked there, its bytes read.
struct Held {
    claimed: PathBuf,
    name: String,
    /// How the result names the file.
    shown: String,
    /// Held until the file has left `var/processing/`.
    _lock: fs::File,
    /// Empty when too big to read, or not to be read again.
    bytes: Vec<u8>,
    sha: String,
    size: u64,
    too_big: bool,
    /// A leftover whose second try died too: rejected unread.
    give_up: bool,
}

/// What a file was taken as.
enum Take {
    Held(Held),
    /// Answered without reading (skipped, set aside).
    Answered(FileResult),
}

/// A batch taken: the files answered at once, and the held ones (by their
/// place in the batch) waiting for the reader.
struct Taken {
    results: Vec<Option<Result<FileResult>>>,
    held: Vec<(usize, Held)>,
}

/// The names and bytes the reader is to read, moved out of the held files
/// (a file too big to read, or not to be read again, is left out).
fn wanted(held: &mut [(usize, Held)]) -> Vec<(String, Vec<u8>)> {
    held.iter_mut()
        .filter(|(_, h)| !h.too_big && !h.give_up)
        .map(|(_, h)| (h.name.clone(), std::mem::take(&mut h.bytes)))
        .collect()
}

/// A held file and what its record says, to archive and answer once the
/// batch's transaction has committed.
struct Plan {
    held: Held,
    recorded: Recorded,
    parsed: Option<ParsedReturn>,
}

pub struct Intake<'a> {
    ws: &'a Workspace,
    ledger: Ledger,
    templates: Templates,
    key: Vec<u8>,
    inbox: Option<PathBuf>,
    /// Out of its place only while [`Intake::ingest_all`] lends it to the
    /// thread that reads the next batch.
    reader: Option<Reader>,
}

/// Where a file that is not a regular file goes, as it is: never opened,
/// never archived (the archive holds received bytes, not links).
const ASIDE: &str = "var/aside";
/// A leftover of a crash is moved here for its second attempt; one found
/// here at start died twice and is not read again.
const RETRY: &str = "retry";

impl<'a> Intake<'a> {
    pub fn open(ws: &'a Workspace) -> Result<Intake<'a>> {
        Ok(Intake {
            ws,
            ledger: Ledger::open(&ws.ledger_path())?,
            templates: Templates::load(&ws.root)?,
            key: ws.signing_key()?,
            inbox: fs::canonicalize(ws.inbox()).ok(),
            reader: Some(Reader::new(&ws.config.limits)?),
        })
    }

    /// Take one file: from the inbox it is moved, from elsewhere copied.
    /// `Err` means the file could not be taken at all (it stays where it was,
    /// [`NotTaken`]) or the workspace itself failed.
    pub fn ingest(&mut self, path: &Path, shown: &str) -> Result<FileResult> {
        self.ingest_all(&[(path, shown)])
            .pop()
            .unwrap_or_else(|| Err(anyhow::anyhow!("没有处理任何文件")))
    }

    /// Take several files, in order: in batches whose files are read on
    /// every core at once and recorded in one ledger transaction, on disk
    /// with one flush before any of them leaves `var/processing/`.
    pub fn ingest_all(&mut self, files: &[(&Path, &str)]) -> Vec<Result<FileResult>> {
        let Some(mut reader) = self.reader.take() else {
            return files
                .iter()
                .map(|_| Err(anyhow::anyhow!("读取进程不可用")))
                .collect();
        };
        // While one batch is decided and recorded here, the next is read on
        // the other cores.
        let (out, reader) = std::thread::scope(|s| {
            let (ask, asked) = mpsc::channel::<Vec<(String, Vec<u8>)>>();
            let (tell, told) = mpsc::channel::<Vec<Result<Outcome>>>();
            let lane = s.spawn(move || {
                for batch in asked {
                    let refs: Vec<(&str, &[u8])> = batch
                        .iter()
                        .map(|(n, b)| (n.as_str(), b.as_slice()))
                        .collect();
                    if tell.send(reader.read_all(&refs)).is_err() {
                        break;
                    }
                }
                reader
            });
            let mut out = Vec::with_capacity(files.len());
            let mut in_flight: VecDeque<Taken> = VecDeque::new();
            for batch in files.chunks(BATCH) {
                let mut taken = self.take_batch(batch);
                let _ = ask.send(wanted(&mut taken.held));
                in_flight.push_back(taken);
                if in_flight.len() > 1
                    && let Some(t) = in_flight.pop_front()
                {
                    out.extend(self.settle_taken(t, told.recv().unwrap_or_default()));
                }
            }
            while let Some(t) = in_flight.pop_front() {
                out.extend(self.settle_taken(t, told.recv().unwrap_or_default()));
            }
            drop(ask);
            (out, lane.join())
        });
        match reader {
            Ok(r) => self.reader = Some(r),
            Err(_) => tracing::error!("the reading thread panicked; a new reader starts"),
        }
        if self.reader.is_none() {
            self.reader = Reader::new(&self.ws.config.limits).ok();
        }
        out
    }

    /// Take one batch of files: each answered at once or held for reading.
    fn take_batch(&mut self, batch: &[(&Path, &str)]) -> Taken {
        let mut results: Vec<Option<Result<FileResult>>> = (0..batch.len()).map(|_| None).collect();
        let mut held = Vec::new();
        for (i, (path, shown)) in batch.iter().enumerate() {
            match self.take(path, shown) {
                Ok(Take::Answered(r)) => results[i] = Some(Ok(r)),
                Ok(Take::Held(h)) => held.push((i, h)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        Taken { results, held }
    }

    /// Settle a taken batch with the reader's outcomes for its held files.
    fn settle_taken(
        &mut self,
        t: Taken,
        outcomes: Vec<Result<Outcome>>,
    ) -> Vec<Result<FileResult>> {
        let Taken { mut results, held } = t;
        for (i, r) in self.settle_read(held, outcomes) {
            results[i] = Some(r);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("文件未被处理"))))
            .collect()
    }

    /// Claim one file into `var/processing/` and read its bytes, or answer
    /// it at once (skipped, set aside).
    fn take(&mut self, path: &Path, shown: &str) -> Result<Take> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if names::is_ignored(&name) {
            return Ok(Take::Answered(FileResult {
                file: shown.to_string(),
                department: None,
                period: None,
                verdict: Verdict::Skipped,
                findings: Vec::new(),
                receipt: None,
            }));
        }
        let meta = fs::symlink_metadata(path)
            .with_context(|| format!("找不到文件 {}", path.display()))
            .map_err(|e| NotTaken(crate::error::chain(&e)))?;
        let from_inbox = self.in_inbox(path);
        if let Some(kind) = fsx::NotRegular::of(&meta) {
            return if from_inbox {
                self.set_aside(path, &name, shown, kind).map(Take::Answered)
            } else {
                // Not ours to move: say what it is, read nothing.
                Ok(Take::Answered(FileResult {
                    file: shown.to_string(),
                    department: None,
                    period: None,
                    verdict: Verdict::Rejected,
                    findings: vec![not_a_file(&name, kind)],
                    receipt: None,
                }))
            };
        }
        let claimed = self
            .claim(path, &name, from_inbox)
            .map_err(|e| NotTaken(crate::error::chain(&e)))?;
        self.hold(claimed, &name, shown, false)
    }

    fn in_inbox(&self, path: &Path) -> bool {
        self.inbox.is_some() && path.parent().and_then(|p| fs::canonicalize(p).ok()) == self.inbox
    }

    fn claim(&self, path: &Path, name: &str, from_inbox: bool) -> Result<PathBuf> {
        let stamp = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let target = self
            .ws
            .var()
            .join("processing")
            .join(format!("{stamp}-{}", fsx::safe_component(name)));
        if from_inbox {
            // A rename (what is moved is what was there, a link included),
            // or across file systems a synced copy before the original goes.
            fsx::move_file(path, &target)
                .with_context(|| format!("无法取走 {}", path.display()))?;
        } else {
            let mut src = match fsx::open_regular(path) {
                Ok(Ok(f)) => f,
                Ok(Err(kind)) => anyhow::bail!("{} 是{}，不是文件", path.display(), kind.chinese()),
                Err(e) => return Err(e).with_context(|| format!("无法读取 {}", path.display())),
            };
            let mut bytes = Vec::new();
            src.read_to_end(&mut bytes)
                .with_context(|| format!("无法读取 {}", path.display()))?;
            fsx::write_derived(&target, &bytes)?;
        }
        Ok(target)
    }

    /// Open and lock a file in `var/processing/` and read what it holds.
    /// `give_up`: a leftover whose second try died too, not to be read again.
    fn hold(&mut self, claimed: PathBuf, name: &str, shown: &str, give_up: bool) -> Result<Take> {
        let mut file = match fsx::open_regular(&claimed)
            .with_context(|| format!("无法读取 {}", claimed.display()))?
        {
            Ok(f) => f,
            // Swapped for a link between the look and the move.
            Err(kind) => {
                return self
                    .set_aside(&claimed, name, shown, kind)
                    .map(Take::Answered);
            }
        };
        // Held until the file has left `var/processing/`, so a recovery in
        // another process leaves it alone.
        file.try_lock()
            .map_err(|_| NotTaken(format!("{} 正由另一个进程处理", claimed.display())))?;
        let size = file
            .metadata()
            .with_context(|| format!("无法读取 {}", claimed.display()))?
            .len();
        let too_big = size > self.ws.config.limits.max_file_mb * 1024 * 1024;
        let (bytes, sha) = if too_big || give_up {
            (Vec::new(), hash_file(&mut file, &claimed)?)
        } else {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)
                .with_context(|| format!("无法读取 {}", claimed.display()))?;
            let sha = crate::text::hex(&Sha256::digest(&bytes));
            (bytes, sha)
        };
        Ok(Take::Held(Held {
            claimed,
            name: name.to_string(),
            shown: shown.to_string(),
            _lock: file,
            bytes,
            sha,
            size,
            too_big,
            give_up,
        }))
    }

    /// Read the held files (on every core), decide and record each in order
    /// in one transaction, commit, then archive and answer them.
    fn settle(&mut self, mut held: Vec<(usize, Held)>) -> Vec<(usize, Result<FileResult>)> {
        let files = wanted(&mut held);
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let outcomes = match self.reader.as_mut() {
            Some(r) => r.read_all(&refs),
            None => refs
                .iter()
                .map(|_| Err(anyhow::anyhow!("读取进程不可用")))
                .collect(),
        };
        self.settle_read(held, outcomes)
    }

    /// Decide and record the held files in order in one transaction, commit,
    /// then archive and answer them; `outcomes` are the reader's, in the
    /// order [`wanted`] asked for them.
    fn settle_read(
        &mut self,
        held: Vec<(usize, Held)>,
        outcomes: Vec<Result<Outcome>>,
    ) -> Vec<(usize, Result<FileResult>)> {
        let mut read = outcomes.into_iter();
        let mut plans: Vec<(usize, Result<Plan>)> = Vec::with_capacity(held.len());
        let failed = |e: &anyhow::Error| anyhow::anyhow!("{}", crate::error::chain(e));
        if let Err(e) = self.ledger.begin() {
            return held
                .into_iter()
                .map(|(i, _)| (i, Err(failed(&e))))
                .collect();
        }
        // Archives this batch will fill once it commits: not missing ones.
        let mut pending = HashSet::new();
        for (i, h) in held {
            let outcome = if h.too_big || h.give_up {
                None
            } else {
                read.next()
            };
            match self.decide(h, outcome, &pending) {
                Ok(plan) => {
                    pending.insert(plan.recorded.archive_path.clone());
                    plans.push((i, Ok(plan)));
                }
                Err(e) => plans.push((i, Err(e))),
            }
        }
        if let Err(e) = self.ledger.commit() {
            self.ledger.rollback();
            return plans
                .into_iter()
                .map(|(i, _)| (i, Err(failed(&e))))
                .collect();
        }
        plans
            .into_iter()
            .map(|(i, plan)| (i, plan.and_then(|p| self.finish(p))))
            .collect()
    }

    /// What becomes of one held file, recorded in the open transaction.
    fn decide(
        &mut self,
        h: Held,
        outcome: Option<Result<Outcome>>,
        pending: &HashSet<String>,
    ) -> Result<Plan> {
        let received_at = self.ws.clock.now().fixed_offset();
        let earlier = self.ledger.files_by_hash(&h.sha)?;
        if let Some(row) = earlier
            .iter()
            .find(|r| !self.present(&r.archive_path) && !pending.contains(&r.archive_path))
        {
            // The same file, recorded before a crash but never archived.
            let parsed = match outcome {
                Some(Ok(Outcome::Form(p))) if row.verdict != Verdict::Duplicate => Some(*p),
                _ => None,
            };
            return Ok(Plan {
                recorded: self.recorded(row)?,
                parsed,
                held: h,
            });
        }
        // The same bytes as an accepted return are counted once; those of a
        // rejected file are read again and rejected again, since the clerk's
        // file is still wrong.
        if let Some(first) = earlier.iter().find(|r| r.verdict == Verdict::Accepted) {
            let department = first.department.as_deref();
            let recorded = Recorded {
                name: h.name.clone(),
                department: first.department.clone(),
                period: first.period,
                received_at,
                verdict: Verdict::Duplicate,
                findings: Vec::new(),
                receipt_stem: self.free_receipt_stem(
                    first.period,
                    department,
                    &h.name,
                    received_at,
                    Verdict::Duplicate,
                ),
                archive_path: names::archive_path(
                    department,
                    first.period,
                    received_at,
                    &h.sha,
                    &h.name,
                ),
                duplicate_of: Some((first.name.clone(), first.received_at)),
            };
            self.record(&h, &recorded, Some(first.id), None)?;
            return Ok(Plan {
                recorded,
                parsed: None,
                held: h,
            });
        }
        let eval = if h.give_up {
            Evaluation::rejected(vec![read_error_finding(workbook::ReadError::Crashed)])
        } else if h.too_big {
            Evaluation::rejected(vec![read_error_finding(workbook::too_large_file(
                h.size,
                &self.ws.config.limits,
            ))])
        } else {
            let outcome =
                outcome.unwrap_or_else(|| Err(anyhow::anyhow!("文件没有交给读取进程")))?;
            self.evaluate(outcome, &h.name)?
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
            name: h.name.clone(),
            department: eval.department.clone(),
            period: eval.period,
            received_at,
            verdict,
            receipt_stem: self.free_receipt_stem(filed, department, &h.name, received_at, verdict),
            archive_path: names::archive_path(department, filed, received_at, &h.sha, &h.name),
            findings: eval.findings,
            duplicate_of: None,
        };
        let accepted = eval.accepted.as_ref().map(|(v, c)| (v.as_slice(), c));
        self.record(&h, &recorded, None, accepted)?;
        Ok(Plan {
            recorded,
            parsed: eval.parsed,
            held: h,
        })
    }

    fn record(
        &mut self,
        h: &Held,
        r: &Recorded,
        duplicate_of: Option<i64>,
        accepted: Option<(&[Reported], &Contact)>,
    ) -> Result<()> {
        self.ledger.record(&NewFile {
            sha256: &h.sha,
            name: &r.name,
            size: h.size,
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
        Ok(())
    }

    /// After the commit: the file leaves `var/processing/` for the archive,
    /// and is answered.
    fn finish(&mut self, p: Plan) -> Result<FileResult> {
        fsx::move_file(&p.held.claimed, &self.ws.path(&p.recorded.archive_path))?;
        let receipt = self.answer(&p.recorded, p.parsed.as_ref())?;
        Ok(result_of(&p.recorded, &p.held.shown, receipt))
    }

    /// Process one file already in `var/processing/` (a leftover).
    fn process_claimed(
        &mut self,
        claimed: PathBuf,
        name: &str,
        shown: &str,
        give_up: bool,
    ) -> Result<FileResult> {
        match self.hold(claimed, name, shown, give_up)? {
            Take::Answered(r) => Ok(r),
            Take::Held(h) => self
                .settle(vec![(0, h)])
                .pop()
                .map(|(_, r)| r)
                .unwrap_or_else(|| Err(anyhow::anyhow!("文件未被处理"))),
        }
    }

    /// Something in the inbox that is no regular file (a link, a pipe, a
    /// device): moved aside as it is, never opened, and answered.
    fn set_aside(
        &mut self,
        path: &Path,
        name: &str,
        shown: &str,
        kind: fsx::NotRegular,
    ) -> Result<FileResult> {
        let received_at = self.ws.clock.now().fixed_offset();
        let stamp = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let aside = format!("{ASIDE}/{stamp}-{}", fsx::safe_component(name));
        let recorded = Recorded {
            name: name.to_string(),
            department: None,
            period: None,
            received_at,
            verdict: Verdict::Rejected,
            findings: vec![not_a_file(name, kind)],
            receipt_stem: self.free_receipt_stem(None, None, name, received_at, Verdict::Rejected),
            archive_path: aside.clone(),
            duplicate_of: None,
        };
        // A rename moves the entry itself, never what a link points at.
        fsx::move_file(path, &self.ws.path(&aside))
            .map_err(|e| NotTaken(crate::error::chain(&e)))?;
        tracing::warn!(file = %name, kind = kind.chinese(), "not a regular file; moved aside unread");
        self.ledger.record(&NewFile {
            sha256: NO_BYTES,
            name,
            size: 0,
            received_at,
            verdict: Verdict::Rejected,
            department: None,
            period: None,
            archive_path: &aside,
            receipt_stem: &recorded.receipt_stem,
            duplicate_of: None,
            findings: &recorded.findings,
            accepted: None,
        })?;
        let receipt = self.answer(&recorded, None)?;
        Ok(result_of(&recorded, shown, receipt))
    }

    fn evaluate(&mut self, outcome: Outcome, name: &str) -> Result<Evaluation> {
        let rules = Rules {
            catalog: &self.ws.catalog,
            plan: &self.ws.config.plan,
            key: &self.key,
            today: self.ws.clock.today(),
        };
        let parsed = match outcome {
            Outcome::Form(p) => *p,
            Outcome::NotAForm(sender) => {
                // Who sent it is known without the table: the receipt reaches them.
                let mut findings = Vec::new();
                let id = validate::identify_without_table(
                    &sender,
                    names::stem(name),
                    &rules,
                    &mut findings,
                );
                return Ok(Evaluation {
                    department: id.department,
                    period: id.period,
                    ..Evaluation::rejected(findings)
                });
            }
            Outcome::Refused(e) => return Ok(Evaluation::rejected(vec![read_error_finding(e)])),
        };
        let mut findings = Vec::new();
        let id = validate::identify(&parsed.sender(), names::stem(name), &rules, &mut findings);
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

    /// What the ledger says of `row`, as its receipt needs it.
    fn recorded(&self, row: &FileRow) -> Result<Recorded> {
        let duplicate_of = match row.verdict {
            Verdict::Duplicate => self
                .ledger
                .files_by_hash(&row.sha256)?
                .into_iter()
                .find(|r| r.verdict == Verdict::Accepted)
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

    /// The archived original read as a form again (through the reader, like
    /// any received file), for the marked copy of a receipt written after a
    /// crash.
    fn reread(&mut self, row: &FileRow) -> Result<Option<ParsedReturn>> {
        if row.verdict == Verdict::Duplicate || row.sha256 == NO_BYTES {
            return Ok(None);
        }
        let Ok(Ok(mut f)) = fsx::open_regular(&self.ws.path(&row.archive_path)) else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            return Ok(None);
        }
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        Ok(match reader.read(&row.name, &bytes)? {
            Outcome::Form(p) => Some(*p),
            _ => None,
        })
    }

    /// Whether a path of the workspace names anything (a link included,
    /// whether or not it points somewhere).
    fn present(&self, rel: &str) -> bool {
        fs::symlink_metadata(self.ws.path(rel)).is_ok()
    }

    /// Finish what a crash or a power cut left, before anything new is
    /// taken: files in `var/processing/` are tried once more (or, if the
    /// ledger already has them, archived); a file whose second try also died
    /// is rejected unread; archived originals the ledger does not know are
    /// recorded again; receipts the ledger promises but the disk lacks are
    /// written.
    pub fn recover(&mut self) -> Result<Vec<FileResult>> {
        let mut results = Vec::new();
        let processing = self.ws.var().join("processing");
        let retry = processing.join(RETRY);
        for path in leftovers(&retry) {
            let original = original_name(&path);
            tracing::warn!(file = %original, "a file in hand when the process died twice; rejected unread");
            match self.process_claimed(path, &original, &original, true) {
                Err(e) if e.downcast_ref::<NotTaken>().is_some() => continue,
                r => results.push(r?),
            }
        }
        for path in leftovers(&processing) {
            let original = original_name(&path);
            let Some(file_name) = path.file_name() else {
                continue;
            };
            let again = retry.join(file_name);
            fsx::move_file(&path, &again)?;
            tracing::info!(file = %original, "finishing a file left by an interrupted run");
            match self.process_claimed(again, &original, &original, false) {
                Err(e) if e.downcast_ref::<NotTaken>().is_some() => continue,
                r => results.push(r?),
            }
        }
        results.extend(self.reconcile()?);
        for row in self.ledger.all_files()? {
            if !self.receipt_path(&row.receipt_stem, "txt").exists()
                && self.present(&row.archive_path)
            {
                tracing::info!(file = %row.name, "rewriting a receipt lost in an interrupted run");
                let recorded = self.recorded(&row)?;
                let parsed = self.reread(&row)?;
                self.answer(&recorded, parsed.as_ref())?;
            }
        }
        Ok(results)
    }

    /// Archived originals the ledger has no row for — its last commits lost
    /// to a power cut — are taken in again, once.
    fn reconcile(&mut self) -> Result<Vec<FileResult>> {
        let known: std::collections::HashSet<String> = self
            .ledger
            .all_files()?
            .into_iter()
            .map(|r| r.archive_path)
            .collect();
        let root = self.ws.var().join("archive");
        let mut lost = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                match e.file_type() {
                    Ok(t) if t.is_dir() => dirs.push(path),
                    Ok(t) if t.is_file() => {
                        let rel = path
                            .strip_prefix(&self.ws.root)
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if !known.contains(&rel) && !is_temp(&path) {
                            lost.push(path);
                        }
                    }
                    _ => {}
                }
            }
        }
        lost.sort();
        let mut results = Vec::new();
        for path in lost {
            // `<time>-<hash>-<name>`, as `names::archive_path` wrote it.
            let archived = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let original = archived
                .splitn(3, '-')
                .nth(2)
                .unwrap_or(&archived)
                .to_string();
            tracing::warn!(file = %original, archive = %path.display(), "an archived return the ledger does not hold (a power cut?); recording it again");
            let stamp = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
            let claimed = self
                .ws
                .var()
                .join("processing")
                .join(format!("{stamp}-{}", fsx::safe_component(&original)));
            fsx::move_file(&path, &claimed)?;
            results.push(self.process_claimed(claimed, &original, &original, false)?);
        }
        Ok(results)
    }

    /// `<period>/<who>-<YYYYMMDDHHMMSS>-<verdict>`, with `-2`, `-3`, … when
    /// that name is taken, so no receipt ever replaces another.
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
        let base = format!(
            "{folder}/{who}-{}-{}",
            at.format("%Y%m%d%H%M%S"),
            verdict.as_str()
        );
        let taken = |stem: &str| {
            self.receipt_path(stem, "txt").exists()
                || self.ledger.has_receipt_stem(stem).unwrap_or(true)
        };
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|stem| !taken(stem))
            .unwrap_or(base)
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

/// The ledger's hash of an entry that had no bytes to hash (a link, a pipe).
const NO_BYTES: &str = "-";

fn not_a_file(name: &str, kind: fsx::NotRegular) -> Finding {
    Finding::error(
        "unreadable",
        format!(
            "收到的“{name}”是{}，不是普通文件，没有读取；请把填好的表格文件本身（.xlsx）放入收件箱或发送过来",
            kind.chinese()
        ),
    )
}

/// Entries of a `var/processing` folder to finish, oldest first; a
/// half-copied temp file is dropped (its source is still where it was).
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.retain(|p| {
        if is_temp(p) {
            fs::remove_file(p).ok();
            false
        } else {
            true
        }
    });
    out.sort();
    out
}

fn is_temp(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// `<stamp>-<name>` as [`Intake::claim`] named it → `<name>`.
fn original_name(claimed: &Path) -> String {
    let file_name = claimed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    file_name
        .split_once('-')
        .map(|(_, n)| n.to_string())
        .unwrap_or(file_name)
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
    Finding::error(e.code(), e.to_string())
}

fn hash_file(f: &mut fs::File, path: &Path) -> Result<String> {
    use std::io::Seek;
    f.rewind()
        .with_context(|| format!("无法读取 {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        if n == 0 {
            return Ok(crate::text::hex(&h.finalize()));
        }
        h.update(&buf[..n]);
    }
}
