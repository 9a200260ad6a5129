//! Presenters: turn an analysis's outcome into text for people (aligned tables) and JSON for
//! pipelines. They read outcomes only and compute nothing; the command line, the window's
//! exports and the report call them, so every front end writes the same bytes.

pub mod bench;
pub mod check;
pub mod compare;
pub mod compression;
pub mod drift;
pub mod experiment;
pub mod feedback;
pub mod health;
pub mod inspect;
pub mod integrity;
pub mod json;
pub mod multivariate;
pub mod power;
pub mod retrain;
pub mod rollout;
pub mod seasonality;
pub mod serving;
pub mod session;
pub mod table;
pub mod text_drift;
