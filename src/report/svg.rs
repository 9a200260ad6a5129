//! Inline SVG charts for the HTML report: lean markup (one `<path>` per series, coordinates
//! rounded to 0.1 px, long series downsampled keeping each bucket's minimum and maximum), no
//! scripts and no external references. Colours and fonts come from the report's stylesheet
//! through classes (`ref`, `cur`, `s0`…`s3`, `anom`, `grid`), so a chart reads the same in the
//! browser and on paper.

use std::fmt::Write as _;

use super::markup::escape;
use crate::format::ticks::{self, nice_ticks};

/// Width of the view box of full-width charts, px (charts scale to the page width; at about
/// this width their 11 px text stays 11 px on a laptop screen).
pub const WIDTH: f64 = 960.0;
/// Width of the view box of overlaid histograms, which the report lays out two to a row.
pub const HIST_WIDTH: f64 = 520.0;
/// Points kept per series after downsampling (two per bucket: its minimum and maximum).
pub const MAX_POINTS: usize = 1000;

const LEFT: f64 = 58.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;

/// What the x values of a line chart mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Plain numbers (an index, a value).
    Number,
    /// Days since 1970-01-01 (UTC); ticks are labelled as dates.
    Days,
}

/// One series of a line chart. `class` selects its colour in the stylesheet: `ref`, `cur`,
/// `s0`…`s3`, `fl` (dashed grey). An empty `label` keeps the line out of the legend.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub label: &'a str,
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub class: &'a str,
}

/// A point drawn as a dot on top of the lines (an anomaly, a filled value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    /// Stylesheet class of the dot (`anom`, `fill`).
    pub class: &'static str,
}

/// Layout of a chart: its title (may be empty) and its plot height in px.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub title: &'a str,
    pub height: f64,
    pub x_axis: XAxis,
}

/// A line chart: each series one `<path>` (non-finite points break the line), markers as
/// dots, "nice" ticks on both axes, a legend when there is more than one series.
pub fn line_chart(frame: &Frame, lines: &[Line], markers: &[Marker]) -> String {
    let finite = |v: &f64| v.is_finite();
    let xs = lines
        .iter()
        .flat_map(|l| l.x.iter())
        .copied()
        .filter(finite);
    let ys = lines
        .iter()
        .flat_map(|l| l.y.iter())
        .chain(markers.iter().map(|m| &m.y))
        .copied()
        .filter(finite);
    let (Some(xr), Some(yr)) = (range(xs), range(ys)) else {
        return empty_chart(frame.title, "no data");
    };
    let height = frame.height + TOP + BOTTOM;
    let plot = Plot::new(WIDTH, xr, pad(yr), frame.height);
    let mut s = open(WIDTH, height, frame.title);
    plot.y_grid(&mut s);
    plot.x_ticks(&mut s, frame.x_axis);
    for line in lines {
        let (x, y) = downsample(line.x, line.y, MAX_POINTS);
        let mut d = String::new();
        let mut pen_down = false;
        for (x, y) in x.iter().zip(&y) {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            let _ = write!(
                d,
                "{}{} {}",
                if pen_down { "L" } else { "M" },
                r1(plot.px(*x)),
                r1(plot.py(*y))
            );
            pen_down = true;
        }
        let _ = write!(
            s,
            "<path class=\"ln {}\" d=\"{d}\"><title>{}</title></path>",
            escape(line.class),
            escape(line.label)
        );
    }
    for m in markers
        .iter()
        .filter(|m| m.x.is_finite() && m.y.is_finite())
    {
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"3\"/>",
            m.class,
            r1(plot.px(m.x)),
            r1(plot.py(m.y))
        );
    }
    // Lines without a label (the second edge of a band) stay out of the legend.
    let items: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| !l.label.is_empty())
        .map(|l| (l.label, l.class))
        .collect();
    if items.len() > 1 {
        legend(&mut s, WIDTH, &items);
    }
    s.push_str("</svg>");
    s
}

/// One bin of an overlaid histogram: a numeric range (`edges`) or a category (`edges: None`),
/// with each side's share of its values (0..1). `marked` flags a bin (a new or vanished
/// category, a range one side never reached).
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramBin {
    pub label: String,
    pub edges: Option<(f64, f64)>,
    pub reference: f64,
    pub current: f64,
    pub marked: bool,
}

