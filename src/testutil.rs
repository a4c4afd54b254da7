//! Shared fixtures for unit tests.

use crate::catalog::Catalog;

/// The shipped 2024 catalog.
pub fn catalog() -> Catalog {
    Catalog::parse(
        include_str!("../seeds/pingjiang-2024.toml"),
        "pingjiang-2024",
        "seeds/pingjiang-2024.toml",
    )
    .expect("the shipped catalog loads")
}
