//! Background jobs: work that runs off the UI thread, reports progress, and can be cancelled.
//!
//! A job is a named thread, a shared [`Progress`] (fraction, stage text, cancel flag) and a
//! one-slot channel for its result. The waker is called whenever progress or the result changes,
//! so the GUI can repaint (and the CLI can print a progress line) without polling in a busy loop.
//! Nothing here knows about egui.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

pub use crate::vocab::{Cancelled, Progress, Waker};

/// The state of a job as seen by whoever started it.
pub enum Poll<T> {
    /// Still running.
    Running,
    /// Finished with this result (taken: a second poll returns `Gone`).
    Done(T),
    /// The thread ended without sending a result (it panicked) or the result was taken.
    Gone,
}

/// A handle to a running background job producing a `T`.
pub struct Job<T> {
    /// What the job does, for the status bar ("Loading training.parquet").
    pub label: String,
    progress: Progress,
    rx: Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Start `work` on a named thread. `work` receives the progress handle and should call
    /// [`Progress::check`] between stages.
    pub fn spawn(
        label: impl Into<String>,
        waker: Option<Waker>,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let label = label.into();
        let progress = Progress::new(waker);
        let (tx, rx): (SyncSender<T>, Receiver<T>) = sync_channel(1);
        let thread_progress = progress.clone();
        std::thread::Builder::new()
            .name(format!("job: {label}"))
            .spawn(move || {
                let result = work(&thread_progress);
                // The receiver may be gone (job replaced or cancelled): that is fine.
                let _ = tx.send(result);
                thread_progress.wake();
            })?;
        Ok(Self {
            label,
            progress,
            rx,
        })
    }

    /// Non-blocking check for the result.
    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(v) => Poll::Done(v),
            Err(TryRecvError::Empty) => Poll::Running,
            Err(TryRecvError::Disconnected) => Poll::Gone,
        }
    }

    /// Block until the job finishes (CLI and tests).
    pub fn wait(self) -> Option<T> {
        self.rx.recv().ok()
    }

    /// The job's progress handle (fraction, stage, cancel).
    pub fn progress(&self) -> &Progress {
        &self.progress
    }
}

impl<T> Drop for Job<T> {
    /// A dropped job is no longer wanted: ask its thread to stop early.
    fn drop(&mut self) {
        self.progress.request_stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn job_returns_result_and_wakes() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        let job = Job::spawn(
            "sum",
            Some(Arc::new(move || {
                w.fetch_add(1, Ordering::Relaxed);
            })),
            |p| {
                p.set(Some(0.5), "half");
                21 * 2
            },
        )
        .expect("spawn");
        assert_eq!(job.wait(), Some(42));
        assert!(wakes.load(Ordering::Relaxed) >= 1);
    }

    #[test]
    fn cancel_is_seen_by_the_job() {
        let (go_tx, go_rx) = sync_channel::<()>(1);
        let job = Job::spawn("wait", None, move |p| {
            let _ = go_rx.recv();
            p.check()
        })
        .expect("spawn");
        job.progress().cancel();
        go_tx.send(()).expect("send");
        assert_eq!(job.wait(), Some(Err(Cancelled)));
    }

    #[test]
    fn fraction_unknown_until_set() {
        let p = Progress::silent();
        assert_eq!(p.fraction(), None);
        p.set(Some(1.5), "x");
        assert_eq!(p.fraction(), Some(1.0));
        assert_eq!(p.stage(), "x");
    }
}
