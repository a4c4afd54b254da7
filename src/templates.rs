//! Default message templates, embedded so `init` can write them and a
//! workspace without its own copy still renders. The office edits the copies
//! under `templates/`; those win.

/// (path relative to the workspace, content)
pub const DEFAULTS: &[(&str, &str)] = &[];
