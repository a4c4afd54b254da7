//! The targets in one item's text: from the numbers `numbers`
//! finds, what kind of indicator each is, a name for it from the words
//! around it, and the milestones the text sets without a number. The rules
//! follow how plans are written, not one plan: `N 单位` after a verb phrase,
//! `从 A 提高到 B` for a standard, `X%以上` for a rate, `A、B分别 X、Y`,
//! `建成…` without a number for a project stage, and a project whose only
//! number is what it achieves (`解决 2.1 万人饮水问题`) as that count.

use super::names;
use super::numbers::{
    COORDINATORS, Clause, Doc, Role, Tok, clauses, fold, mark_modifiers, pair_standards, scan,
    sentences, tidy,
};
use crate::plan::catalog::Kind;

pub use super::numbers::Num;

/// One indicator found in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub(crate) name: String,
    /// None for a milestone (its target is the stage 完成).
    pub(crate) target: Option<Num>,
    pub(crate) baseline: Option<Num>,
    pub(crate) unit: String,
    pub(crate) kind: Kind,
    /// The sentence it came from, for the reviewer.
    pub(crate) sentence: String,
    /// The clause it came from, for guessing who reports it.
    pub(crate) clause: String,
    /// Guesses the reviewer should check.
    pub(crate) notes: Vec<String>,
    /// Where in the text it starts, so indicators keep the text's order.
    pub(crate) pos: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Reading {
    pub(crate) title: String,
    pub(crate) found: Vec<Found>,
    /// Guesses about the task as a whole.
    pub(crate) notes: Vec<String>,
}

/// Leading words that carry no meaning in an indicator's name.
const NAME_FILLERS: &[&str] = &[
    "到年底",
    "年底前",
    "年内",
    "力争",
    "确保",
    "全年",
    "累计",
    "全县",
    "全市",
    "全区",
    "其中",
    "包括",
    "实现",
    "实施",
    "实行",
    "开展",
    "完成",
];
/// One-character prepositions, dropped only where nothing of the name
/// follows them or a 全县-like phrase does (`为 390 件案件`, `对全县 497 个`);
/// elsewhere they start a word (`对口帮扶`, `在校学生`).
const SHORT_FILLERS: &[&str] = &["为", "对", "在", "共", "含"];

fn strip_fillers(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        if let Some(w) = NAME_FILLERS.iter().find(|w| t.starts_with(**w)) {
            s = &t[w.len()..];
            continue;
        }
        let short = SHORT_FILLERS.iter().find(|w| {
            t.strip_prefix(**w).is_some_and(|rest| {
                rest.trim().is_empty()
                    || ["全县", "全市", "全区"].iter().any(|x| rest.starts_with(x))
            })
        });
        match short {
            Some(w) => s = &t[w.len()..],
            None => return t,
        }
    }
}

/// Trailing words between a name and its number (`免提交率提升至 60%`).
const COMPARATORS: &[&str] = &[
    "提升至",
    "提升到",
    "提高至",
    "提高到",
    "增加至",
    "增加到",
    "增长至",
    "增长到",
    "增至",
    "达到",
    "不少于",
    "不低于",
    "不超过",
    "超过",
    "保持在",
    "稳定在",
    "控制在",
    "共计",
    "合计",
    "累计",
    "达",
    "约",
    "至",
    "到",
    "为",
    "从",
    "由",
];

/// A clause that only says by when (`2025年底前全面完工`, `年内建成`): the
/// item's deadline, not a project of its own nor a target.
fn is_deadline(clause: &str) -> bool {
    let mut s = clause.trim_matches(|c: char| c.is_whitespace() || "。，；,;".contains(c));
    let digits = s.chars().take_while(|c| fold(*c).is_ascii_digit()).count();
    let timed = digits > 0 || s.starts_with("年") || s.starts_with("今年") || s.starts_with("当年");
    if !timed {
        return false;
    }
    s = &s[s.char_indices().nth(digits).map_or(s.len(), |(i, _)| i)..];
    for prefix in [
        "今年", "当年", "年度", "年底", "年末", "年内", "年", "月底", "月", "底", "前", "以前",
        "之前", "内",
    ] {
        s = s.trim_start().strip_prefix(prefix).unwrap_or(s);
    }
    for adverb in ["全面", "全部", "基本", "确保", "力争", "如期", "按期"] {
        s = s.strip_prefix(adverb).unwrap_or(s);
    }
    [
        "",
        "完工",
        "完成",
        "建成",
        "竣工",
        "投入使用",
        "投用",
        "办结",
        "交付使用",
        "建成投用",
        "建成使用",
    ]
    .contains(&s.trim())
}

/// Words after a number that are not part of the name (`60%以上`).
const POST_FILLERS: &[&str] = &["以上的", "及以上", "以上", "左右", "以内", "的"];

/// Verbs that set a project stage when the text gives no number.
const MILESTONE_VERBS: &[&str] = &[
    "建成",
    "新建",
    "建设",
    "搬迁",
    "迁建",
    "开工",
    "完工",
    "竣工",
    "投用",
    "投入使用",
    "改扩建",
    "扩建",
    "改造",
];

/// Verbs that may govern a list of projects (`建设 A 和 B`).
const LIST_VERBS: &[&str] = &[
    "开工建设",
    "改扩建",
    "建成",
    "新建",
    "建设",
    "扩建",
    "迁建",
    "完成",
];

/// Verbs carried to the later parts of a list of targets (`创建 A 4 个、B 2 个`).
const CARRY_VERBS: &[&str] = &[
    "创建", "建成", "新建", "建设", "新增", "改造", "完成", "实施", "开展", "培训", "打造", "发放",
    "提供", "建立", "评选",
];

/// Leading verbs a short title does without (`实施海绵城市项目建设` → `海绵城市项目建设`).
const TITLE_VERBS: &[&str] = &[
    "大力推进",
    "加快推进",
    "全面推进",
    "积极推进",
    "深入推进",
    "扎实推进",
    "持续推进",
    "推进",
    "实施",
    "开展",
    "实现",
    "完成",
    "做好",
    "全面",
    "持续",
    "深入",
    "扎实",
    "积极",
    "着力",
];

/// Verbs of a task's naming clause (`推进…`, `提升…能力`), which set no
/// stage of their own.
const GENERAL_VERBS: &[&str] = &[
    "大力推进",
    "加快推进",
    "全面推进",
    "积极推进",
    "深入推进",
    "扎实推进",
    "持续推进",
    "推进",
    "实施",
    "开展",
    "实现",
    "做好",
    "办好",
    "全面",
    "持续",
    "深入",
    "扎实",
    "积极",
    "着力",
    "提升",
    "提高",
    "加强",
    "深化",
    "优化",
    "打造",
    "推动",
    "促进",
    "强化",
    "健全",
    "完善",
];

