//! Writing to stdout: the one place anything is printed there.

use anyhow::Result;
use std::io::Write;

pub(crate) fn print_json(v: &impl serde::Serialize) -> Result<()> {
    print_text(&format!("{}\n", serde_json::to_string_pretty(v)?))
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print_text(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}
