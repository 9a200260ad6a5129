//! Sessions and exports in the window, driven by egui_kittest through the real menus and
//! dialogs: save → reopen gives the same settings, unsaved changes are asked about, a missing
//! file is located, a changed file is flagged, bad session files say why, the recovery copy is
//! offered back (only once the window that wrote it is gone, also as a real second process),
//! and reports are written.
#![cfg(feature = "gui")]

mod common;

use std::path::{Path, PathBuf};

use common::{harness, sample_app, settle};
use egui::accesskit::Role as A11yRole;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sextant::analysis::drift::DriftMethod;
use sextant::gui::app::{App, StatusKind, Tab};
use sextant::gui::command::Command;
use sextant::session::{self, Session};
use sextant::vocab::Side;

/// Open the File menu and click one of its items.
fn file_menu(h: &mut Harness<'static, App>, item: &str) {
    h.get_by_role_and_label(A11yRole::Button, "File").click();
    h.run_steps(2);
    // Items with a shortcut carry it in their label ("Save session Ctrl+S").
    h.get_by(|n| n.role() == A11yRole::Button && n.label().is_some_and(|l| l.starts_with(item)))
        .click();
    settle(h);
}

/// Answer Sextant's own file prompt with `path` and press its button.
fn answer_prompt(h: &mut Harness<'static, App>, path: &Path, button: &str) {
    let prompt = h.state_mut().path_prompt.as_mut().expect("a file prompt");
    prompt.text = path.display().to_string();
    h.run_steps(2);
    h.get_by_role_and_label(A11yRole::Button, button).click();
    settle(h);
}

/// Change settings in several views, and write a note through its text box.
fn edit_some_settings(h: &mut Harness<'static, App>) {
    {
        let app = h.state_mut();
        app.push(Command::SetTab(Tab::Drift));
        app.drift.settings.threshold = Some(0.2);
        app.drift
            .settings
            .per_column
            .insert("age".into(), DriftMethod::Psi);
        app.integrity.params.null_error_increase = 0.1;
        app.seasonality.settings.periods = vec![7];
        app.push(Command::AcceptRename(
            "num_open_accounts".into(),
            "open_accounts".into(),
        ));
    }
    settle(h);
    let note = h.get_by_role_and_label(A11yRole::MultilineTextInput, "Session note");
    note.focus();
    note.type_text("Q4 check");
    settle(h);
}

fn saved_session(dir: &Path) -> (Harness<'static, App>, PathBuf) {
    let path = dir.join("weekly.sextant");
    let mut h = harness(sample_app());
    settle(&mut h);
    edit_some_settings(&mut h);
    assert!(h.state().session.dirty);
    file_menu(&mut h, "Save session as…");
    answer_prompt(&mut h, &path, "Save");
    (h, path)
}

#[test]
fn save_and_reopen_through_the_menus_restores_every_setting() {
    let dir = tempfile::tempdir().expect("tmp");
    let (h, path) = saved_session(dir.path());
    assert!(path.is_file(), "the session was not written");
    assert!(!h.state().session.dirty);
    assert_eq!(h.state().session.name(), "weekly");
    let on_disk = session::read(&path).expect("a valid session");
    assert_eq!(on_disk.notes.session, "Q4 check");
    assert_eq!(on_disk.views.drift.threshold, Some(0.2));
    assert_eq!(on_disk.layout.tab, "drift");
    assert_eq!(
        on_disk.renames,
        vec![("num_open_accounts".to_string(), "open_accounts".to_string())]
    );
    let before = h.state().snapshot();
    assert_eq!(before, on_disk);

    // A fresh window opens it: the paths are shown first, then everything comes back.
    let mut h2 = harness(App::with_datasets(None, None));
    settle(&mut h2);
    file_menu(&mut h2, "Open session…");
    answer_prompt(&mut h2, &path, "Open");
    h2.get_by_label_contains("Nothing has been read yet");
    assert!(h2.state().dataset(Side::Reference).is_none());
    h2.get_by_role_and_label(A11yRole::Button, "Open").click();
    settle(&mut h2);
    let app = h2.state();
    assert_eq!(app.snapshot(), on_disk);
    assert_eq!(app.tab, Tab::Drift);
    assert!(!app.session.dirty, "a session just opened has no changes");
    assert_eq!(app.prefs.recent_sessions.first(), Some(&path));
}

