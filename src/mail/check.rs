//! `mail test`: one message straight to the server, to learn of a login,
//! TLS or spam problem before a bulletin is due.

use super::enqueue::{message_id, now};
use super::mime::{self, Mailbox};
use super::queue::Kind;
use super::smtp;
use crate::config::Smtp;
use crate::error::UserError;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::Result;
use std::path::Path;

/// What the server said to a test message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSent {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) server: String,
    pub(crate) reply: String,
}

/// `mail test ADDRESS`: a short message sent at once, not queued, so the
/// office learns of a login or spam problem before a bulletin is due.
pub fn send_test(ws: &Workspace, address: &str) -> Result<TestSent> {
    let Some(smtp) = &ws.config.smtp else {
        return Err(UserError::usage(
            "未配置发信服务器：请先在 minsheng.toml 中填写 [smtp]（host、port、security、username、from），密码放在 password_env 指定的环境变量里",
        )
        .into());
    };
    let to_address = mime::parse_address(address).map_err(UserError::usage)?;
    let server = smtp::Server::new(smtp, &ws.root).map_err(|e| UserError::usage(e.0))?;
    let now = now(ws);
    let templates = Templates::load(&ws.root)?;
    let text = templates.render(
        "test-mail.txt",
        serde_json::json!({
            "plan": ws.catalog.plan.name,
            "issuer": ws.catalog.plan.issuer,
            "server": server.name(),
            "from": server.from.address.to_string(),
            "to": to_address.to_string(),
            "time": now.format("%Y-%m-%d %H:%M:%S").to_string(),
        }),
    )?;
    let subject = format!("【测试邮件】{}发信测试", ws.catalog.plan.name);
    let to = [Mailbox::new("", to_address.clone())];
    let eml = mime::compose(&mime::Draft {
        from: &server.from,
        to: &to,
        subject: &subject,
        text: &text,
        html: None,
        attachments: &[],
        period: None,
        kind: Kind::Test.as_str(),
        date: now.to_rfc2822(),
        message_id: message_id(&server.from, now),
    });
    let mut session = server.connect().map_err(|u| {
        tracing::info!(error = %u.detail, "the test message could not reach the server");
        anyhow::anyhow!("测试邮件未能发出：{}", u.fault.explain(smtp))
    })?;
    let sent = session.send(&server.from.address, &[to_address], &eml, |_, _| Ok(()));
    session.quit();
    match sent.outcome {
        Ok(reply) => Ok(TestSent {
            from: server.from.address.to_string(),
            to: address.trim().to_string(),
            server: server.name(),
            reply,
        }),
        // The address was typed on the command line: the advice is about
        // it, not about minsheng.toml.
        Err(smtp::SendError::NotSent(smtp::Failure::RecipientsRefused { refused })) => {
            let list: Vec<String> = refused
                .iter()
                .map(|(a, r)| format!("{a}（{r}；{}）", smtp::explain(r, true)))
                .collect();
            Err(anyhow::anyhow!(
                "测试邮件未能发出：收件人被服务器拒绝：{}",
                list.join("；")
            ))
        }
        Err(smtp::SendError::NotSent(f)) => Err(anyhow::anyhow!("测试邮件未能发出：{f}")),
        Err(smtp::SendError::Unknown(f)) => Err(anyhow::anyhow!(
            "测试邮件已发出，但没有收到服务器确认，不能确定是否送达：{f}"
        )),
    }
}

/// Greet the server, encrypt and log in as `[smtp]` says, then say goodbye
/// without sending anything: what `doctor` asks of the server. `Ok` names
/// the server; `Err` says in Chinese what stops the mail.
pub fn check_login(smtp: &Smtp, root: &Path, password: Option<String>) -> Result<String, String> {
    let server = smtp::Server::with_password(smtp, root, password).map_err(|e| e.0)?;
    let session = server.connect().map_err(|u| u.fault.explain(smtp))?;
    session.quit();
    Ok(server.name())
}
