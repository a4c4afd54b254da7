//! `doctor`: what would stop this month's cycle, found before the month
//! ends rather than when the bulletin did not arrive. Each check is a typed
//! result — its level, what was found and how to fix it, in Chinese — so
//! that the command and the office page show the same list; nothing here
//! prints.
//!
//! The checks change nothing in the workspace: the administrator runs them
//! as root while the service runs as the workspace's owner, and a file left
//! behind by root is a file the service can no longer write. For the same
//! reason, folders are judged for the service's account (the owner of the
//! workspace folder), not for whoever runs the check.

use crate::clock::TODAY_VAR;
use crate::config::Config;
use crate::cycle::schedule::{self, JobKind};
use crate::ledger::Ledger;
use crate::workspace::{CONFIG_FILE, DAEMON_LOCK, FOLDERS, WEB_PASSWORD, Workspace};
use chrono::{DateTime, Datelike};
use chrono_tz::Tz;
use serde::Serialize;
use std::fs;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the packaged service reads its environment (the SMTP password),
/// readable by root only; `doctor` looks there when its own environment
/// lacks the password.
const SERVICE_ENV_FILE: &str = "/etc/minsheng/env";

/// Below this much free space the archive and the mail queue may fill the disk within a month.
const LOW_DISK_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    /// Needs attention; the cycle still runs.
    Warn,
    /// Something the cycle would fail on.
    Fail,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "正常",
            Level::Warn => "警告",
            Level::Fail => "错误",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable key (`config`, `smtp`, `web`, …) for programs and pages.
    pub(crate) name: &'static str,
    /// What was checked, in the office's words.
    pub(crate) title: &'static str,
    pub(crate) level: Level,
    /// What was found (may run over several lines).
    pub(crate) message: String,
    /// What to do about it, when something is to be done.
    pub(crate) fix: Option<String>,
}

impl Check {
    fn new(name: &'static str, title: &'static str, level: Level, message: String) -> Check {
        Check {
            name,
            title,
            level,
            message,
            fix: None,
        }
    }

    fn ok(name: &'static str, title: &'static str, message: impl Into<String>) -> Check {
        Check::new(name, title, Level::Ok, message.into())
    }

    fn warn(name: &'static str, title: &'static str, message: impl Into<String>) -> Check {
        Check::new(name, title, Level::Warn, message.into())
    }

    fn fail(name: &'static str, title: &'static str, message: impl Into<String>) -> Check {
        Check::new(name, title, Level::Fail, message.into())
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }
}

/// What the checks may do beyond reading files.
#[derive(Debug, Clone, Copy)]
pub struct Probes {
    /// Connect to the SMTP server and log in (nothing is sent).
    pub smtp_login: bool,
}

/// Whether any check found something the cycle would fail on.
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.level == Level::Fail)
}

/// Every check of the workspace at `root`, in the order the office reads them.
pub fn run(root: &Path, probes: Probes) -> Vec<Check> {
    let mut out = Vec::new();
    let account = Account::owner_of(root);
    let config = check_config(root, &mut out);
    let ws = config.as_ref().and_then(|_| check_catalog(root, &mut out));
    out.push(check_folders(root, account.as_ref(), config.as_ref()));
    out.push(check_disk(root));
    let daemon = daemon_pid(root);
    if let Some(config) = &config {
        out.push(check_smtp(root, config, probes));
        out.push(check_web(root, config, daemon.is_some()));
    }
    if let Some(ws) = &ws {
        out.push(check_recipients(ws));
        out.push(check_clock(ws));
    }
    out.push(check_daemon(daemon));
    if let Some(config) = &config {
        out.push(check_schedule(config, ws.as_ref()));
    }
    if let Some(ws) = &ws {
        out.push(check_mail(ws));
    }
    out
}

// ------------------------------------------------------ configuration ---

