//! The tabs of the central area: a small file of its own so that commands, panels and views
//! can name a tab without importing the app.

/// The tabs of the central area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum Tab {
    #[default]
    Overview,
    Drift,
    Integrity,
    Seasonality,
    Health,
    Compression,
    Experiments,
    Retraining,
}

impl Tab {
    pub const ALL: [Tab; 8] = [
        Tab::Overview,
        Tab::Integrity,
        Tab::Drift,
        Tab::Seasonality,
        Tab::Health,
        Tab::Compression,
        Tab::Experiments,
        Tab::Retraining,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Drift => "Drift",
            Tab::Integrity => "Integrity",
            Tab::Seasonality => "Seasonality",
            Tab::Health => "Health",
            Tab::Compression => "Compression",
            Tab::Experiments => "Experiments",
            Tab::Retraining => "Retraining",
        }
    }

    /// A tab by its (case-insensitive) title, for `--tab`.
    pub fn from_name(name: &str) -> Option<Tab> {
        Tab::ALL
            .into_iter()
            .find(|t| t.title().eq_ignore_ascii_case(name.trim()))
    }
}
