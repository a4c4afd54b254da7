//! End-to-end tests: the real binary on temp workspaces, as the office uses it.

mod catalog;
mod contract;
mod daemon;
mod draft;
mod forms;
mod ingest;
mod init;
mod mail;
mod office;
mod report;
mod util;
mod workspace;