/// Two distributions on shared bins: for numeric bins (every bin has edges) two overlaid step
/// outlines over a numeric axis, heights as densities (share / width) so that unequal bins are
/// drawn honestly; for categories grouped bars of the shares. `names` are the legend labels of
/// the reference and current side.
pub fn overlay_histogram(title: &str, bins: &[HistogramBin], names: [&str; 2]) -> String {
    if bins.is_empty() {
        return empty_chart(title, "no bins");
    }
    let edges: Option<Vec<(f64, f64)>> = bins
        .iter()
        .map(|b| {
            b.edges
                .filter(|(a, b)| a.is_finite() && b.is_finite() && b > a)
        })
        .collect();
    match edges {
        Some(edges) => numeric_histogram(title, bins, &edges, names),
        None => category_bars(title, bins, names),
    }
}

fn numeric_histogram(
    title: &str,
    bins: &[HistogramBin],
    edges: &[(f64, f64)],
    names: [&str; 2],
) -> String {
    let density = |share: f64, (a, b): (f64, f64)| share / (b - a);
    let ys = bins
        .iter()
        .zip(edges)
        .flat_map(|(b, e)| [density(b.reference, *e), density(b.current, *e)]);
    let xr = (
        edges.iter().map(|e| e.0).fold(f64::INFINITY, f64::min),
        edges.iter().map(|e| e.1).fold(f64::NEG_INFINITY, f64::max),
    );
    let ymax = ys.filter(|y| y.is_finite()).fold(0.0, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.05 } else { 1.0 };
    let plot_h = 170.0;
    let plot = Plot::new(HIST_WIDTH, xr, (0.0, ymax), plot_h);
    let mut s = open(HIST_WIDTH, plot_h + TOP + BOTTOM, title);
    plot.y_grid(&mut s);
    plot.x_ticks(&mut s, XAxis::Number);
    for (class, share) in [
        (
            "ref",
            (|b: &HistogramBin| b.reference) as fn(&HistogramBin) -> f64,
        ),
        ("cur", |b: &HistogramBin| b.current),
    ] {
        // One closed step outline per side: up and across each bin, back to the axis between
        // bins that do not touch.
        let mut d = String::new();
        let base = r1(plot.py(0.0));
        let mut last_right: Option<f64> = None;
        for (b, e) in bins.iter().zip(edges) {
            let (x0, x1) = (r1(plot.px(e.0)), r1(plot.px(e.1)));
            let y = r1(plot.py(density(share(b), *e)));
            match last_right {
                Some(r) if (r - x0).abs() < 0.05 => {}
                Some(r) => {
                    let _ = write!(d, "L{r} {base}M{x0} {base}");
                }
                None => {
                    let _ = write!(d, "M{x0} {base}");
                }
            }
            let _ = write!(d, "L{x0} {y}L{x1} {y}");
            last_right = Some(x1);
        }
        if let Some(r) = last_right {
            let _ = write!(d, "L{r} {base}");
        }
        let _ = write!(s, "<path class=\"area {class}\" d=\"{d}\"/>");
    }
    for (b, e) in bins.iter().zip(edges).filter(|(b, _)| b.marked) {
        let _ = write!(
            s,
            "<rect class=\"mark\" x=\"{}\" y=\"{TOP}\" width=\"{}\" height=\"{plot_h}\"><title>{}</title></rect>",
            r1(plot.px(e.0)),
            r1((plot.px(e.1) - plot.px(e.0)).max(1.0)),
            escape(&b.label)
        );
    }
    legend(&mut s, HIST_WIDTH, &[(names[0], "ref"), (names[1], "cur")]);
    s.push_str("</svg>");
    s
}