fn check_config(root: &Path, out: &mut Vec<Check>) -> Option<Config> {
    const T: &str = "配置文件";
    let path = root.join(CONFIG_FILE);
    if !path.is_file() {
        out.push(
            Check::fail(
                "config",
                T,
                format!(
                    "{} 不是 minsheng 工作目录（缺少 {CONFIG_FILE}）",
                    root.display()
                ),
            )
            .fix(format!(
                "用 --workspace 指定工作目录，或用 minsheng init {} 新建",
                root.display()
            )),
        );
        return None;
    }
    match Config::load(&path) {
        Ok(c) => {
            out.push(Check::ok(
                "config",
                T,
                format!("{} 读取正常", path.display()),
            ));
            Some(c)
        }
        Err(e) => {
            out.push(
                Check::fail("config", T, crate::error::chain(&e)).fix(format!(
                    "按提示改正 {}，再运行 minsheng doctor",
                    path.display()
                )),
            );
            None
        }
    }
}

fn check_catalog(root: &Path, out: &mut Vec<Check>) -> Option<Workspace> {
    const T: &str = "任务目录";
    match Workspace::open(Some(root)) {
        Ok(ws) => {
            let c = &ws.catalog;
            let what = format!(
                "{}：{} {} 年，{} 个报送单位，{} 项指标",
                ws.config.plan.catalog,
                c.plan.name,
                c.plan.year,
                c.departments.len(),
                c.indicators().count()
            );
            out.push(match c.check_reviewed() {
                Ok(()) => Check::ok("catalog", T, what),
                Err(u) => Check::warn("catalog", T, format!("{what}；{u}"))
                    .fix("逐条核对后删去标记（minsheng catalog 列出全部标记）；未核对前，正式报表、调度通报和催报都不会发出"),
            });
            Some(ws)
        }
        Err(e) => {
            out.push(
                Check::fail("catalog", T, crate::error::chain(&e))
                    .fix("按提示改正任务目录或配置文件（[plan] catalog 指向的文件须存在且可读），再运行 minsheng doctor"),
            );
            None
        }
    }
}

// ------------------------------------------------------------ folders ---

/// The account the service runs as: the owner of the workspace folder.
#[derive(Debug, Clone)]
struct Account {
    uid: u32,
    gids: Vec<u32>,
    name: String,
}

impl Account {
    fn owner_of(root: &Path) -> Option<Account> {
        let meta = fs::metadata(root).ok()?;
        Some(Account::of(meta.uid()))
    }

    fn of(uid: u32) -> Account {
        let (name, gids) = user_groups(uid);
        Account {
            uid,
            gids,
            name: name.unwrap_or_else(|| uid.to_string()),
        }
    }

    /// Whether this account may `want` (4 read, 2 write, 1 search) the file
    /// `meta` describes, by its mode bits.
    fn may(&self, meta: &fs::Metadata, want: u32) -> bool {
        mode_allows(
            meta.mode(),
            meta.uid(),
            meta.gid(),
            self.uid,
            &self.gids,
            want,
        )
    }
}

/// POSIX permission bits: the owner's, else the group's, else the others'.
/// Root passes over the bits of what others own, but a folder of its own
/// that it took the write bit from is a mistake to show all the same: the
/// day the workspace is handed to a service account, it fails.
fn mode_allows(mode: u32, owner: u32, group: u32, uid: u32, gids: &[u32], want: u32) -> bool {
    if uid == 0 && owner != 0 {
        return true;
    }
    let bits = if owner == uid {
        mode >> 6
    } else if gids.contains(&group) {
        mode >> 3
    } else {
        mode
    } & 7;
    bits & want == want
}

