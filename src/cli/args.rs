//! Command-line arguments as the user typed them. Nothing here touches the
//! file system; the commands beside this file turn them into work.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "minsheng",
    version,
    about = "民生实事调度工具 — runs the monthly reporting cycle of a county livelihood plan",
    long_about = "民生实事调度工具：生成各单位填报表，校验报送文件并出具回执，汇总调度表，发送调度通报。\n\
                  Issues department forms, validates returns with receipts, keeps a ledger, \
                  consolidates the master workbook and mails the dispatch bulletin.",
    after_help = "工作目录 Workspace: --workspace DIR, or MINSHENG_HOME, or the current folder."
)]
pub struct Cli {
    /// 工作目录 / workspace folder (default: MINSHENG_HOME, else the current folder)
    #[arg(long, global = true, env = "MINSHENG_HOME", value_name = "DIR")]
    pub(crate) workspace: Option<PathBuf>,

    /// 日志格式 / log format on stderr (RUST_LOG sets the level)
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// 新建工作目录 / create a new workspace (config, catalog, templates, folders)
    Init {
        /// 新工作目录 / folder to create
        dir: PathBuf,
        /// 本县实施方案或项目清单：从中起草任务目录并使用它 / the county's plan (.docx, .txt, or an .xlsx/.xls list): draft the catalog from it and use it
        #[arg(long, value_name = "PLAN")]
        plan: Option<PathBuf>,
    },
    /// 查看任务目录 / show the task catalog of the plan
    #[command(args_conflicts_with_subcommands = true)]
    Catalog {
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<CatalogAction>,
    },
    /// 生成各单位填报表 / issue department forms for a period
    Forms {
        /// 报送期次，如 2024-03 / period (default: the latest ended month)
        #[arg(long, value_name = "YYYY-MM")]
        period: Option<String>,
        /// 只生成该单位的表 / only this department
        #[arg(long)]
        department: Option<String>,
        /// 目录尚未核对时生成草稿（标题注明“草稿”）/ issue draft forms from a catalog that still holds 待核对 marks
        #[arg(long)]
        draft: bool,
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 校验报送文件 / validate and record returned forms
    Ingest {
        /// 报送文件 / returned files
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 报送与进度情况 / reporting status and progress of a period
    Status {
        /// 期次 / period (default: the latest ended month)
        #[arg(long, value_name = "YYYY-MM")]
        period: Option<String>,
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 汇总调度表并生成调度通报 / consolidate and write the bulletin
    Report {
        /// 期次 / period (default: the latest ended month)
        #[arg(long, value_name = "YYYY-MM")]
        period: Option<String>,
        /// 同时发送给领导 / queue the bulletin and try to deliver it now
        #[arg(long)]
        send: bool,
        /// 目录尚未核对时也发送 / send even though the catalog still holds 待核对 marks
        #[arg(long)]
        draft: bool,
    },
    /// 催报未报送单位 / remind departments that have not reported
    Remind {
        /// 期次 / period (default: the latest ended month)
        #[arg(long, value_name = "YYYY-MM")]
        period: Option<String>,
        /// 目录尚未核对时也催报 / remind even though the catalog still holds 待核对 marks
        #[arg(long)]
        draft: bool,
    },
    /// 邮件队列 / the outgoing mail queue
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// 运行值守程序 / the daemon: watch the inbox, keep the schedule, deliver mail, serve the web page
    Run,
    /// 运行检查：配置、目录、发信、网页、值守程序 / check what would stop the cycle (exit 1 when something would)
    Doctor {
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 办公室网页 / the office's web page
    Web {
        #[command(subcommand)]
        action: WebAction,
    },
    /// 各单位专属链接与领导看板链接 / list (or replace) the departments' links and the leaders' board link
    Links {
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
        /// 更换该单位的链接（旧链接即刻失效）/ replace this department's link
        #[arg(long, value_name = "DEPT", conflicts_with = "renew_all")]
        renew: Option<String>,
        /// 更换全部链接，含领导看板 / replace every link, the board's too
        #[arg(long)]
        renew_all: bool,
    },
    /// 演示 / build a demo workspace and run a whole period through it
    Demo {
        /// 演示目录 / folder for the demo workspace
        dir: Option<PathBuf>,
    },
    /// The reader process that other commands start to read returned files.
    #[command(name = "__reader", hide = true)]
    Reader,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WebAction {
    /// 设置办公室网页密码（从标准输入读一行）/ set the office password (one line on standard input)
    Password,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogAction {
    /// 从实施方案起草任务目录 / draft a catalog from a plan document (.txt, .docx, or an .xlsx/.xls list)
    Draft {
        /// 实施方案文件 / the plan, .txt (UTF-8), .docx, or an .xlsx/.xls list
        #[arg(value_name = "PLAN")]
        plan: PathBuf,
        /// 保存到该文件（不覆盖已有文件）；不加则输出到屏幕 / write here (never overwrites); stdout without it
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 比较两份任务目录 / show what differs between two catalogs (exit 1 when they differ)
    Diff {
        /// 旧目录 / the first catalog
        #[arg(value_name = "A.toml")]
        a: PathBuf,
        /// 新目录 / the second catalog
        #[arg(value_name = "B.toml")]
        b: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MailAction {
    /// 立即投递队列中的邮件 / deliver the queue now
    Flush,
    /// 列出待发、已发、失败的邮件及每个收件人的情况 / list queued, sent and failed mail, recipient by recipient
    List {
        /// 输出 JSON / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 发送测试邮件 / send a short test message
    Test {
        /// 收件地址 / address
        address: String,
    },
    /// 放行“待确认”或“发送失败”的邮件 / send an uncertain or failed message again
    Release {
        /// 邮件编号（见 mail list）/ message id as `mail list` shows it
        id: String,
        /// 收件人已确认收到：记为已送达，不再发送 / record it as delivered instead
        #[arg(long)]
        delivered: bool,
    },
}