/// Grouped bars of categories: reference and current side by side, labels under the bars.
fn category_bars(title: &str, bins: &[HistogramBin], names: [&str; 2]) -> String {
    let ymax = bins
        .iter()
        .flat_map(|b| [b.reference, b.current])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.05 } else { 1.0 };
    let plot_h = 170.0;
    let label_h = 60.0;
    let plot = Plot::new(HIST_WIDTH, (0.0, bins.len() as f64), (0.0, ymax), plot_h);
    let mut s = open(HIST_WIDTH, plot_h + TOP + label_h, title);
    plot.y_grid(&mut s);
    let slot = plot.w / bins.len() as f64;
    let bar = (slot * 0.4).min(28.0);
    let base = plot.py(0.0);
    for (class, side) in [("ref", 0usize), ("cur", 1)] {
        let mut d = String::new();
        for (i, b) in bins.iter().enumerate() {
            let v = if side == 0 { b.reference } else { b.current };
            if !(v.is_finite() && v > 0.0) {
                continue;
            }
            let x = plot.px(i as f64) + slot / 2.0 - bar + side as f64 * bar;
            let y = plot.py(v);
            let _ = write!(
                d,
                "M{} {}h{}V{}h{}Z",
                r1(x),
                r1(base),
                r1(bar),
                r1(y),
                r1(-bar)
            );
        }
        let _ = write!(s, "<path class=\"bar {class}\" d=\"{d}\"/>");
    }
    for (i, b) in bins.iter().enumerate() {
        let x = r1(plot.px(i as f64) + slot / 2.0);
        let y = r1(base + 12.0);
        let class = if b.marked { "tick mk" } else { "tick" };
        let _ = write!(
            s,
            "<text class=\"{class}\" x=\"{x}\" y=\"{y}\" text-anchor=\"end\" transform=\"rotate(-35 {x} {y})\">{}</text>",
            escape(&truncate(&b.label, 18))
        );
    }
    legend(&mut s, HIST_WIDTH, &[(names[0], "ref"), (names[1], "cur")]);
    s.push_str("</svg>");
    s
}

/// Horizontal bars, one per label (`values` ≥ 0 drawn to scale, negative ones from zero
/// leftwards); `class` colours them. Good for per-bin contributions or a trade-off table.
pub fn bars(title: &str, labels: &[String], values: &[f64], class: &str) -> String {
    let n = labels.len().min(values.len());
    if n == 0 {
        return empty_chart(title, "no values");
    }
    let row_h = 18.0;
    let label_w = 180.0;
    let vals = &values[..n];
    let lo = vals
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min);
    let hi = vals
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let plot_w = WIDTH - label_w - 80.0;
    let px = |v: f64| label_w + (v - lo) / span * plot_w;
    let height = TOP + n as f64 * row_h + 6.0;
    let mut s = open(WIDTH, height, title);
    let mut d = String::new();
    for (i, v) in vals.iter().enumerate() {
        let y = TOP + i as f64 * row_h;
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            r1(y + 13.0),
            escape(&truncate(&labels[i], 28))
        );
        if v.is_finite() {
            let (a, b) = (px(0.0_f64.min(*v)), px(0.0_f64.max(*v)));
            let _ = write!(
                d,
                "M{} {}h{}v{}h{}Z",
                r1(a),
                r1(y + 3.0),
                r1((b - a).max(0.5)),
                row_h - 6.0,
                r1(-(b - a).max(0.5))
            );
        }
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{}\" y=\"{}\">{}</text>",
            r1(px(0.0_f64.max(*v)) + 4.0),
            r1(y + 13.0),
            escape(&crate::format::fmt_num(*v))
        );
    }
    let _ = write!(s, "<path class=\"bar {}\" d=\"{d}\"/>", escape(class));
    s.push_str("</svg>");
    s
}

/// One heatmap cell: `intensity` 0 (calm) .. 1 (strong), `None` when there is no value;
/// `marked` draws a dot (e.g. a threshold breach); `title` is the hover text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub intensity: Option<f64>,
    pub marked: bool,
    pub title: String,
}

/// Columns a heatmap draws; more are merged (see [`heatmap`]).
pub const MAX_HEAT_COLUMNS: usize = 120;
/// Cells up to which each carries its hover text; beyond, the texts are left out to keep the
/// file small.
pub const MAX_TITLED_CELLS: usize = 1500;