/// The user's name and groups (its primary group and every other one);
/// an account the system does not know has neither.
fn user_groups(uid: u32) -> (Option<String>, Vec<u32>) {
    // SAFETY: a plain C struct of integers and pointers; all zeros is valid.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to a live local of the size given.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return (None, Vec::new());
    }
    // SAFETY: getpwuid_r filled pw_name with a NUL-terminated string inside `buf`.
    let cname = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    let name = cname.to_string_lossy().into_owned();
    let mut groups = vec![0 as libc::gid_t; 256];
    let mut n = groups.len() as libc::c_int;
    // SAFETY: `groups` holds `n` entries; the name is NUL-terminated.
    let rc = unsafe { libc::getgrouplist(cname.as_ptr(), pwd.pw_gid, groups.as_mut_ptr(), &mut n) };
    let gids = if rc < 0 {
        vec![pwd.pw_gid]
    } else {
        groups.truncate(n.max(0) as usize);
        groups
    };
    (Some(name), gids)
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Create and remove a file in `dir`: the one test a read-only mount or an
/// immutable folder cannot pass, whatever its mode bits say.
fn probe_write(dir: &Path) -> std::io::Result<()> {
    let p = dir.join(format!(".minsheng-doctor-{}", std::process::id()));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)?;
    fs::remove_file(&p)
}

fn check_folders(root: &Path, account: Option<&Account>, config: Option<&Config>) -> Check {
    const T: &str = "读写权限";
    let Some(account) = account else {
        return Check::fail("folders", T, format!("工作目录 {} 不存在", root.display()))
            .fix(format!("minsheng init {}", root.display()));
    };
    let mut problems = Vec::new();
    // The service reaches the workspace only through folders it may search.
    let mut ancestors: Vec<&Path> = root.ancestors().skip(1).collect();
    ancestors.reverse();
    for dir in ancestors {
        if let Ok(meta) = fs::metadata(dir)
            && !account.may(&meta, 1)
        {
            problems.push(format!("{}：用户 {} 无法进入", dir.display(), account.name));
        }
    }
    let blocked = !problems.is_empty();
    // Probing by writing proves something only for the account itself, or
    // for root, which sees a read-only mount the mode bits do not show.
    let euid = effective_uid();
    let probe = euid == 0 || euid == account.uid;
    let mut dirs: Vec<PathBuf> = vec![root.to_path_buf(), root.join("var")];
    dirs.extend(FOLDERS.iter().map(|f| root.join(f)));
    for dir in &dirs {
        let shown = dir.strip_prefix(root).unwrap_or(dir);
        let shown = if shown.as_os_str().is_empty() {
            root.display().to_string()
        } else {
            format!("{}/", shown.display())
        };
        match fs::metadata(dir) {
            Err(_) => problems.push(format!("{shown} 不存在")),
            Ok(m) if !m.is_dir() => problems.push(format!("{shown} 不是文件夹")),
            Ok(m) if !account.may(&m, 3) => {
                problems.push(format!("{shown}：用户 {} 不能写入", account.name))
            }
            Ok(_) if probe => {
                if let Err(e) = probe_write(dir) {
                    problems.push(format!("{shown} 无法写入（{e}）"));
                }
            }
            Ok(_) => {}
        }
    }
    let mut files: Vec<(String, u32)> = vec![
        (CONFIG_FILE.to_string(), 4),
        ("var/form.key".to_string(), 4),
    ];
    if let Some(c) = config {
        files.push((c.plan.catalog.clone(), 4));
    }
    for suffix in ["", "-wal", "-shm"] {
        files.push((format!("var/ledger.sqlite{suffix}"), 6));
    }
    for (rel, want) in files {
        if let Ok(m) = fs::metadata(root.join(&rel))
            && !account.may(&m, want)
        {
            let what = if want & 2 != 0 { "读写" } else { "读取" };
            problems.push(format!("{rel}：用户 {} 不能{what}", account.name));
        }
    }
    if problems.is_empty() {
        return Check::ok(
            "folders",
            T,
            format!(
                "值守程序以用户 {}（工作目录的所有者）运行，收件箱、发件箱和 var/ 均可写",
                account.name
            ),
        );
    }
    let mut fix = format!(
        "缺少的文件夹请新建；然后把工作目录交给该用户：chown -R {0}: {1}，并保证可读写（chmod -R u+rwX {1}）",
        account.name,
        root.display()
    );
    if blocked {
        fix.push_str(
            "；上级文件夹要允许该用户进入（chmod o+x 该文件夹），或把工作目录移到 /var/lib 下",
        );
    }
    Check::fail(
        "folders",
        T,
        format!(
            "值守程序以用户 {}（工作目录的所有者）运行，以下位置它无法使用：\n{}",
            account.name,
            problems.join("\n")
        ),
    )
    .fix(fix)
}

