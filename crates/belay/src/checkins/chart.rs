//! Trend charts: mood, craving and sleep over a span of days, drawn as SVG
//! on the server with `plotters`. Each chart carries a title and a
//! description (the averages, in words) for screen readers; pages put the
//! numbers in a table beside it. No JavaScript.

use chrono::{Days, NaiveDate};
use plotters::prelude::*;

use super::service::{Checkin, first_day};

/// Colours with at least 4.5:1 contrast on white.
const MOOD: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const CRAVING: RGBColor = RGBColor(0xa8, 0x3a, 0x1f);
const SLEEP: RGBColor = RGBColor(0x2e, 0x6b, 0x30);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

struct Panel {
    title: &'static str,
    max: f64,
    colour: RGBColor,
    value: fn(&Checkin) -> Option<f64>,
}

const PANELS: [Panel; 3] = [
    Panel {
        title: "Mood (1 to 5)",
        max: 5.0,
        colour: MOOD,
        value: |c| Some(f64::from(c.mood)),
    },
    Panel {
        title: "Craving (0 to 10)",
        max: 10.0,
        colour: CRAVING,
        value: |c| Some(f64::from(c.craving)),
    },
    Panel {
        title: "Sleep (hours)",
        max: 12.0,
        colour: SLEEP,
        value: |c| c.sleep_hours,
    },
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn average(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The chart's description in words.
pub fn describe(whose: &str, days: i64, checkins: &[Checkin]) -> String {
    if checkins.is_empty() {
        return format!("No check-ins from {whose} in the last {days} days.");
    }
    let mut parts = vec![format!(
        "{} check-ins from {whose} in the last {days} days.",
        checkins.len()
    )];
    for panel in &PANELS {
        let values: Vec<f64> = checkins.iter().filter_map(panel.value).collect();
        if let Some(avg) = average(&values) {
            let name = panel.title.split(' ').next().unwrap_or(panel.title);
            parts.push(format!("{name} averaged {avg:.1}."));
        }
    }
    parts.join(" ")
}

/// Draws the chart for `checkins` (any order) over the `days` ending `today`.
pub fn render(
    whose: &str,
    today: NaiveDate,
    days: i64,
    checkins: &[Checkin],
) -> anyhow::Result<String> {
    let start = first_day(today, days);
    let span = days.max(1);
    let index = |d: NaiveDate| (d - start).num_days();
    let mut sorted: Vec<&Checkin> = checkins
        .iter()
        .filter(|c| c.date >= start && c.date <= today)
        .collect();
    sorted.sort_by_key(|c| c.date);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let areas = root.split_evenly((3, 1));
        for (area, panel) in areas.iter().zip(&PANELS) {
            let mut chart = ChartBuilder::on(area)
                .caption(panel.title, ("sans-serif", 15).into_font().color(&INK))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(34)
                .build_cartesian_2d(-0.5f64..(span as f64 - 0.5), 0f64..panel.max)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let label_day = move |x: &f64| {
                start
                    .checked_add_days(Days::new(x.round().max(0.0) as u64))
                    .map(|d| d.format("%b %-d").to_string())
                    .unwrap_or_default()
            };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(span.min(7) as usize)
                .x_label_formatter(&label_day)
                .y_labels(6)
                .label_style(("sans-serif", 11).into_font().color(&INK))
                .axis_style(INK)
                .light_line_style(RGBColor(0xe4, 0xe4, 0xe4))
                .draw()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // One line per run of consecutive days: a missed day is a gap.
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            let mut last: Option<i64> = None;
            for c in &sorted {
                let Some(v) = (panel.value)(c) else {
                    last = None;
                    continue;
                };
                let x = index(c.date);
                let point = (x as f64, v.min(panel.max));
                match (last, runs.last_mut()) {
                    (Some(l), Some(run)) if l + 1 == x => run.push(point),
                    _ => runs.push(vec![point]),
                }
                last = Some(x);
            }
            for run in &runs {
                chart
                    .draw_series(LineSeries::new(
                        run.iter().copied(),
                        panel.colour.stroke_width(2),
                    ))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            chart
                .draw_series(
                    runs.iter()
                        .flatten()
                        .map(|&p| Circle::new(p, 3, panel.colour.filled())),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let title = format!("Check-in trends, last {days} days");
    let desc = describe(whose, days, checkins);
    Ok(accessible(&svg, &title, &desc))
}

/// Gives the SVG a role, a title and a description.
fn accessible(svg: &str, title: &str, desc: &str) -> String {
    let head = format!(
        " role=\"img\" aria-labelledby=\"chart-title chart-desc\"><title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    match svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end))
    {
        Some(end) => format!("{}{}{}", &svg[..end], head, &svg[end + 1..]),
        None => svg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkin(date: NaiveDate, mood: i32) -> Checkin {
        Checkin {
            date,
            mood,
            craving: 2,
            sleep_hours: Some(7.5),
            triggers: Vec::new(),
            gratitude: String::new(),
            note: None,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn draws_an_accessible_svg() -> anyhow::Result<()> {
        let today = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap_or_default();
        let rows: Vec<Checkin> = (0..5)
            .filter_map(|i| today.checked_sub_days(Days::new(i)))
            .map(|d| checkin(d, 4))
            .collect();
        let svg = render("you", today, 30, &rows)?;
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"chart-title\">Check-in trends, last 30 days</title>"));
        assert!(svg.contains("Mood averaged 4.0."));
        assert!(svg.contains("<polyline") || svg.contains("<path"));
        assert!(svg.contains("Craving (0 to 10)"));
        Ok(())
    }
}
