//! Which of a task's several lead units reports an indicator. A catalog
//! gives every indicator exactly one reporting department; the plan only
//! lists the leads. The guess reads the indicator's words against what each
//! kind of county department does (交通运输局: 公路, 公交 …), and is always
//! marked for review.

use super::targets::Found;
use crate::plan::catalog::Kind;

/// (words in a department's name, words of its line of work, whether it
/// carries construction projects). General county government knowledge, not
/// any one plan's.
const LINES_OF_WORK: &[(&[&str], &[&str], bool)] = &[
    (
        &["人社", "人力资源"],
        &[
            "就业",
            "社保",
            "社会保障卡",
            "社保卡",
            "持卡",
            "养老保险",
            "工伤",
            "失业",
            "技能",
            "职业培训",
            "创业",
            "工资",
            "人才",
            "劳动",
        ],
        false,
    ),
    (
        &["交通"],
        &[
            "公交",
            "公路",
            "道路",
            "客运",
            "货运",
            "物流",
            "客货邮",
            "交通",
            "出行",
            "车站",
            "航道",
            "码头",
            "桥梁",
        ],
        false,
    ),
    (
        &["公路"],
        &[
            "国省道",
            "国道",
            "省道",
            "干线公路",
            "公路养护",
            "养护",
            "危桥",
        ],
        true,
    ),
    (
        &["乡村振兴"],
        &[
            "乡村",
            "和美",
            "美丽",
            "屋场",
            "示范村",
            "脱贫",
            "帮扶",
            "衔接",
            "振兴",
        ],
        false,
    ),
    (
        &["农业农村", "农业"],
        &[
            "农田",
            "农业",
            "耕地",
            "种粮",
            "人居环境",
            "粮食",
            "农机",
            "畜牧",
            "水产",
            "农村厕所",
        ],
        false,
    ),
    (
        &["卫生", "卫健", "疾控"],
        &[
            "医院",
            "卫生院",
            "卫生室",
            "医疗",
            "健康",
            "筛查",
            "诊断",
            "孕产妇",
            "新生儿",
            "托育",
            "托位",
            "疾病",
            "医共体",
            "计划生育",
            "家庭医生",
        ],
        false,
    ),
    (
        &["投资", "城投", "建投", "城发", "城建"],
        &["搬迁", "迁建", "融资", "工程建设", "项目建设"],
        true,
    ),
    (&["指挥部"], &[], true),
    (
        &["水利", "水务"],
        &[
            "水库",
            "河段",
            "河道",
            "堤",
            "护岸",
            "灌溉",
            "蓄水",
            "泵站",
            "排涝",
            "保护圈",
            "防洪",
            "山塘",
            "饮水",
            "供水",
            "水源",
        ],
        true,
    ),
    (
        &["住建", "住房", "建设局"],
        &[
            "小区",
            "住房",
            "保障房",
            "租赁住房",
            "棚户",
            "海绵城市",
            "电梯",
            "燃气",
            "市政",
            "排水",
            "城镇",
        ],
        true,
    ),
    (
        &["教育"],
        &[
            "学校",
            "学生",
            "教师",
            "幼儿园",
            "高中",
            "初中",
            "中学",
            "小学",
            "寄宿制",
            "学位",
            "教育",
            "校园",
        ],
        false,
    ),
    (
        &["民政"],
        &[
            "低保",
            "孤儿",
            "养老",
            "老年",
            "助餐",
            "救助",
            "特困",
            "殡葬",
            "儿童福利",
            "两项补贴",
        ],
        false,
    ),
    (
        &["残联", "残疾人联合会"],
        &["残疾", "康复", "无障碍", "孤独症"],
        false,
    ),
    (
        &["妇联", "妇女联合会"],
        &["妇女", "两癌", "家庭教育", "儿童之家", "家长"],
        false,
    ),
    (
        &["医疗保障", "医保"],
        &["医保", "参保", "医疗救助", "门诊", "住院"],
        false,
    ),
    (
        &["司法"],
        &["法律援助", "案件", "调解", "公证", "法治"],
        false,
    ),
    (
        &["应急"],
        &["应急", "救援", "防灾", "减灾", "安全生产", "消防"],
        false,
    ),
    (
        &["审批", "政务", "数据"],
        &[
            "政务",
            "办事",
            "审批",
            "证照",
            "一件事",
            "受理",
            "办结",
            "数字",
        ],
        false,
    ),
    (
        &["生态环境", "环保"],
        &["环境", "污染", "水源地", "生态", "大气", "污水", "黑臭"],
        false,
    ),
    (
        &["供电", "电网", "电力"],
        &["供电", "电网", "电力", "变电", "线路"],
        true,
    ),
    (&["财政"], &["资金", "预算", "补助资金"], false),
    (
        &["文旅", "文化", "旅游"],
        &["文化", "图书", "旅游", "演出", "书屋", "非遗"],
        false,
    ),
    (&["体育"], &["体育", "健身", "运动", "场馆"], false),
    (
        &["市场监管", "市场监督管理"],
        &["食品", "药品", "特种设备", "市场"],
        false,
    ),
    (
        &["自然资源"],
        &["不动产", "国土", "地质灾害", "测绘"],
        false,
    ),
    (
        &["城管", "城市管理"],
        &["垃圾", "环卫", "公厕", "停车", "路灯", "市容"],
        false,
    ),
    (&["商务"], &["消费", "商贸", "电商", "外贸"], false),
    (&["工信", "工业"], &["工业", "园区", "5G", "企业"], false),
    (&["公安"], &["治安", "户籍", "反诈", "交警"], false),
    (&["退役军人"], &["退役军人", "优抚", "军人"], false),
    (&["工会"], &["职工", "工会", "农民工"], false),
    (&["供销"], &["供销", "农资"], false),
    (&["邮政"], &["邮政", "寄递", "快递"], false),
];

