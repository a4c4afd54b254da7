//! The board's chart, drawn on the server as SVG: each indicator's progress
//! as a bar coloured by its status, grouped by level, with 序时进度 as a
//! line across them. Pure: a consolidated period in, markup out.

use crate::report::consolidate::{PeriodView, Status};
use crate::text::{percent, xml_escape};

const LABEL: f64 = 64.0;
const BARS: f64 = 560.0;
const WIDTH: f64 = LABEL + BARS + 56.0;
const ROW: f64 = 15.0;
const HEAD: f64 = 22.0;
const TOP: f64 = 26.0;

/// The CSS class and fill of a status (the board's legend uses the same).
pub(crate) fn colour(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Done => ("done", "#2e7d32"),
        Status::OnTrack => ("ontrack", "#1565c0"),
        Status::Lagging => ("lagging", "#ef8f00"),
        Status::Severe => ("severe", "#c62828"),
        Status::NotReported => ("missing", "#9e9e9e"),
    }
}

pub(crate) fn svg(v: &PeriodView) -> String {
    let mut body = String::new();
    let mut y = TOP;
    for level in crate::plan::catalog::Level::ALL {
        let rows: Vec<_> = v.indicators.iter().filter(|i| i.level == level).collect();
        if rows.is_empty() {
            continue;
        }
        body.push_str(&format!(
            r##"<text x="0" y="{:.1}" class="lv">{}（{} 项）</text>"##,
            y + 15.0,
            xml_escape(level.name()),
            rows.len()
        ));
        y += HEAD;
        for i in rows {
            let (class, fill) = colour(i.status);
            let p = i.progress.unwrap_or(0.0).clamp(0.0, 1.0);
            let shown = i.progress.map(percent).unwrap_or_else(|| "未报送".into());
            body.push_str(&format!(
                r##"<g class="{class}"><title>{} {} {}：{}（{}）</title><text x="0" y="{:.1}" class="cd">{}</text><rect x="{LABEL}" y="{:.1}" width="{BARS}" height="{:.1}" fill="#eeeeee"/><rect x="{LABEL}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/><text x="{:.1}" y="{:.1}" class="pc">{}</text></g>"##,
                xml_escape(&i.indicator.code),
                xml_escape(&i.indicator.name),
                xml_escape(&i.indicator.department),
                xml_escape(&shown),
                i.status.name(),
                y + 11.0,
                xml_escape(&i.indicator.code),
                y + 2.0,
                ROW - 4.0,
                y + 2.0,
                BARS * p,
                ROW - 4.0,
                LABEL + BARS + 4.0,
                y + 11.0,
                xml_escape(&shown),
            ));
            y += ROW;
        }
    }
    let x = LABEL + BARS * v.time_progress.clamp(0.0, 1.0);
    let height = y + 6.0;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.1}" class="chart" role="img" aria-label="各指标完成进度与序时进度"><text x="{x:.1}" y="12" text-anchor="middle" class="tp">序时进度 {}</text>{body}<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#000000" stroke-width="1.5" stroke-dasharray="4 3"/></svg>"##,
        xml_escape(&percent(v.time_progress)),
        TOP - 8.0,
        height - 4.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indicator_has_a_bar_and_the_time_line_sits_at_its_progress() {
        use crate::report::consolidate::{Inputs, Thresholds, consolidate};
        let catalog = crate::testutil::catalog();
        let period = crate::plan::Period::new(2024, 3).unwrap();
        let v = consolidate(&Inputs {
            catalog: &catalog,
            period,
            current: &[],
            previous: &[],
            submissions: &std::collections::HashMap::new(),
            previous_reported: false,
            thresholds: Thresholds {
                tolerance: 5.0,
                severe: 20.0,
            },
            deadline_day: 5,
            today: chrono::NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
        });
        let svg = svg(&v);
        assert_eq!(
            svg.matches("<g class=\"missing\">").count(),
            v.indicators.len()
        );
        let x = LABEL + BARS * v.time_progress;
        assert!(svg.contains(&format!("<line x1=\"{x:.1}\"")), "{svg}");
        assert!(svg.contains("序时进度 24.9%"));
    }
}
