//! End-to-end tests: the real binary on temp workspaces, as the office uses it.

mod catalog;
mod util;
mod workspace;
