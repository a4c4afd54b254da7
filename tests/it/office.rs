//! Real office software for tests: headless LibreOffice converting a file to
//! xlsx, xls, ods or pdf, the way a department re-saves a form, or a Word
//! document to text, the way Writer reads it. Each call gets
//! its own profile, so parallel tests never share (and lock) one, and that
//! profile recalculates formulas on load, so what comes back is LibreOffice's
//! own result of our formulas, not the cached values we wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(240);

/// `0` = always recalculate, for Excel 2007+ files and for ODF files.
const RECALC_PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

/// The LibreOffice executable. Missing is a failure, not a skip: these tests
/// are the only proof that a form survives a real office suite.
pub fn soffice() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("soffice"), dir.join("libreoffice")])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "LibreOffice (soffice) is not installed; these tests need it: \
                 apt-get install libreoffice-calc libreoffice-writer (.ci/run installs them)"
            )
        })
}

/// Convert `src` to `format` (xlsx, xls, ods, pdf, txt) into `outdir`; returns the
/// new file, named like `src` with the new extension.
pub fn convert(src: &Path, format: &str, outdir: &Path) -> PathBuf {
    let profile = tempfile::tempdir().expect("temp profile dir");
    std::fs::create_dir_all(profile.path().join("user")).unwrap();
    std::fs::write(
        profile.path().join("user/registrymodifications.xcu"),
        RECALC_PROFILE,
    )
    .unwrap();
    std::fs::create_dir_all(outdir).unwrap();
    let (log, log_err) = (
        profile.path().join("out.log"),
        profile.path().join("err.log"),
    );
    let mut child = Command::new(soffice())
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            format,
            "--outdir",
        ])
        .arg(outdir)
        .arg(src)
        .stdin(Stdio::null())
        // Files, not pipes: a full pipe nobody reads would hang the wait.
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&log_err).unwrap())
        .spawn()
        .expect("soffice starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("soffice runs") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "soffice took more than {TIMEOUT:?} converting {}",
                src.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stem = src.file_stem().expect("a file name").to_string_lossy();
    let out = outdir.join(format!("{stem}.{format}"));
    assert!(
        status.success() && out.is_file(),
        "soffice failed converting {} to {format} ({status}):\n{}\n{}",
        src.display(),
        std::fs::read_to_string(&log).unwrap_or_default(),
        std::fs::read_to_string(&log_err).unwrap_or_default()
    );
    out
}
