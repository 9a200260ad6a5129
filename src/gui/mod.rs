//! The window (feature `gui`): draws state and sends commands; computes nothing itself.
//!
//! [`app::App`] holds everything the window shows and is driven both by eframe (through
//! [`SextantApp`]) and by egui_kittest in tests. Deep UI code pushes a [`command::Command`];
//! the app applies commands after the frame.

pub mod app;
pub mod command;
pub mod computed;
pub mod export;
pub mod export_state;
pub mod file_dialog;
pub mod frame;
pub mod panels;
pub mod prefs;
pub mod recovery;
pub mod session;
pub mod session_state;
pub mod status;
pub mod tab;
pub mod view_ctx;
pub mod views;
pub mod widgets;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::sample_data;
use crate::vocab::Slot;

/// The name eframe stores preferences under (and the folder of the recovery copy).
const APP_ID: &str = "Sextant";

/// What the command line asked the window to do.
#[derive(Debug, Default)]
pub struct Launch {
    /// Training file, then optionally production file. Empty: the bundled sample data.
    pub files: Vec<PathBuf>,
    /// Column to select at start.
    pub column: Option<String>,
    /// Tab to show at start.
    pub tab: Option<String>,
    /// Window size in points.
    pub window_size: Option<[f32; 2]>,
    /// Save a PNG of the window once loading has finished, then quit.
    pub screenshot: Option<PathBuf>,
    /// ONNX model to open in the Compression tab.
    pub model: Option<PathBuf>,
}

/// Open the window and run until it is closed.
pub fn run(launch: Launch) -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Sextant")
            .with_inner_size(launch.window_size.unwrap_or([1280.0, 800.0]))
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true),
        persist_window: launch.screenshot.is_none() && launch.window_size.is_none(),
        // A screenshot must not depend on this machine's history: egui's memory (which
        // panels are open) is otherwise restored from the user's storage file.
        persistence_path: launch.screenshot.as_ref().map(|_| {
            std::env::temp_dir().join(format!("sextant-screenshot-{}.ron", std::process::id()))
        }),
        ..Default::default()
    };
    eframe::run_native(
        APP_ID,
        options,
        Box::new(move |cc| Ok(Box::new(SextantApp::new(cc, launch)))),
    )
}

/// The eframe shell around [`app::App`]: persistence, the screenshot flag, nothing else.
pub struct SextantApp {
    app: app::App,
    screenshot: Option<ScreenshotState>,
}

struct ScreenshotState {
    path: PathBuf,
    frames: u32,
    requested: bool,
    done: Arc<Mutex<Option<Result<(), String>>>>,
}

impl SextantApp {
    fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> Self {
        let prefs = if launch.screenshot.is_some() {
            // Smoke tests and README screenshots must not depend on this machine's history.
            prefs::Prefs::default()
        } else {
            cc.storage.map(prefs::Prefs::load).unwrap_or_default()
        };
        let mut app = app::App::new(prefs);
        app.set_waker(&cc.egui_ctx);
        // `sextant analysis.sextant` opens a session instead of data files.
        let session_file = match launch.files.as_slice() {
            [one]
                if one.extension().and_then(|e| e.to_str()) == Some(crate::session::EXTENSION) =>
            {
                Some(one.clone())
            }
            _ => None,
        };
        if launch.screenshot.is_some() {
            // The screenshot driver closes the window itself; nothing is saved.
            app.session.allow_close = true;
        } else {
            if let Some(dir) = eframe::storage_dir(APP_ID) {
                app.start_recovery(&dir);
            }
        }
        let files = if let Some(path) = &session_file {
            app.read_session_file(path);
            if launch.screenshot.is_some() {
                // Screenshots and smoke tests have no one to confirm the paths.
                app.push(command::Command::ConfirmOpenSession);
            }
            Vec::new()
        } else if launch.files.is_empty() {
            sample_data::bundled_dir()
                .map(|d| {
                    vec![
                        d.join(sample_data::TRAINING_PARQUET),
                        d.join(sample_data::PRODUCTION_PARQUET),
                        d.join(sample_data::experiment::EXPERIMENT_PARQUET),
                    ]
                    .into_iter()
                    .filter(|p| p.is_file())
                    .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        } else {
            launch.files.clone()
        };
        if launch.files.is_empty() && files.is_empty() && session_file.is_none() {
            app.status_info(
                "No sample data found: open a training file with File > Open training…",
            );
        }
        if let Some(name) = &launch.tab {
            // `health:versions` and `health:feedback` open a page of the Health tab.
            let (name, page) = name.split_once(':').unwrap_or((name.as_str(), ""));
            match page.trim().to_ascii_lowercase().as_str() {
                "versions" => app.health.page = views::health::HealthPage::Versions,
                "feedback" => app.health.page = views::health::HealthPage::Feedback,
                _ => {}
            }
            match app::Tab::from_name(name) {
                Some(tab) => app.push(command::Command::SetTab(tab)),
                None => app.status_error(format!("There is no tab named \"{name}\"")),
            }
        }
        if let Some(model) = launch.model.clone() {
            app.compression.settings.model_path = Some(model);
        }
        if let Some(column) = launch.column.clone() {
            app.push(command::Command::SelectColumn(column));
        }
        // Training, production, then an experiment log.
        for (slot, path) in Slot::ALL.into_iter().zip(files) {
            app.push(command::Command::Load(slot, path));
        }
        Self {
            app,
            screenshot: launch.screenshot.map(|path| ScreenshotState {
                path,
                frames: 0,
                requested: false,
                done: Arc::new(Mutex::new(None)),
            }),
        }
    }

    /// After loading settles and a few frames have drawn, capture the window, save it, quit.
    fn drive_screenshot(&mut self, ctx: &egui::Context) {
        let Some(shot) = &mut self.screenshot else {
            return;
        };
        shot.frames += 1;
        ctx.request_repaint();
        if !shot.requested && shot.frames > 20 && !self.app.is_busy() {
            shot.requested = true;
            let (path, done, ctx2) = (shot.path.clone(), shot.done.clone(), ctx.clone());
            ctx.request_screenshot(move |image| {
                let result = widgets::save_png(&image, &path);
                if let Ok(mut d) = done.lock() {
                    *d = Some(result);
                }
                ctx2.request_repaint();
            });
        }
        let finished = shot.done.lock().ok().and_then(|mut d| d.take());
        if let Some(result) = finished {
            if let Err(e) = result {
                eprintln!("error: {e}");
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

impl eframe::App for SextantApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.app.logic(ctx);
        self.drive_screenshot(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
    }

    fn persist_egui_memory(&self) -> bool {
        self.screenshot.is_none()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() {
            self.app.prefs.save(storage);
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Closing with unsaved changes the user did not discard (the window was closed
        // without the question, e.g. at logout) keeps a recovery copy for the next start.
        if self.app.session.dirty && !self.app.session.allow_close {
            self.app.write_recovery();
        } else if !self.app.session.dirty {
            self.app.remove_recovery();
        }
        self.app.end_recovery();
    }
}
