//! End-to-end tests: the real binary on temp workspaces, as the office uses it.

mod catalog;
mod clerks;
mod contract;
mod county;
mod daemon;
mod department;
mod department_browser;
mod doctor;
mod draft;
mod draft_shapes;
mod forms;
mod hostile;
mod ingest;
mod init;
mod links_handout;
mod mail;
mod office;
mod recovery;
mod report;
mod util;
mod web;
mod workspace;
