//! The views of the central area, one file each.

pub mod ab_detail;
pub mod compare;
pub mod compression;
pub mod drift;
pub mod drift_multivariate;
pub mod drift_text;
pub mod experiments;
pub mod feedback;
pub mod health;
pub mod integrity;
pub mod overview;
pub mod retraining;
pub mod rollout;
pub mod seasonality;
pub mod serving;

/// A sentence with its first letter in upper case, as the window writes messages.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A typed number refused by its range ([`crate::engine::ranges`]): the sentence inline, in
/// the error colour, next to the field. The setting keeps its previous value, so the result
/// shown is still the one of the settings in force.
pub fn range_error_ui(ui: &mut egui::Ui, error: Option<&str>) {
    if let Some(e) = error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}