/// A grid of cells, rows labelled on the left and columns along the bottom (labels thinned to
/// fit). Colour runs from pale green through amber to red. More than [`MAX_HEAT_COLUMNS`]
/// columns are merged into groups of neighbours, each showing its strongest cell (and marked
/// when any cell is), so a long daily history stays a few hundred kB at most.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], cells: &[Vec<Cell>]) -> String {
    if rows.is_empty() || columns.is_empty() {
        return empty_chart(title, "no cells");
    }
    if columns.len() > MAX_HEAT_COLUMNS {
        let group = columns.len().div_ceil(MAX_HEAT_COLUMNS);
        let merged_columns: Vec<String> = columns
            .chunks(group)
            .map(|c| c.first().cloned().unwrap_or_default())
            .collect();
        let merged_cells: Vec<Vec<Cell>> = cells
            .iter()
            .map(|row| row.chunks(group).map(merge_cells).collect())
            .collect();
        return heatmap(title, rows, &merged_columns, &merged_cells);
    }
    let titled = rows.len() * columns.len() <= MAX_TITLED_CELLS;
    let label_w = 150.0;
    let row_h = 16.0;
    let col_w = (WIDTH - label_w - RIGHT) / columns.len() as f64;
    let height = TOP + rows.len() as f64 * row_h + 58.0;
    let (cell_w, cell_h) = (r1((col_w - 0.6).max(0.4)), row_h - 1.0);
    let dot_r = r1((col_w / 4.0).clamp(0.8, 3.0));
    // Without hover texts, cells of one colour (intensities quantised to 5 %) share a path.
    let fill_of = |cell: &Cell| {
        cell.intensity.map_or_else(
            || "#eee".to_string(),
            |t| heat_color((t * 20.0).round() / 20.0),
        )
    };
    let mut by_fill: std::collections::BTreeMap<String, String> = Default::default();
    let mut dots = String::new();
    let mut s = open(WIDTH, height, title);
    for (r, name) in rows.iter().enumerate() {
        let y = r1(TOP + r as f64 * row_h);
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            r1(y + 12.0),
            escape(&truncate(name, 24))
        );
        for (c, cell) in cells
            .get(r)
            .into_iter()
            .flatten()
            .enumerate()
            .take(columns.len())
        {
            let x = r1(label_w + c as f64 * col_w);
            let (cx, cy) = (r1(x + col_w / 2.0), r1(y + row_h / 2.0 - 0.5));
            if titled {
                let _ = write!(
                    s,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{cell_w}\" height=\"{cell_h}\" fill=\"{}\"><title>{}</title></rect>",
                    fill_of(cell),
                    escape(&cell.title)
                );
                if cell.marked {
                    let _ = write!(
                        s,
                        "<circle class=\"dot\" cx=\"{cx}\" cy=\"{cy}\" r=\"{dot_r}\"/>"
                    );
                }
            } else {
                let d = by_fill.entry(fill_of(cell)).or_default();
                let _ = write!(d, "M{x} {y}h{cell_w}v{cell_h}h-{cell_w}Z");
                if cell.marked {
                    let _ = write!(
                        dots,
                        "M{} {cy}a{dot_r} {dot_r} 0 1 0 {} 0a{dot_r} {dot_r} 0 1 0 -{} 0",
                        r1(cx - dot_r),
                        r1(2.0 * dot_r),
                        r1(2.0 * dot_r)
                    );
                }
            }
        }
    }
    for (fill, d) in &by_fill {
        let _ = write!(s, "<path fill=\"{fill}\" d=\"{d}\"/>");
    }
    if !dots.is_empty() {
        let _ = write!(s, "<path class=\"dot\" d=\"{dots}\"/>");
    }
    // Column labels: at most ~12, evenly spaced.
    let step = columns.len().div_ceil(12).max(1);
    let y = TOP + rows.len() as f64 * row_h + 10.0;
    for (c, label) in columns.iter().enumerate().step_by(step) {
        let x = r1(label_w + (c as f64 + 0.5) * col_w);
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{x}\" y=\"{y}\" text-anchor=\"end\" transform=\"rotate(-35 {x} {y})\">{}</text>",
            escape(&truncate(label, 14))
        );
    }
    s.push_str("</svg>");
    s
}