fn check_disk(root: &Path) -> Check {
    const T: &str = "磁盘空间";
    let Some(free) = free_bytes(root) else {
        return Check::warn("disk", T, "无法查看磁盘剩余空间");
    };
    let shown = format!("{:.1} GB", free as f64 / 1e9);
    if free < LOW_DISK_BYTES {
        Check::warn("disk", T, format!("工作目录所在磁盘只剩 {shown}")).fix(
            "清理磁盘或把工作目录迁到更大的磁盘：收到的每份原件都存档在 var/archive/，不会删除",
        )
    } else {
        Check::ok("disk", T, format!("剩余 {shown}"))
    }
}

fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: a plain C struct of integers; all zeros is valid.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a live statvfs to fill.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

// --------------------------------------------------------------- mail ---

/// The SMTP password: the process's own environment, else the service's
/// environment file (when this process may read it).
fn smtp_password(var: &str) -> (Option<String>, bool) {
    if let Ok(v) = std::env::var(var)
        && !v.is_empty()
    {
        return (Some(v), false);
    }
    let from_file = fs::read_to_string(SERVICE_ENV_FILE)
        .ok()
        .and_then(|text| env_file_value(&text, var));
    let found = from_file.is_some();
    (from_file, found)
}

/// `KEY=value` in a systemd environment file (`#` comments, optional
/// quotes around the value).
fn env_file_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (k, v) = line.split_once('=')?;
        if k.trim() != key || line.starts_with('#') {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v);
        Some(v.to_string()).filter(|v| !v.is_empty())
    })
}

fn check_smtp(root: &Path, config: &Config, probes: Probes) -> Check {
    const T: &str = "发信服务器";
    let Some(smtp) = &config.smtp else {
        return Check::warn(
            "smtp",
            T,
            "没有配置 [smtp]：回执、催报和调度通报只会存放在 outbox/mail/queue/，不会发出",
        )
        .fix("在 minsheng.toml 中填写 [smtp]（host、port、security、username、from），密码（授权码）写在 /etc/minsheng/env 的 MINSHENG_SMTP_PASSWORD=…；然后重启服务并再次运行 minsheng doctor");
    };
    let server = format!("{}:{}", smtp.host.trim(), smtp.port);
    if !probes.smtp_login {
        return Check::ok("smtp", T, format!("已配置 {server}（本次未连接测试）"));
    }
    let (password, from_file) = smtp_password(&smtp.password_env);
    match crate::mail::check_login(smtp, root, password) {
        Ok(name) => {
            let login = match smtp.username.as_deref().map(str::trim) {
                Some(u) if !u.is_empty() => format!("，账号 {u} 登录成功"),
                _ => "（未配置登录账号）".to_string(),
            };
            let source = if from_file {
                format!("（密码取自 {SERVICE_ENV_FILE}）")
            } else {
                String::new()
            };
            Check::ok(
                "smtp",
                T,
                format!("{name} 应答正常{login}{source}；未发送任何邮件"),
            )
        }
        Err(why) => Check::fail("smtp", T, format!("{server}：{why}")).fix(format!(
            "核对 minsheng.toml 的 [smtp]（host、port、security、username）和 {SERVICE_ENV_FILE} 中的 {}，改好后重启服务；可用 minsheng mail test 自己的邮箱 发一封测试邮件",
            smtp.password_env
        )),
    }
}

