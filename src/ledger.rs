//! The ledger: every file received, its findings, and the accepted values
//! of each department and period, in SQLite. One transaction per return;
//! a later accepted return supersedes the earlier one, both kept.

use crate::model::{
    Contact, CurrentReturn, CurrentValue, Finding, FindingCode, Reported, Severity, Submission,
    Value, Verdict,
};
use crate::plan::Period;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;

/// Schema migrations, applied in order; the index + 1 is the version.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    verdict      TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'duplicate')),
    department   TEXT,
    period       TEXT,
    archive_path TEXT NOT NULL,
    receipt_stem TEXT NOT NULL,
    duplicate_of INTEGER REFERENCES files(id)
);
CREATE INDEX files_sha ON files(sha256);
CREATE INDEX files_dept_period ON files(department, period);
CREATE TABLE findings (
    file_id   INTEGER NOT NULL REFERENCES files(id),
    seq       INTEGER NOT NULL,
    code      TEXT NOT NULL,
    severity  TEXT NOT NULL,
    sheet     TEXT,
    cell      TEXT,
    indicator TEXT,
    message   TEXT NOT NULL,
    PRIMARY KEY (file_id, seq)
);
CREATE TABLE returns (
    file_id    INTEGER PRIMARY KEY REFERENCES files(id),
    department TEXT NOT NULL,
    period     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    current    INTEGER NOT NULL,
    filler     TEXT NOT NULL,
    phone      TEXT NOT NULL,
    fill_date  TEXT NOT NULL
);
CREATE UNIQUE INDEX returns_current ON returns(department, period) WHERE current = 1;
CREATE TABLE return_values (
    file_id   INTEGER NOT NULL REFERENCES returns(file_id),
    indicator TEXT NOT NULL,
    amount    REAL NOT NULL,
    stage     INTEGER,
    progress  TEXT NOT NULL,
    problems  TEXT NOT NULL,
    measures  TEXT NOT NULL,
    PRIMARY KEY (file_id, indicator)
);
CREATE TABLE job_runs (
    id         INTEGER PRIMARY KEY,
    job        TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome    TEXT,
    UNIQUE (job, due_at)
);
"#,
    // Every query on the ingest path uses an index: the next version of a
    // return and a receipt's free name are looked up once per file.
    r#"
CREATE INDEX files_receipt_stem ON files(receipt_stem);
CREATE INDEX returns_dept_period ON returns(department, period, version);
"#,
    // The periods that have had a report, with the bulletin number each got
    // the first time: a report made again keeps its number.
    r#"
CREATE TABLE reports (
    period        TEXT PRIMARY KEY,
    issue_number  INTEGER NOT NULL,
    first_made_at TEXT NOT NULL,
    last_made_at  TEXT NOT NULL
);
"#,
    // The departments' and the leaders' links: only a hash of each token,
    // so a copy of the ledger opens no page. `department` is '' for the
    // leaders' board; `generation` counts renewals.
    r#"
CREATE TABLE links (
    department TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
"#,
];

// The queries run for every file taken in; each is answered from an index
// (`every_query_on_the_ingest_path_uses_an_index`), so the cost of a return
// does not grow with the ledger.
const FILES_BY_HASH: &str = "SELECT id, sha256, name, received_at, verdict, department, period, archive_path, receipt_stem FROM files WHERE sha256 = ?1 ORDER BY id";
const NEXT_VERSION: &str =
    "SELECT COALESCE(MAX(version), 0) + 1 FROM returns WHERE department = ?1 AND period = ?2";
const RETIRE_CURRENT: &str =
    "UPDATE returns SET current = 0 WHERE department = ?1 AND period = ?2 AND current = 1";
const PREVIOUS_VALUES: &str = "SELECT r.period, v.indicator, v.amount, v.stage FROM returns r JOIN return_values v ON v.file_id = r.file_id WHERE r.department = ?1 AND r.period < ?2 AND r.current = 1 ORDER BY r.period";
const RECEIPT_STEM_TAKEN: &str = "SELECT 1 FROM files WHERE receipt_stem = ?1 LIMIT 1";

pub struct Ledger {
    conn: Connection,
}

