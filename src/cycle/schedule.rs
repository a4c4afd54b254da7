//! When the daemon's jobs are due. Cron expressions (6 fields, with seconds)
//! are read with croner — the parser tokio-cron-scheduler itself uses — and
//! evaluated against the plan's clock (`MINSHENG_TODAY` included), because
//! DESIGN.md puts schedules under the same clock as every other date rule; a
//! timer on the system clock alone could not rehearse a reporting month.

use crate::config::Schedule;
use crate::error::UserError;
use chrono::DateTime;
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum JobKind {
    /// Consolidate the latest ended period and mail the bulletin.
    Report,
    /// Remind departments that have not reported.
    Reminder,
    /// The second reminder, on the deadline day.
    DeadlineReminder,
    /// Deliver the mail queue.
    Mail,
}

impl JobKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            JobKind::Report => "report",
            JobKind::Reminder => "reminder",
            JobKind::DeadlineReminder => "deadline_reminder",
            JobKind::Mail => "mail",
        }
    }

    /// Whether a run missed while the daemon was down is made up on start.
    /// The mail job runs every minute anyway.
    pub(crate) fn catches_up(self) -> bool {
        self != JobKind::Mail
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) kind: JobKind,
    pub(crate) cron: Cron,
}

impl Job {
    /// The first due time strictly after `t`.
    pub(crate) fn next_after(&self, t: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.cron.find_next_occurrence(t, false).ok()
    }

    /// The last due time at or before `t`.
    pub(crate) fn last_at_or_before(&self, t: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.cron.find_previous_occurrence(t, true).ok()
    }
}

/// The jobs of `[schedule]`; a bad expression is a usage error naming its key.
pub(crate) fn jobs(s: &Schedule) -> Result<Vec<Job>, UserError> {
    let mut out = Vec::new();
    let entries = [
        (JobKind::Report, Some(&s.report)),
        (JobKind::Reminder, Some(&s.reminder)),
        (JobKind::DeadlineReminder, s.deadline_reminder.as_ref()),
        (JobKind::Mail, Some(&s.mail)),
    ];
    for (kind, expr) in entries {
        let Some(expr) = expr else { continue };
        if expr.trim().is_empty() {
            continue;
        }
        out.push(Job {
            kind,
            cron: parse(kind.name(), expr)?,
        });
    }
    Ok(out)
}

fn parse(key: &str, expr: &str) -> Result<Cron, UserError> {
    let fields = expr.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(UserError::usage(format!(
            "配置文件 [schedule] {key} = \"{expr}\" 应为 6 段的 cron 表达式（秒 分 时 日 月 周），如 \"0 0 9 1 * *\"",
        )));
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .build()
        .parse(expr)
        .map_err(|e| {
            UserError::usage(format!(
                "配置文件 [schedule] {key} = \"{expr}\" 不是有效的 cron 表达式：{e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Tz> {
        let n = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        chrono_tz::Asia::Shanghai.from_local_datetime(&n).unwrap()
    }

    #[test]
    fn default_jobs_fall_on_the_first_and_the_twentieth_at_nine() {
        let jobs = jobs(&Schedule::default()).unwrap();
        let report = jobs.iter().find(|j| j.kind == JobKind::Report).unwrap();
        assert_eq!(
            report.next_after(&at("2024-03-15 10:00:00")).unwrap(),
            at("2024-04-01 09:00:00")
        );
        assert_eq!(
            report
                .last_at_or_before(&at("2024-04-03 08:00:00"))
                .unwrap(),
            at("2024-04-01 09:00:00")
        );
        assert_eq!(
            report
                .last_at_or_before(&at("2024-04-01 09:00:00"))
                .unwrap(),
            at("2024-04-01 09:00:00")
        );
        let reminder = jobs.iter().find(|j| j.kind == JobKind::Reminder).unwrap();
        assert_eq!(
            reminder.next_after(&at("2024-04-03 08:00:00")).unwrap(),
            at("2024-04-20 09:00:00")
        );
        let mail = jobs.iter().find(|j| j.kind == JobKind::Mail).unwrap();
        assert_eq!(
            mail.next_after(&at("2024-04-03 08:00:30")).unwrap(),
            at("2024-04-03 08:01:00")
        );
        assert!(!mail.kind.catches_up());
    }

    #[test]
    fn five_field_cron_and_nonsense_are_refused_by_key() {
        let s = Schedule {
            report: "0 9 1 * *".into(),
            ..Schedule::default()
        };
        let e = jobs(&s).unwrap_err().to_string();
        assert!(e.contains("report") && e.contains("6 段"), "{e}");
        let s = Schedule {
            reminder: "0 0 25 * * *".into(),
            ..Schedule::default()
        };
        assert!(jobs(&s).unwrap_err().to_string().contains("reminder"));
    }
}
