//! Indicator names as a reviewer wants them: whole words, no word said
//! twice (`健康体检体检率`), and no two indicators of one task under the same
//! name. The words come from the plan; these rules only join, trim and tell
//! apart what the sentence already says.

/// `老年人免费健康体检体检率` → `老年人免费健康体检率`: a word of two or more
/// characters said twice in a row is said once. Single characters may
/// double in Chinese (`人人`), so they are left alone.
pub(crate) fn collapse_repeats(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let mut len = chars.len() / 2;
    while len >= 2 {
        let mut i = 0;
        let mut changed = false;
        while i + 2 * len <= chars.len() {
            let word = &chars[i..i + len];
            let doubled = word == &chars[i + len..i + 2 * len]
                && word
                    .iter()
                    .all(|c| !c.is_ascii_digit() && !c.is_whitespace());
            if doubled {
                chars.drain(i + len..i + 2 * len);
                changed = true;
            } else {
                i += 1;
            }
        }
        if !changed {
            len -= 1;
        }
        len = len.min(chars.len() / 2);
    }
    chars.into_iter().collect()
}

/// `a` then `b`, the end of `a` that `b` starts with written once
/// (`免费健康体检` + `体检率` → `免费健康体检率`). Only an overlap of two or
/// more characters counts: one shared character is usually two words.
pub(crate) fn join_overlapping(a: &str, b: &str) -> String {
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    let most = ac.len().min(bc.len());
    let overlap = (2..=most)
        .rev()
        .find(|&n| ac[ac.len() - n..] == bc[..n])
        .unwrap_or(0);
    let mut out = a.to_string();
    out.extend(&bc[overlap..]);
    out
}

/// Words that end the name of a rate or standard, which a list shares:
/// `A和B标准` means A标准 and B标准.
const SHARED_ENDINGS: &[&str] = &["标准", "覆盖率", "参保率", "率"];

/// The parts of a parallel list as whole names. The last part carries what
/// the list shares: a bare modifier (`城市、农村低保标准` → 城市 takes 低保标准
/// from 农村低保标准) takes the last part's head, and a name without the
/// shared ending (`A和B标准`) takes the ending.
pub(crate) fn distribute(parts: &[String]) -> Vec<String> {
    let Some(last) = parts.last() else {
        return Vec::new();
    };
    let ending = SHARED_ENDINGS.iter().find(|e| last.ends_with(**e)).copied();
    let last_chars: Vec<char> = last.chars().collect();
    parts
        .iter()
        .map(|p| {
            let n = p.chars().count();
            match ending {
                Some(e)
                    if !p.ends_with(e) && n <= 2 && last_chars.len() > n + e.chars().count() =>
                {
                    // The last part's first n characters are its own modifier.
                    format!("{p}{}", last_chars[n..].iter().collect::<String>())
                }
                Some(e) if !p.ends_with(e) => format!("{p}{e}"),
                _ => p.clone(),
            }
        })
        .collect()
}

fn is_plain(c: char) -> bool {
    !c.is_ascii_digit() && !c.is_whitespace() && !"，,、；;：:。.（）()“”\"%％".contains(c)
}

/// The first stretch of `own` that none of `others` has: what tells this
/// sentence apart (`城区新建公厕 10 座` against `乡镇新建公厕 20 座` → 城区).
/// A character is shared when it sits in a two-character window that some
/// other text also has; the first run of unshared plain characters is the
/// answer, widened to two characters when it is one.
fn differing_words(own: &str, others: &[&str]) -> Option<String> {
    let chars: Vec<char> = own.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    let in_others = |a: usize| {
        let w: String = chars[a..a + 2].iter().collect();
        others.iter().any(|o| o.contains(&w))
    };
    let mut shared = vec![false; n];
    for a in 0..n.saturating_sub(1) {
        if in_others(a) {
            shared[a] = true;
            shared[a + 1] = true;
        }
    }
    let start = (0..n).find(|&i| !shared[i] && is_plain(chars[i]))?;
    let mut end = start;
    while end < n && !shared[end] && is_plain(chars[end]) && end - start < 8 {
        end += 1;
    }
    let (mut a, mut b) = (start, end);
    if b - a == 1 {
        if a > 0 && is_plain(chars[a - 1]) {
            a -= 1;
        } else if b < n && is_plain(chars[b]) {
            b += 1;
        }
    }
    Some(chars[a..b].iter().collect())
}

/// One indicator as the naming rules see it.
pub(crate) struct Named<'a> {
    pub(crate) name: &'a str,
    /// The clause it was read from.
    pub(crate) clause: &'a str,
    pub(crate) unit: &'a str,
}

