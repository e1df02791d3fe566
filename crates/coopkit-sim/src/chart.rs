//! Line charts as SVG, for the comparison and the forecast pages.
//!
//! Two charts of a few hundred points each do not justify a plotting
//! crate: this writes the SVG directly, with presentation attributes only
//! (no `style`), so a page's strict Content-Security-Policy shows it
//! inline.

use std::fmt::Write;

/// One line: its name in the legend and its points.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A chart's title and axes.
#[derive(Clone, Debug)]
pub struct Axes {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// The y range; `None` fits the data (from zero).
    pub y_range: Option<(f64, f64)>,
    /// Ticks on y shown as percentages.
    pub y_percent: bool,
}

/// Okabe and Ito's palette: told apart by people with any colour vision.
const COLOURS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 48.0;

/// The chart as a standalone SVG document.
pub fn line_chart(axes: &Axes, series: &[Series]) -> String {
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut x_min, mut x_max, mut y_max) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for (x, y) in points {
        x_min = x_min.min(*x);
        x_max = x_max.max(*x);
        y_max = y_max.max(*y);
    }
    if !x_min.is_finite() {
        (x_min, x_max) = (0.0, 1.0);
    }
    if x_max <= x_min {
        x_max = x_min + 1.0;
    }
    let (y_low, y_high) = axes.y_range.unwrap_or((0.0, nice_ceiling(y_max)));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * plot_w;
    let sy = |y: f64| TOP + plot_h - (y.clamp(y_low, y_high) - y_low) / (y_high - y_low) * plot_h;

    let mut svg = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12" role="img" aria-label="{title}">"##,
        title = escape(&axes.title)
    );
    let _ = write!(
        svg,
        r##"<title>{title}</title><rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/><text x="{LEFT}" y="22" font-size="15" font-weight="bold">{title}</text>"##,
        title = escape(&axes.title)
    );
    for i in 0..=4 {
        let y = y_low + (y_high - y_low) * f64::from(i) / 4.0;
        let label = if axes.y_percent {
            format!("{:.0}%", y * 100.0)
        } else {
            format!("{y:.0}")
        };
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{py:.1}" y2="{py:.1}" stroke="#dddddd"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            x2 = LEFT + plot_w,
            py = sy(y),
            tx = LEFT - 6.0,
            ty = sy(y) + 4.0,
        );
    }
    for i in 0..=4 {
        let x = x_min + (x_max - x_min) * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<text x="{px:.1}" y="{py}" text-anchor="middle">{x:.0}</text>"##,
            px = sx(x),
            py = TOP + plot_h + 18.0,
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" stroke="#333333"/><line x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#333333"/><text x="{cx:.1}" y="{ly}" text-anchor="middle">{x_label}</text><text transform="translate(16 {cy:.1}) rotate(-90)" text-anchor="middle">{y_label}</text>"##,
        bottom = TOP + plot_h,
        right = LEFT + plot_w,
        cx = LEFT + plot_w / 2.0,
        ly = HEIGHT - 8.0,
        cy = TOP + plot_h / 2.0,
        x_label = escape(&axes.x_label),
        y_label = escape(&axes.y_label),
    );
    for (i, line) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let path: Vec<String> = line
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"><title>{name}</title></polyline>"##,
            points = path.join(" "),
            name = escape(&line.name),
        );
        let ly = TOP + 10.0 + 20.0 * i as f64;
        let _ = write!(
            svg,
            r##"<line x1="{x1}" x2="{x2}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"/><text x="{tx}" y="{ty}">{name}</text>"##,
            x1 = WIDTH - RIGHT + 16.0,
            x2 = WIDTH - RIGHT + 40.0,
            tx = WIDTH - RIGHT + 46.0,
            ty = ly + 4.0,
            name = escape(&line.name),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The next round number at or above `value`: 1, 2 or 5 times a power of
/// ten.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|n| *n >= value)
        .unwrap_or(10.0 * power)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_scale_points_into_the_plot_and_escape_names() {
        let axes = Axes {
            title: "Served <share>".into(),
            x_label: "week".into(),
            y_label: "served".into(),
            y_range: Some((0.0, 1.0)),
            y_percent: true,
        };
        let svg = line_chart(
            &axes,
            &[Series {
                name: "a & b".into(),
                points: vec![(0.0, 0.0), (10.0, 1.0)],
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("Served &lt;share&gt;") && svg.contains("a &amp; b"));
        // (0, 0) is the plot's bottom left, (10, 1) its top right.
        let bottom = TOP + HEIGHT - TOP - BOTTOM;
        let right = WIDTH - RIGHT;
        assert!(svg.contains(&format!(
            "points=\"{LEFT:.1},{bottom:.1} {right:.1},{TOP:.1}\""
        )));
        assert!(svg.contains(">100%<") && !svg.contains("style="));
    }

    #[test]
    fn round_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(40.0), 50.0);
    }
}
