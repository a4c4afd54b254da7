//! Errors that decide the exit code. Everything else is an `anyhow::Error`
//! with Chinese context, which exits 1.

use std::fmt;

/// Exit codes of DESIGN.md.
const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// A mistake in how minsheng was called or set up: bad arguments, an unknown
/// department, a broken configuration. Exits 2.
#[derive(Debug)]
pub(crate) struct UserError {
    pub(crate) message: String,
}

impl UserError {
    pub(crate) fn usage(message: impl Into<String>) -> UserError {
        UserError {
            message: message.into(),
        }
    }

    /// Keep an error's whole chain as the message of a usage error.
    pub(crate) fn usage_from(e: anyhow::Error) -> UserError {
        UserError { message: chain(&e) }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// Raised when some item (a return, a message) was rejected or failed while
/// the command itself ran to the end. Exits 1 without more output: the
/// command has already reported the item.
#[derive(Debug)]
pub struct ItemsFailed;

impl fmt::Display for ItemsFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("有文件或邮件未能通过")
    }
}

impl std::error::Error for ItemsFailed {}

/// An error with its causes, outermost first, joined the way Chinese reads: `A：B`.
pub fn chain(e: &anyhow::Error) -> String {
    causes(e.as_ref()).join("：")
}

/// The one walk down an error's causes, outermost first; a cause whose
/// words the outer ones already say is left out.
pub fn causes(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    parts
}

pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<UserError>().is_some() {
        EXIT_USAGE
    } else {
        EXIT_FAILED
    }
}
