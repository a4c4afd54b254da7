//! The plan's own words, for every text a user sees: its name, county and
//! issuer, what it calls its working group and office, where the office
//! sits and who follows up with it. A county whose plan says 重点民生实事
//! and 领导小组 reads its own words, never another county's; titles are
//! made so that they never say a phrase of the plan's name twice.

use super::catalog::Catalog;
use serde::Serialize;

/// What plans call their working group, longest first so that 工作专班 is
/// found before 专班.
const GROUPS: [&str; 6] = ["工作专班", "专班", "领导小组", "工作组", "指挥部", "委员会"];
const OFFICE: &str = "办公室";
/// The noun of the items a plan lists, said once in a title.
const ITEMS: &str = "重点民生实事";
const ITEM: &str = "实事";

/// The words of one plan, resolved from its catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Words {
    /// `平江县民生可感行动`
    pub(crate) plan: String,
    /// `平江县`
    pub(crate) county: String,
    /// Who signs: `平江县民生可感行动工作专班`.
    pub(crate) issuer: String,
    /// The group in short, as a sentence names it: `专班`, `领导小组`, `指挥部`.
    pub(crate) group: String,
    /// `专班办公室`, `领导小组办公室`, `指挥部办公室`.
    pub(crate) office_name: String,
    /// The unit the office sits in (`县人社局`); empty when the plan says none.
    pub(crate) office: String,
    /// Who follows up with the office (`县政府督查室`); empty when none.
    pub(crate) supervisor: String,
}

impl Words {
    pub(crate) fn of(c: &Catalog) -> Words {
        let wg = &c.working_group;
        let issuer = c.plan.issuer.trim();
        let office_name = match wg.office_name.trim() {
            "" => format!("{}{OFFICE}", short_group(issuer).unwrap_or_default()),
            named => named.to_string(),
        };
        let group = office_name
            .strip_suffix(OFFICE)
            .filter(|g| !g.is_empty())
            .map(|g| short_group(g).unwrap_or(g).to_string())
            .or_else(|| short_group(issuer).map(str::to_string))
            .unwrap_or_else(|| issuer.to_string());
        Words {
            plan: c.plan.name.trim().to_string(),
            county: c.plan.county.trim().to_string(),
            issuer: issuer.to_string(),
            group,
            office_name,
            office: wg.office.trim().to_string(),
            supervisor: wg.supervisor.trim().to_string(),
        }
    }

    /// `专班办公室（设县人社局）`, or the office's name alone.
    pub(crate) fn office_with_seat(&self) -> String {
        if self.office.is_empty() {
            self.office_name.clone()
        } else {
            format!("{}（设{}）", self.office_name, self.office)
        }
    }

    /// The office by its full name, where the plan lets it be told:
    /// `平江县民生可感行动工作专班办公室（设县人社局）`; else as
    /// [`office_with_seat`](Self::office_with_seat).
    pub(crate) fn office_in_full(&self) -> String {
        let full = match self.office_name.strip_prefix(self.group.as_str()) {
            Some(rest) if !rest.is_empty() && self.issuer.ends_with(&self.group) => {
                format!("{}{rest}", self.issuer)
            }
            _ => self.office_name.clone(),
        };
        if self.office.is_empty() {
            full
        } else {
            format!("{full}（设{}）", self.office)
        }
    }

    /// The plan's items as a title names them: `平江县民生可感行动重点民生实事`,
    /// but `溪源区重点民生实事` for a plan whose name already says 实事.
    fn items(&self) -> String {
        if self.plan.contains(ITEM) {
            self.plan.clone()
        } else {
            join(&self.plan, ITEMS)
        }
    }

    /// The noun after `共35件` in a sentence that starts with the plan's
    /// name: `重点民生实事`, or nothing when the name already says 实事
    /// (`溪源区重点民生实事共9件、9项指标`).
    pub(crate) fn items_noun(&self) -> &'static str {
        if self.plan.contains(ITEM) { "" } else { ITEMS }
    }

    /// The title of a document about the plan's items: `items()` + `rest`
    /// (`进展情况调度表`, `调度汇总表`).
    pub(crate) fn title(&self, rest: &str) -> String {
        join(&self.items(), rest)
    }

    /// The title of one level's sheet: `平江县民生可感行动省级民生实事进展情况表`,
    /// `溪源区重点民生实事（省级）进展情况表`.
    /// `level` is the level's name as the plan gives it (区级 in a district).
    pub(crate) fn level_title(&self, level: &str) -> String {
        if self.plan.contains(ITEM) {
            format!("{}（{level}）进展情况表", self.plan)
        } else {
            format!("{}{level}民生{ITEM}进展情况表", self.plan)
        }
    }
}

