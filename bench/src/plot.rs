//! bench.png from the result rows: left, µs per lookup by method (bars with min–max whiskers);
//! right, time per whole-system map against the number of processes, both axes logarithmic.
//! Drawn from rows only, so that `pidns-bench plot CSV PNG` redraws it from a saved CSV.

use crate::report::{Row, PIDNS_ALL, PROC_SCAN};
use crate::sys::Res;
use crate::timing::{LOOKUP, MAP};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;

/// ab_glyph draws text with a font it is given, not one found on the system.
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const FAMILY: &str = "sans-serif";
const SIZE: (u32, u32) = (1200, 500);

/// Reads the font once and registers it for plotters; it must live for the whole program, so
/// its bytes are leaked.
fn load_font() -> Res<()> {
    let bytes = std::fs::read(FONT).map_err(|e| {
        format!("read {FONT}: {e} (the plot needs DejaVu Sans: apt-get install fonts-dejavu-core)")
    })?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font(FAMILY, FontStyle::Normal, bytes)
        .map_err(|_| format!("{FONT}: not a font ab_glyph can read"))
}

/// Fails, as the plot would at the end, when the font is not there: checked before minutes of
/// measuring.
pub fn check_font() -> Res<()> {
    std::fs::metadata(FONT).map(|_| ()).map_err(|e| {
        format!("{FONT}: {e} (the plot needs DejaVu Sans: apt-get install fonts-dejavu-core)")
    })
}

/// Plotters errors carry the backend's error type; the bench only reports them.
fn perr<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing the plot: {e:?}")
}

/// An axis label on a log scale: only at 1, 2 and 5 times a power of ten, so that the labels
/// plotters puts at every integer multiple do not run into each other.
fn log_tick(v: f64) -> String {
    if v <= 0.0 {
        return String::new();
    }
    let mantissa = v / 10f64.powf(v.log10().floor());
    if [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|m| (mantissa - m).abs() < 1e-6 * m)
    {
        tick(v)
    } else {
        String::new()
    }
}

/// A number for an axis label: no trailing zeros, enough decimals for values below 1.
fn tick(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        let s = format!("{v:.1}");
        s.trim_end_matches(".0").to_string()
    } else {
        let decimals = (-v.log10()).ceil().max(1.0) as usize;
        let s = format!("{v:.decimals$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

pub fn draw(rows: &[Row], label: &str, png: &Path) -> Res<()> {
    load_font()?;
    let root = BitMapBackend::new(png, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(perr)?;
    let root = root.titled(label, (FAMILY, 22).into_font()).map_err(perr)?;
    let panels = root.split_evenly((1, 2));
    draw_lookups(rows, &panels[0])?;
    draw_map(rows, &panels[1])?;
    root.present()
        .map_err(|e| format!("write {}: {e:?}", png.display()))
}

/// Horizontal bars, fastest on top.
fn draw_lookups(
    rows: &[Row],
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
) -> Res<()> {
    let mut bars: Vec<&Row> = rows.iter().filter(|r| r.section == LOOKUP).collect();
    if bars.is_empty() {
        return no_data(area, "no lookup results");
    }
    // Index 0 is drawn at the bottom: slowest first puts the fastest on top. The segmented range
    // 0..n-1 holds n bars (plotters' integer ranges include their end).
    bars.sort_by(|a, b| b.median_us.total_cmp(&a.median_us));
    let depth = bars.iter().map(|r| r.levels_or_n).max().unwrap_or(0);
    let lo = bars.iter().map(|r| r.min_us).fold(f64::INFINITY, f64::min);
    let hi = bars.iter().map(|r| r.max_us).fold(0.0, f64::max);
    // Room left of the shortest bar and right of the longest whisker (for its value).
    let (x0, x1) = (lo / 2.0, hi * 4.0);
    let n = bars.len() as i32;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("µs per lookup, target with {depth} PID levels (median, min–max)"),
            (FAMILY, 17),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(205)
        .build_cartesian_2d((x0..x1).log_scale(), (0..n - 1).into_segmented())
        .map_err(perr)?;
    let names: Vec<String> = bars.iter().map(|r| r.method.clone()).collect();
    let name_of = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let x_tick = |v: &f64| log_tick(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&name_of)
        .x_label_formatter(&x_tick)
        .x_desc("µs per lookup (log scale)")
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(perr)?;
    let color = |r: &Row| {
        if r.method.starts_with("pidns") {
            RGBColor(0x1f, 0x77, 0xb4)
        } else if r.method.starts_with("floor") {
            RGBColor(0x99, 0x99, 0x99)
        } else {
            RGBColor(0xff, 0x7f, 0x0e)
        }
    };
    chart
        .draw_series(bars.iter().enumerate().map(|(i, r)| {
            let i = i as i32;
            let mut bar = Rectangle::new(
                [
                    (x0, SegmentValue::Exact(i)),
                    (r.median_us, SegmentValue::Exact(i + 1)),
                ],
                color(r).filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            bar
        }))
        .map_err(perr)?;
    // Whiskers: a line from min to max at the bar's centre, with end caps.
    for (i, r) in bars.iter().enumerate() {
        let c = SegmentValue::CenterOf(i as i32);
        let line = [(r.min_us, c.clone()), (r.max_us, c.clone())];
        chart
            .draw_series(std::iter::once(PathElement::new(
                line,
                BLACK.stroke_width(1),
            )))
            .map_err(perr)?;
        for x in [r.min_us, r.max_us] {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, c.clone())) + PathElement::new([(0, -5), (0, 5)], BLACK),
                ))
                .map_err(perr)?;
        }
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((r.max_us, c.clone()))
                    + Text::new(
                        crate::report::us(r.median_us),
                        (6, -7),
                        (FAMILY, 13).into_font(),
                    ),
            ))
            .map_err(perr)?;
    }
    Ok(())
}

