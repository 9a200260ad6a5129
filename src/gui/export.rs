//! Exports from the window: the report snapshot (HTML or JSON, computed off the UI thread by
//! the same code as `sextant report`) and a PNG of the current view (egui's screenshot of the
//! central area, saved and copied to the clipboard).

use std::path::PathBuf;

use crate::jobs::{Job, Poll};
use crate::report::render;
use crate::report::{ReportFormat, ReportSource};
use crate::session::analyses::{self, Overlays};
use crate::vocab::Side;

use super::app::App;
pub use super::export_state::ExportState;
use super::view_ctx::ViewCtx;
use super::views::compression::export_work;

impl App {
    /// Compute the report in the background and write it to `path`.
    pub fn start_export(&mut self, format: ReportFormat, path: PathBuf) {
        if self.export.job.is_some() {
            self.status_error("An export is already running; wait for it or cancel it");
            return;
        }
        let mut session = self.snapshot();
        // The job reads the model from where it is now, not from the session-relative path.
        session.views.compression.model_path = self.compression.settings.model_path.clone();
        let session_path = self.session.path.clone();
        let title = self.session.name();
        let datasets = self.datasets.clone();
        let experiment_log = self.experiment_log.clone();
        let overlays = if self.export.all_columns {
            Overlays::All
        } else {
            Overlays::Drifted
        };
        let include_paths = self.export.include_paths;
        let label = format!("Exporting {}", crate::data::load::file_name(&path));
        let job = Job::spawn(label, self.waker(), move |progress| {
            let now = crate::engine::clock::now_micros();
            let [r, c] = &datasets;
            let (reference, current) = (r.as_deref(), c.as_deref());
            let data = analyses::SessionData {
                reference,
                current,
                experiment: experiment_log.as_deref(),
            };
            let analyses = analyses::run(&session, data, overlays, now, progress)
                .map_err(|_| "the export was cancelled".to_string())?;
            progress.set(Some(0.95), "Writing");
            let source = ReportSource {
                title,
                session: &session,
                session_path: session_path.as_deref(),
                reference,
                current,
                experiment: experiment_log.as_deref(),
                analyses: &analyses,
                generated: crate::vocab::time::format_iso(now),
                include_paths,
            };
            let text = render(format, &source);
            crate::session::write_text(&path, &text).map_err(|e| e.to_string())?;
            Ok((path, text.len()))
        });
        match job {
            Ok(job) => {
                self.export.job = Some(job);
                self.export.what = "report";
            }
            Err(e) => self.status_error(format!("The export could not start: {e}")),
        }
    }

    pub fn cancel_export(&mut self) {
        if let Some(job) = self.export.job.take() {
            job.progress().cancel();
            self.status_info("Export cancelled; nothing was written");
        }
    }

    /// Capture the central area at screen resolution into `path` and the clipboard.
    pub fn request_png(&mut self, path: PathBuf, ctx: &egui::Context) {
        let Some(rect) = self.export.view_rect else {
            self.status_error("There is no view to capture yet");
            return;
        };
        let slot = self.export.png.clone();
        let ppp = ctx.pixels_per_point();
        let wake = ctx.clone();
        ctx.request_screenshot(move |image| {
            let cropped = image.region(&rect, Some(ppp));
            let result = super::widgets::save_png(&cropped, &path).map(|()| (path, cropped));
            if let Ok(mut s) = slot.lock() {
                *s = Some(result);
            }
            wake.request_repaint();
        });
    }

    /// Collect finished exports (called every frame).
    pub fn export_logic(&mut self, ctx: &egui::Context) {
        if let Some(job) = &self.export.job {
            match job.poll() {
                Poll::Running => {}
                Poll::Done(result) => {
                    self.export.job = None;
                    match result {
                        Ok((path, bytes)) => self.status_info(format!(
                            "Wrote {} ({})",
                            path.display(),
                            crate::format::fmt_bytes(bytes as u64)
                        )),
                        Err(e) => {
                            let what = self.export.what;
                            self.status_error(format!("The {what} was not written: {e}"));
                        }
                    }
                }
                Poll::Gone => {
                    self.export.job = None;
                    self.status_error("The export stopped unexpectedly; nothing was written");
                }
            }
        }
        let done = self.export.png.lock().ok().and_then(|mut s| s.take());
        match done {
            Some(Ok((path, image))) => {
                ctx.copy_image(image);
                self.status_info(format!(
                    "Saved {} and copied the image to the clipboard",
                    path.display()
                ));
            }
            Some(Err(e)) => self.status_error(format!("The PNG was not saved: {e}")),
            None => {}
        }
    }

    /// Whether a report can be exported (some data is open).
    pub fn can_export(&self) -> bool {
        Side::BOTH.into_iter().any(|s| self.dataset(s).is_some())
    }
}

/// Write variant `name` of the Compression tab's sweep to `path` as ONNX (the export dialog's
/// answer), as the app's export job: its progress and Cancel in the status bar, its result as
/// the status message. Nothing happens when there is no such variant.
pub fn start_model_export(app: &mut App, name: String, path: PathBuf) {
    // Building the work only reads the app; the context's command list stays empty.
    let mut no_commands = Vec::new();
    let cx = ViewCtx::new(
        &app.datasets,
        &app.roles,
        &app.renames,
        &app.selected_column,
        app.tab,
        false,
        app.waker(),
        &mut no_commands,
    );
    let Some(work) = export_work(&app.compression, &cx, &name, path) else {
        return;
    };
    match Job::spawn(format!("Exporting {name}"), app.waker(), work) {
        Ok(job) => {
            app.export.job = Some(job);
            app.export.what = "model";
        }
        Err(e) => app.status_error(format!("The export could not start: {e}")),
    }
}
