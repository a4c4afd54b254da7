//! `minsheng run`: the daemon. One thread watches the inbox and takes each
//! settled file through intake; another runs the scheduled jobs; the main
//! thread waits for SIGINT/SIGTERM. Polling the inbox is the source of
//! truth and file-system events only wake the watcher early, so a network
//! share that sends no events still works, just a little later.

mod jobs;
mod lock;
mod watch;

pub use lock::{DaemonLock, lock};
pub use watch::drain_inbox;

use crate::cycle::schedule;
use crate::ledger::Ledger;
use crate::workspace::Workspace;
use anyhow::Result;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

enum Wake {
    Changed,
    Stop,
}

/// Run the daemon until SIGINT or SIGTERM. `announce` hears where the web
/// page is served (or why it is not) once that is known.
pub fn run(ws: Workspace, announce: impl FnOnce(&crate::web::Serving)) -> Result<()> {
    let _lock = lock(&ws)?;
    let jobs = schedule::jobs(&ws.config.schedule)?;
    // Create or migrate the ledger once, before the threads open their own
    // connections to it.
    drop(Ledger::open(&ws.ledger_path())?);
    // A delivery the last run's crash interrupted shows as such at once,
    // not at the first scheduled flush.
    crate::mail::recover(&ws)?;
    // Uploads the last run had received but not taken in, before the page
    // (which stages new ones) serves again.
    let staged = crate::cycle::take_staged_uploads(&ws)?;
    if !staged.is_empty() {
        tracing::info!(files = staged.len(), "took in uploads the last run left");
    }
    // The daemon lives as long as the process; the intakes of the web
    // page's uploads borrow the workspace from any thread.
    let ws: &'static Workspace = Box::leak(Box::new(ws));
    let stop = Arc::new(AtomicBool::new(false));
    tracing::info!(workspace = %ws.root.display(), "daemon starting");

    let (inbox_tx, inbox_rx) = mpsc::channel();
    let (jobs_tx, jobs_rx) = mpsc::channel();
    let _watcher = watch::events(ws, inbox_tx.clone());

    let watcher_thread = {
        let (ws, stop) = (ws, stop.clone());
        std::thread::Builder::new()
            .name("inbox".into())
            .spawn(move || watch::watch_loop(ws, &stop, &inbox_rx))?
    };
    let (jobs_done_tx, jobs_done_rx) = mpsc::channel::<()>();
    {
        let (ws, stop) = (ws, stop.clone());
        std::thread::Builder::new()
            .name("jobs".into())
            .spawn(move || {
                if let Err(e) = jobs::jobs_loop(ws, &jobs, &stop, &jobs_rx) {
                    tracing::error!(error = %crate::error::chain(&e), "scheduled jobs stopped");
                }
                let _ = jobs_done_tx.send(());
            })?;
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("web")
        .enable_all()
        .build()?;
    announce(&crate::web::start(&rt, ws));
    wait_for_signal(&rt, &watcher_thread)?;
    tracing::info!("stopping: finishing the file in hand");
    stop.store(true, Ordering::SeqCst);
    let _ = inbox_tx.send(Wake::Stop);
    let _ = jobs_tx.send(Wake::Stop);
    let inbox_result = watcher_thread
        .join()
        .map_err(|_| anyhow::anyhow!("收件线程异常退出"))?;
    // A job in the middle of an SMTP exchange is not waited for past the
    // deadline: the mail queue keeps its state on disk and resumes.
    if jobs_done_rx.recv_timeout(Duration::from_secs(3)).is_err() {
        tracing::warn!(
            "a scheduled job is still running; leaving it to be resumed on the next start"
        );
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    inbox_result?;
    tracing::info!("daemon stopped");
    Ok(())
}

/// Block until SIGINT or SIGTERM, or until the inbox thread ends by itself
/// (an error it cannot get past, such as a broken ledger).
fn wait_for_signal(
    rt: &tokio::runtime::Runtime,
    watcher: &std::thread::JoinHandle<Result<()>>,
) -> Result<()> {
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok::<(), anyhow::Error>(()),
                _ = term.recv() => return Ok(()),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    if watcher.is_finished() {
                        return Ok(());
                    }
                }
            }
        }
    })
}