fn check_mail(ws: &Workspace) -> Check {
    const T: &str = "邮件队列";
    let counts = match crate::mail::pending(ws) {
        Ok(c) => c,
        Err(e) => {
            return Check::warn(
                "mail",
                T,
                format!("无法读取邮件队列：{}", crate::error::chain(&e)),
            );
        }
    };
    let mut found = Vec::new();
    if let Some(p) = crate::mail::pause_state(ws) {
        found.push(format!(
            "发信已暂停（自 {} 起，{}）：{}",
            p.since.format("%m-%d %H:%M"),
            p.server,
            p.message
        ));
    }
    if counts.queued > 0 {
        found.push(format!("待发送 {} 封", counts.queued));
    }
    if counts.uncertain > 0 {
        found.push(format!(
            "待确认 {} 封（已发出但服务器未答复）",
            counts.uncertain
        ));
    }
    if counts.failed > 0 {
        found.push(format!("发送失败 {} 封", counts.failed));
    }
    if found.is_empty() {
        return Check::ok(
            "mail",
            T,
            format!("没有待发或失败的邮件（已发送 {} 封）", counts.sent),
        );
    }
    let fix = if ws.config.smtp.is_none() {
        "配置 [smtp] 后邮件会自动发出；minsheng mail list 查看每封邮件和收件人"
    } else {
        "minsheng mail list 查看原因；确认收件人后可用 minsheng mail release 编号 重新发送"
    };
    Check::warn("mail", T, found.join("，")).fix(fix)
}

fn check_recipients(ws: &Workspace) -> Check {
    const T: &str = "收件人";
    let mut found = Vec::new();
    if ws.config.leaders.is_empty() {
        found.push("没有配置领导（[[leaders]]）：调度通报不会发给任何人".to_string());
    }
    let no_email: Vec<&str> = ws
        .config
        .leaders
        .iter()
        .filter(|l| l.email.trim().is_empty())
        .map(|l| l.name.as_str())
        .collect();
    if !no_email.is_empty() {
        found.push(format!("领导没有邮箱：{}", no_email.join("、")));
    }
    let mut missing = Vec::new();
    for d in &ws.catalog.departments {
        match crate::mail::department_recipients(ws, d) {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(d.as_str()),
            Err(e) => found.push(crate::error::chain(&e)),
        }
    }
    if !missing.is_empty() {
        found.push(format!(
            "{} 个报送单位没有邮箱，收不到回执和催报：{}",
            missing.len(),
            missing.join("、")
        ));
    }
    if found.is_empty() {
        return Check::ok(
            "recipients",
            T,
            format!(
                "领导 {} 人，{} 个报送单位都有邮箱",
                ws.config.leaders.len(),
                ws.catalog.departments.len()
            ),
        );
    }
    Check::warn("recipients", T, found.join("\n")).fix(
        "在 minsheng.toml 中填写 [[leaders]] 的 email 和 [departments.\"单位名\"] 的 email，然后重启服务",
    )
}

// ---------------------------------------------------------------- web ---

/// How the page's address may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Only this computer.
    Loopback,
    /// Other computers of the LAN.
    Lan,
}

fn reach(addr: &SocketAddr) -> Reach {
    if addr.ip().is_loopback() {
        Reach::Loopback
    } else {
        Reach::Lan
    }
}

