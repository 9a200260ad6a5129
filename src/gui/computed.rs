//! A value computed in the background from inputs that can change: the pattern every analysis
//! view uses. While a new value is computed the previous one stays visible (drawn dimmed), a
//! new request cancels the old one, and a failure keeps the previous value next to the error.

use std::sync::Arc;

use crate::jobs::{Job, Poll};
use crate::vocab::{Progress, Waker};

/// The state of a background computation of a `T` from inputs identified by a key.
pub struct Computed<T> {
    job: Option<Job<Result<T, String>>>,
    /// The key of the inputs of the running job, or of `value` when idle.
    key: Option<u64>,
    /// The last value that finished successfully.
    pub value: Option<Arc<T>>,
    /// The last failure, cleared when a computation succeeds.
    pub error: Option<String>,
}

impl<T> Default for Computed<T> {
    fn default() -> Self {
        Self {
            job: None,
            key: None,
            value: None,
            error: None,
        }
    }
}

impl<T: Send + Sync + 'static> Computed<T> {
    /// Start computing for inputs `key` unless that is already done or under way.
    /// `work` runs on its own thread; it should call `progress.check()` between stages.
    pub fn request(
        &mut self,
        key: u64,
        label: &str,
        waker: Option<Waker>,
        work: impl FnOnce(&Progress) -> Result<T, String> + Send + 'static,
    ) {
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        // Dropping the previous job cancels it.
        match Job::spawn(label, waker, work) {
            Ok(job) => self.job = Some(job),
            Err(e) => {
                self.job = None;
                self.error = Some(format!("{label} could not start: {e}"));
            }
        }
    }

    /// Forget the inputs so the next `request` recomputes (e.g. after a dataset changed).
    pub fn invalidate(&mut self) {
        self.key = None;
    }

    /// Collect a finished result. Returns true when something changed.
    pub fn poll(&mut self) -> bool {
        let Some(job) = &self.job else {
            return false;
        };
        match job.poll() {
            Poll::Running => false,
            Poll::Done(Ok(v)) => {
                self.value = Some(Arc::new(v));
                self.error = None;
                self.job = None;
                true
            }
            Poll::Done(Err(e)) => {
                self.error = Some(e);
                self.job = None;
                true
            }
            Poll::Gone => {
                self.error = Some("the computation stopped unexpectedly".into());
                self.job = None;
                true
            }
        }
    }

    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Progress of the running job.
    pub fn progress(&self) -> Option<&Progress> {
        self.job.as_ref().map(|j| j.progress())
    }

    /// Stop the running job; the previous value stays.
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.progress().cancel();
            self.key = None;
        }
    }

    /// A progress bar with a Cancel button while running; the error (if any) otherwise.
    pub fn status_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(p) = self.progress() {
            let stage = p.stage();
            let bar = match p.fraction() {
                Some(f) => egui::ProgressBar::new(f).show_percentage(),
                None => egui::ProgressBar::new(0.0).animate(true),
            };
            let mut cancel = false;
            ui.horizontal(|ui| {
                ui.add(bar.desired_width(200.0).text(stage));
                cancel = ui.button("Cancel").clicked();
            });
            if cancel {
                self.cancel();
            }
        } else if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
}

/// A stable hash of anything hashable, for `Computed` keys.
pub fn key_of(value: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}