#[test]
fn unsaved_changes_are_asked_about_before_opening_another_session() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut h, _path) = saved_session(dir.path());
    h.state_mut().session.notes.session.push_str(" (edited)");
    settle(&mut h);
    assert!(h.state().session.dirty);
    file_menu(&mut h, "Open session…");
    h.get_by_label("Save changes to weekly?");
    h.get_by_role_and_label(A11yRole::Button, "Cancel").click();
    settle(&mut h);
    assert!(h.state().session.unsaved_prompt.is_none());
    assert!(h.state().path_prompt.is_none(), "cancel goes nowhere");
    assert!(h.state().session.dirty, "nothing was lost");

    // Quitting asks too; Save writes the edit and then goes on.
    h.state_mut().push(Command::Quit);
    settle(&mut h);
    h.get_by_role_and_label(A11yRole::Button, "Save").click();
    settle(&mut h);
    assert!(!h.state().session.dirty);
    let path = h.state().session.path.clone().expect("path");
    assert!(
        session::read(&path)
            .expect("read")
            .notes
            .session
            .ends_with("(edited)")
    );
}

/// A session naming the sample files, written to `dir`, with `edit` applied.
fn session_file(dir: &Path, name: &str, edit: impl FnOnce(&mut Session)) -> PathBuf {
    let h = {
        let mut h = harness(sample_app());
        settle(&mut h);
        h
    };
    let mut s = h.state().snapshot();
    edit(&mut s);
    let path = dir.join(name);
    session::write(&path, &s).expect("write");
    path
}

#[test]
fn a_missing_dataset_is_located_and_remembered() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = session_file(dir.path(), "moved.sextant", |s| {
        if let Some(r) = s.datasets.reference.as_mut() {
            r.path = PathBuf::from("/no/such/place/credit_training.parquet");
        }
    });
    let mut h = harness(App::with_datasets(None, None));
    settle(&mut h);
    h.state_mut().push(Command::OpenSessionPath(path.clone()));
    settle(&mut h);
    h.get_by_label("missing");
    h.get_by_role_and_label(A11yRole::Button, "Locate…").click();
    settle(&mut h);
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_training.parquet");
    answer_prompt(&mut h, &real, "Open");
    assert!(h.query_by_label("missing").is_none());
    h.get_by_role_and_label(A11yRole::Button, "Open").click();
    settle(&mut h);
    let app = h.state();
    assert_eq!(
        app.dataset(Side::Reference).map(|d| d.path.clone()),
        Some(real)
    );
    assert!(
        app.session.dirty,
        "the new location needs saving to be remembered"
    );
}

#[test]
fn a_changed_dataset_is_flagged_before_the_results() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = session_file(dir.path(), "changed.sextant", |s| {
        if let Some(c) = s.datasets.current.as_mut() {
            c.fingerprint = Some("xxh3:0000000000000000".into());
        }
    });
    let mut h = harness(App::with_datasets(None, None));
    h.state_mut().push(Command::OpenSessionPath(path));
    settle(&mut h);
    h.get_by_role_and_label(A11yRole::Button, "Open").click();
    settle(&mut h);
    h.get_by_label("Data changed since the session was saved");
    h.get_by_label_contains("credit_production.parquet changed since the session was saved");
    h.get_by_role_and_label(A11yRole::Button, "Show results")
        .click();
    settle(&mut h);
    assert!(h.state().session.changed.is_empty());
}

#[test]
fn bad_session_files_say_why_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let corrupt = dir.path().join("corrupt.sextant");
    std::fs::write(
        &corrupt,
        "Session(\n  version: 1,\n  roles: RoleMap(roles: {\n",
    )
    .expect("w");
    let newer = dir.path().join("newer.sextant");
    std::fs::write(&newer, "Session(version: 9)").expect("w");
    let mut h = harness(sample_app());
    settle(&mut h);
    for (path, expected) in [
        (&corrupt, "corrupt.sextant is not a valid Sextant session"),
        (&newer, "newer.sextant was saved by a newer Sextant"),
    ] {
        h.state_mut().push(Command::OpenSessionPath(path.clone()));
        settle(&mut h);
        let status = h.state().status.clone().expect("status");
        assert_eq!(status.kind, StatusKind::Error);
        assert!(status.text.contains(expected), "{}", status.text);
        assert!(h.state().session.opening.is_none());
        assert!(h.state().dataset(Side::Reference).is_some(), "data kept");
    }
    let status = {
        h.state_mut().push(Command::OpenSessionPath(corrupt));
        settle(&mut h);
        h.state().status.clone().expect("status").text
    };
    assert!(status.contains("at line 3, column"), "{status}");
}

