//! Recording a batch: every file of it decided and recorded in one ledger
//! transaction, on disk with one flush; only after the commit is a file
//! answered, and only then does it leave `var/processing/` for the archive.
//! A crash anywhere leaves each file either finished or still in hand.

use super::claim::{Held, NO_BYTES, Unread};
use super::decide::{self, Decision, Original};
use super::door::TakeError;
use super::names;
use super::read::ParsedReturn;
use super::reader::Outcome;
use super::take::{Entry, FileResult, Intake};
use super::validate::Rules;
use super::workbook::{self, ReadError};
use crate::fsx;
use crate::ledger::{FileRow, NewFile};
use crate::model::{Finding, Verdict};
use crate::plan::Period;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use std::collections::HashSet;

/// What the ledger holds about one processed file, and so what its receipt
/// and its result say.
pub(super) struct Recorded {
    /// The file's row in the ledger, once written.
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) department: Option<String>,
    pub(crate) period: Option<Period>,
    pub(crate) received_at: DateTime<FixedOffset>,
    pub(crate) verdict: Verdict,
    pub(crate) findings: Vec<Finding>,
    pub(crate) receipt_stem: String,
    pub(crate) archive_path: String,
    /// For a duplicate: the name and arrival of the return it repeats.
    pub(crate) duplicate_of: Option<(String, DateTime<FixedOffset>)>,
}

/// A file and its record, to archive (or leave aside) and answer once the
/// batch's transaction has committed.
enum Plan {
    Held {
        held: Held,
        recorded: Recorded,
        parsed: Option<Box<ParsedReturn>>,
    },
    Aside {
        shown: String,
        recorded: Recorded,
    },
}

/// A file answered without a record (skipped, or not ours to move); `None`
/// for an entry set aside, which is recorded like any file.
fn answered(u: Unread) -> Option<FileResult> {
    let (shown, verdict, findings) = match u {
        Unread::Skipped { shown } => (shown, Verdict::Skipped, Vec::new()),
        Unread::Refused { shown, finding } => (shown, Verdict::Rejected, vec![finding]),
        Unread::SetAside { .. } => return None,
    };
    Some(FileResult {
        file: shown,
        department: None,
        period: None,
        verdict,
        findings,
        receipt: None,
    })
}