/// Bigrams of department names that tell nothing about the work.
/// Place words (`城市`, `农村`) are here too: `城市书房` is no work of a
/// 城市管理局.
const GENERIC: &[&str] = &[
    "建设", "管理", "服务", "发展", "项目", "工作", "综合", "事务", "行政", "人民", "政府", "中心",
    "集团", "公司", "委员", "员会", "城市", "城乡", "农村", "乡镇", "城镇", "社区",
];

/// A department's name without the county prefix: `县生活垃圾焚烧发电项目指挥部`
/// → `生活垃圾焚烧发电项目指挥部`.
fn core(department: &str) -> &str {
    match department
        .char_indices()
        .take(5)
        .find(|(_, c)| matches!(c, '县' | '市' | '区'))
    {
        Some((i, c)) => &department[i + c.len_utf8()..],
        None => department,
    }
}

fn line_of_work(department: &str) -> (Vec<String>, bool) {
    let mut words = Vec::new();
    let mut builder = false;
    for (names, work, builds) in LINES_OF_WORK {
        if names.iter().any(|n| department.contains(n)) {
            words.extend(work.iter().map(|w| w.to_string()));
            builder |= builds;
        }
    }
    (words, builder)
}

/// The longest stretch of a department's own name found in the text
/// (`生活垃圾焚烧发电` for the 项目指挥部 and a 焚烧发电厂), unless another
/// lead could claim it as well.
fn own_words(core: &str, text: &str, claimed_elsewhere: &dyn Fn(&str) -> bool) -> Option<String> {
    let chars: Vec<char> = core.chars().collect();
    for len in (2..=chars.len()).rev() {
        for start in 0..=chars.len() - len {
            let w: String = chars[start..start + len].iter().collect();
            if len == 2 && GENERIC.contains(&w.as_str()) {
                continue;
            }
            if text.contains(&w) && !claimed_elsewhere(&w) {
                return Some(w);
            }
        }
    }
    None
}