/// The judgement on `[web]` alone, before any socket is tried.
fn judge_web(
    listen: &str,
    addr: Option<SocketAddr>,
    password_set: bool,
    public_url: Option<&str>,
) -> Check {
    const T: &str = "网页";
    let Some(addr) = addr else {
        if listen.trim().is_empty() {
            return Check::ok("web", T, "没有开网页（[web] listen 为空）");
        }
        return Check::warn(
            "web",
            T,
            format!("[web] listen = \"{listen}\" 不是有效的地址，网页无法打开"),
        )
        .fix("写成 \"127.0.0.1:8080\"（只有本机）或 \"0.0.0.0:8080\"（局域网）");
    };
    match (reach(&addr), password_set) {
        (Reach::Lan, false) => Check::fail(
            "web",
            T,
            format!("[web] listen = \"{listen}\" 对局域网开放，但还没有设置办公室密码：值守程序会拒绝启动"),
        )
        .fix("运行 minsheng web password 设置办公室密码（或把 listen 改回 127.0.0.1:8080），然后重启服务"),
        (Reach::Lan, true) if public_url.is_none() && addr.ip().is_unspecified() => Check::warn(
            "web",
            T,
            format!("网页对局域网开放（{listen}），已设置办公室密码；但没有设置 public_url，发给各单位的链接将是 http://{listen}，其他电脑打不开"),
        )
        .fix("在 [web] 中设置 public_url = \"http://本机局域网地址:端口\"，然后重启服务"),
        (Reach::Lan, true) => Check::ok(
            "web",
            T,
            format!(
                "网页对局域网开放，已设置办公室密码；各单位通过 {} 打开",
                public_url.map(str::to_string).unwrap_or_else(|| format!("http://{listen}"))
            ),
        ),
        (Reach::Loopback, _) => Check::ok(
            "web",
            T,
            format!("网页地址 http://{listen}，只有本机能打开"),
        )
        .fix("要让局域网其他电脑打开：先运行 minsheng web password 设置密码，再把 [web] listen 改为 \"0.0.0.0:8080\" 并设置 public_url"),
    }
}

fn check_web(root: &Path, config: &Config, daemon_running: bool) -> Check {
    let web = &config.web;
    let addr = web
        .listen
        .parse::<SocketAddr>()
        .ok()
        .or_else(|| web.listen.to_socket_addrs().ok().and_then(|mut a| a.next()));
    let password_set = root.join(WEB_PASSWORD).is_file();
    let check = judge_web(&web.listen, addr, password_set, web.public_url.as_deref());
    let Some(addr) = addr.filter(|_| check.level != Level::Fail) else {
        return check;
    };
    // Whether the address answers (daemon up) or can be taken (daemon down).
    if daemon_running {
        let target = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::from(([127, 0, 0, 1], addr.port()))
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
            }
            _ => addr,
        };
        if TcpStream::connect_timeout(&target, Duration::from_secs(2)).is_err() {
            return Check {
                level: Level::Warn,
                message: format!("{}\n值守程序在运行，但 {} 没有应答", check.message, web.listen),
                fix: Some("查看服务日志（journalctl -u minsheng）：端口可能被其他程序占用；换一个端口或停掉占用的程序后重启服务".into()),
                ..check
            };
        }
        return Check {
            message: format!("{}；网页正在服务", check.message),
            ..check
        };
    }
    match TcpListener::bind(addr) {
        Ok(_) => check,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Check {
            level: Level::Warn,
            message: format!(
                "{}\n端口 {} 已被其他程序占用：值守程序启动后网页打不开",
                check.message,
                addr.port()
            ),
            fix: Some(format!(
                "停掉占用端口 {} 的程序，或在 [web] listen 中换一个端口",
                addr.port()
            )),
            ..check
        },
        Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => Check {
            level: Level::Warn,
            message: format!("{}\n本机没有地址 {}", check.message, addr.ip()),
            fix: Some("把 [web] listen 写成本机的地址，或写成 \"0.0.0.0:端口\"".into()),
            ..check
        },
        // Another reason to be refused (a port below 1024 for a user that
        // is not root) is the service's to meet; the log will tell.
        Err(_) => check,
    }
}

// ------------------------------------------------------ time and jobs ---

fn check_clock(ws: &Workspace) -> Check {
    const T: &str = "时钟与时区";
    let real = chrono::Local::now();
    let now = ws.clock.now();
    let mut text = format!(
        "本机时间 {}（{}），计划时区 {}：{}；不指定期次时按 {} 处理",
        real.format("%Y-%m-%d %H:%M:%S"),
        real.format("UTC%:z"),
        ws.clock.tz().name(),
        now.format("%Y-%m-%d %H:%M:%S"),
        ws.default_period()
    );
    let pretended = std::env::var(TODAY_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty());
    if let Some(v) = &pretended {
        text.push_str(&format!(
            "\n环境变量 {TODAY_VAR}={v} 设定了模拟日期，所有日期规则按它计算"
        ));
        return Check::warn("clock", T, text).fix(format!("正式运行时去掉环境变量 {TODAY_VAR}"));
    }
    if real.year() < 2024 {
        return Check::warn("clock", T, format!("{text}\n本机时间明显不对")).fix(
            "校准系统时间（timedatectl set-ntp true，或 date -s）：迟报、催报和定时任务都按时间判断",
        );
    }
    let year = ws.catalog.plan.year;
    if now.year() != year {
        return Check::warn(
            "clock",
            T,
            format!("{text}\n任务目录是 {year} 年的计划，今天是 {} 年", now.year()),
        )
        .fix("换用本年度的任务目录：minsheng catalog draft 本年度方案 --out seeds/…，核对后在 [plan] catalog 中指定");
    }
    Check::ok("clock", T, text)
}