/// Neighbouring cells as one: the strongest (its hover text noting the others), marked when
/// any is.
fn merge_cells(cells: &[Cell]) -> Cell {
    let strongest = cells
        .iter()
        .filter(|c| c.intensity.is_some())
        .max_by(|a, b| {
            a.intensity
                .unwrap_or(0.0)
                .total_cmp(&b.intensity.unwrap_or(0.0))
        })
        .or(cells.first());
    let Some(strongest) = strongest else {
        return Cell {
            intensity: None,
            marked: false,
            title: String::new(),
        };
    };
    Cell {
        intensity: strongest.intensity,
        marked: cells.iter().any(|c| c.marked),
        title: format!("{} (strongest of {} windows)", strongest.title, cells.len()),
    }
}

/// Colour of an intensity in 0..1: pale green → amber → red.
pub fn heat_color(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let stops = [
        (232.0, 243.0, 232.0),
        (245.0, 190.0, 90.0),
        (205.0, 55.0, 45.0),
    ];
    let (a, b, u) = if t < 0.5 {
        (stops[0], stops[1], t * 2.0)
    } else {
        (stops[1], stops[2], (t - 0.5) * 2.0)
    };
    let mix = |p: f64, q: f64| (p + (q - p) * u).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Keeps at most `max_points` of a series, in x order: the series is cut into `max_points / 2`
/// buckets of consecutive points and each bucket keeps its minimum and its maximum (so spikes
/// survive). Non-finite y values are kept (they break the line).
pub fn downsample(x: &[f64], y: &[f64], max_points: usize) -> (Vec<f64>, Vec<f64>) {
    let n = x.len().min(y.len());
    if n <= max_points.max(2) {
        return (x[..n].to_vec(), y[..n].to_vec());
    }
    let buckets = (max_points / 2).max(1);
    let mut ox = Vec::with_capacity(max_points + 2);
    let mut oy = Vec::with_capacity(max_points + 2);
    for b in 0..buckets {
        let (start, end) = (b * n / buckets, ((b + 1) * n / buckets).min(n));
        if start >= end {
            continue;
        }
        let slice = &y[start..end];
        if let Some(k) = slice.iter().position(|v| !v.is_finite()) {
            // A gap: keep it so the line breaks.
            ox.push(x[start + k]);
            oy.push(f64::NAN);
            continue;
        }
        let (mut lo, mut hi) = (0, 0);
        for (i, v) in slice.iter().enumerate() {
            if *v < slice[lo] {
                lo = i;
            }
            if *v > slice[hi] {
                hi = i;
            }
        }
        for i in if lo <= hi { [lo, hi] } else { [hi, lo] } {
            ox.push(x[start + i]);
            oy.push(slice[i]);
            if lo == hi {
                break;
            }
        }
    }
    (ox, oy)
}

/// Round to one decimal, as the markup shows it (`-0` printed as `0`).
fn r1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A y range with 5 % headroom on both sides, never empty.
fn pad((lo, hi): (f64, f64)) -> (f64, f64) {
    if hi > lo {
        let m = (hi - lo) * 0.05;
        (lo - m, hi + m)
    } else {
        let m = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - m, hi + m)
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars - 1).collect();
        t.push('…');
        t
    }
}

fn open(width: f64, height: f64, title: &str) -> String {
    let mut s = format!("<svg viewBox=\"0 0 {width} {}\" role=\"img\">", r1(height));
    if !title.is_empty() {
        let _ = write!(
            s,
            "<title>{0}</title><text class=\"ttl\" x=\"{LEFT}\" y=\"14\">{0}</text>",
            escape(title)
        );
    }
    s
}

fn empty_chart(title: &str, why: &str) -> String {
    let mut s = open(WIDTH, 50.0, title);
    let _ = write!(
        s,
        "<text class=\"tick\" x=\"{LEFT}\" y=\"38\">{}</text></svg>",
        escape(why)
    );
    s
}

fn legend(s: &mut String, width: f64, items: &[(&str, &str)]) {
    let mut x = width - RIGHT;
    // Right-aligned, laid out from the right; widths estimated from the label length.
    for (label, class) in items.iter().rev() {
        let label = truncate(label, 30);
        let w = label.chars().count() as f64 * 6.2 + 18.0;
        x -= w;
        let _ = write!(
            s,
            "<rect class=\"sw {class}\" x=\"{}\" y=\"6\" width=\"10\" height=\"10\"/><text class=\"tick\" x=\"{}\" y=\"15\">{}</text>",
            r1(x),
            r1(x + 14.0),
            escape(&label)
        );
    }
}

