//! A value computed in the background from inputs that can change: the pattern every analysis
//! view uses. While a new value is computed the previous one stays visible (drawn dimmed), a
//! new request cancels the old one, and a failure keeps the previous value next to the error.
//! A cancelled computation stays cancelled: the same inputs are not started again until they
//! change or the user asks ([`Computed::invalidate`], the "Run again" button).

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
    /// The user cancelled the computation for `key`: requests for the same inputs wait until
    /// the inputs change or [`Computed::invalidate`] is called.
    cancelled: bool,
}

impl<T> Default for Computed<T> {
    fn default() -> Self {
        Self {
            job: None,
            key: None,
            value: None,
            error: None,
            cancelled: false,
        }
    }
}

impl<T: Send + Sync + 'static> Computed<T> {
    /// Start computing for inputs `key` unless that is already done, under way, or was
    /// cancelled by the user.
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
        self.cancelled = false;
        // Dropping the previous job cancels it.
        match Job::spawn(label, waker, work) {
            Ok(job) => self.job = Some(job),
            Err(e) => {
                self.job = None;
                self.error = Some(format!("{label} could not start: {e}"));
            }
        }
    }

    /// Forget the inputs so the next `request` recomputes (an explicit Run, or a change the
    /// key does not see); this is also how a cancelled computation is started again.
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

    /// Whether the user cancelled the computation for the current inputs (and it was not
    /// started again).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled && self.job.is_none()
    }

    /// Stop the running job; the previous value stays, and the same inputs are not started
    /// again (the key is kept) until they change or [`Computed::invalidate`] is called.
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.progress().cancel();
            self.cancelled = true;
        }
    }

    /// A progress bar with a Cancel button while running; after a cancel "Cancelled." and a
    /// "Run again" button; the error (if any) otherwise.
    pub fn status_ui(&mut self, ui: &mut egui::Ui) {
        self.status_ui_again(ui, "Run again");
    }

    /// [`Computed::status_ui`] with `again` as the label of the button that starts a cancelled
    /// computation again.
    pub fn status_ui_again(&mut self, ui: &mut egui::Ui, again: &str) {
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
        } else if self.is_cancelled() {
            ui.weak("Cancelled.");
            if ui.button(again).clicked() {
                self.invalidate();
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