/// The daemon's pid while it holds the workspace lock.
fn daemon_pid(root: &Path) -> Option<String> {
    let path = root.join(DAEMON_LOCK);
    let file = fs::File::open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => {
            let pid = fs::read_to_string(&path).unwrap_or_default();
            Some(pid.trim().to_string())
                .filter(|p| !p.is_empty())
                .or(Some("未知".into()))
        }
    }
}

fn check_daemon(pid: Option<String>) -> Check {
    const T: &str = "值守程序";
    match pid {
        Some(pid) => Check::ok("daemon", T, format!("正在运行（进程号 {pid}）")),
        None => Check::warn(
            "daemon",
            T,
            "没有运行：收件箱里的文件不会被处理，定时的调度通报、催报和邮件投递都不会执行",
        )
        .fix("systemctl enable --now minsheng（未装成服务时：minsheng run）"),
    }
}

fn job_title(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Report => "汇总并发送调度通报",
        JobKind::Reminder => "催报",
        JobKind::DeadlineReminder => "截止日催报",
        JobKind::Mail => "投递邮件",
    }
}

fn short(t: &DateTime<Tz>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn check_schedule(config: &Config, ws: Option<&Workspace>) -> Check {
    const T: &str = "定时任务";
    let jobs = match schedule::jobs(&config.schedule) {
        Ok(j) => j,
        Err(e) => {
            return Check::fail("schedule", T, e.to_string())
                .fix("改正 minsheng.toml 的 [schedule]，再运行 minsheng doctor");
        }
    };
    let Some(ws) = ws else {
        return Check::ok("schedule", T, "[schedule] 的 cron 表达式有效");
    };
    let ledger = Ledger::open_read_only(&ws.ledger_path());
    let ledger = match ledger {
        Ok(l) => l,
        Err(e) => {
            return Check::warn(
                "schedule",
                T,
                format!("无法读取台账：{}", crate::error::chain(&e)),
            );
        }
    };
    let now = ws.clock.now();
    let tz = ws.clock.tz();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for job in &jobs {
        let last = ledger
            .as_ref()
            .and_then(|l| l.last_job_run(job.kind.name()).ok().flatten());
        let last_text = match &last {
            None => "从未运行".to_string(),
            Some(r) => {
                let due = short(&r.due.with_timezone(&tz));
                match r.outcome.as_deref() {
                    Some(o) if o.starts_with("error") => {
                        errors.push(format!("{}（{due}）：{o}", job_title(job.kind)));
                        format!("上次 {due} 出错")
                    }
                    Some(_) => format!("上次 {due} 完成"),
                    None => format!("上次 {due} 未完成"),
                }
            }
        };
        let next = job
            .next_after(&now)
            .map(|t| format!("下次 {}", short(&t)))
            .unwrap_or_else(|| "没有下次".into());
        lines.push(format!(
            "{}（{}）：{last_text}，{next}",
            job_title(job.kind),
            job.kind.name()
        ));
    }
    if errors.is_empty() {
        Check::ok("schedule", T, lines.join("\n"))
    } else {
        lines.push(format!("出错的任务：{}", errors.join("；")));
        Check::warn("schedule", T, lines.join("\n"))
            .fix("按出错原因处理（服务日志 journalctl -u minsheng 有详情）；下次到点会再运行")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Option<SocketAddr> {
        s.parse().ok()
    }

    #[test]
    fn a_lan_address_without_a_password_fails_and_loopback_does_not() {
        let c = judge_web("0.0.0.0:8080", addr("0.0.0.0:8080"), false, None);
        assert_eq!(c.level, Level::Fail);
        assert!(c.message.contains("没有设置办公室密码"), "{}", c.message);
        assert!(c.fix.unwrap().contains("minsheng web password"));
        let c = judge_web("192.0.2.10:8080", addr("192.0.2.10:8080"), false, None);
        assert_eq!(c.level, Level::Fail);
        assert_eq!(
            judge_web("127.0.0.1:8080", addr("127.0.0.1:8080"), false, None).level,
            Level::Ok
        );
        assert_eq!(
            judge_web("[::1]:8080", addr("[::1]:8080"), false, None).level,
            Level::Ok
        );
    }

    #[test]
    fn a_lan_address_with_a_password_needs_a_public_url_only_when_unspecified() {
        let c = judge_web("0.0.0.0:8080", addr("0.0.0.0:8080"), true, None);
        assert_eq!(c.level, Level::Warn);
        assert!(c.message.contains("public_url"), "{}", c.message);
        let c = judge_web(
            "0.0.0.0:8080",
            addr("0.0.0.0:8080"),
            true,
            Some("http://192.0.2.10:8080"),
        );
        assert_eq!(c.level, Level::Ok);
        assert!(c.message.contains("http://192.0.2.10:8080"));
        let c = judge_web("192.0.2.10:8080", addr("192.0.2.10:8080"), true, None);
        assert_eq!(c.level, Level::Ok);
        assert!(c.message.contains("http://192.0.2.10:8080"));
    }

    #[test]
    fn no_page_is_fine_and_a_bad_address_is_a_warning() {
        assert_eq!(judge_web("", None, false, None).level, Level::Ok);
        let c = judge_web("本机:80", None, false, None);
        assert_eq!(c.level, Level::Warn);
    }

    #[test]
    fn permissions_follow_owner_then_group_then_others() {
        // rwxr-x--- owned by 1000:100
        let m = 0o750;
        assert!(mode_allows(m, 1000, 100, 1000, &[1000], 3));
        assert!(!mode_allows(m, 1000, 100, 2000, &[100], 2));
        assert!(mode_allows(m, 1000, 100, 2000, &[100], 5));
        assert!(!mode_allows(m, 1000, 100, 3000, &[300], 1));
        // The owner's own bits decide even when the group's would allow.
        assert!(!mode_allows(0o570, 1000, 100, 1000, &[100], 2));
        assert!(mode_allows(0o000, 1000, 100, 0, &[0], 6));
        assert!(!mode_allows(0o555, 0, 0, 0, &[0], 2));
        assert!(mode_allows(0o755, 0, 0, 0, &[0], 3));
    }

    #[test]
    fn the_password_is_read_from_a_systemd_environment_file() {
        let text = "# SMTP\nMINSHENG_SMTP_PASSWORD=\"授权码 1\"\nOTHER=x\n";
        assert_eq!(
            env_file_value(text, "MINSHENG_SMTP_PASSWORD").as_deref(),
            Some("授权码 1")
        );
        assert_eq!(
            env_file_value("#MINSHENG_SMTP_PASSWORD=x\n", "MINSHENG_SMTP_PASSWORD"),
            None
        );
        assert_eq!(env_file_value("A='b=c'\n", "A").as_deref(), Some("b=c"));
        assert_eq!(env_file_value("A=\n", "A"), None);
    }

    #[test]
    fn levels_order_so_the_worst_is_the_largest() {
        assert!(Level::Fail > Level::Warn && Level::Warn > Level::Ok);
        let checks = [Check::ok("a", "甲", "x"), Check::warn("b", "乙", "y")];
        assert!(!failed(&checks));
        assert!(failed(&[Check::fail("c", "丙", "z")]));
    }
}
