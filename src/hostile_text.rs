//! Text from outside that the edges cut: what a clerk typed into a cell,
//! the office's configuration, a catalog edited by hand, a department's
//! name made into a file name. Fed generated hostile text, every parser
//! answers (a value, or a refusal in Chinese) and never panics.

use crate::hostile::Hostile;

const CASES: u64 = 4000;

#[test]
fn whatever_a_clerk_types_into_a_cell_is_a_value_or_a_finding() {
    let catalog = crate::testutil::catalog();
    let indicators: Vec<_> = catalog.indicators().collect();
    let mut g = Hostile::new(21);
    for _ in 0..CASES {
        let s = g.text(8);
        let ind = indicators[g.below(indicators.len())];
        if let Some((v, _)) = crate::intake::value::parse_text(&s, ind) {
            assert!(v.is_finite(), "{s:?} → {v}");
        }
        let cell = calamine::Data::String(s.clone());
        let formula = (g.below(4) == 0).then(|| g.text(4));
        let _ = crate::intake::value::read(&cell, formula.as_deref(), ind);
    }
}

#[test]
fn a_configuration_of_any_text_loads_or_names_its_line() {
    let mut g = Hostile::new(22);
    let shipped = include_str!("../minsheng.toml");
    let lines: Vec<&str> = shipped.lines().collect();
    for _ in 0..500 {
        let mut text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for _ in 0..g.below(4) {
            let at = g.below(text.len());
            text[at] = g.text(6);
        }
        let src = text.join("\n");
        if let Err(e) = crate::config::Config::parse(&src, "minsheng.toml") {
            assert!(e.line >= 1 && e.line <= text.len() + 1, "{e}");
        }
        let rewritten = crate::workspace::config_with_catalog(&src, &g.text(3));
        assert!(rewritten.contains("catalog"));
    }
}

#[test]
fn a_catalog_edited_by_hand_loads_or_is_refused() {
    let mut g = Hostile::new(23);
    let lines: Vec<&str> = crate::testutil::SHIPPED.lines().collect();
    for _ in 0..80 {
        let mut text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for _ in 0..1 + g.below(3) {
            let at = g.below(text.len());
            let keep = text[at].chars().take(g.below(30)).collect::<String>();
            text[at] = format!("{keep}{}", g.text(4));
        }
        let _ = crate::plan::catalog::Catalog::parse(&text.join("\n"), "t", "t.toml");
    }
}

#[test]
fn names_from_outside_become_one_safe_path_component() {
    let mut g = Hostile::new(24);
    for _ in 0..CASES {
        let s = g.text(10);
        let c = crate::fsx::safe_component(&s);
        assert!(!c.is_empty() && !c.starts_with('.'), "{s:?} → {c:?}");
        assert!(!c.contains(['/', '\\', '\0']), "{s:?} → {c:?}");
        let _ = crate::plan::words::short_group(&s);
        let t = crate::text::truncate(&s, g.below(20));
        assert!(crate::text::width(&t) <= crate::text::width(&s).max(20));
    }
}