/// Adverbs before a milestone's project (`加快推进第一人民医院整体搬迁`).
const MILESTONE_ADVERBS: &[&str] = &[
    "加快推进",
    "大力推进",
    "全面推进",
    "积极推进",
    "推进",
    "加快",
    "全面",
    "积极",
    "力争",
    "确保",
    "年内",
    "年底前",
    "争取",
];

/// Words after a project where its purpose begins (`新建焚烧发电厂彻底解决…`).
const PURPOSE: &[&str] = &[
    "彻底",
    "解决",
    "实现",
    "确保",
    "进一步",
    "切实",
    "有效",
    "从而",
    "以便",
    "推动",
    "并",
];

fn strip_leading<'a>(mut s: &'a str, words: &[&str]) -> &'a str {
    loop {
        let t = s.trim_start();
        match words.iter().find(|w| t.starts_with(**w)) {
            Some(w) => s = &t[w.len()..],
            None => return t,
        }
    }
}

/// How the words before a target spread over the targets after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spread {
    One,
    /// `A和B标准均…`: every part has this one target.
    Both,
    /// `A、B分别…X、Y`: the parts take the targets in order.
    Each,
}

/// Trailing comparators off, and whether a `均`/`都` (both) or a `分别`
/// (respectively) was among them.
fn strip_trailing(mut s: &str) -> (&str, Spread) {
    let mut spread = Spread::One;
    loop {
        let t = s.trim_end();
        if let Some(r) = t.strip_suffix('均').or_else(|| t.strip_suffix('都')) {
            spread = Spread::Both;
            s = r;
            continue;
        }
        if let Some(r) = t.strip_suffix("分别") {
            spread = Spread::Each;
            s = r;
            continue;
        }
        match COMPARATORS.iter().find(|w| t.ends_with(**w)) {
            Some(w) => s = &t[..t.len() - w.len()],
            None => return (t, spread),
        }
    }
}