/// A window keeping its recovery copies in `dir`, drawn once.
fn window_in(dir: &Path, mut app: App) -> Harness<'static, App> {
    app.start_recovery(dir);
    let mut h = harness(app);
    settle(&mut h);
    h
}

fn offers_recovery(h: &Harness<'static, App>) -> bool {
    h.query_by_label("Restore unsaved work?").is_some()
}

/// The files in the recovery folder whose name ends in `.sextant`.
fn copies_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sextant"))
        .collect();
    names.sort();
    names
}

/// A copy as a window that crashed leaves it: the copy, its origin, and a lock file nobody
/// holds; written `age_secs` ago.
fn orphan(dir: &Path, stem: &str, note: &str, origin: &str, age_secs: u64) {
    let mut s = Session::default();
    s.notes.session = note.into();
    let copy = dir.join(format!("{stem}.sextant"));
    session::write(&copy, &s).expect("write");
    std::fs::write(dir.join(format!("{stem}.origin")), origin).expect("write");
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age_secs);
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .and_then(|f| f.set_modified(when))
        .expect("mtime");
}

#[test]
fn the_recovery_copy_is_offered_after_a_crash() {
    let dir = tempfile::tempdir().expect("tmp");
    let recovery = dir.path().join("recovery");
    let mut h = window_in(&recovery, sample_app());
    assert!(!offers_recovery(&h), "nothing to recover in a new folder");
    h.state_mut().session.notes.session = "unsaved thoughts".into();
    settle(&mut h);
    assert!(h.state().session.dirty);
    h.state_mut().write_recovery();
    let crashed = h
        .state()
        .session
        .recovery
        .as_ref()
        .expect("store")
        .stem()
        .to_string();
    // The window "crashes" here: its lock goes with it, its copy stays.
    drop(h);
    let mut h2 = window_in(&recovery, App::with_datasets(None, None));
    h2.get_by_label("Restore unsaved work?");
    h2.get_by_role_and_label(A11yRole::Button, "Restore")
        .click();
    settle(&mut h2);
    let app = h2.state();
    assert_eq!(app.session.notes.session, "unsaved thoughts");
    assert!(app.dataset(Side::Current).is_some());
    assert!(app.session.dirty, "a restored copy is unsaved until saved");
    // The crashed window's copy became this window's own: nothing to offer a third window.
    let own = app.session.recovery.as_ref().expect("store");
    assert!(!recovery.join(format!("{crashed}.sextant")).exists());
    assert_eq!(
        copies_in(&recovery),
        vec![format!("{}.sextant", own.stem())]
    );
    assert_eq!(
        session::read(&own.copy_path()).expect("read").notes.session,
        "unsaved thoughts"
    );
    assert!(!offers_recovery(&window_in(
        &recovery,
        App::with_datasets(None, None)
    )));
}

#[test]
fn a_live_windows_copy_is_neither_offered_nor_removed_by_another_window() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut first = window_in(dir.path(), sample_app());
    first.state_mut().session.notes.session = "first window's work".into();
    settle(&mut first);
    first.state_mut().write_recovery();
    let copy = first
        .state()
        .session
        .recovery
        .as_ref()
        .expect("store")
        .copy_path();
    let bytes = std::fs::read(&copy).expect("read");

    // A second, clean window: it offers nothing, autosaves (removing only its own copy, which
    // it has not got), and closes cleanly.
    let mut second = window_in(dir.path(), sample_app());
    assert!(
        !offers_recovery(&second),
        "a live window's copy was offered"
    );
    assert!(!second.state().session.dirty);
    second.state_mut().write_recovery();
    second.state_mut().remove_recovery();
    second.state_mut().end_recovery();
    drop(second);
    assert_eq!(std::fs::read(&copy).expect("still there"), bytes);

    // The first window closes cleanly: its copy goes, and nothing is left to offer.
    first.state_mut().session.notes.session.clear();
    settle(&mut first);
    first.state_mut().write_recovery();
    first.state_mut().end_recovery();
    assert!(!copy.exists());
    assert!(copies_in(dir.path()).is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "lock files left"
    );
}