/// The group word an issuer or office ends with: `县民生实事工作领导小组` →
/// `领导小组`; `工作专班` reads `专班`, as plans call it in a sentence.
pub(crate) fn short_group(name: &str) -> Option<&'static str> {
    let name = name.trim();
    GROUPS
        .iter()
        .find(|g| name.ends_with(*g))
        .map(|g| if *g == "工作专班" { "专班" } else { g })
}

/// `a` then `b`, the part of `b` that `a` already ends with said once:
/// `某区重点民生实事` + `实事进展` → `某区重点民生实事进展`.
fn join(a: &str, b: &str) -> String {
    let overlap = b
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&end| a.ends_with(&b[..end]))
        .max()
        .unwrap_or(0);
    format!("{a}{}", &b[overlap..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalog::Level;

    fn words(name: &str, issuer: &str, office_name: &str, office: &str) -> Words {
        let group = format!(
            "[working_group]\noffice_name = \"{office_name}\"\noffice = \"{office}\"\n\n[[departments]]"
        );
        let src = crate::testutil::SMALL
            .replace("name = \"测试行动\"", &format!("name = \"{name}\""))
            .replace("issuer = \"测试专班\"", &format!("issuer = \"{issuer}\""))
            .replacen("[[departments]]", &group, 1);
        Words::of(&Catalog::parse(&src, "t", "t.toml").unwrap())
    }

    #[test]
    fn the_office_and_group_come_from_the_plan() {
        let w = words(
            "平江县民生可感行动",
            "平江县民生可感行动工作专班",
            "专班办公室",
            "县人社局",
        );
        assert_eq!(
            (w.group.as_str(), w.office_name.as_str()),
            ("专班", "专班办公室")
        );
        assert_eq!(w.office_with_seat(), "专班办公室（设县人社局）");
        assert_eq!(
            w.office_in_full(),
            "平江县民生可感行动工作专班办公室（设县人社局）"
        );

        let w = words(
            "溪源区重点民生实事",
            "溪源区重点民生实事项目建设指挥部",
            "",
            "区发展和改革局",
        );
        assert_eq!(w.office_name, "指挥部办公室", "named after the issuer");
        assert_eq!(w.group, "指挥部");
        assert_eq!(w.office_with_seat(), "指挥部办公室（设区发展和改革局）");
        assert_eq!(
            w.office_in_full(),
            "溪源区重点民生实事项目建设指挥部办公室（设区发展和改革局）"
        );

        let w = words(
            "青溪县民生实事",
            "青溪县民生实事工作领导小组",
            "领导小组办公室",
            "",
        );
        assert_eq!(w.group, "领导小组");
        assert_eq!(w.office_with_seat(), "领导小组办公室");

        let w = words("某县实事", "某县实事协调会", "协调会秘书处", "");
        assert_eq!(
            w.office_name, "协调会秘书处",
            "a name given is kept as given"
        );
        assert_eq!(w.group, "某县实事协调会", "no known group word: the issuer");
        assert_eq!(w.office_in_full(), "协调会秘书处");
    }

    /// Every title made from a plan's name, for plans named the ways
    /// counties name them.
    fn titles(w: &Words) -> Vec<String> {
        let mut t = vec![w.title("进展情况调度表"), w.title("调度汇总表")];
        t.extend(Level::ALL.iter().map(|&l| w.level_title(l.name())));
        t
    }

    #[test]
    fn no_title_repeats_a_phrase_of_the_plans_name() {
        let names = [
            "平江县民生可感行动",
            "溪源区重点民生实事",
            "青溪县民生实事",
            "东岭区为民办实事",
            "某县2025年重点民生实事项目",
            "某市十大民生实事",
            "某区民生微实事",
            "某县重点民生实事重点",
        ];
        for name in names {
            let w = words(name, &format!("{name}工作专班"), "", "");
            let chars: Vec<char> = name.chars().collect();
            for title in titles(&w) {
                assert!(title.starts_with(name), "{title}");
                assert!(title.matches(ITEM).count() <= 1, "{title} says 实事 twice");
                for len in 3..=chars.len() {
                    for start in 0..=chars.len() - len {
                        let phrase: String = chars[start..start + len].iter().collect();
                        assert!(
                            title.matches(phrase.as_str()).count()
                                <= name.matches(phrase.as_str()).count(),
                            "{title} repeats {phrase} of {name}"
                        );
                    }
                }
            }
        }
        let w = words("平江县民生可感行动", "平江县民生可感行动工作专班", "", "");
        assert_eq!(
            titles(&w)[..3],
            [
                "平江县民生可感行动重点民生实事进展情况调度表",
                "平江县民生可感行动重点民生实事调度汇总表",
                "平江县民生可感行动省级民生实事进展情况表",
            ],
            "the Pingjiang titles keep their words"
        );
        let w = words("溪源区重点民生实事", "溪源区指挥部", "", "");
        assert_eq!(w.title("调度汇总表"), "溪源区重点民生实事调度汇总表");
        assert_eq!(join("某区重点民生实事", "实事进展"), "某区重点民生实事进展");
    }
}
