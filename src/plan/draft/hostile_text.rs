//! Plans are written by hand, in any shape: the drafter cuts their lines
//! at headings, brackets, numbers and unit words. Fed the shipped plan cut
//! and spliced at random characters, and generated text of the same
//! words, it drafts or refuses in Chinese; it never panics.

use super::{draft, plan_lines};
use crate::hostile::Hostile;

const PLAN: &str = include_str!("../../../seeds/pingjiang-minsheng-2024.txt");

/// One of the plan's lines, changed the way retyping and pasting change
/// them: cut at a character, a piece inserted, a bracket made half-width.
fn mutate(g: &mut Hostile, line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    match g.below(5) {
        0 => chars[..g.below(chars.len() + 1)].iter().collect(),
        1 => {
            let at = g.below(chars.len() + 1);
            let mut s: String = chars[..at].iter().collect();
            s.push_str(&g.text(3));
            s.extend(&chars[at..]);
            s
        }
        2 => line
            .replace('（', "(")
            .replace('）', ")")
            .replace('：', ":"),
        3 => chars.iter().filter(|_| g.below(10) != 0).collect(),
        _ => line.to_string(),
    }
}

#[test]
fn a_plan_cut_and_spliced_anywhere_is_drafted_or_refused() {
    let lines: Vec<&str> = PLAN.lines().collect();
    let mut g = Hostile::new(11);
    let mut drafted = 0;
    for _ in 0..150 {
        let start = g.below(lines.len());
        let end = (start + 1 + g.below(60)).min(lines.len());
        let mutated: Vec<String> = lines[start..end]
            .iter()
            .map(|l| mutate(&mut g, l))
            .collect();
        if let Ok(d) = draft(&mutated, "方案.txt") {
            let _ = (d.review_count(), d.to_toml());
            drafted += 1;
        }
    }
    assert!(
        drafted > 15,
        "the cases reach the drafter's depths: {drafted}"
    );
}

#[test]
fn generated_lines_of_plan_words_are_drafted_or_refused() {
    let mut g = Hostile::new(12);
    for _ in 0..1500 {
        let lines = g.lines(20, 14);
        if let Ok(d) = draft(&lines, "方案.txt") {
            let _ = d.to_toml();
        }
    }
}

#[test]
fn plan_files_of_broken_bytes_are_read_or_refused() {
    let mut g = Hostile::new(13);
    for _ in 0..1500 {
        let bytes = g.bytes(40);
        for ext in ["txt", "docx", "xlsx", "xls"] {
            if let Ok(lines) = plan_lines(&bytes, ext) {
                let _ = draft(&lines, "方案.txt");
            }
        }
    }
}
