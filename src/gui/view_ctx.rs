//! What a view may see and ask for: the narrow context the app lends a view for one frame
//! (as rerun's `ViewerContext` does), instead of the whole app. A view reads the datasets,
//! roles, renames and the selected column, and asks for changes by sending a [`Command`] that
//! the app applies after the frame; its own state is its state struct, passed next to this.

use std::sync::Arc;

use crate::data::{Dataset, RoleMap};
use crate::vocab::{Renames, Side, Waker};

use super::command::Command;
use super::tab::Tab;

/// The app's shared state as one view sees it for one frame.
pub struct ViewCtx<'a> {
    /// Training, then production.
    pub datasets: &'a [Option<Arc<Dataset>>; 2],
    pub roles: &'a RoleMap,
    /// Accepted renames: every view compares a renamed production column with its training
    /// name.
    pub renames: &'a Renames,
    /// The column selected in every view.
    pub selected_column: &'a Option<String>,
    /// The tab shown.
    pub tab: Tab,
    /// Whether a file is still loading (a column named before its file arrived may yet appear).
    pub loading: bool,
    waker: Option<Waker>,
    commands: &'a mut Vec<Command>,
}

impl<'a> ViewCtx<'a> {
    /// A context over the app's state; `commands` collects what the view asks for.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        datasets: &'a [Option<Arc<Dataset>>; 2],
        roles: &'a RoleMap,
        renames: &'a Renames,
        selected_column: &'a Option<String>,
        tab: Tab,
        loading: bool,
        waker: Option<Waker>,
        commands: &'a mut Vec<Command>,
    ) -> Self {
        Self {
            datasets,
            roles,
            renames,
            selected_column,
            tab,
            loading,
            waker,
            commands,
        }
    }

    /// Ask the app for a change; it is applied after the frame.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The dataset of `side`, if one is open.
    pub fn dataset(&self, side: Side) -> Option<&'a Dataset> {
        self.datasets[side.index()].as_deref()
    }

    /// The waker background jobs use to repaint the window.
    pub fn waker(&self) -> Option<Waker> {
        self.waker.clone()
    }

    /// The training name of a production column: itself, or its accepted rename's old name.
    pub fn reference_name<'n>(&self, current: &'n str) -> &'n str
    where
        'a: 'n,
    {
        self.renames.reference_name(current)
    }

    /// Names of all columns: training's order first, then columns only in production.
    pub fn all_columns(&self) -> Vec<String> {
        all_columns(self.datasets)
    }
}

/// Names of all columns of `datasets`: the first's order first, then columns only in the second.
pub fn all_columns(datasets: &[Option<Arc<Dataset>>; 2]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for ds in datasets.iter().flatten() {
        for c in &ds.columns {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    names
}
