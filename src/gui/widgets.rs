//! Small drawing helpers shared by views: sparklines, number formatting, PNG saving.

use std::path::Path;

use egui::{Color32, Rect, Sense, Ui, Vec2, pos2};

/// Colours of the two datasets, used consistently in every view.
pub const REFERENCE_COLOR: Color32 = Color32::from_rgb(86, 156, 214);
pub const CURRENT_COLOR: Color32 = Color32::from_rgb(230, 145, 56);

/// Colour of a side.
pub fn side_color(side: crate::vocab::Side) -> Color32 {
    match side {
        crate::vocab::Side::Reference => REFERENCE_COLOR,
        crate::vocab::Side::Current => CURRENT_COLOR,
    }
}

/// The colour of a dataset slot: a side's, or the experiment log's.
pub fn slot_color(slot: crate::vocab::Slot) -> Color32 {
    match slot.side() {
        Some(side) => side_color(side),
        None => EXPERIMENT_COLOR,
    }
}

/// The experiment log's colour (distinct from both sides').
pub const EXPERIMENT_COLOR: Color32 = Color32::from_rgb(190, 120, 210);

/// A small filled square in a side's colour, used as a legend swatch.
pub fn swatch(ui: &mut Ui, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
}

/// A tiny bar chart of counts, scaled to its own maximum.
pub fn sparkline(ui: &mut Ui, counts: &[u32], size: Vec2, color: Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if counts.is_empty() || !ui.is_rect_visible(rect) {
        return response;
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let w = rect.width() / counts.len() as f32;
    let painter = ui.painter_at(rect);
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        // At least one pixel, so a rare value is still visible.
        let h = (c as f32 / max * rect.height()).max(1.0);
        let x = rect.left() + i as f32 * w;
        painter.rect_filled(
            Rect::from_min_max(
                pos2(x, rect.bottom() - h),
                pos2(x + (w - 1.0).max(1.0), rect.bottom()),
            ),
            0.0,
            color,
        );
    }
    response
}

/// Save an egui screenshot as PNG, atomically.
pub fn save_png(image: &egui::ColorImage, path: &Path) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    crate::data::write::write_atomically(path, |file| {
        let encoder = image::codecs::png::PngEncoder::new(file);
        image::ImageEncoder::write_image(
            encoder,
            &bytes,
            w as u32,
            h as u32,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| e.to_string())
    })
    .map_err(|e| e.to_string())
}

/// A small button showing which way a metric is better; a click switches it.
pub fn direction_button(
    ui: &mut Ui,
    direction: &mut crate::analysis::experiment::moments::Direction,
) {
    use crate::analysis::experiment::moments::Direction;
    let lower = *direction == Direction::LowerIsBetter;
    if ui
        .small_button(if lower {
            "lower better"
        } else {
            "higher better"
        })
        .on_hover_text("Which way is better; click to switch")
        .clicked()
    {
        *direction = if lower {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        };
    }
}

/// A labelled pick of one column (or arm) name, "choose" while none is picked. `salt` keeps the
/// pickers of different panels apart when two share a label. Returns whether the pick changed.
pub fn name_combo(
    ui: &mut Ui,
    salt: &str,
    label: &str,
    choice: &mut String,
    options: &[String],
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        egui::ComboBox::from_id_salt((salt, label))
            .selected_text(if choice.is_empty() {
                "choose"
            } else {
                choice.as_str()
            })
            .width(150.0)
            .show_ui(ui, |ui| {
                for o in options {
                    changed |= ui.selectable_value(choice, o.clone(), o.as_str()).changed();
                }
            })
            .response
            .labelled_by(l.id);
    });
    changed
}

/// A distinct colour per series of a chart (features, variants), cycling after ten.
pub fn series_colour(i: usize) -> Color32 {
    const COLORS: [Color32; 10] = [
        Color32::from_rgb(76, 114, 176),
        Color32::from_rgb(221, 132, 82),
        Color32::from_rgb(85, 168, 104),
        Color32::from_rgb(196, 78, 82),
        Color32::from_rgb(129, 114, 179),
        Color32::from_rgb(147, 120, 96),
        Color32::from_rgb(218, 139, 195),
        Color32::from_rgb(140, 140, 140),
        Color32::from_rgb(204, 185, 116),
        Color32::from_rgb(100, 181, 205),
    ];
    COLORS[i % COLORS.len()]
}
