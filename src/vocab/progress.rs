//! Progress of a long computation as its observers see it: a fraction, a stage, a cancel flag
//! and a waker. Plain data shared between threads; the threads themselves live in `jobs`.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Called whenever a job has news (progress or a result); e.g. `ctx.request_repaint()`.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// The error a job returns when it noticed the cancel flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// Progress shared between a job's thread and its observers. Cheap to clone.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<ProgressInner>,
}

struct ProgressInner {
    /// Fraction done in [0, 1] as f32 bits; `u32::MAX` means "unknown" (indeterminate bar).
    fraction_bits: AtomicU32,
    stage: Mutex<String>,
    cancel: AtomicBool,
    waker: Option<Waker>,
}

const UNKNOWN: u32 = u32::MAX;

impl Progress {
    /// A progress handle with an optional waker.
    pub fn new(waker: Option<Waker>) -> Self {
        Self {
            inner: Arc::new(ProgressInner {
                fraction_bits: AtomicU32::new(UNKNOWN),
                stage: Mutex::new(String::new()),
                cancel: AtomicBool::new(false),
                waker,
            }),
        }
    }

    /// A handle that nobody observes (tests, synchronous callers).
    pub fn silent() -> Self {
        Self::new(None)
    }

    /// Report the current stage; `fraction` is `None` while the amount of work is unknown.
    pub fn set(&self, fraction: Option<f32>, stage: impl Into<String>) {
        let bits = fraction.map_or(UNKNOWN, |f| f.clamp(0.0, 1.0).to_bits());
        self.inner.fraction_bits.store(bits, Ordering::Relaxed);
        if let Ok(mut s) = self.inner.stage.lock() {
            *s = stage.into();
        }
        self.wake();
    }

    /// Update only the fraction (hot loops: no allocation).
    pub fn set_fraction(&self, fraction: f32) {
        self.inner
            .fraction_bits
            .store(fraction.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
        self.wake();
    }

    /// Fraction done, or `None` when unknown.
    pub fn fraction(&self) -> Option<f32> {
        let bits = self.inner.fraction_bits.load(Ordering::Relaxed);
        (bits != UNKNOWN).then(|| f32::from_bits(bits))
    }

    /// The current stage text ("Reading file", "Summarising columns", …).
    pub fn stage(&self) -> String {
        self.inner
            .stage
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Ask the job to stop at its next check.
    pub fn cancel(&self) {
        self.inner.cancel.store(true, Ordering::Relaxed);
        self.wake();
    }

    /// Ask the work to stop without waking the observer (whoever dropped the job is gone).
    pub fn request_stop(&self) {
        self.inner.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancellation was requested; use with `?` between stages.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Tell the observer there is news (progress or a result).
    pub fn wake(&self) {
        if let Some(w) = &self.inner.waker {
            w();
        }
    }
}