#[test]
fn orphans_are_offered_newest_first_and_the_old_single_copy_once() {
    let dir = tempfile::tempdir().expect("tmp");
    // The single copy of earlier versions, and two windows that crashed.
    orphan(dir.path(), "recovery", "oldest", "", 3 * 3600);
    orphan(
        dir.path(),
        "recovery-4000001",
        "newest",
        "/work/a.sextant",
        60,
    );
    orphan(dir.path(), "recovery-4000002", "middle", "", 600);
    // A window killed with nothing unsaved leaves only its lock file; one killed in the middle
    // of an autosave, also the autosave's hidden temporary file.
    std::fs::write(dir.path().join("recovery-4000009.lock"), "").expect("write");
    let torn = dir.path().join(".recovery-4000001.sextant.tmp-4000001-7");
    std::fs::write(torn, "(ver").expect("write");
    let mut h = window_in(dir.path(), App::with_datasets(None, None));
    let mut seen = Vec::new();
    while offers_recovery(&h) {
        let offer = h.state().session.recovery_offer.as_ref().expect("offer");
        seen.push((
            offer.session.notes.session.clone(),
            offer.more,
            offer.age.clone(),
        ));
        if offer.more > 0 {
            h.get_by_label_contains("left by other windows: Discard shows the next");
        }
        h.get_by_role_and_label(A11yRole::Button, "Discard").click();
        settle(&mut h);
    }
    assert_eq!(
        seen,
        vec![
            ("newest".into(), 2, "a minute ago".into()),
            ("middle".into(), 1, "10 minutes ago".into()),
            ("oldest".into(), 0, "3 hours ago".into()),
        ]
    );
    assert!(copies_in(dir.path()).is_empty(), "a declined copy stayed");
    let own = h
        .state()
        .session
        .recovery
        .as_ref()
        .expect("store")
        .stem()
        .to_string();
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec![format!("{own}.lock")],
        "only this window's lock file stays"
    );
}

#[test]
fn restoring_one_of_several_keeps_the_others_for_the_next_start() {
    let dir = tempfile::tempdir().expect("tmp");
    orphan(dir.path(), "recovery-4000001", "newest", "", 60);
    orphan(dir.path(), "recovery-4000002", "older", "", 600);
    let mut h = window_in(dir.path(), App::with_datasets(None, None));
    h.get_by_role_and_label(A11yRole::Button, "Restore").click();
    settle(&mut h);
    assert_eq!(h.state().session.notes.session, "newest");
    let status = h.state().status.clone().expect("status").text;
    assert!(status.contains("1 more recovery copy is kept"), "{status}");
    assert!(
        !offers_recovery(&h),
        "a second restore would replace the first"
    );
    // The next window offers the other one.
    let next = window_in(dir.path(), App::with_datasets(None, None));
    let offer = next.state().session.recovery_offer.as_ref().expect("offer");
    assert_eq!(offer.session.notes.session, "older");
}

#[test]
fn a_dead_processs_copy_under_a_reused_pid_is_offered_not_overwritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let reused = format!("recovery-{}", std::process::id());
    orphan(
        dir.path(),
        &reused,
        "before the pid came round again",
        "",
        120,
    );
    let mut h = window_in(dir.path(), sample_app());
    let own = h
        .state()
        .session
        .recovery
        .as_ref()
        .expect("store")
        .stem()
        .to_string();
    assert_ne!(own, reused);
    let offer = h.state().session.recovery_offer.as_ref().expect("offer");
    assert_eq!(
        offer.session.notes.session,
        "before the pid came round again"
    );
    h.state_mut().session.notes.session = "this window's work".into();
    settle(&mut h);
    // The offer is still open: nothing is written over anything until it is answered.
    h.get_by_role_and_label(A11yRole::Button, "Discard").click();
    settle(&mut h);
    h.state_mut().write_recovery();
    assert_eq!(copies_in(dir.path()), vec![format!("{own}.sextant")]);
}

const CHILD_DIR: &str = "SEXTANT_TEST_RECOVERY_CHILD_DIR";

