//! What became of one received file.

use serde::Serialize;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Accepted,
    Rejected,
    Duplicate,
    Skipped,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Duplicate => "duplicate",
            Verdict::Skipped => "skipped",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Verdict::Accepted => "已采用",
            Verdict::Rejected => "退回",
            Verdict::Duplicate => "重复报送",
            Verdict::Skipped => "未处理",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown verdict {0:?}")]
pub struct UnknownVerdict(pub String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accepted" => Ok(Verdict::Accepted),
            "rejected" => Ok(Verdict::Rejected),
            "duplicate" => Ok(Verdict::Duplicate),
            "skipped" => Ok(Verdict::Skipped),
            other => Err(UnknownVerdict(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_reads_back_from_its_name() {
        for v in [
            Verdict::Accepted,
            Verdict::Rejected,
            Verdict::Duplicate,
            Verdict::Skipped,
        ] {
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(v));
        }
        assert!("maybe".parse::<Verdict>().is_err());
    }
}