/// `建成A卫生院、B卫生院、C卫生院等` → `建成`: the examples before 等 go, the
/// verb before them stays. Only a verb the drafter knows is kept, so an
/// example is never cut in the middle of a word.
fn drop_examples(pre: &str) -> String {
    let Some(list) = pre.strip_suffix('等') else {
        return pre.to_string();
    };
    let items: Vec<&str> = list.split('、').collect();
    if items.len() < 2 {
        return list.to_string();
    }
    let verbs = CARRY_VERBS.iter().chain(LIST_VERBS).chain(MILESTONE_VERBS);
    let verb = verbs
        .filter(|v| items[0].starts_with(**v))
        .max_by_key(|v| v.len())
        .copied()
        .unwrap_or("");
    verb.to_string()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn starts_with_any(s: &str, words: &[&str]) -> Option<usize> {
    words
        .iter()
        .filter(|w| s.starts_with(**w))
        .map(|w| w.len())
        .max()
}

/// Cut a name at a depth-0 coordinator into its parts (`A和B标准` → A, B标准).
fn split_parallel(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in s.chars() {
        match fold(c) {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 && matches!(c, '和' | '、' | '及') {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

/// Where the words after a target stop at a bracket. A short aside that
/// closes again belongs to the name (`乡镇（街道）级`, `（含标志标牌）`); a long
/// explanation, or one the clause does not close, does not.
fn post_bracket_cut(d: &Doc, from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    while i < to {
        match d.f[i] {
            ')' => return Some(i),
            '(' => match (i + 1..to).find(|&k| d.f[k] == ')') {
                Some(close) if close - i <= 8 => i = close + 1,
                _ => return Some(i),
            },
            _ => i += 1,
        }
    }
    None
}

/// `对 X 进行加固` names the work `X加固`: 对 … 进行 only carry the verb.
fn plain_verbs(name: &str) -> String {
    if !name.contains("进行") {
        return name.to_string();
    }
    let n = name.replacen("进行", "", 1);
    n.strip_prefix('对').map(str::to_string).unwrap_or(n)
}

fn text_without(d: &Doc, a: usize, b: usize, toks: &[Tok]) -> String {
    (a..b)
        .filter(|&i| !toks.iter().any(|t| t.start <= i && i < t.end))
        .map(|i| d.orig[i])
        .collect()
}

/// Verbs opening a clause that says what a project achieves rather than a
/// work of its own: `新建农村供水工程，解决 2.1 万人饮水提质问题`.
/// (Not 使, which starts 使用面积 as often as 使 2 万人受益.)
const OUTCOME_VERBS: &[&str] = &[
    "解决", "惠及", "受益", "覆盖", "服务", "满足", "带动", "造福", "让",
];
/// Words that may stand before an outcome verb (`可解决`, `预计惠及`).
const OUTCOME_ADVERBS: &[&str] = &[
    "预计", "可以", "可", "将", "能够", "能", "直接", "有效", "力争", "年内", "确保", "切实",
];

/// The words of one target, before the name is made of them.
struct Words {
    /// Before the number, fillers and comparators off.
    pre: String,
    /// After the number, up to the next target.
    post: String,
    spread: Spread,
    /// A word (`、`, `和` …) joins it to the next target of the clause.
    joined_next: bool,
}

/// Where two targets of a clause are joined: the first `、` between them,
/// else the last joining word (`1 个县级和 27 个乡镇级`: 和), never one
/// inside brackets or quotes (`“和美乡村”`). None when nothing joins them.
fn join_between(d: &Doc, x: &Tok, y: &Tok) -> Option<usize> {
    if x.depth != y.depth {
        return None;
    }
    let level = |i: usize| d.depth[i] == x.depth && !d.quoted[i];
    (x.end..y.start)
        .find(|&i| level(i) && d.f[i] == '、')
        .or_else(|| {
            (x.end..y.start)
                .rev()
                .find(|&i| level(i) && COORDINATORS.contains(&d.f[i]))
        })
}

fn words_of(d: &Doc, c: Clause, toks: &[Tok], targets: &[&Tok], k: usize) -> Words {
    let t = targets[k];
    let mut pre_start = match k {
        0 => c.start,
        _ => join_between(d, targets[k - 1], t).map_or(t.start, |j| j + 1),
    };
    if t.depth > 0
        && let Some(open) = (pre_start..t.start).rev().find(|&i| d.f[i] == '(')
    {
        pre_start = open + 1;
    }
    let pre_end = t.subject_end.unwrap_or(t.start);
    let next_join = targets
        .get(k + 1)
        .and_then(|n| join_between(d, t, n).map(|j| (j, n)));
    let mut post_end = match (next_join, targets.get(k + 1)) {
        (Some((j, _)), _) => j,
        (None, Some(n)) => n.start,
        (None, None) => c.end,
    };
    if let Some(b) = post_bracket_cut(d, t.end, post_end) {
        post_end = b;
    }
    let pre_raw = tidy(&text_without(d, pre_start, pre_end, toks));
    let (pre, spread) = strip_trailing(strip_fillers(&pre_raw));
    let post = tidy(&text_without(d, t.end, post_end, toks));
    let post = strip_leading(&post, POST_FILLERS).trim_end_matches('等');
    Words {
        pre: drop_examples(pre),
        post: post.to_string(),
        spread,
        joined_next: next_join.is_some(),
    }
}

/// The head a list of targets shares after its last number: `新建 3 个、改造
/// 5 个农村幸福院` (both are 农村幸福院), `1 个县级和 27 个乡镇级基层队伍`
/// (both are 基层队伍). A target whose own words stop short takes it.
fn shared_tail(w: &Words, next: Option<&Words>) -> String {
    // What follows a list's last number may be a further step (`并投入使用`),
    // which is no head.
    let head = |n: &&Words| {
        w.joined_next
            && !["并", "及", "和", "以", "用于", "确保", "实现"]
                .iter()
                .any(|x| n.post.starts_with(x))
    };
    let Some(next) = next.filter(head) else {
        return String::new();
    };
    if w.post.is_empty() {
        return next.post.clone();
    }
    if w.post.ends_with('级')
        && let Some(i) = next.post.find('级')
    {
        return next.post[i + '级'.len_utf8()..].to_string();
    }
    String::new()
}

/// Whether the clause opens with what a project achieves (`解决…`, `惠及…`).
fn opens_with_outcome(d: &Doc, c: Clause, toks: &[Tok]) -> bool {
    let Some(first) = toks.iter().find(|t| t.role == Role::Target) else {
        return false;
    };
    let before = tidy(&d.orig(c.start, first.start));
    let before = strip_leading(strip_fillers(&before), OUTCOME_ADVERBS);
    // Nothing but the outcome verb and its object may stand before the
    // number: `解决`, `受益群众`, `惠及居民`.
    starts_with_any(before, OUTCOME_VERBS).is_some()
}

/// Read the targets of one item's text (its lead note already removed).
pub fn read(text: &str) -> Reading {
    let d = Doc::new(text);
    let sents = sentences(&d);
    let clauses = clauses(&d, &sents);
    let mut unitless = Vec::new();
    let mut per_clause: Vec<Vec<Tok>> = clauses
        .iter()
        .map(|&c| {
            let mut toks = scan(&d, c, &mut unitless);
            pair_standards(&d, c, &mut toks);
            mark_modifiers(&d, &mut toks);
            toks
        })
        .collect();
    // A describing number said again later is still describing (`开展 13 种
    // 致畸基因免费筛查` after `孕产妇 13 种致畸基因免费筛查 4350 人次`).
    let mut describing: Vec<(String, String)> = Vec::new();
    for toks in &mut per_clause {
        for t in toks.iter_mut() {
            let key = (t.num.text.clone(), t.unit.clone());
            if t.role == Role::Modifier {
                describing.push(key);
            } else if t.role == Role::Target && describing.contains(&key) {
                t.role = Role::Modifier;
            }
        }
    }
    let title = title_of(&d, clauses.first().copied(), per_clause.first());
    let quote = |c: &Clause| {
        let (a, b) = sents[c.sentence];
        tidy_quote(&d.orig(a, b))
    };
    let has_targets: Vec<bool> = per_clause
        .iter()
        .map(|toks| toks.iter().any(|t| t.role == Role::Target))
        .collect();
    let clause_text = |ci: usize| tidy(&d.orig(clauses[ci].start, clauses[ci].end));
    // The first clause usually names the task (`推进…建设`); it sets a
    // stage only when it says what is built (`建设县城第二水厂`).
    let may_set_stage = |ci: usize| {
        let general_opening = ci == 0 && starts_with_any(&clause_text(ci), GENERAL_VERBS).is_some();
        !has_targets[ci]
            && !is_deadline(&clause_text(ci))
            && d.depth[clauses[ci].start] == 0
            && !general_opening
    };

    // A project clause without a number beside a clause saying what it
    // achieves (`新建农村供水工程，解决 2.1 万人饮水提质问题`): the count is the
    // indicator, the project goes into its name, and no stage is invented.
    let mut project_of: Vec<Option<(String, String)>> = vec![None; clauses.len()];
    let mut absorbed = vec![false; clauses.len()];
    for ci in 0..clauses.len() {
        if !may_set_stage(ci) {
            continue;
        }
        let Some(project) = project_name(&d, clauses[ci]) else {
            continue;
        };
        let outcome = [ci + 1, ci.wrapping_sub(1)].into_iter().find(|&cj| {
            cj < clauses.len()
                && clauses[cj].sentence == clauses[ci].sentence
                && project_of[cj].is_none()
                && opens_with_outcome(&d, clauses[cj], &per_clause[cj])
        });
        if let Some(cj) = outcome {
            project_of[cj] = Some((project, clause_text(ci)));
            absorbed[ci] = true;
        }
    }

    let mut dropped: Vec<String> = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    // The last target named, which a following `其中…` divides.
    let mut last_name: Option<String> = None;
    for (ci, c) in clauses.iter().enumerate() {
        let toks = &per_clause[ci];
        let targets: Vec<&Tok> = toks.iter().filter(|t| t.role == Role::Target).collect();
        let this_clause = clause_text(ci);
        let part_of = last_name
            .clone()
            .filter(|_| d.folded(c.start, c.end).trim_start().starts_with("其中"));
        let words: Vec<Words> = (0..targets.len())
            .map(|k| words_of(&d, *c, toks, &targets, k))
            .collect();
        // `A、B分别达到 X、Y`: A takes X and B takes Y.
        let mut each: Vec<Option<(String, String)>> = vec![None; targets.len()];
        for k in 0..targets.len() {
            if words[k].spread != Spread::Each {
                continue;
            }
            let mut m = k;
            while m + 1 < targets.len() && words[m].joined_next && words[m + 1].pre.is_empty() {
                m += 1;
            }
            let n = m - k + 1;
            if n < 2 {
                continue;
            }
            let parts: Vec<String> = split_parallel(&words[k].pre)
                .iter()
                .map(|p| tidy(p))
                .filter(|p| p.chars().count() >= 2)
                .collect();
            let (names, note) = if parts.len() == n {
                (
                    names::distribute(&parts),
                    format!("原文用“分别”对应列出 {n} 个目标，已按顺序拆为 {n} 个指标"),
                )
            } else {
                (
                    vec![words[k].pre.clone(); n],
                    format!(
                        "原文用“分别”列出 {n} 个目标，但没有逐项写出各自的名称，请核对各指标名称"
                    ),
                )
            };
            for (j, name) in names.into_iter().enumerate() {
                each[k + j] = Some((name, note.clone()));
            }
        }
        // (verb, what it governed) of the first target in a list.
        let mut carried_verb: Option<(String, String)> = None;
        for (k, t) in targets.iter().enumerate() {
            let w = &words[k];
            let mut extra = Vec::new();
            let mut name = match &each[k] {
                Some((name, note)) => {
                    extra.push(note.clone());
                    name.clone()
                }
                None => {
                    let tail = shared_tail(w, words.get(k + 1));
                    plain_verbs(&tidy(strip_fillers(&format!("{}{}{tail}", w.pre, w.post))))
                }
            };
            if each[k].is_some() {
                carried_verb = None;
            } else if k == 0 {
                carried_verb = CARRY_VERBS
                    .iter()
                    .find(|v| name.starts_with(**v))
                    .map(|v| (v.to_string(), name[v.len()..].to_string()));
            } else if let Some((v, first)) = &carried_verb
                && starts_with_any(&name, CARRY_VERBS).is_none()
                && (common_prefix(first, &name) >= 2
                    || common_suffix(first, &name) >= 2
                    || (w.pre.is_empty() && words[0].pre == *v))
            {
                // A parallel list repeats its qualifier (`创建市级“和美乡村”4 个、
                // 市级“美丽屋场”4 个`), its head (`新建城区公厕 12 座、乡镇公厕
                // 30 座`) or only its numbers (`建设 3 个A及 5 个B`); the verb
                // belongs to every part.
                name = format!("{v}{name}");
            }
            if k == 0
                && let Some((project, project_clause)) = &project_of[ci]
            {
                extra.push(format!(
                    "原文“{project_clause}”本身没有数字，同句的“{this_clause}”是它的成效：已列为这一个数量指标并把工程写进名称，没有另列阶段性指标；如需调度工程进度，请另加一个 milestone 指标"
                ));
                name = names::join_overlapping(project, &name);
            } else if let Some(parent) = &part_of {
                name = format!("{parent}（{name}）");
                extra.push("原文“其中…”是上一指标的细分，请核对是单列还是删去".to_string());
            } else if name.chars().count() <= 3 {
                // `投资 2800 万元`, `覆盖率达 100%` say too little alone; the
                // task says what of.
                name = names::join_overlapping(&title, &name);
            }
            if t.depth > 0
                && let Some(open) = (c.start..t.start).rev().find(|&i| d.f[i] == '(')
                && ["含", "包括", "其中"]
                    .iter()
                    .any(|w| d.folded(open + 1, t.start).trim_start().starts_with(w))
            {
                extra.push(
                    "括号里“含…”的数字是前一指标的组成部分，请核对是单列还是删去".to_string(),
                );
            }
            if part_of.is_none() {
                last_name = Some(name.clone());
            }
            let (kind, mut notes) = kind_of(t);
            notes.extend(t.notes.iter().cloned());
            notes.extend(extra);
            // A part of a list read as several targets (`分别`, `均`) is told
            // by its own words: its siblings' words in the clause would
            // decide who reports it.
            let own_clause = if each[k].is_some() {
                name.clone()
            } else {
                this_clause.clone()
            };
            let base = Found {
                name: name.clone(),
                target: Some(t.num.clone()),
                baseline: t.baseline.clone().filter(|_| kind == Kind::Standard),
                unit: t.unit.clone(),
                kind,
                sentence: quote(c),
                clause: own_clause,
                notes,
                pos: t.start,
            };
            // `A和B标准均从 80 提高到 90`: one target for each of A and B.
            let parts: Vec<String> = if w.spread == Spread::Both && each[k].is_none() {
                split_parallel(&name)
                    .into_iter()
                    .map(|p| tidy(&p))
                    .filter(|p| p.chars().count() >= 2)
                    .collect()
            } else {
                Vec::new()
            };
            if parts.len() >= 2 {
                let n = parts.len();
                for (pi, p) in names::distribute(&parts).into_iter().enumerate() {
                    let mut f = base.clone();
                    f.clause = p.clone();
                    f.name = p;
                    f.notes.push(format!(
                        "原文用“均”把 {n} 项写在一起，已拆为 {n} 个指标，目标相同"
                    ));
                    f.pos = t.start * 8 + pi;
                    found.push(f);
                }
            } else {
                let mut f = base;
                f.pos = t.start * 8;
                if f.kind == Kind::Standard && !f.name.contains("标准") {
                    f.name.push_str("标准");
                }
                found.push(f);
            }
        }
        if may_set_stage(ci) && !absorbed[ci] {
            // Say what is true of this sentence: a stage is drafted because
            // this clause has no number, not because the sentence has none.
            let sentence_counts = clauses
                .iter()
                .enumerate()
                .any(|(j, o)| o.sentence == c.sentence && has_targets[j]);
            let why = if sentence_counts {
                format!(
                    "“{this_clause}”没有数字目标，按阶段性指标（年度目标“完成”）起草；同句的数字目标另列为指标"
                )
            } else {
                "原文这一句没有数字目标，按阶段性指标（年度目标“完成”）起草".to_string()
            };
            let stages = milestones(&d, *c, &why);
            // Nothing invented: a clause that is neither counted nor plainly
            // a project is left out, and the reviewer told so.
            if stages.is_empty()
                && sentence_counts
                && this_clause.chars().count() >= 6
                && !this_clause.chars().any(|c| fold(c).is_ascii_digit())
            {
                dropped.push(this_clause.clone());
            }
            for (mi, (name, notes)) in stages.into_iter().enumerate() {
                found.push(Found {
                    name,
                    target: None,
                    baseline: None,
                    unit: crate::plan::catalog::MILESTONE_UNIT.into(),
                    kind: Kind::Milestone,
                    sentence: quote(c),
                    clause: this_clause.clone(),
                    notes,
                    pos: c.start * 8 + mi,
                });
            }
        }
    }
    // The same target said twice (a summary sentence) is one indicator.
    let mut seen: Vec<(String, Option<String>, String)> = Vec::new();
    found.retain(|f| {
        let key = (
            f.name.clone(),
            f.target.as_ref().map(|n| n.text.clone()),
            f.unit.clone(),
        );
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    found.sort_by_key(|f| f.pos);

    let mut notes = Vec::new();
    if !found.is_empty() {
        // A clause the name of a target took in (`提供营养餐，惠及 2.3 万人`)
        // was not left out.
        for clause in dropped {
            if !found.iter().any(|f| f.name.contains(clause.as_str())) {
                notes.push(format!(
                    "“{clause}”没有数字目标，也看不出是建设项目，未列为指标"
                ));
            }
        }
    }
    if found.is_empty() {
        let name = if title.is_empty() {
            first_phrase(text)
        } else {
            title.clone()
        };
        // The text may hold numbers that could not be targets; the note
        // must not say there are none.
        let why = if text.chars().any(|c| fold(c).is_ascii_digit()) {
            "原文的数字都没有列为指标（原因见本任务的其他说明），整项暂按一个阶段性指标起草，请核对是否应为数量指标"
        } else {
            "原文没有数字目标，整项暂按一个阶段性指标起草"
        };
        found.push(Found {
            name,
            target: None,
            baseline: None,
            unit: crate::plan::catalog::MILESTONE_UNIT.into(),
            kind: Kind::Milestone,
            sentence: tidy_quote(text),
            clause: tidy(text),
            notes: vec![why.into()],
            pos: 0,
        });
    }
    for f in &mut found {
        f.name = names::collapse_repeats(&f.name);
    }
    let named: Vec<names::Named> = found
        .iter()
        .map(|f| names::Named {
            name: &f.name,
            clause: &f.clause,
            unit: &f.unit,
        })
        .collect();
    let renamed = names::tell_apart(&named);
    for (f, new) in found.iter_mut().zip(renamed) {
        if let Some((name, note)) = new {
            f.name = name;
            f.notes.push(note);
        }
    }
    notes.extend(unitless);
    if let Some(i) = text.find("为准") {
        let start = text[..i]
            .rfind(['（', '(', '，', ','])
            .map(|s| s + text[s..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        notes.push(format!(
            "原文注明“{}为准”，目标可能随上级文件调整",
            text[start..i].trim()
        ));
    }
    Reading {
        title: names::collapse_repeats(&title),
        found,
        notes,
    }
}

/// The opening of a text up to its first punctuation: a title that ends
/// at a word, never in the middle of one.
pub(crate) fn first_phrase(text: &str) -> String {
    let end = text
        .find(['，', ',', '。', '；', ';', '：', ':'])
        .unwrap_or(text.len());
    tidy(&text[..end])
}

fn tidy_quote(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches(['，', ',', '。', '；', ';'])
        .trim()
        .to_string()
}

fn kind_of(t: &Tok) -> (Kind, Vec<String>) {
    let mut notes = Vec::new();
    if t.percent {
        if let Some(b) = &t.baseline {
            notes.push(format!(
                "原文是把 {}% 提高到 {}%；百分比指标只记目标，原值未写入",
                b.text, t.num.text
            ));
        }
        return (Kind::Percent, notes);
    }
    if let Some(b) = &t.baseline {
        if !t.unit.starts_with('元') {
            notes.push(format!(
                "原文是由 {} 提高到 {} {}，暂按标准类（standard）起草，也可能是数量类（count）",
                b.text, t.num.text, t.unit
            ));
        }
        if b.value >= t.num.value {
            notes.push(format!(
                "原标准 {} 不低于新目标 {}，未写入 baseline",
                b.text, t.num.text
            ));
        }
        return (Kind::Standard, notes);
    }
    if t.unit.starts_with("元/") {
        notes.push(format!(
            "“{} {}”按标准类（standard）起草，原文没有原标准（baseline）",
            t.num.text, t.unit
        ));
        return (Kind::Standard, notes);
    }
    (Kind::Count, notes)
}

/// A short title from the item's first clause, without its numbers and
/// leading verbs.
fn title_of(d: &Doc, first: Option<Clause>, toks: Option<&Vec<Tok>>) -> String {
    let Some(c) = first else {
        return String::new();
    };
    let empty = Vec::new();
    let toks = toks.unwrap_or(&empty);
    let raw = tidy(&text_without(d, c.start, c.end, toks));
    let stripped = strip_fillers(strip_leading(&raw, TITLE_VERBS));
    // What stood around the numbers taken out (`达到 90% 以上`) goes with them.
    let mut t = stripped;
    loop {
        let (s, _) = strip_trailing(t);
        match POST_FILLERS.iter().find(|w| s.ends_with(**w)) {
            Some(w) => t = &s[..s.len() - w.len()],
            None => {
                t = s;
                break;
            }
        }
    }
    let t = tidy(t);
    if t.chars().count() >= 2 { t } else { raw }
}

/// What a clause without a number builds, as a name: `加快推进第一人民医院整体
/// 搬迁` → `第一人民医院整体搬迁`, its purpose (`彻底解决…`) left out. None
/// when the clause builds nothing.
fn project_name(d: &Doc, c: Clause) -> Option<String> {
    let folded = d.folded(c.start, c.end);
    if !MILESTONE_VERBS.iter().any(|v| folded.contains(v)) {
        return None;
    }
    let raw = tidy(&d.orig(c.start, c.end));
    let mut name = strip_leading(&raw, MILESTONE_ADVERBS).to_string();
    let cut = PURPOSE
        .iter()
        .filter_map(|p| name.find(p))
        .filter(|&i| name[..i].chars().count() >= 4)
        .min();
    if let Some(i) = cut {
        name.truncate(i);
    }
    let name = tidy(name.trim_end_matches('等').trim_end_matches("工作"));
    (name.chars().count() >= 2).then_some(name)
}

/// Milestones set by a clause without a number: `建成 X`, `X 整体搬迁`; a
/// list after the verb (`建设 A 和 B`) is one milestone each. `why` is the
/// note saying why a stage was drafted.
fn milestones(d: &Doc, c: Clause, why: &str) -> Vec<(String, Vec<String>)> {
    let Some(name) = project_name(d, c) else {
        return Vec::new();
    };
    if let Some(len) = starts_with_any(&name, LIST_VERBS) {
        let (verb, rest) = name.split_at(len);
        let parts: Vec<String> = split_parallel(rest).iter().map(|p| tidy(p)).collect();
        if parts.len() >= 2 && parts.iter().all(|p| p.chars().count() >= 3) {
            let n = parts.len();
            return parts
                .into_iter()
                .map(|p| {
                    (
                        format!("{verb}{p}"),
                        vec![
                            why.to_string(),
                            format!("原文一句列了 {n} 个项目，已拆为 {n} 个阶段性指标"),
                        ],
                    )
                })
                .collect();
        }
    }
    vec![(name, vec![why.to_string()])]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(text: &str) -> Vec<(String, String, Kind)> {
        read(text)
            .found
            .into_iter()
            .map(|f| {
                (
                    f.target.map(|n| n.text).unwrap_or_else(|| "完成".into()),
                    f.unit,
                    f.kind,
                )
            })
            .collect()
    }

    fn one(text: &str) -> Found {
        let r = read(text);
        assert_eq!(r.found.len(), 1, "{:#?}", r.found);
        r.found.into_iter().next().unwrap()
    }

    fn t(n: &str, u: &str, k: Kind) -> (String, String, Kind) {
        (n.into(), u.into(), k)
    }

    #[test]
    fn a_number_with_its_unit_spaced_or_not() {
        assert_eq!(
            targets("开展家庭教育指导服务和实践活动135场，惠及41000名家长。"),
            [t("135", "场", Kind::Count), t("41000", "名", Kind::Count)]
        );
        let f = one("新增普惠性托位 450 个。");
        assert_eq!(f.name, "新增普惠性托位");
        assert_eq!(one("为4200名全县新生儿提供免费筛查。").unit, "名");
        assert_eq!(one("提质改造农村公路 81 公里。").unit, "公里");
        assert_eq!(one("对汨罗江 31.94km 重点河段进行加固。").unit, "km");
        assert_eq!(one("新增就业 4,200 人。").target.unwrap().text, "4200");
        assert_eq!(one("新增就业 ４２００ 人。").target.unwrap().text, "4200");
    }

    #[test]
    fn wan_is_multiplied_out_only_for_people() {
        let f = one("完成医保参保资助、住院救助 7.3 万人次。");
        assert_eq!(
            (f.target.unwrap().text, f.unit.as_str()),
            ("73000".into(), "人次")
        );
        assert!(f.notes[0].contains("7.3万人次"), "{:?}", f.notes);
        let f = one("社保卡持卡人数达 1.5 万人。");
        assert_eq!(
            (f.target.unwrap().text, f.unit.as_str()),
            ("15000".into(), "人")
        );
        assert_eq!(f.name, "社保卡持卡人数");
        assert_eq!(
            targets("新增蓄水能力 246.3 万方，恢复和改善灌溉面积 0.7 万亩，投资 2800 万元。"),
            [
                t("246.3", "万方", Kind::Count),
                t("0.7", "万亩", Kind::Count),
                t("2800", "万元", Kind::Count)
            ]
        );
    }

    #[test]
    fn percent_targets_with_or_without_yishang() {
        let r =
            targets("免提交率提升至 60%以上，办结率提升至90％以上，建成区 25% 以上的面积达标。");
        assert_eq!(
            r,
            [
                t("60", "%", Kind::Percent),
                t("90", "%", Kind::Percent),
                t("25", "%", Kind::Percent)
            ]
        );
        let f = one("就业用工社保“三合一”数字服务覆盖率 100%。");
        assert_eq!(f.name, "就业用工社保“三合一”数字服务覆盖率");
        let f = one("企业和群众办事纸质证照免提交率提升至 60%以上。");
        assert_eq!(f.name, "企业和群众办事纸质证照免提交率");
    }

    #[test]
    fn a_standard_raised_from_a_to_b() {
        let f = one("城市低保标准从不低于 650 元/月提高到不低于 700 元/月。");
        assert_eq!(f.kind, Kind::Standard);
        assert_eq!(f.target.unwrap().text, "700");
        assert_eq!(f.baseline.unwrap().text, "650");
        assert_eq!(
            (f.name.as_str(), f.unit.as_str()),
            ("城市低保标准", "元/月")
        );
        let f = one("散居孤儿从 1100 元/月提高到 1150 元/月，事实无人抚养儿童参照执行。");
        assert_eq!(
            (f.target.unwrap().text, f.baseline.unwrap().text),
            ("1150".into(), "1100".into())
        );
        assert!(f.notes.is_empty(), "{:?}", f.notes);
        // Both standards named by one sentence with 均: one indicator each.
        let r = read(
            "困难残疾人生活补贴和重度残疾人护理补贴标准均从不低于 80 元/月提高到不低于 90 元/月。",
        );
        let names: Vec<_> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["困难残疾人生活补贴标准", "重度残疾人护理补贴标准"]);
        assert!(
            r.found
                .iter()
                .all(|f| f.target.as_ref().unwrap().text == "90")
        );
        // A standard with no old value is still a standard, marked.
        let f = one("高龄津贴标准不低于 200 元/月。");
        assert_eq!(f.kind, Kind::Standard);
        assert!(f.baseline.is_none() && f.notes[0].contains("baseline"));
    }

    #[test]
    fn years_ordinals_codes_and_describing_numbers_are_not_targets() {
        assert_eq!(
            targets("到 2024 年底，县城市建成区 25% 以上的面积达到要求。"),
            [t("25", "%", Kind::Percent)]
        );
        let r = read(
            "实行孕产妇 13 种致畸基因免费筛查 4350 人次。开展 13 种致畸基因免费筛查，立足早发现。",
        );
        assert_eq!(
            r.found
                .iter()
                .map(|f| (f.target.as_ref().unwrap().text.as_str(), f.unit.as_str()))
                .collect::<Vec<_>>(),
            [("4350", "人次")]
        );
        assert_eq!(r.found[0].name, "孕产妇致畸基因免费筛查");
        assert_eq!(
            targets(
                "第 3 批 5G 基站建设 120 个，改造 G106 国道 12 公里，建设 2 个 1000 吨级泊位。"
            ),
            [
                t("120", "个", Kind::Count),
                t("12", "公里", Kind::Count),
                t("2", "个", Kind::Count)
            ]
        );
        assert!(read("为 0-3 岁婴幼儿家庭提供指导 500 户。").found.len() == 1);
    }

    #[test]
    fn numbers_joined_by_he_or_dun_are_parallel_targets() {
        let r = read("为全县 1 个县级和 27 个乡镇（街道）级基层应急救援队伍配备救援装备。");
        assert_eq!(
            r.found
                .iter()
                .map(|f| f.target.as_ref().unwrap().text.as_str())
                .collect::<Vec<_>>(),
            ["1", "27"]
        );
        let r = read("创建市级“和美乡村”4 个、市级“和美乡村示范村”2 个、市级“美丽屋场”4 个。");
        let names: Vec<_> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "创建市级“和美乡村”",
                "创建市级“和美乡村示范村”",
                "创建市级“美丽屋场”"
            ]
        );
        let r = read("加固堤防 31.94km(含 7 个保护圈治理和 3 个城区排涝泵站改造)。");
        let names: Vec<_> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["加固堤防", "保护圈治理", "城区排涝泵站改造"]);
    }

    #[test]
    fn names_lose_examples_fillers_and_comparators() {
        assert_eq!(
            one("建成木金乡卫生院、虹桥镇卫生院、龙门镇卫生院等 3 所乡镇卫生院。").name,
            "建成乡镇卫生院"
        );
        assert_eq!(one("“三合一”事项不少于 20 项。").name, "“三合一”事项");
        assert_eq!(one("实现城镇新增就业 5900 人。").name, "城镇新增就业");
        // Too short alone: the task's own title says what of.
        let r = read("推进高标准农田建设。投资 2800 万元。");
        assert_eq!(r.found[0].name, "高标准农田建设投资");
    }

    #[test]
    fn milestones_for_projects_without_a_number() {
        let r =
            read("推进紧密型县域医共体基础建设。加快推进第一人民医院整体搬迁，建成卫生院 3 所。");
        assert_eq!(r.title, "紧密型县域医共体基础建设");
        assert_eq!(
            r.found
                .iter()
                .map(|f| (f.name.as_str(), f.kind))
                .collect::<Vec<_>>(),
            [
                ("第一人民医院整体搬迁", Kind::Milestone),
                ("建成卫生院", Kind::Count)
            ]
        );
        assert_eq!(r.found[0].unit, "阶段");
        assert!(r.found[0].target.is_none());
        assert!(r.found[0].notes[0].contains("阶段性"));
        let r = read("对全县 497 个村网点进行布局,建设物流转运中心和客货邮数据信息大平台。");
        let names: Vec<_> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["村网点布局", "建设物流转运中心", "建设客货邮数据信息大平台"]
        );
        let r = read(
            "加固河段 3 公里。新建生活垃圾焚烧发电厂彻底解决“垃圾围城”问题,实现垃圾处理无害化。",
        );
        assert_eq!(r.found[1].name, "新建生活垃圾焚烧发电厂");
        // The first clause names the task, it sets no stage of its own.
        assert_eq!(read("推进农村公路建设，改造公路 81 公里。").found.len(), 1);
        // Explanations in brackets set none either.
        assert_eq!(
            read("改造老旧小区 27 个（小区内实现雨污改造，完善消防设施）。")
                .found
                .len(),
            1
        );
        // Nothing at all: the task is one milestone, marked.
        let r = read("新建县第二人民医院。");
        assert_eq!(r.found.len(), 1);
        assert_eq!(r.found[0].kind, Kind::Milestone);
    }

    #[test]
    fn ceilings_are_marked_floors_are_not() {
        let f = one("城镇调查失业率控制在 5.5% 以内。");
        assert!(f.notes.iter().any(|n| n.contains("上限")), "{:?}", f.notes);
        let f = one("“三合一”事项不少于 20 项。");
        assert!(f.notes.is_empty(), "{:?}", f.notes);
        let f = one("城市低保标准从不低于 650 元/月提高到不低于 700 元/月。");
        assert!(f.notes.is_empty(), "{:?}", f.notes);
    }

    #[test]
    fn money_per_person_and_month_and_frequencies() {
        let f = one("城市低保标准提高到每人每月 760 元。");
        assert_eq!((f.unit.as_str(), f.kind), ("元/人·月", Kind::Standard));
        assert_eq!(f.name, "城市低保标准");
        let f = one("医保财政补助标准从每人每年 670 元提高到 700 元。");
        assert_eq!(f.unit, "元/人·年");
        assert_eq!(f.baseline.unwrap().text, "670");
        let r = read("开展每月 2 次上门探访，覆盖率达 100%。");
        assert_eq!(r.found.len(), 1);
        assert!(r.notes.iter().any(|n| n.contains("频次")), "{:?}", r.notes);
    }

    #[test]
    fn parts_introduced_by_qizhong_or_han_are_kept_and_marked() {
        let r = read("建设高标准农田 2.3 万亩，其中新建 1.6 万亩、改造提升 0.7 万亩。");
        let names: Vec<_> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "建设高标准农田",
                "建设高标准农田（新建）",
                "建设高标准农田（改造提升）"
            ]
        );
        assert!(r.found[1].notes.iter().any(|n| n.contains("其中")));
        let r = read("加固堤防 31.94km(含 7 个保护圈治理)。");
        assert!(r.found[1].notes.iter().any(|n| n.contains("含")));
    }

    #[test]
    fn approximate_zero_and_impossible_figures() {
        let f = one("培训农民工 500 余人。");
        assert_eq!(f.target.unwrap().text, "500");
        assert!(f.notes[0].contains("500余人"), "{:?}", f.notes);
        let r = read("新增 0 个，增长 150%，新建驿站 3 处。");
        assert_eq!(r.found.len(), 1);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
    }

    #[test]
    fn numbers_without_a_unit_are_reported_not_guessed() {
        let r = read("建设 5 处驿站，开通 12345 热线。");
        assert_eq!(r.found.len(), 1);
        assert!(r.notes.iter().any(|n| n.contains("12345")), "{:?}", r.notes);
    }

    #[test]
    fn titles_are_short_phrases_from_the_first_clause() {
        assert_eq!(
            read("实施海绵城市项目建设。到 2024 年底，…").title,
            "海绵城市项目建设"
        );
        assert_eq!(
            read("完成 9 所乡镇寄宿制学校建设。").title,
            "乡镇寄宿制学校建设"
        );
        assert_eq!(
            read("实施家庭教育指导服务“向阳花”行动，开展活动 135 场。").title,
            "家庭教育指导服务“向阳花”行动"
        );
    }

    #[test]
    fn a_project_with_a_counted_outcome_is_one_count_named_after_it() {
        for (text, target, unit, project) in [
            (
                "新建农村供水工程，解决2.1万人饮水提质问题。",
                "21000",
                "人",
                "农村供水工程",
            ),
            (
                "改造城区老旧供水管网，惠及居民 1.5 万户。",
                "1.5",
                "万户",
                "城区老旧供水管网",
            ),
            (
                "提升城市供水安全保障。改造老旧小区二次供水设施，受益群众 8600 人。",
                "8600",
                "人",
                "老旧小区二次供水设施",
            ),
            (
                "建设乡村物流中心，可服务群众 3 万人次。",
                "30000",
                "人次",
                "乡村物流中心",
            ),
        ] {
            let r = read(text);
            assert_eq!(r.found.len(), 1, "{text}: {:#?}", r.found);
            let f = &r.found[0];
            assert_eq!(
                (
                    f.target.as_ref().unwrap().text.as_str(),
                    f.unit.as_str(),
                    f.kind
                ),
                (target, unit, Kind::Count),
                "{text}"
            );
            assert!(f.name.contains(project), "{text}: {}", f.name);
            assert!(
                f.notes
                    .iter()
                    .any(|n| n.contains("成效") && n.contains("没有另列阶段性指标")),
                "{text}: {:?}",
                f.notes
            );
        }
        // A project beside a count of its own (a capacity, places, beds) keeps
        // its stage, and the note says the number is the other indicator's.
        for text in [
            "建设县城第二水厂，新增日供水能力 3 万吨。",
            "新建县第二实验小学，新增公办学位 1800 个。",
        ] {
            let r = read(text);
            let kinds: Vec<Kind> = r.found.iter().map(|f| f.kind).collect();
            assert_eq!(kinds, [Kind::Milestone, Kind::Count], "{text}");
            let note = &r.found[0].notes[0];
            assert!(
                note.contains("同句的数字目标另列为指标") && !note.contains("原文这一句没有数字"),
                "{text}: {note}"
            );
        }
    }

    #[test]
    fn notes_about_missing_numbers_are_true_of_the_sentence() {
        let r = read("推进县城第二污水处理厂建设。");
        assert_eq!(
            r.found[0].notes,
            ["原文没有数字目标，整项暂按一个阶段性指标起草"]
        );
        let r = read("巩固提升 4.2 万农村人口供水保障水平。");
        assert_eq!(r.found.len(), 1);
        assert!(
            !r.found[0].notes[0].contains("没有数字")
                && r.found[0].notes[0].contains("数字都没有列为指标"),
            "{:?}",
            r.found[0].notes
        );
        let r = read("推进医共体建设。建成区全民健身中心并投入使用。");
        assert!(
            r.found[0].notes[0].starts_with("原文这一句没有数字目标"),
            "{:?}",
            r.found[0].notes
        );
    }

    #[test]
    fn respectively_gives_each_part_its_target() {
        let r = read("城乡居民基本养老保险参保率、基本医疗保险参保率分别达到 95%、96%。");
        let got: Vec<(&str, &str)> = r
            .found
            .iter()
            .map(|f| (f.name.as_str(), f.target.as_ref().unwrap().text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("城乡居民基本养老保险参保率", "95"),
                ("基本医疗保险参保率", "96")
            ]
        );
        let r = read("城市、农村低保标准分别提高到每人每月 800 元和 600 元。");
        let names: Vec<&str> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["城市低保标准", "农村低保标准"]);
        // Parts the sentence does not name: one name, told apart and marked.
        let r = read("城乡低保标准分别提高到每人每月 780 元、每人每年 6200 元。");
        let names: Vec<&str> = r.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["城乡低保标准（元/人·月）", "城乡低保标准（元/人·年）"]
        );
        assert!(
            r.found
                .iter()
                .all(|f| f.notes.iter().any(|n| n.contains("同名")))
        );
        assert_eq!(r.title, "城乡低保标准");
    }

    #[test]
    fn the_old_value_may_follow_you_as_well_as_cong() {
        let f = one("城市低保标准由每人每月 720 元提高到 750 元。");
        assert_eq!(
            (
                f.name.as_str(),
                f.target.unwrap().text.as_str(),
                f.baseline.unwrap().text.as_str(),
                f.unit.as_str(),
                f.kind
            ),
            ("城市低保标准", "750", "720", "元/人·月", Kind::Standard)
        );
        assert_eq!(
            read("城市低保标准由每人每月 720 元提高到 750 元。").title,
            "城市低保标准"
        );
    }

    #[test]
    fn names_are_whole_words_said_once() {
        assert_eq!(
            one("开展老年人免费健康体检，体检率达到 70%。").name,
            "老年人免费健康体检率"
        );
        let names = |t: &str| {
            read(t)
                .found
                .into_iter()
                .map(|f| f.name)
                .collect::<Vec<_>>()
        };
        // A head shared by a list after its last number.
        assert_eq!(
            names("新建 3 个、改造 5 个农村幸福院。"),
            ["新建农村幸福院", "改造农村幸福院"]
        );
        assert_eq!(
            names("为 1 个县级和 27 个乡镇（街道）级基层应急救援队伍配备救援装备。"),
            [
                "县级基层应急救援队伍配备救援装备",
                "乡镇（街道）级基层应急救援队伍配备救援装备"
            ]
        );
        // 和 inside a name joins nothing; the verb reaches every part.
        assert_eq!(
            names("建设 3 个和美乡村及 5 个美丽屋场。"),
            ["建设和美乡村", "建设美丽屋场"]
        );
        assert_eq!(
            names("新建城区公厕 12 座、乡镇公厕 30 座。"),
            ["新建城区公厕", "新建乡镇公厕"]
        );
        // A further step after the list is no shared head.
        assert_eq!(
            names("新建公厕 10 座、改造公厕 20 座并投入使用。"),
            ["新建公厕", "改造公厕并投入使用"]
        );
        // 使用面积 is no outcome: the building keeps its stage.
        let kinds: Vec<Kind> = read("新建县体育馆，使用面积 5000 平方米。")
            .found
            .iter()
            .map(|f| f.kind)
            .collect();
        assert_eq!(kinds, [Kind::Milestone, Kind::Count]);
        // Examples before 等 go whole, never half of one.
        assert_eq!(
            names("建设城东片区幼儿园、城西幼儿园等 5 所幼儿园。"),
            ["建设幼儿园"]
        );
        // A title loses what stood around its numbers.
        assert_eq!(
            read("城区空气质量优良天数比例达到 90% 以上。").title,
            "城区空气质量优良天数比例"
        );
    }
}