/// New names (and why) for indicators of one task that share a name: each
/// gets, in brackets, the words of its own clause that the others lack, or
/// its unit where only the units differ, or its place in the list. None
/// for a name that was already unique.
pub(crate) fn tell_apart(items: &[Named]) -> Vec<Option<(String, String)>> {
    let mut out: Vec<Option<(String, String)>> = (0..items.len()).map(|_| None).collect();
    for i in 0..items.len() {
        let same: Vec<usize> = (0..items.len())
            .filter(|&j| items[j].name == items[i].name)
            .collect();
        if same.len() < 2 || same[0] != i {
            continue;
        }
        let n = same.len();
        for (rank, &k) in same.iter().enumerate() {
            let others: Vec<&str> = same
                .iter()
                .filter(|&&j| j != k)
                .map(|&j| items[j].clause)
                .collect();
            let clause_differs = others.iter().all(|o| *o != items[k].clause);
            let unit_differs = same
                .iter()
                .all(|&j| j == k || items[j].unit != items[k].unit);
            let word = clause_differs
                .then(|| differing_words(items[k].clause, &others))
                .flatten()
                .filter(|w| !items[k].name.contains(w.as_str()))
                .or_else(|| unit_differs.then(|| items[k].unit.to_string()));
            let name = items[k].name;
            out[k] = Some(match word {
                Some(w) => (
                    format!("{name}（{w}）"),
                    format!("同一任务中有 {n} 个指标原本同名“{name}”，已按原文加上“{w}”以示区分"),
                ),
                None => (
                    format!("{name}（{}）", rank + 1),
                    format!(
                        "同一任务中有 {n} 个指标同名“{name}”，原文看不出区别，暂按顺序编号，请改为各自的名称"
                    ),
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_said_twice_is_said_once() {
        assert_eq!(
            collapse_repeats("老年人免费健康体检体检率"),
            "老年人免费健康体检率"
        );
        assert_eq!(collapse_repeats("农村供水工程工程建设"), "农村供水工程建设");
        assert_eq!(collapse_repeats("新建新建学校"), "新建学校");
        // Single characters and numbers may repeat.
        assert_eq!(collapse_repeats("人人享有"), "人人享有");
        assert_eq!(collapse_repeats("1212 热线"), "1212 热线");
        assert_eq!(collapse_repeats("家家户户"), "家家户户");
    }

    #[test]
    fn overlaps_are_written_once() {
        assert_eq!(join_overlapping("免费健康体检", "体检率"), "免费健康体检率");
        assert_eq!(
            join_overlapping("高标准农田建设", "投资"),
            "高标准农田建设投资"
        );
        // One shared character is two words: 建设 + 设施.
        assert_eq!(join_overlapping("公园建设", "设施率"), "公园建设设施率");
    }

    #[test]
    fn parallel_parts_share_the_head_of_the_last() {
        let p = |v: &[&str]| distribute(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            p(&["城市", "农村低保标准"]),
            ["城市低保标准", "农村低保标准"]
        );
        assert_eq!(
            p(&["困难残疾人生活补贴", "重度残疾人护理补贴标准"]),
            ["困难残疾人生活补贴标准", "重度残疾人护理补贴标准"]
        );
        assert_eq!(
            p(&["基本养老保险参保率", "基本医疗保险参保率"]),
            ["基本养老保险参保率", "基本医疗保险参保率"]
        );
        assert_eq!(p(&["新建公园", "改造游园"]), ["新建公园", "改造游园"]);
    }

    #[test]
    fn the_words_that_differ_are_found() {
        assert_eq!(
            differing_words("城区新建公厕 10 座", &["乡镇新建公厕 20 座"]).as_deref(),
            Some("城区")
        );
        assert_eq!(
            differing_words(
                "为困难群众发放临时救助金 500 万元",
                &["为困难群众发放冬春救助金 300 万元"]
            )
            .as_deref(),
            Some("临时")
        );
        assert_eq!(differing_words("完全相同", &["完全相同"]), None);
    }

    #[test]
    fn names_of_one_task_are_made_unique() {
        let items = [
            Named {
                name: "新建公厕",
                clause: "城区新建公厕 10 座",
                unit: "座",
            },
            Named {
                name: "新建公厕",
                clause: "乡镇新建公厕 20 座",
                unit: "座",
            },
            Named {
                name: "城乡低保标准",
                clause: "城乡低保标准分别提高到每人每月 780 元、每人每年 6200 元",
                unit: "元/人·月",
            },
            Named {
                name: "城乡低保标准",
                clause: "城乡低保标准分别提高到每人每月 780 元、每人每年 6200 元",
                unit: "元/人·年",
            },
            Named {
                name: "独一",
                clause: "x",
                unit: "个",
            },
        ];
        let got: Vec<Option<String>> = tell_apart(&items)
            .into_iter()
            .map(|o| o.map(|(n, _)| n))
            .collect();
        assert_eq!(
            got,
            [
                Some("新建公厕（城区）".to_string()),
                Some("新建公厕（乡镇）".to_string()),
                Some("城乡低保标准（元/人·月）".to_string()),
                Some("城乡低保标准（元/人·年）".to_string()),
                None
            ]
        );
        let same = [
            Named {
                name: "甲",
                clause: "c",
                unit: "个",
            },
            Named {
                name: "甲",
                clause: "c",
                unit: "个",
            },
        ];
        let got = tell_apart(&same);
        assert_eq!(got[1].as_ref().unwrap().0, "甲（2）");
        assert!(got[1].as_ref().unwrap().1.contains("看不出区别"));
    }
}
