//! `minsheng links [--json] [--renew DEPT | --renew-all]`: the departments'
//! links and the leaders' board link, listed or replaced.

use super::output::{print_json, print_text};
use crate::cycle::links::{self, Links, Renew};
use crate::text::pad;
use crate::workspace::Workspace;
use anyhow::Result;

pub(super) fn run(ws: &Workspace, renew: Option<&str>, renew_all: bool, json: bool) -> Result<()> {
    let which = match (renew, renew_all) {
        (Some(d), _) => Some(Renew::Department(d.trim().to_string())),
        (None, true) => Some(Renew::All),
        (None, false) => None,
    };
    let l = match &which {
        Some(w) => links::renew(ws, w)?,
        None => links::links(ws)?,
    };
    if json {
        return print_json(&l);
    }
    print_text(&text(ws, &l, which.as_ref()))
}

fn text(ws: &Workspace, l: &Links, renewed: Option<&Renew>) -> String {
    let mut out = String::new();
    match renewed {
        Some(Renew::Department(d)) => out.push_str(&format!(
            "已为{d}更换链接：旧链接即刻失效，请把下面的新链接发给该单位。\n\n"
        )),
        Some(Renew::All) => out.push_str(
            "已更换全部链接（含领导看板）：旧链接即刻失效，请把新链接重新发给各单位和领导。\n\n",
        ),
        None => {}
    }
    let width = l
        .links
        .iter()
        .map(|x| unicode_width::UnicodeWidthStr::width(x.department.as_str()))
        .max()
        .unwrap_or(0);
    out.push_str(
        "各单位专属链接（只发给该单位；打开后可下载本单位填报表、上传并立即看到回执）：\n",
    );
    for x in &l.links {
        out.push_str(&format!("  {}  {}\n", pad(&x.department, width), x.url));
    }
    out.push_str(&format!("\n领导看板（只读）：{}\n", l.board));
    if ws.config.web.listen.trim().is_empty() {
        out.push_str("\n注意：[web] listen 为空，值守程序没有开启网页，这些链接现在打不开。\n");
    } else if ws.config.web.public_url.is_none() {
        out.push_str(
            "\n注意：没有设置 [web] public_url，链接用的是 listen 地址；其他电脑要能打开，请在 minsheng.toml 的 [web] 中设置 public_url = \"http://本机局域网地址:端口\"。\n",
        );
    }
    out.push_str("链接泄露时：minsheng links --renew 单位名称（或 --renew-all 全部更换）。\n");
    out
}