/// A method's map points: name, colour, (N, ms) sorted by N.
type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// Milliseconds per map against N, both log scales.
fn draw_map(rows: &[Row], area: &DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Res<()> {
    let series: Vec<Series> = [
        (PIDNS_ALL, RGBColor(0x1f, 0x77, 0xb4)),
        (PROC_SCAN, RGBColor(0xff, 0x7f, 0x0e)),
    ]
    .into_iter()
    .map(|(m, c)| {
        let mut pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.section == MAP && r.method == m)
            .map(|r| (r.levels_or_n as f64, r.median_us / 1e3))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        (m, c, pts)
    })
    .filter(|(_, _, p)| !p.is_empty())
    .collect();
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.2.iter().copied()).collect();
    if all.is_empty() {
        return no_data(area, "no whole-system map results");
    }
    let xmin = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let xmax = all.iter().map(|p| p.0).fold(0.0, f64::max);
    let ymin = all.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let ymax = all.iter().map(|p| p.1).fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption("Whole-system map: ms per map (median)", (FAMILY, 17))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (xmin / 2.0..xmax * 2.0).log_scale(),
            (ymin / 3.0..ymax * 3.0).log_scale(),
        )
        .map_err(perr)?;
    let t = |v: &f64| log_tick(*v);
    chart
        .configure_mesh()
        .x_label_formatter(&t)
        .y_label_formatter(&t)
        .x_desc("extra processes N (log scale)")
        .y_desc("ms per map (log scale)")
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(perr)?;
    for (name, color, pts) in &series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(perr)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart
            .draw_series(PointSeries::of_element(
                pts.iter().copied(),
                4,
                color.filled(),
                &|c, s, st| EmptyElement::at(c) + Circle::new((0, 0), s, st),
            ))
            .map_err(perr)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .draw()
        .map_err(perr)?;
    Ok(())
}

/// A panel with only a message.
fn no_data(area: &DrawingArea<BitMapBackend, plotters::coord::Shift>, msg: &str) -> Res<()> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        msg.to_string(),
        (w as i32 / 2 - 100, h as i32 / 2),
        (FAMILY, 16).into_font(),
    ))
    .map_err(perr)
}
