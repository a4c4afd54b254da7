//! The inbox side of the daemon: which files have settled, taking each
//! through intake (and its receipt to the mail queue), and the loop that
//! polls and listens for file-system events.

use super::Wake;
use crate::cycle;
use crate::intake::{Arrival, FileResult, Intake, TakeError, names};
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

/// File-system events as hints. `None` when events are off by configuration
/// or unavailable; polling then does all the work.
pub(super) fn events(ws: &Workspace, tx: Sender<Wake>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    if ws.config.watch.poll {
        tracing::info!("watching the inbox by polling only (watch.poll = true)");
        return None;
    }
    let handler = move |res: notify::Result<notify::Event>| {
        if res.is_ok() {
            let _ = tx.send(Wake::Changed);
        }
    };
    match notify::recommended_watcher(handler) {
        Ok(mut w) => match w.watch(&ws.inbox(), notify::RecursiveMode::NonRecursive) {
            Ok(()) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "no file-system events for the inbox; polling");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "no file-system events available; polling");
            None
        }
    }
}

/// What the watcher knows of a file in the inbox.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    size: u64,
    mtime: SystemTime,
    /// Order of first sight, for taking files in order of arrival.
    order: u64,
}

/// The inbox files that have settled: unchanged since the last look and
/// untouched for `settle`. Returns them in order of arrival and the time
/// until the next one may settle.
fn settled(
    inbox: &Path,
    seen: &mut HashMap<PathBuf, Seen>,
    next_order: &mut u64,
    settle: Duration,
    now: SystemTime,
) -> (Vec<PathBuf>, Option<Duration>) {
    let mut present = Vec::new();
    // Links, pipes and devices are taken at once to be set aside: nothing
    // is being written into them, and opening a pipe would block.
    let mut odd = Vec::new();
    for entry in fs::read_dir(inbox).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if names::is_ignored(&name) {
            continue;
        }
        // Not followed through a link: this is the entry itself.
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            continue;
        }
        if !meta.is_file() {
            odd.push(path);
            continue;
        }
        let mtime = meta.modified().unwrap_or(now);
        present.push((path, meta.len(), mtime));
    }
    // Files first seen in the same look arrived in the order they were written.
    present.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut ready = Vec::new();
    let mut wait: Option<Duration> = None;
    let mut keep = HashMap::new();
    for (path, size, mtime) in present {
        let previous = seen.get(&path).copied();
        let order = previous.map(|s| s.order).unwrap_or_else(|| {
            *next_order += 1;
            *next_order
        });
        let unchanged = previous.is_some_and(|s| s.size == size && s.mtime == mtime);
        let age = now.duration_since(mtime).unwrap_or(Duration::ZERO);
        if unchanged && age >= settle && File::open(&path).is_ok() {
            ready.push((order, mtime, path));
        } else {
            // Look again when it would have settled (at least a moment later,
            // so a file just seen for the first time is seen unchanged once).
            let left = settle
                .saturating_sub(age)
                .max(Duration::from_millis(if unchanged { 0 } else { 20 }));
            wait = Some(wait.map_or(left, |w| w.min(left)));
            keep.insert(path, Seen { size, mtime, order });
        }
    }
    *seen = keep;
    ready.sort();
    odd.sort();
    (
        odd.into_iter()
            .chain(ready.into_iter().map(|(_, _, p)| p))
            .collect(),
        wait,
    )
}