/// The lead unit that most likely reports an indicator (its index in
/// `leads`) and the words that decided it (`社保卡、持卡`); None when nothing
/// in the text pointed anywhere and the first lead was taken.
pub(crate) fn guess(
    leads: &[String],
    name: &str,
    clause: &str,
    kind: Kind,
) -> (usize, Option<String>) {
    let works: Vec<(Vec<String>, bool)> = leads.iter().map(|l| line_of_work(l)).collect();
    let cores: Vec<&str> = leads.iter().map(|l| core(l)).collect();
    let claims = |i: usize, w: &str| cores[i].contains(w) || works[i].0.iter().any(|x| x == w);
    // A word every lead could claim (a place name, 公路 for both a transport
    // bureau and a road centre) cannot tell them apart.
    let shared = |w: &str| (0..leads.len()).all(|i| claims(i, w));
    // The head of a Chinese noun phrase comes last: in `加载交通出行功能的
    // 社保卡持卡人数` it is 社保卡持卡人数 that is counted.
    let head = name
        .rfind('的')
        .map_or(name, |i| &name[i + '的'.len_utf8()..]);
    let text = format!("{name}\n{clause}");
    // A project stage is reported by whoever builds it: where some leads
    // carry construction projects, a milestone goes to one of them.
    let builders = works.iter().filter(|(_, b)| *b).count();
    let only_builders = kind == Kind::Milestone && builders > 0 && builders < leads.len();
    let mut best: Option<(i32, usize, Option<String>)> = None;
    for (i, (work, builder)) in works.iter().enumerate() {
        if only_builders && !builder {
            continue;
        }
        let elsewhere = |w: &str| (0..leads.len()).any(|k| k != i && claims(k, w));
        let mut words: Vec<String> = own_words(cores[i], &text, &elsewhere).into_iter().collect();
        words.extend(work.iter().cloned());
        let mut score = 0;
        let mut hits: Vec<(i32, &str)> = Vec::new();
        for w in &words {
            if shared(w) || hits.iter().any(|(_, h)| h == w) {
                continue;
            }
            let s = if head.contains(w.as_str()) {
                4
            } else if name.contains(w.as_str()) {
                2
            } else if clause.contains(w.as_str()) {
                1
            } else {
                0
            };
            score += s;
            if s > 0 {
                hits.push((s, w));
            }
        }
        // Shown to the office: the strongest words, longer (more telling) first,
        // and none that is part of a longer one shown (卫生 in 卫生院).
        hits.sort_by_key(|(s, w)| (-s, -(w.chars().count() as i32)));
        let mut shown: Vec<&str> = Vec::new();
        for (_, w) in &hits {
            if shown.len() < 3 && !shown.iter().any(|x| x.contains(w)) {
                shown.push(w);
            }
        }
        let top = (!shown.is_empty()).then(|| shown.join("、"));
        let better = best.as_ref().is_none_or(|(b, _, _)| score > *b);
        if better {
            best = Some((score, i, top));
        }
    }
    match best {
        Some((score, i, word)) if score > 0 => (i, word),
        Some((_, i, _)) if only_builders => (i, Some("建设项目".into())),
        _ => (0, None),
    }
}

