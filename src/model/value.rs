//! A reported value, as validation hands it to the ledger and the ledger to
//! consolidation.

use crate::plan::catalog::{Indicator, Kind, STAGES};

/// A number in the indicator's unit (percent: points), or a milestone's
/// stage index (0 = 未启动 … 4 = 完成).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Stage(usize),
}

impl Value {
    /// Done as a fraction of the target (a milestone by its stage).
    pub fn progress(self, ind: &Indicator) -> f64 {
        match self {
            Value::Stage(i) => i as f64 / 4.0,
            Value::Number(v) => v / ind.target,
        }
    }

    /// The number stored in the ledger: the value, or for a stage its percent.
    pub fn amount(self) -> f64 {
        match self {
            Value::Stage(i) => i as f64 * 25.0,
            Value::Number(v) => v,
        }
    }

    pub fn display(self, ind: &Indicator) -> String {
        match self {
            Value::Stage(i) => STAGES[i].to_string(),
            Value::Number(v) => format!(
                "{}{}",
                crate::text::number(v),
                if ind.kind == Kind::Percent { "%" } else { "" }
            ),
        }
    }
}