pub(super) fn watch_loop(ws: &Workspace, stop: &AtomicBool, wake: &Receiver<Wake>) -> Result<()> {
    let mut intake = Intake::open(ws)?;
    // Nothing new yet: what a crash left is finished before the first look.
    for r in cycle::restart(&mut intake, ws)? {
        log_result(&r, Duration::ZERO);
    }
    let settle = Duration::from_secs_f64(ws.config.watch.settle_secs.max(0.0));
    let poll = Duration::from_secs_f64(ws.config.watch.poll_secs.max(0.1));
    let inbox = ws.inbox();
    fs::create_dir_all(&inbox).with_context(|| format!("无法创建目录 {}", inbox.display()))?;
    let mut seen = HashMap::new();
    let mut refused: HashMap<PathBuf, (u64, Option<SystemTime>)> = HashMap::new();
    let mut order = 0;
    tracing::info!(inbox = %inbox.display(), "watching the inbox");
    while !stop.load(Ordering::SeqCst) {
        let (mut ready, wait) = settled(&inbox, &mut seen, &mut order, settle, SystemTime::now());
        // A file that could not be taken is tried again only once it changes.
        refused.retain(|p, _| fs::symlink_metadata(p).is_ok());
        ready.retain(|p| {
            let now = fs::symlink_metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()));
            now.is_none() || refused.get(p) != now.as_ref()
        });
        let total = ready.len();
        let mut done = 0;
        for batch in ready.chunks(LOOK) {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            for path in process(ws, &mut intake, batch)? {
                if let Ok(meta) = fs::symlink_metadata(&path) {
                    refused.insert(path, (meta.len(), meta.modified().ok()));
                }
            }
            done += batch.len();
            if total >= 20 {
                tracing::info!(done, total, "inbox progress");
            }
        }
        if total > 0 {
            continue;
        }
        let timeout = wait.map_or(poll, |w| w.min(poll));
        match wake.recv_timeout(timeout) {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Wake::Changed) => {
                // A burst of events is one look: drain what has queued up.
                while let Ok(w) = wake.try_recv() {
                    if matches!(w, Wake::Stop) {
                        return Ok(());
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    Ok(())
}

/// Take every file now in the inbox through the daemon's path and return how
/// many were processed; what `minsheng demo` runs instead of a long-lived
/// daemon.
pub fn drain_inbox(ws: &Workspace) -> Result<usize> {
    let mut intake = Intake::open(ws)?;
    let mut seen = HashMap::new();
    let mut order = 0;
    let mut done = 0;
    // Two looks: the first sees each file, the second finds it unchanged.
    for _ in 0..2 {
        let (ready, _) = settled(
            &ws.inbox(),
            &mut seen,
            &mut order,
            Duration::ZERO,
            SystemTime::now(),
        );
        let left = process(ws, &mut intake, &ready)?;
        done += ready.len() - left.len();
    }
    Ok(done)
}

/// Files taken at a time: their flush shared, the stop signal heard between.
const LOOK: usize = 64;

/// Take `paths` through intake and queue their receipts; the files left in
/// the inbox because they could not be taken. A file that vanished between
/// the look and the claim (the office took it back) is no error; one that
/// cannot be moved (permissions on a share) is looked at again once it
/// changes. Any other error stops the daemon.
fn process(ws: &Workspace, intake: &mut Intake, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let started = Instant::now();
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let arrivals: Vec<Arrival> = paths
        .iter()
        .zip(&names)
        .map(|(p, n)| Arrival::dropped(p, n.as_str()))
        .collect();
    let taken = cycle::take(intake, ws, &arrivals)?;
    for r in &taken.recovered {
        log_result(r, Duration::ZERO);
    }
    let took = started.elapsed() / paths.len().max(1) as u32;
    let mut left = Vec::new();
    for ((path, name), r) in paths.iter().zip(&names).zip(taken.results) {
        match r {
            Ok(r) => log_result(&r, took),
            Err(TakeError::NotTaken(why)) => {
                if fs::symlink_metadata(path).is_ok() {
                    tracing::warn!(file = %name, error = %why, "file left in the inbox");
                    left.push(path.clone());
                }
            }
            Err(TakeError::Failed(e)) => return Err(e),
        }
    }
    Ok(left)
}

fn log_result(r: &FileResult, took: Duration) {
    tracing::info!(
        file = %r.file,
        department = r.department.as_deref().unwrap_or("-"),
        period = %r.period.map_or_else(|| "-".to_string(), |p| p.to_string()),
        verdict = r.verdict.as_str(),
        findings = r.findings.len(),
        ms = took.as_millis() as u64,
        "processed"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_found_together_are_taken_in_the_order_they_were_written() {
        let dir = tempfile::tempdir().unwrap();
        let (mut seen, mut order) = (HashMap::new(), 0);
        let t0 = SystemTime::now() - Duration::from_secs(60);
        for (name, secs) in [("a.xlsx", 30), ("b.xlsx", 10), ("c.xlsx", 20)] {
            let p = dir.path().join(name);
            fs::write(&p, name).unwrap();
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(t0 + Duration::from_secs(secs))
                .unwrap();
        }
        let settle = Duration::from_secs(2);
        let (ready, _) = settled(dir.path(), &mut seen, &mut order, settle, SystemTime::now());
        assert!(ready.is_empty(), "first sight");
        let (ready, _) = settled(dir.path(), &mut seen, &mut order, settle, SystemTime::now());
        let names: Vec<_> = ready
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.xlsx", "c.xlsx", "a.xlsx"]);
    }

    #[test]
    fn a_file_is_taken_only_once_settled_and_in_order_of_arrival() {
        let dir = tempfile::tempdir().unwrap();
        let (mut seen, mut order) = (HashMap::new(), 0);
        let settle = Duration::from_secs(2);
        let a = dir.path().join("b-first.xlsx");
        fs::write(&a, b"1").unwrap();
        let now = SystemTime::now();
        // First sight: never taken, however old.
        let (ready, wait) = settled(
            dir.path(),
            &mut seen,
            &mut order,
            settle,
            now + Duration::from_secs(10),
        );
        assert!(ready.is_empty());
        assert!(wait.is_some());
        let c = dir.path().join("a-second.xlsx");
        fs::write(&c, b"2").unwrap();
        fs::write(dir.path().join("~$lock.xlsx"), b"x").unwrap();
        // Unchanged but younger than the window: not yet.
        let (ready, _) = settled(
            dir.path(),
            &mut seen,
            &mut order,
            settle,
            now + Duration::from_millis(500),
        );
        assert!(ready.is_empty());
        // Both unchanged past the window: taken in order of first sight.
        let later = SystemTime::now() + Duration::from_secs(5);
        let (ready, _) = settled(dir.path(), &mut seen, &mut order, settle, later);
        assert_eq!(
            ready,
            vec![a.clone(), c.clone()],
            "first seen first; the lock file never"
        );
        // A file that grew since the last look waits for another.
        fs::remove_file(&c).unwrap();
        fs::write(&a, b"12").unwrap();
        let later = SystemTime::now() + Duration::from_secs(5);
        let (ready, _) = settled(dir.path(), &mut seen, &mut order, settle, later);
        assert!(ready.is_empty());
        let (ready, _) = settled(dir.path(), &mut seen, &mut order, settle, later);
        assert_eq!(ready, vec![a.clone()]);
    }
}