impl Intake<'_> {
    /// Decide and record a batch in one transaction, commit, then archive
    /// and answer each file; `outcomes` are the reader's for the held
    /// files it was asked to read, in order.
    pub(super) fn settle(
        &mut self,
        batch: Vec<Entry>,
        outcomes: Vec<Result<Outcome>>,
    ) -> Vec<Result<FileResult, TakeError>> {
        let mut read = outcomes.into_iter();
        let mut out: Vec<Option<Result<FileResult, TakeError>>> = Vec::new();
        let mut plans: Vec<(usize, Result<Plan>)> = Vec::new();
        if let Err(e) = self.ledger.begin() {
            // Nothing recorded: the held files stay in `var/processing/`
            // for the next start.
            let why = crate::error::chain(&e);
            return batch
                .into_iter()
                .map(|entry| match entry {
                    Entry::Done(r) => r,
                    Entry::Unread(u) => {
                        answered(u).ok_or_else(|| TakeError::Failed(anyhow::anyhow!("{why}")))
                    }
                    Entry::Held(_) => Err(TakeError::Failed(anyhow::anyhow!("{why}"))),
                })
                .collect();
        }
        // Archives this batch will fill once it commits: not missing ones.
        let mut pending = HashSet::new();
        for (i, entry) in batch.into_iter().enumerate() {
            out.push(None);
            let plan = match entry {
                Entry::Done(r) => {
                    out[i] = Some(r);
                    continue;
                }
                Entry::Unread(Unread::SetAside {
                    shown,
                    name,
                    aside,
                    finding,
                }) => self
                    .plan_aside(&name, aside, finding)
                    .map(|recorded| Plan::Aside { shown, recorded }),
                Entry::Unread(u) => {
                    out[i] = answered(u).map(Ok);
                    continue;
                }
                Entry::Held(h) => {
                    let outcome = if h.to_read() { read.next() } else { None };
                    self.plan_held(h, outcome, &pending)
                }
            };
            if let Ok(Plan::Held { recorded, .. }) = &plan {
                pending.insert(recorded.archive_path.clone());
            }
            plans.push((i, plan));
        }
        if let Err(e) = self.ledger.commit() {
            self.ledger.rollback();
            let why = crate::error::chain(&e);
            for (i, _) in plans {
                out[i] = Some(Err(TakeError::Failed(anyhow::anyhow!("{why}"))));
            }
        } else {
            for (i, plan) in plans {
                out[i] = Some(plan.and_then(|p| self.finish(p)).map_err(TakeError::from));
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(TakeError::Failed(anyhow::anyhow!("文件未被处理")))))
            .collect()
    }

    /// What becomes of one held file, recorded in the open transaction.
    fn plan_held(
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
                Some(Ok(Outcome::Form(p))) if row.verdict != Verdict::Duplicate => Some(p),
                _ => None,
            };
            return Ok(Plan::Held {
                recorded: self.recorded(row)?,
                parsed,
                held: h,
            });
        }
        let original = earlier
            .iter()
            .find(|r| r.verdict == Verdict::Accepted)
            .map(|r| Original {
                id: r.id,
                name: r.name.clone(),
                department: r.department.clone(),
                period: r.period,
                received_at: r.received_at,
            });
        let link = h.link.as_deref();
        let decision = match original.as_ref().and_then(|o| decide::duplicate(o, link)) {
            Some(d) => d,
            None => {
                let outcome = if h.give_up {
                    Outcome::Refused(ReadError::Crashed)
                } else if h.too_big {
                    Outcome::Refused(workbook::too_large_file(h.size, &self.ws.config.limits))
                } else {
                    outcome.unwrap_or_else(|| Err(anyhow::anyhow!("文件没有交给读取进程")))?
                };
                let rules = Rules {
                    catalog: &self.ws.catalog,
                    plan: &self.ws.config.plan,
                    key: &self.key,
                    today: self.ws.clock.today(),
                };
                let ledger = &self.ledger;
                decide::decide(outcome, &h.name, link, &rules, &mut |d, p| {
                    ledger.previous_values(d, p)
                })?
            }
        };
        let Decision {
            verdict,
            department,
            period,
            filed,
            findings,
            accepted,
            parsed,
            duplicate_of,
        } = decision;
        let dept = department.as_deref();
        let mut recorded = Recorded {
            id: 0,
            name: h.name.clone(),
            department: department.clone(),
            period,
            received_at,
            verdict,
            receipt_stem: self.free_receipt_stem(filed, dept, &h.name, received_at, verdict)?,
            archive_path: names::archive_path(dept, filed, received_at, &h.sha, &h.name),
            findings,
            duplicate_of: duplicate_of
                .as_ref()
                .map(|o| (o.name.clone(), o.received_at)),
        };
        self.record(
            &mut recorded,
            &h.sha,
            h.size,
            duplicate_of.map(|o| o.id),
            accepted.as_ref().map(|(v, c)| (v.as_slice(), c)),
        )?;
        Ok(Plan::Held {
            held: h,
            recorded,
            parsed: parsed.map(Box::new),
        })
    }

    /// The record of an entry set aside unread: the same row as any file,
    /// with no bytes to hash.
    fn plan_aside(&mut self, name: &str, aside: String, finding: Finding) -> Result<Recorded> {
        let received_at = self.ws.clock.now().fixed_offset();
        let mut recorded = Recorded {
            id: 0,
            name: name.to_string(),
            department: None,
            period: None,
            received_at,
            verdict: Verdict::Rejected,
            findings: vec![finding],
            receipt_stem: self.free_receipt_stem(
                None,
                None,
                name,
                received_at,
                Verdict::Rejected,
            )?,
            archive_path: aside,
            duplicate_of: None,
        };
        self.record(&mut recorded, NO_BYTES, 0, None, None)?;
        Ok(recorded)
    }

    /// The one place a file's row is written; `r` learns its id.
    fn record(
        &mut self,
        r: &mut Recorded,
        sha: &str,
        size: u64,
        duplicate_of: Option<i64>,
        accepted: Option<(&[crate::model::Reported], &crate::model::Contact)>,
    ) -> Result<()> {
        r.id = self.ledger.record(&NewFile {
            sha256: sha,
            name: &r.name,
            size,
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

    /// After the commit: the file is answered, then leaves
    /// `var/processing/` for the archive.
    fn finish(&mut self, p: Plan) -> Result<FileResult> {
        // The receipt before the move: a file that left `var/processing/`
        // has been answered, so a crash leaves nothing but files in hand.
        let (shown, recorded, receipt) = match p {
            Plan::Held {
                held,
                recorded,
                parsed,
            } => {
                let receipt = self.answer(&recorded, parsed.as_deref())?;
                fsx::move_file(&held.claimed, &self.ws.path(&recorded.archive_path))?;
                (held.shown, recorded, receipt)
            }
            Plan::Aside { shown, recorded } => {
                let receipt = self.answer(&recorded, None)?;
                (shown, recorded, receipt)
            }
        };
        Ok(FileResult {
            file: shown,
            department: recorded.department,
            period: recorded.period,
            verdict: recorded.verdict,
            findings: recorded.findings,
            receipt: Some(receipt),
        })
    }

    /// What the ledger says of `row`, as its receipt needs it.
    pub(super) fn recorded(&self, row: &FileRow) -> Result<Recorded> {
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
            id: row.id,
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

    /// Whether a path of the workspace names anything (a link included,
    /// whether or not it points somewhere).
    pub(super) fn present(&self, rel: &str) -> bool {
        std::fs::symlink_metadata(self.ws.path(rel)).is_ok()
    }
}