/// The reporting department of each indicator of one item, with the note
/// saying how it was chosen (none where the item has one lead).
///
/// Where the words of an indicator point at a lead (its name or its line of
/// work), that lead reports it, and the note names the words. With as many
/// indicators as leads, the ones whose words point nowhere take the leads
/// nobody has taken, in order (the plan lists leads in the order of its
/// clauses more often than not), marked as a pairing by order. Otherwise
/// they go to the first lead, marked.
pub(crate) fn assign(leads: &[String], found: &[Found]) -> Vec<(String, Option<String>)> {
    if leads.len() < 2 {
        let lead = leads.first().cloned().unwrap_or_default();
        return found.iter().map(|_| (lead.clone(), None)).collect();
    }
    let all = leads.join("、");
    let n = leads.len();
    let guesses: Vec<(usize, Option<String>)> = found
        .iter()
        .map(|f| guess(leads, &f.name, &f.clause, f.kind))
        .collect();
    let pair_in_order = found.len() == n;
    let any_pointed = guesses.iter().any(|(_, w)| w.is_some());
    let mut free = (0..n).filter(|i| !guesses.iter().any(|(g, w)| w.is_some() && g == i));
    guesses
        .iter()
        .enumerate()
        .map(|(k, (i, word))| match word {
            Some(w) => (
                leads[*i].clone(),
                Some(format!("牵头单位有 {n} 个（{all}），按“{w}”判断由{}报送", leads[*i])),
            ),
            None if pair_in_order => {
                let i = free.next().unwrap_or(k);
                let how = if any_pointed {
                    "其余指标已按原文分给牵头单位，此项暂由余下的"
                } else {
                    "按先后顺序（第几个指标对第几个牵头单位）暂由"
                };
                (
                    leads[i].clone(),
                    Some(format!(
                        "牵头单位有 {n} 个（{all}），指标也有 {n} 个，原文看不出此项由谁报送，{how}第 {} 个牵头单位{}报送",
                        i + 1,
                        leads[i]
                    )),
                )
            }
            None => (
                leads[*i].clone(),
                Some(format!(
                    "牵头单位有 {n} 个（{all}），原文看不出由谁报送，暂由第一牵头单位{}报送",
                    leads[*i]
                )),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(leads: &[&str], name: &str, kind: Kind) -> String {
        let leads: Vec<String> = leads.iter().map(|s| s.to_string()).collect();
        leads[guess(&leads, name, name, kind).0].clone()
    }

    #[test]
    fn line_of_work_decides() {
        let l = ["县人社局", "县交通运输局"];
        assert_eq!(
            who(&l, "加载交通出行功能的社保卡持卡人数", Kind::Count),
            "县人社局"
        );
        assert_eq!(
            who(&l, "城区公交车载设备（机具）改造率", Kind::Percent),
            "县交通运输局"
        );
        let l = ["县交通运输局", "县公路建设和养护中心"];
        assert_eq!(who(&l, "建设农村公路安防设施", Kind::Count), "县交通运输局");
        assert_eq!(
            who(&l, "精细化提升普通国省道安全设施", Kind::Count),
            "县公路建设和养护中心"
        );
        let l = ["县农业农村局", "县乡村振兴局"];
        assert_eq!(who(&l, "创建市级“美丽屋场”", Kind::Count), "县乡村振兴局");
        assert_eq!(
            who(&l, "实施村农村人居环境提档升级", Kind::Count),
            "县农业农村局"
        );
    }

    #[test]
    fn projects_go_to_the_unit_that_builds_them() {
        let l = ["县卫生健康局", "天岳投资集团"];
        assert_eq!(
            who(&l, "第一人民医院整体搬迁", Kind::Milestone),
            "天岳投资集团"
        );
        assert_eq!(who(&l, "建成乡镇卫生院", Kind::Count), "县卫生健康局");
        let l = ["县水利局", "县生活垃圾焚烧发电项目指挥部"];
        assert_eq!(
            who(&l, "新建生活垃圾焚烧发电厂", Kind::Milestone),
            "县生活垃圾焚烧发电项目指挥部"
        );
        assert_eq!(who(&l, "城区排涝泵站改造", Kind::Count), "县水利局");
    }

    fn assigned(leads: &[&str], text: &str) -> Vec<(String, String)> {
        let leads: Vec<String> = leads.iter().map(|s| s.to_string()).collect();
        let found = crate::plan::draft::targets::read(text).found;
        assign(&leads, &found)
            .into_iter()
            .map(|(d, note)| (d, note.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn as_many_indicators_as_leads_pair_in_order_when_nothing_points() {
        let got = assigned(
            &["县住房和城乡建设局", "县乡村振兴局"],
            "完成农村危房改造 150 户，实施农房抗震改造 80 户。",
        );
        assert_eq!(got[0].0, "县住房和城乡建设局");
        assert_eq!(got[1].0, "县乡村振兴局");
        assert!(got.iter().all(|(_, n)| n.contains("按先后顺序")), "{got:?}");
    }

    #[test]
    fn words_that_point_are_followed_and_named() {
        // Crosswise: the first indicator is the second lead's work.
        let got = assigned(
            &["县交通运输局", "县文化旅游广电体育局"],
            "建设乡镇综合文化站 8 个，新增城乡公交线路 4 条。",
        );
        assert_eq!(got[0].0, "县文化旅游广电体育局");
        assert!(got[0].1.contains("按“文化”判断"), "{got:?}");
        assert_eq!(got[1].0, "县交通运输局");
        assert!(got[1].1.contains("按“公交”判断"), "{got:?}");
        // One points, the other takes the lead left over.
        let got = assigned(
            &["县卫生健康局", "县城市发展投资集团"],
            "新建县中医医院门诊综合楼，新增床位 200 张。",
        );
        assert_eq!(got[0].0, "县城市发展投资集团");
        assert_eq!(got[1].0, "县卫生健康局");
        assert!(got[1].1.contains("余下"), "{got:?}");
        // Full names of units known by their short ones.
        let got = assigned(
            &["区卫生健康局", "区妇女联合会"],
            "适龄妇女“两癌”免费筛查 1.2 万人，筛查覆盖率达到 85% 以上。",
        );
        assert_eq!(got[0].0, "区妇女联合会");
        assert_eq!(got[1].0, "区卫生健康局");
    }

    #[test]
    fn more_indicators_than_leads_and_nothing_to_go_by_go_to_the_first() {
        let got = assigned(
            &["县甲局", "县乙局"],
            "新建某某 3 个，改造某某 5 个，提升某某 2 个。",
        );
        assert!(
            got.iter()
                .all(|(d, n)| d == "县甲局" && n.contains("暂由第一牵头单位")),
            "{got:?}"
        );
    }

    #[test]
    fn nothing_to_go_by_means_the_first_lead() {
        let leads = vec!["县甲局".to_string(), "县乙局".to_string()];
        assert_eq!(
            guess(&leads, "某某事项", "某某事项", Kind::Count),
            (0, None)
        );
    }
}
