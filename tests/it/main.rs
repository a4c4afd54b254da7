//! End-to-end tests: the real binary on temp workspaces, as the office uses it.

mod catalog;
mod contract;
mod county;
mod daemon;
mod draft;
mod forms;
mod hostile;
mod ingest;
mod init;
mod mail;
mod office;
mod recovery;
mod report;
mod util;
mod web;
mod workspace;