/// A file as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileRow {
    pub(crate) id: i64,
    pub(crate) sha256: String,
    pub(crate) name: String,
    pub(crate) received_at: DateTime<FixedOffset>,
    pub(crate) verdict: Verdict,
    pub(crate) department: Option<String>,
    pub(crate) period: Option<Period>,
    pub(crate) archive_path: String,
    pub(crate) receipt_stem: String,
}

/// One run of a scheduled job as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobRun {
    pub(crate) due: DateTime<FixedOffset>,
    pub(crate) finished: Option<DateTime<FixedOffset>>,
    pub outcome: Option<String>,
}

/// What to record for one processed file.
pub struct NewFile<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub size: u64,
    pub received_at: DateTime<FixedOffset>,
    pub verdict: Verdict,
    pub department: Option<&'a str>,
    pub period: Option<Period>,
    pub archive_path: &'a str,
    pub receipt_stem: &'a str,
    pub duplicate_of: Option<i64>,
    pub findings: &'a [Finding],
    /// Present for an accepted return.
    pub accepted: Option<(&'a [Reported], &'a Contact)>,
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("无法创建目录 {}", dir.display()))?;
        }
        let conn =
            Connection::open(path).with_context(|| format!("无法打开台账 {}", path.display()))?;
        Ledger::setup(conn).with_context(|| format!("无法打开台账 {}", path.display()))
    }

    /// Open an existing ledger to read, changing nothing: no file made, no
    /// migration, no journal mode set. `None` when there is no ledger yet.
    /// For `doctor`, which may run as another user than the daemon.
    pub(crate) fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("无法打开台账 {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Some(Ledger { conn }))
    }

    #[cfg(test)]
    fn in_memory() -> Result<Ledger> {
        Ledger::setup(Connection::open_in_memory()?)
    }

    fn setup(conn: Connection) -> Result<Ledger> {
        // WAL with FULL sync: a commit is on disk (the WAL fsynced) when
        // `record` returns, so a return that then leaves `var/processing/`
        // survives a power cut as well as a crash. The busy timeout lets
        // `status` read while the daemon writes.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut ledger = Ledger { conn };
        ledger.migrate()?;
        Ok(ledger)
    }

    fn migrate(&mut self) -> Result<()> {
        // IMMEDIATE: two processes opening a new ledger at once take turns
        // instead of failing to upgrade a read lock.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version as usize > MIGRATIONS.len() {
            anyhow::bail!("台账由更新版本的 minsheng 创建（版本 {version}），请升级程序");
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every processed file with these bytes, in the order received.
    pub(crate) fn files_by_hash(&self, sha256: &str) -> Result<Vec<FileRow>> {
        let mut stmt = self.conn.prepare_cached(FILES_BY_HASH)?;
        let rows = stmt.query_map([sha256], file_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn findings(&self, file_id: i64) -> Result<Vec<Finding>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT code, severity, sheet, cell, indicator, message FROM findings WHERE file_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([file_id], |r| {
            let code: String = r.get(0)?;
            let severity: String = r.get(1)?;
            Ok(Finding {
                code: FindingCode::parse(&code),
                severity: if severity == "error" {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                sheet: r.get(2)?,
                cell: r.get(3)?,
                indicator: r.get(4)?,
                message: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Record one processed file in one transaction; an accepted return
    /// becomes the current one for its department and period.
    pub fn record(&mut self, f: &NewFile) -> Result<i64> {
        // A savepoint: its own transaction alone, or one step of a batch.
        let tx = self.conn.savepoint()?;
        tx.prepare_cached(
            "INSERT INTO files (sha256, name, size, received_at, verdict, department, period, archive_path, receipt_stem, duplicate_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            f.sha256,
            f.name,
            f.size as i64,
            to_text(f.received_at),
            f.verdict.as_str(),
            f.department,
            f.period.map(|p| p.to_string()),
            f.archive_path,
            f.receipt_stem,
            f.duplicate_of
        ])?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO findings (file_id, seq, code, severity, sheet, cell, indicator, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (seq, x) in f.findings.iter().enumerate() {
                stmt.execute(params![
                    id,
                    seq as i64,
                    x.code.as_str(),
                    x.severity.as_str(),
                    x.sheet,
                    x.cell,
                    x.indicator,
                    x.message
                ])?;
            }
        }
        if let (Some((values, contact)), Some(dept), Some(period)) =
            (f.accepted, f.department, f.period)
        {
            let period = period.to_string();
            let version: i64 = tx
                .prepare_cached(NEXT_VERSION)?
                .query_row(params![dept, period], |r| r.get(0))?;
            tx.prepare_cached(RETIRE_CURRENT)?
                .execute(params![dept, period])?;
            tx.prepare_cached(
                "INSERT INTO returns (file_id, department, period, version, current, filler, phone, fill_date)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)",
            )?
            .execute(params![id, dept, period, version, contact.filler, contact.phone, contact.date])?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO return_values (file_id, indicator, amount, stage, progress, problems, measures)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for v in values {
                let stage = match v.value {
                    Value::Stage(i) => Some(i as i64),
                    Value::Number(_) => None,
                };
                stmt.execute(params![
                    id,
                    v.code,
                    v.value.amount(),
                    stage,
                    v.progress,
                    v.problems,
                    v.measures
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Start a batch: the files recorded until [`commit`](Self::commit) are
    /// one transaction, on disk at once with one flush.
    pub(crate) fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    pub(crate) fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Give up a batch: none of its files is recorded.
    pub(crate) fn rollback(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// The latest accepted value of each of `department`'s indicators in a
    /// period before `period`.
    pub(crate) fn previous_values(
        &self,
        department: &str,
        period: Period,
    ) -> Result<HashMap<String, (Period, Value)>> {
        let mut stmt = self.conn.prepare_cached(PREVIOUS_VALUES)?;
        let mut out = HashMap::new();
        let rows = stmt.query_map(params![department, period.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                value_of(r.get(2)?, r.get(3)?),
            ))
        })?;
        for row in rows {
            let (p, code, value) = row?;
            if let Ok(p) = p.parse::<Period>() {
                out.insert(code, (p, value));
            }
        }
        Ok(out)
    }

    /// Every current accepted value of `period`.
    pub(crate) fn current_values(&self, period: Period) -> Result<Vec<CurrentValue>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.department, v.indicator, v.amount, v.stage, v.progress, v.problems, v.measures
             FROM returns r JOIN return_values v ON v.file_id = r.file_id
             WHERE r.period = ?1 AND r.current = 1",
        )?;
        let rows = stmt.query_map([period.to_string()], |r| {
            Ok(CurrentValue {
                department: r.get(0)?,
                indicator: r.get(1)?,
                value: value_of(r.get(2)?, r.get(3)?),
                progress: r.get(4)?,
                problems: r.get(5)?,
                measures: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// 填报人 and 联系电话 of `department`'s current return for `period`.
    pub(crate) fn contact(
        &self,
        department: &str,
        period: Period,
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT filler, phone FROM returns WHERE department = ?1 AND period = ?2 AND current = 1")?
            .query_row(params![department, period.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .filter(|(f, p): &(String, String)| !f.is_empty() || !p.is_empty()))
    }

    /// Each department's submissions for `period`.
    pub(crate) fn submissions(&self, period: Period) -> Result<HashMap<String, Submission>> {
        let mut out: HashMap<String, Submission> = HashMap::new();
        let p = period.to_string();
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.department, f.received_at, r.version,
                    (SELECT COUNT(*) FROM findings x WHERE x.file_id = f.id)
             FROM returns r JOIN files f ON f.id = r.file_id
             WHERE r.period = ?1 AND r.current = 1",
        )?;
        for row in stmt.query_map([&p], |r| {
            Ok((
                r.get::<_, String>(0)?,
                timestamp(r, 1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })? {
            let (dept, received_at, version, findings) = row?;
            out.entry(dept).or_default().current = Some(CurrentReturn {
                received_at,
                version,
                findings,
            });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT department, verdict, received_at, id FROM files
             WHERE period = ?1 AND department IS NOT NULL AND verdict != 'duplicate' ORDER BY id",
        )?;
        let mut latest_ids: HashMap<String, i64> = HashMap::new();
        for row in stmt.query_map([&p], |r| {
            Ok((
                r.get::<_, String>(0)?,
                verdict(r, 1)?,
                timestamp(r, 2)?,
                r.get::<_, i64>(3)?,
            ))
        })? {
            let (dept, verdict, at, id) = row?;
            latest_ids.insert(dept.clone(), id);
            let s = out.entry(dept).or_default();
            if verdict == Verdict::Rejected {
                s.rejected += 1;
            }
            s.latest = Some((verdict, at));
        }
        let mut first_error = self.conn.prepare_cached(
            "SELECT message FROM findings WHERE file_id = ?1 AND severity = 'error' ORDER BY seq LIMIT 1",
        )?;
        for (dept, s) in out.iter_mut() {
            if let (Some((Verdict::Rejected, _)), Some(id)) = (s.latest, latest_ids.get(dept)) {
                s.reason = first_error
                    .query_row([id], |r| r.get::<_, String>(0))
                    .optional()?;
            }
        }
        Ok(out)
    }

    /// The latest due time a job was run for, as recorded.
    pub(crate) fn last_job_due(&self, job: &str) -> Result<Option<DateTime<FixedOffset>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT due_at FROM job_runs WHERE job = ?1 ORDER BY due_at DESC LIMIT 1",
            )?
            .query_row([job], |r| timestamp(r, 0))
            .optional()?)
    }

    /// The latest recorded run of `job`: when it was due, when it finished
    /// (`None` while running or if it died), and its outcome (`ok: …` or
    /// `error: …`).
    pub(crate) fn last_job_run(&self, job: &str) -> Result<Option<JobRun>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT due_at, finished_at, outcome FROM job_runs WHERE job = ?1 ORDER BY due_at DESC LIMIT 1",
            )?
            .query_row([job], |r| {
                Ok(JobRun {
                    due: timestamp(r, 0)?,
                    finished: match r.get::<_, Option<String>>(1)? {
                        Some(_) => Some(timestamp(r, 1)?),
                        None => None,
                    },
                    outcome: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Claim the run of `job` due at `due`; `None` when it was claimed
    /// before (by this daemon or an earlier one), so no run happens twice.
    pub(crate) fn claim_job(
        &self,
        job: &str,
        due: DateTime<FixedOffset>,
        started: DateTime<FixedOffset>,
    ) -> Result<Option<i64>> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO job_runs (job, due_at, started_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![job, to_text(due), to_text(started)])?;
        Ok((n == 1).then(|| self.conn.last_insert_rowid()))
    }

    pub(crate) fn finish_job(
        &self,
        id: i64,
        finished: DateTime<FixedOffset>,
        outcome: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE job_runs SET finished_at = ?2, outcome = ?3 WHERE id = ?1")?
            .execute(params![id, to_text(finished), outcome])?;
        Ok(())
    }

    /// Whether a file's receipt was given this stem (its `.txt` may not be
    /// written yet after a crash, and must not be taken by another file).
    pub(crate) fn has_receipt_stem(&self, stem: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(RECEIPT_STEM_TAKEN)?
            .query_row([stem], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The bulletin number of `period`'s report: the number it got the first
    /// time, or, for a period without a report yet, the count of the plan
    /// year's periods that have had one, this one included.
    pub(crate) fn issue_number(&self, period: Period) -> Result<u32> {
        let kept: Option<i64> = self
            .conn
            .prepare_cached("SELECT issue_number FROM reports WHERE period = ?1")?
            .query_row([period.to_string()], |r| r.get(0))
            .optional()?;
        if let Some(n) = kept {
            return Ok(n as u32);
        }
        let before: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM reports WHERE substr(period, 1, 4) = ?1")?
            .query_row([period.year.to_string()], |r| r.get(0))?;
        Ok(before as u32 + 1)
    }

    /// Remember that `period` had a report, numbered `number` the first time.
    pub(crate) fn record_report(
        &self,
        period: Period,
        number: u32,
        at: DateTime<FixedOffset>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO reports (period, issue_number, first_made_at, last_made_at)
                 VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (period) DO UPDATE SET last_made_at = excluded.last_made_at",
            )?
            .execute(params![period.to_string(), number, to_text(at)])?;
        Ok(())
    }

    /// Whether `period` has had a report made.
    pub(crate) fn had_report(&self, period: Period) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM reports WHERE period = ?1")?
            .query_row([period.to_string()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Each link's generation and token hash, by department ('' for the
    /// leaders' board).
    pub(crate) fn links(&self) -> Result<HashMap<String, (i64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT department, generation, token_hash FROM links")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Set links in one transaction: `(department, generation, token hash)`.
    pub(crate) fn put_links(
        &mut self,
        rows: &[(String, i64, String)],
        at: DateTime<FixedOffset>,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO links (department, generation, token_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (department) DO UPDATE SET generation = excluded.generation,
                     token_hash = excluded.token_hash, created_at = excluded.created_at",
            )?;
            for (department, generation, hash) in rows {
                stmt.execute(params![department, generation, hash, to_text(at)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Whose link a token hash is: a department, or '' for the board.
    /// One lookup in a unique index of hashes, so how long it takes tells
    /// nothing of how close a guess came.
    pub(crate) fn link_owner(&self, token_hash: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT department FROM links WHERE token_hash = ?1")?
            .query_row([token_hash], |r| r.get(0))
            .optional()?)
    }

    /// A department's files of the plan year `year`, and those of no period
    /// (unreadable ones its link brought), newest first: what its own page
    /// lists.
    pub(crate) fn files_of(&self, department: &str, year: i32) -> Result<Vec<FileRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, sha256, name, received_at, verdict, department, period, archive_path, receipt_stem
             FROM files WHERE department = ?1 AND (substr(period, 1, 4) = ?2 OR period IS NULL)
             ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(params![department, year.to_string()], file_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The periods of `year` that have had a report, in order.
    pub(crate) fn reported_periods(&self, year: i32) -> Result<Vec<Period>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT period FROM reports WHERE substr(period, 1, 4) = ?1 ORDER BY period",
        )?;
        let rows = stmt.query_map([year.to_string()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for p in rows {
            out.push(
                p?.parse()
                    .map_err(|e| anyhow::anyhow!("台账中的期次有误：{e}"))?,
            );
        }
        Ok(out)
    }

    /// One file by its id: how the web page finds a receipt to serve,
    /// never by a path taken from the request.
    pub(crate) fn file(&self, id: i64) -> Result<Option<FileRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, sha256, name, received_at, verdict, department, period, archive_path, receipt_stem FROM files WHERE id = ?1",
            )?
            .query_row([id], file_row)
            .optional()?)
    }

    /// Each department's latest processed file for `period`, whatever its
    /// verdict: the receipt the office looks at first.
    pub(crate) fn latest_files(&self, period: Period) -> Result<HashMap<String, FileRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, sha256, name, received_at, verdict, department, period, archive_path, receipt_stem
             FROM files WHERE period = ?1 AND department IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([period.to_string()], file_row)?;
        let mut out = HashMap::new();
        for row in rows {
            let row = row?;
            if let Some(d) = row.department.clone() {
                out.insert(d, row);
            }
        }
        Ok(out)
    }

    /// All files whose receipts should exist, for recovery after a crash,
    /// and whose archive paths tell which archived originals it knows.
    pub(crate) fn all_files(&self) -> Result<Vec<FileRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, sha256, name, received_at, verdict, department, period, archive_path, receipt_stem FROM files ORDER BY id",
        )?;
        let rows = stmt.query_map([], file_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn file_row(r: &rusqlite::Row) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: r.get(0)?,
        sha256: r.get(1)?,
        name: r.get(2)?,
        received_at: timestamp(r, 3)?,
        verdict: verdict(r, 4)?,
        department: r.get(5)?,
        period: r
            .get::<_, Option<String>>(6)?
            .map(|p| p.parse().map_err(|e| bad_column(6, e)))
            .transpose()?,
        archive_path: r.get(7)?,
        receipt_stem: r.get(8)?,
    })
}

/// How times are stored: RFC 3339 to the second, in the plan's offset.
fn to_text(t: DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn timestamp(r: &rusqlite::Row, i: usize) -> rusqlite::Result<DateTime<FixedOffset>> {
    let s: String = r.get(i)?;
    DateTime::parse_from_rfc3339(&s).map_err(|e| bad_column(i, e))
}

fn verdict(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Verdict> {
    let s: String = r.get(i)?;
    s.parse().map_err(|e| bad_column(i, e))
}

fn bad_column(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn value_of(amount: f64, stage: Option<i64>) -> Value {
    match stage {
        Some(i) => Value::Stage(i.clamp(0, 4) as usize),
        None => Value::Number(amount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(code: &str, v: f64) -> Reported {
        Reported {
            code: code.into(),
            value: Value::Number(v),
            progress: "进展".into(),
            problems: String::new(),
            measures: String::new(),
        }
    }

    fn record(
        l: &mut Ledger,
        sha: &str,
        dept: &str,
        period: &str,
        verdict: Verdict,
        values: &[Reported],
    ) -> i64 {
        let contact = Contact::default();
        l.record(&NewFile {
            sha256: sha,
            name: "a.xlsx",
            size: 1,
            received_at: DateTime::parse_from_rfc3339("2024-04-03T10:00:00+08:00").unwrap(),
            verdict,
            department: Some(dept),
            period: Some(period.parse().unwrap()),
            archive_path: "var/archive/x",
            receipt_stem: "x",
            duplicate_of: None,
            findings: &[Finding::warning(
                FindingCode::ContactMissing,
                "请填写填报人",
            )],
            accepted: (verdict == Verdict::Accepted).then_some((values, &contact)),
        })
        .unwrap()
    }

    #[test]
    fn a_later_return_supersedes_and_rejected_ones_count_nothing() {
        let mut l = Ledger::in_memory().unwrap();
        let p: Period = "2024-03".parse().unwrap();
        record(
            &mut l,
            "a",
            "县民政局",
            "2024-03",
            Verdict::Accepted,
            &[reported("P12-1", 2.0)],
        );
        record(&mut l, "b", "县民政局", "2024-03", Verdict::Rejected, &[]);
        let cur = l.current_values(p).unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].value, Value::Number(2.0));
        record(
            &mut l,
            "c",
            "县民政局",
            "2024-03",
            Verdict::Accepted,
            &[reported("P12-1", 3.0)],
        );
        let cur = l.current_values(p).unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].value, Value::Number(3.0));
        let subs = l.submissions(p).unwrap();
        let s = &subs["县民政局"];
        assert_eq!(
            s.current.as_ref().unwrap().version,
            2,
            "second accepted version"
        );
        assert_eq!(s.rejected, 1);
        assert_eq!(l.findings(1).unwrap()[0].code, FindingCode::ContactMissing);
        assert_eq!(l.files_by_hash("b").unwrap()[0].verdict, Verdict::Rejected);
        assert!(l.files_by_hash("zzz").unwrap().is_empty());
    }

    #[test]
    fn previous_values_come_from_earlier_periods_only() {
        let mut l = Ledger::in_memory().unwrap();
        record(
            &mut l,
            "a",
            "县民政局",
            "2024-01",
            Verdict::Accepted,
            &[reported("P12-1", 1.0)],
        );
        record(
            &mut l,
            "b",
            "县民政局",
            "2024-02",
            Verdict::Accepted,
            &[reported("P12-1", 2.0)],
        );
        record(
            &mut l,
            "c",
            "县民政局",
            "2024-03",
            Verdict::Accepted,
            &[reported("P12-1", 3.0)],
        );
        let prev = l
            .previous_values("县民政局", "2024-03".parse().unwrap())
            .unwrap();
        assert_eq!(
            prev["P12-1"],
            ("2024-02".parse().unwrap(), Value::Number(2.0))
        );
        assert!(
            l.previous_values("县民政局", "2024-01".parse().unwrap())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bulletins_are_numbered_by_the_periods_that_had_a_report() {
        let mut l = Ledger::in_memory().unwrap();
        let at = DateTime::parse_from_rfc3339("2024-04-08T09:00:00+08:00").unwrap();
        let p = |s: &str| -> Period { s.parse().unwrap() };
        // The first report a workspace makes, for March, is 第1期.
        assert_eq!(l.issue_number(p("2024-03")).unwrap(), 1);
        assert!(!l.had_report(p("2024-03")).unwrap());
        l.record_report(p("2024-03"), 1, at).unwrap();
        assert!(l.had_report(p("2024-03")).unwrap());
        assert_eq!(l.issue_number(p("2024-04")).unwrap(), 2);
        l.record_report(p("2024-04"), 2, at).unwrap();
        // Made again, March keeps its number; recording again changes nothing.
        assert_eq!(l.issue_number(p("2024-03")).unwrap(), 1);
        l.record_report(p("2024-03"), 1, at).unwrap();
        assert_eq!(l.issue_number(p("2024-05")).unwrap(), 3);
        // A February report made late is the third of the year.
        assert_eq!(l.issue_number(p("2024-02")).unwrap(), 3);
        // Another plan year counts afresh.
        assert_eq!(l.issue_number(p("2025-01")).unwrap(), 1);
        // Values recorded since do not change the numbers.
        record(
            &mut l,
            "a",
            "县民政局",
            "2024-05",
            Verdict::Accepted,
            &[reported("P12-1", 1.0)],
        );
        assert_eq!(l.issue_number(p("2024-05")).unwrap(), 3);
    }

    #[test]
    fn a_ledger_of_the_first_schema_gains_the_report_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let l = Ledger::open(&path).unwrap();
        assert_eq!(l.issue_number("2024-03".parse().unwrap()).unwrap(), 1);
        let version: i64 = l
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }

    #[test]
    fn returns_recorded_under_the_first_schema_survive_the_migration() {
        // What an upgraded package finds: a ledger written by the first
        // release, with returns and job runs in it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let mut old = Ledger { conn };
            record(
                &mut old,
                "a",
                "县民政局",
                "2024-03",
                Verdict::Accepted,
                &[reported("P12-1", 42.0)],
            );
            old.claim_job(
                "report",
                DateTime::parse_from_rfc3339("2024-04-01T09:00:00+08:00").unwrap(),
                DateTime::parse_from_rfc3339("2024-04-01T09:00:01+08:00").unwrap(),
            )
            .unwrap();
        }
        // Reading it as it is changes nothing, not even the schema.
        let ro = Ledger::open_read_only(&path).unwrap().unwrap();
        assert_eq!(
            ro.last_job_run("report").unwrap().unwrap().due.to_rfc3339(),
            "2024-04-01T09:00:00+08:00"
        );
        let version = |l: &Ledger| -> i64 {
            l.conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(version(&ro), 1);
        drop(ro);

        let l = Ledger::open(&path).unwrap();
        assert_eq!(version(&l) as usize, MIGRATIONS.len());
        let values = l.current_values("2024-03".parse().unwrap()).unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(l.files_by_hash("a").unwrap().len(), 1);
        assert_eq!(l.issue_number("2024-03".parse().unwrap()).unwrap(), 1);
        assert!(
            Ledger::open_read_only(&dir.path().join("none.sqlite"))
                .unwrap()
                .is_none()
        );
        assert!(!dir.path().join("none.sqlite").exists());
    }

    #[test]
    fn every_query_on_the_ingest_path_uses_an_index() {
        let l = Ledger::in_memory().unwrap();
        for (name, sql) in [
            ("FILES_BY_HASH", FILES_BY_HASH),
            ("NEXT_VERSION", NEXT_VERSION),
            ("RETIRE_CURRENT", RETIRE_CURRENT),
            ("PREVIOUS_VALUES", PREVIOUS_VALUES),
            ("RECEIPT_STEM_TAKEN", RECEIPT_STEM_TAKEN),
        ] {
            let mut stmt = l
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let args = ["a", "2024-03"];
            let given = rusqlite::params_from_iter(&args[..sql.matches('?').count().min(2)]);
            let steps: Vec<String> = stmt
                .query_map(given, |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(!steps.is_empty(), "{name}");
            for step in &steps {
                assert!(
                    step.starts_with("SEARCH") && step.contains("USING"),
                    "{name} reads a table without an index: {steps:?}"
                );
            }
        }
    }

    #[test]
    fn reopening_keeps_the_schema_and_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            let mut l = Ledger::open(&path).unwrap();
            record(
                &mut l,
                "a",
                "县民政局",
                "2024-01",
                Verdict::Accepted,
                &[reported("P12-1", 1.0)],
            );
        }
        let l = Ledger::open(&path).unwrap();
        assert_eq!(l.files_by_hash("a").unwrap().len(), 1);
    }
}
