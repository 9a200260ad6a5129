//! `sextant check --session S`: run a session's analyses and its alert rules, print which
//! rules broke, exit 1 when one did — for CI pipelines and cron jobs. See
//! [`crate::session::checks`] for the values rules can name, [`crate::present::check`] for
//! the output.

use std::path::PathBuf;

use clap::Args;

use super::session::load;
use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat};
use crate::analysis::alerts::AlertRule;
use crate::present::check as present;
use crate::present::json::{to_text, to_value};
use crate::session::analyses::{self, Overlays};
use crate::session::checks::{WindowedVerdicts, default_rules, judge, whole_data_table};
use crate::session::v1::ExperimentMode;
use crate::vocab::Progress;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The session whose analyses and rules to run.
    #[arg(long, value_name = "FILE")]
    pub session: PathBuf,
    /// A rule to check besides the session's, e.g. "drift_share >= 0.3" or
    /// "roc_auc < 0.8 for 2" (repeatable).
    #[arg(long, value_name = "RULE", value_parser = parse_rule)]
    pub rule: Vec<AlertRule>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

fn parse_rule(text: &str) -> Result<AlertRule, String> {
    crate::session::checks::parse_rule(text)
}

pub fn run(args: &CheckArgs) -> Result<u8, CliError> {
    let mut loaded = load(Some(&args.session), None, None)?;
    // The Experiments tab's rules are judged with the rest, on the experiment's values.
    let experiment_rules = loaded
        .session
        .views
        .experiment
        .rules
        .iter()
        .map(|t| parse_rule(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError(format!("{}: {e}", args.session.display())))?;
    let view = &loaded.session.views.experiment;
    let rollout_mode = view.mode == ExperimentMode::Rollout;
    let has_experiment =
        loaded.experiment.is_some() && !rollout_mode && !view.ab.variant.is_empty();
    let has_rollout = loaded.experiment.is_some() && rollout_mode && view.rollout.is_chosen();
    let health = &mut loaded.session.views.health;
    health.rules.extend(args.rule.iter().cloned());
    health.rules.extend(experiment_rules);
    let defaults = health.rules.is_empty();
    if defaults {
        // Drift and integrity need both datasets: a session of an experiment log alone is
        // checked for its split or its roll-back only.
        if loaded.reference.is_some() && loaded.current.is_some() {
            health.rules = default_rules();
        }
        // A session with an experiment is also checked for a broken split.
        if has_experiment {
            health.rules.extend(parse_rule("srm").ok());
        }
        // A session with a rollout is also checked for a breached guardrail.
        if has_rollout {
            health.rules.extend(parse_rule("rollback").ok());
        }
    }
    let rules = health.rules.clone();
    // The health pass judges the rules it has values for window by window.
    let analyses = analyses::run(
        &loaded.session,
        loaded.data(),
        Overlays::Drifted,
        crate::engine::clock::now_micros(),
        &Progress::silent(),
    )
    .map_err(|_| CliError("the check was cancelled".into()))?;
    let whole = whole_data_table(&analyses, loaded.current.as_ref());
    let windowed = analyses
        .health
        .as_ref()
        .and_then(|h| h.as_ref().ok())
        .map(|h| WindowedVerdicts {
            fired: &h.alerts,
            unknown: &h.unknown_rule_values,
        });
    let (outcomes, unknown) = judge(&rules, &whole, windowed);
    if !unknown.is_empty() {
        let why = match analyses.health.as_ref() {
            Some(Err(e)) => format!(" (the health pass did not run: {e})"),
            _ => String::new(),
        };
        return Err(CliError(format!(
            "{} has rules naming values its analyses did not produce: {}{why}",
            args.session.display(),
            unknown.join("; ")
        )));
    }
    let text = match args.format {
        OutputFormat::Json => to_text(&to_value(&present::to_json(
            &args.session,
            &outcomes,
            defaults,
        ))),
        OutputFormat::Table => present::to_table(&args.session, &outcomes, defaults),
    };
    print!("{text}");
    Ok(if present::broken(&outcomes) > 0 {
        EXIT_FINDING
    } else {
        EXIT_OK
    })
}
