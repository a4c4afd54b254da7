//! End-to-end tests: the real binary on temp workspaces, as the office uses it.

mod catalog;
mod forms;
mod ingest;
mod office;
mod util;
mod workspace;