/// The other window of `a_copy_is_offered_only_once_its_process_is_gone`, which runs this
/// test binary again for this one test: a real second process holding its recovery copy
/// through the same code a window uses, until it is killed or told to exit.
#[test]
#[ignore = "run as a second process by a_copy_is_offered_only_once_its_process_is_gone"]
fn recovery_child_process() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let mut app = App::with_datasets(None, None);
    app.start_recovery(Path::new(&dir));
    app.session.notes.session = "the other process's work".into();
    app.session.dirty = true;
    app.write_recovery();
    let stem = app
        .session
        .recovery
        .as_ref()
        .expect("store")
        .stem()
        .to_string();
    println!("owned {stem}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).expect("stdin");
    if line.trim() == "exit" {
        // A clean close with nothing unsaved, as eframe's on_exit does it.
        app.session.dirty = false;
        app.write_recovery();
        app.end_recovery();
    }
}

/// Start `recovery_child_process` in its own process; returns it with the stem it owns.
fn other_process(dir: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "recovery_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stem = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("owned ").map(str::to_string))
        .expect("the other process owned no copy");
    // Keep reading, so that its last words do not meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, stem)
}

#[test]
fn a_copy_is_offered_only_once_its_process_is_gone() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tmp");
    let (mut child, stem) = other_process(dir.path());
    let copy = dir.path().join(format!("{stem}.sextant"));
    let bytes = std::fs::read(&copy).expect("the other process wrote its copy");

    // Alive: not offered, and a clean window here leaves it alone.
    let mut h = window_in(dir.path(), sample_app());
    assert!(!offers_recovery(&h), "a live process's copy was offered");
    h.state_mut().write_recovery();
    h.state_mut().end_recovery();
    drop(h);
    assert_eq!(std::fs::read(&copy).expect("still there"), bytes);

    // Killed (SIGKILL on Unix): the next window offers it; declined, it is gone.
    child.kill().expect("kill");
    child.wait().expect("wait");
    let mut h = window_in(dir.path(), App::with_datasets(None, None));
    let offer = h.state().session.recovery_offer.as_ref().expect("offered");
    assert_eq!(offer.session.notes.session, "the other process's work");
    h.get_by_role_and_label(A11yRole::Button, "Discard").click();
    settle(&mut h);
    assert!(!copy.exists());

    // A process that closes cleanly takes its copy and its lock file with it.
    let (mut child, stem) = other_process(dir.path());
    assert!(!offers_recovery(&window_in(
        dir.path(),
        App::with_datasets(None, None)
    )));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"exit\n")
        .expect("tell it to exit");
    assert!(child.wait().expect("wait").success());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{stem}.")))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn reports_are_exported_from_the_file_menu() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(sample_app());
    settle(&mut h);
    h.state_mut().session.notes.session = "exported <b>note</b>".into();
    let html = dir.path().join("report.html");
    file_menu(&mut h, "Export report (HTML)…");
    answer_prompt(&mut h, &html, "Save");
    settle(&mut h);
    let text = std::fs::read_to_string(&html).expect("the report was written");
    assert!(text.contains("<svg"), "overlays are inline SVG");
    assert!(text.contains("exported &lt;b&gt;note&lt;/b&gt;"));
    assert!(!text.contains("http://") && !text.contains("https://"));
    assert!(
        h.state()
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("Wrote")),
        "{:?}",
        h.state().status
    );

    let json = dir.path().join("report.json");
    file_menu(&mut h, "Export report (JSON)…");
    answer_prompt(&mut h, &json, "Save");
    settle(&mut h);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid JSON");
    assert!(
        doc["drift"]["columns"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(doc["integrity"]["checks"].is_array());
    assert_eq!(doc["notes"]["session"], "exported <b>note</b>");
}

#[test]
fn a_failed_save_says_why_and_keeps_everything() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(sample_app());
    settle(&mut h);
    h.state_mut().session.notes.session = "keep me".into();
    settle(&mut h);
    let nowhere = dir.path().join("no/such/folder/s.sextant");
    file_menu(&mut h, "Save session as…");
    answer_prompt(&mut h, &nowhere, "Save");
    let app = h.state();
    let status = app.status.clone().expect("status");
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status.text.contains("could not be saved") && status.text.contains("s.sextant"),
        "{}",
        status.text
    );
    assert!(app.session.path.is_none(), "still untitled");
    assert!(app.session.dirty, "the changes are still unsaved");
    assert_eq!(app.session.notes.session, "keep me");
}