/// Maps data coordinates to the view box.
struct Plot {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    w: f64,
    h: f64,
}

impl Plot {
    fn new(width: f64, (x0, x1): (f64, f64), (y0, y1): (f64, f64), h: f64) -> Self {
        let (x0, x1) = if x1 > x0 {
            (x0, x1)
        } else {
            (x0 - 0.5, x0 + 0.5)
        };
        let (y0, y1) = if y1 > y0 {
            (y0, y1)
        } else {
            (y0 - 0.5, y0 + 0.5)
        };
        Self {
            x0,
            x1,
            y0,
            y1,
            w: width - LEFT - RIGHT,
            h,
        }
    }

    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * self.w
    }

    fn py(&self, y: f64) -> f64 {
        TOP + (self.y1 - y) / (self.y1 - self.y0) * self.h
    }

    /// Horizontal grid lines at nice y values, labelled on the left, and the frame.
    fn y_grid(&self, s: &mut String) {
        let mut d = String::new();
        for t in nice_ticks(self.y0, self.y1, 5) {
            let y = r1(self.py(t));
            let _ = write!(d, "M{LEFT} {y}h{}", r1(self.w));
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                LEFT - 4.0,
                r1(y + 3.5),
                escape(&crate::format::fmt_tick(t))
            );
        }
        let _ = write!(
            s,
            "<path class=\"grid\" d=\"{d}\"/><rect class=\"frame\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/>",
            r1(self.w),
            r1(self.h)
        );
    }

    /// Tick labels under the x axis: nice numbers, or dates (month starts on long spans).
    fn x_ticks(&self, s: &mut String, axis: XAxis) {
        let y = r1(TOP + self.h + 14.0);
        let ticks: Vec<(f64, String)> = match axis {
            XAxis::Number => nice_ticks(self.x0, self.x1, 7)
                .into_iter()
                .map(|t| (t, crate::format::fmt_tick(t)))
                .collect(),
            XAxis::Days => date_ticks(self.x0, self.x1),
        };
        for (t, label) in ticks {
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{}\" y=\"{y}\" text-anchor=\"middle\">{}</text>",
                r1(self.px(t)),
                escape(&label)
            );
        }
    }
}

