//! Runs analyses over loaded datasets: pulls columns out of polars frames, splits rows into
//! windows, fans work out over the cores, and hands slices to the pure `analysis` core.
//! Shared by the CLI and the GUI (which calls it from background jobs); knows nothing of egui.

pub mod bench;
pub mod bench_many;
pub mod clock;
pub mod columns;
pub mod compare;
pub mod compression;
pub mod drift;
pub mod drift_detail;
pub mod experiment;
pub mod experiment_columns;
pub mod experiment_units;
pub mod feedback;
pub mod health;
pub mod integrity;
pub mod multivariate;
pub mod multivariate_settings;
pub mod power;
pub mod ranges;
pub mod retrain;
pub mod rollout;
pub mod seasonality;
pub mod serving;
pub mod text_drift;
pub mod text_drift_settings;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::data::{DataError, Dataset, LoadOptions};
use crate::vocab::Progress;

/// Why two files could not be loaded together.
#[derive(Debug, thiserror::Error)]
pub enum LoadPairError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("loading stopped unexpectedly")]
    Panicked,
}

/// Load a training and a production file at once, on two threads; `light` skips the
/// per-column statistics only the window shows (what the analysis commands need).
pub fn load_pair(
    reference: &Path,
    current: &Path,
    light: bool,
) -> Result<(Dataset, Dataset), LoadPairError> {
    let options = || LoadOptions {
        light,
        ..LoadOptions::default()
    };
    let load = |p: &Path| Dataset::load(p, &options(), &Progress::silent());
    std::thread::scope(|s| {
        let r = s.spawn(|| load(reference));
        let c = load(current);
        let r = r.join().map_err(|_| LoadPairError::Panicked)?;
        Ok((r?, c?))
    })
}

/// Map `f` over `items` on all cores, keeping the order of `items`. Work is handed out one item
/// at a time, so uneven items (a wide column, a long window) balance across threads.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else {
                        return;
                    };
                    let r = f(item);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parallel_map_keeps_order() {
        let v: Vec<u64> = (0..1000).collect();
        let out = super::parallel_map(&v, |x| x * 2);
        assert_eq!(out, v.iter().map(|x| x * 2).collect::<Vec<_>>());
    }
}
