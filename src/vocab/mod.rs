//! The vocabulary every layer speaks: which side a dataset is, what a column means (its role)
//! and holds (its kind), what a model predicts (its task), how production columns were
//! renamed, calendar arithmetic on microsecond timestamps, the one random-number generator, and
//! the progress of a long computation. A leaf: nothing here imports the rest of the crate, so
//! analysis, data, engine, presenters and front ends can all use it.

pub mod kind;
pub mod metric;
pub mod progress;
pub mod renames;
pub mod rng;
pub mod role;
pub mod side;
pub mod task;
pub mod time;

pub use kind::ColumnKind;
pub use metric::DriftMetric;
pub use progress::{Cancelled, Progress, Waker};
pub use renames::Renames;
pub use rng::Rng;
pub use role::{Role, experiment_role_from_name, role_from_name};
pub use side::{Side, Slot};
pub use task::Task;
