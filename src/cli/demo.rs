//! `minsheng demo [DIR]`: a whole reporting month in a few seconds, and
//! where to look at what it made.

use super::output::print_text;
use crate::demo::{self, REJECTED, SILENT};
use anyhow::Result;
use std::path::Path;

pub(super) fn run(dir: Option<&Path>) -> Result<()> {
    let d = demo::run(dir)?;
    let rel = |p: &Path| p.strip_prefix(&d.root).unwrap_or(p).display().to_string();
    let out = format!(
        "演示工作目录：{root}\n\
         模拟日期：{today}，调度期次：{period}\n\n\
         1. 已生成 {forms} 份填报表：{root}/outbox/forms/{period}/\n\
         2. {returns} 个单位报送（{silent} 未报送），值守程序处理了 {processed} 个文件；\n\
         \x20  回执（文字说明 + 标出问题单元格的表格）：{root}/outbox/receipts/{period}/\n\
         \x20  其中 {rejected} 的报送因“累计完成”未填被退回\n\
         3. 汇总调度表：{root}/{workbook}\n\
         \x20  调度通报：{root}/{html}（网页）、{docx}（Word）、{text}（纯文本）\n\
         4. 邮件：{queued_n} 封在 {root}/outbox/mail/queue/ 等待发送（未配置发信服务器，{note}）\n\n\
         再看看：MINSHENG_TODAY={today} minsheng --workspace {root} status\n\
         用时 {secs:.1} 秒。\n",
        root = d.root.display(),
        today = d.today,
        period = d.period,
        forms = d.forms,
        returns = d.returns,
        silent = SILENT.join("、"),
        processed = d.processed,
        rejected = REJECTED,
        workbook = rel(&d.report.workbook),
        html = rel(&d.report.html),
        docx = rel(&d.report.docx),
        text = rel(&d.report.text),
        queued_n = d.queued,
        note = if d.no_server {
            "配置 [smtp] 后运行 minsheng mail flush 即可发出"
        } else {
            "已尝试发送"
        },
        secs = d.seconds,
    );
    print_text(&out)
}