/// Date ticks for an axis in days since the epoch: month starts (every 1, 2, 3, 6 or 12
/// months, at most about 8 of them) on spans over 60 days, labelled by month; otherwise round
/// day steps labelled by day.
fn date_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    if hi - lo <= 60.0 {
        return nice_ticks(lo, hi, 6)
            .into_iter()
            .map(|t| (t, ticks::date_label(t.round(), 1.0)))
            .collect();
    }
    let months = ((hi - lo) / 30.4).ceil() as i64;
    let every = [1, 2, 3, 6, 12, 24, 60]
        .into_iter()
        .find(|e| months / e <= 8)
        .unwrap_or(120);
    ticks::month_starts(lo, hi, every)
        .into_iter()
        .map(|day| (day, ticks::date_label(day, ticks::MONTH_DAYS)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsample_keeps_extremes_and_bounds_the_size() {
        let x: Vec<f64> = (0..100_000).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| (v / 1000.0).sin()).collect();
        y[54_321] = 50.0;
        y[7] = -50.0;
        let (dx, dy) = downsample(&x, &y, 1000);
        assert!(dx.len() <= 1000 && dx.len() == dy.len());
        assert!(dy.contains(&50.0) && dy.contains(&-50.0));
        assert!(dx.windows(2).all(|w| w[0] < w[1]), "x stays in order");
        let (sx, _) = downsample(&x[..10], &y[..10], 1000);
        assert_eq!(sx.len(), 10);
    }

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(0.13, 0.61, 5);
        assert_eq!(t.len(), 5);
        assert!((t[0] - 0.2).abs() < 1e-12 && (t[4] - 0.6).abs() < 1e-12);
    }

    #[test]
    fn date_ticks_are_month_starts() {
        let lo = crate::vocab::time::days_from_civil(2024, 1, 1) as f64;
        let hi = crate::vocab::time::days_from_civil(2025, 12, 31) as f64;
        let t = date_ticks(lo, hi);
        assert!(t.len() >= 4 && t.len() <= 9, "{t:?}");
        assert!(t.iter().all(|(_, l)| l.len() == 7));
    }

    #[test]
    fn a_line_is_one_path_with_rounded_coordinates() {
        let x: Vec<f64> = (0..5000).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.sqrt() / 3.0).collect();
        let svg = line_chart(
            &Frame {
                title: "t",
                height: 100.0,
                x_axis: XAxis::Number,
            },
            &[Line {
                label: "a",
                x: &x,
                y: &y,
                class: "s0",
            }],
            &[],
        );
        assert_eq!(svg.matches("<path class=\"ln").count(), 1);
        // No coordinate carries more than one decimal.
        let d = svg.split("d=\"M").nth(2).unwrap_or_default();
        assert!(
            !d.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .any(|n| n.split('.').nth(1).is_some_and(|f| f.len() > 1)),
            "{}",
            &d[..200.min(d.len())]
        );
        assert!(svg.len() < 30_000, "{}", svg.len());
    }

    #[test]
    fn a_long_heatmap_is_merged_and_stays_small() {
        // Four years of days × 30 columns.
        let columns: Vec<String> = (0..1460).map(|d| format!("day {d}")).collect();
        let rows: Vec<String> = (0..30).map(|c| format!("column {c}")).collect();
        let cells: Vec<Vec<Cell>> = (0..30)
            .map(|r| {
                (0..1460)
                    .map(|d| Cell {
                        intensity: Some(((r * d) % 100) as f64 / 100.0),
                        marked: d == 1000 && r == 3,
                        title: format!("column {r} on day {d}"),
                    })
                    .collect()
            })
            .collect();
        let svg = heatmap("long", &rows, &columns, &cells);
        // Too many cells for hover texts: one path per colour, the breach in the dot path.
        assert!(!svg.contains("<rect") && !svg.contains("<title>day"));
        assert_eq!(svg.matches("<path class=\"dot\"").count(), 1);
        let arcs = svg.matches(" 0 1 0 ").count();
        assert_eq!(arcs, 2, "the one breach (two arcs) survives merging");
        assert!(svg.len() < 200_000, "{}", svg.len());
    }

    #[test]
    fn odd_inputs_draw_without_panicking() {
        let frame = Frame {
            title: "odd",
            height: 60.0,
            x_axis: XAxis::Days,
        };
        let nan = [f64::NAN, f64::INFINITY, 1.0];
        let x = [0.0, 1.0, 2.0];
        for (xs, ys) in [(&x[..], &nan[..]), (&[][..], &[][..]), (&x[..1], &x[..1])] {
            let svg = line_chart(
                &frame,
                &[Line {
                    label: "a",
                    x: xs,
                    y: ys,
                    class: "s0",
                }],
                &[Marker {
                    x: f64::NAN,
                    y: 1.0,
                    class: "anom",
                }],
            );
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
        let bin = |edges, r, c| HistogramBin {
            label: "b".into(),
            edges,
            reference: r,
            current: c,
            marked: false,
        };
        for bins in [
            vec![],
            vec![bin(Some((1.0, 1.0)), 0.5, 0.5)],
            vec![bin(None, f64::NAN, 0.0), bin(None, 0.0, 0.0)],
            vec![bin(Some((0.0, 1.0)), 0.0, 0.0)],
        ] {
            let svg = overlay_histogram("h", &bins, ["a", "b"]);
            assert!(svg.ends_with("</svg>") && !svg.contains("NaN"), "{svg}");
        }
        let svg = bars("b", &["x".into(), "y".into()], &[-2.0, f64::NAN], "s0");
        assert!(svg.ends_with("</svg>"));
        assert!(heatmap("e", &[], &[], &[]).ends_with("</svg>"));
    }

    #[test]
    fn heat_colors_run_green_to_red() {
        assert_eq!(heat_color(0.0), "#e8f3e8");
        assert_eq!(heat_color(1.0), "#cd372d");
        assert_eq!(heat_color(f64::NAN), "#cd372d");
    }
}
