//! `sextant ab power`: the sample per arm to detect a minimum effect, the effect detectable at
//! the units collected so far, and the days either takes at the observed traffic. Also the
//! shape of the `ab` command: the A/B test's flags, or this subcommand.

use clap::{Args, Subcommand};

use super::ab::{self, AbArgs};
use super::{CliError, EXIT_OK, OutputFormat};
use crate::engine::power::{PowerSettings, run};
use crate::present::json::to_text;
use crate::present::power::{to_json, to_table};
use crate::vocab::Progress;

/// `sextant ab`: an A/B test from a log (`sextant ab --log …`), or `sextant ab power`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AbCommandArgs {
    #[command(subcommand)]
    pub command: Option<AbSubcommand>,
    #[command(flatten)]
    pub test: Option<AbArgs>,
}

#[derive(Debug, Subcommand)]
pub enum AbSubcommand {
    /// Plan an experiment: units per arm to detect a minimum effect at alpha and power, the
    /// effect detectable at the units collected, and the days at the observed traffic.
    Power(PowerArgs),
}

#[derive(Debug, Args)]
pub struct PowerArgs {
    /// The control's level: a rate in (0, 1) for a proportion, or a mean with --std (finite).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub baseline: f64,
    /// Per-unit standard deviation of a mean metric, > 0 and finite (without it the baseline
    /// is a proportion).
    #[arg(long = "std", value_name = "S", allow_negative_numbers = true)]
    pub std_dev: Option<f64>,
    /// The minimum effect to detect, in metric units (or a fraction of the baseline with
    /// --relative); > 0 and finite, needing at most 10^12 units per arm.
    #[arg(long, value_name = "EFFECT", allow_negative_numbers = true)]
    pub mde: f64,
    /// --mde is a fraction of the baseline (0.05 = a 5 % lift).
    #[arg(long)]
    pub relative: bool,
    /// Two-sided level of each treatment-against-control test, in (0, 1).
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Power 1 − beta, in (0, 1).
    #[arg(long, default_value_t = 0.8, allow_negative_numbers = true)]
    pub power: f64,
    /// Arms, control included, 2 to 1000 (each treatment is tested at --alpha, as GrowthBook
    /// does).
    #[arg(long, default_value_t = 2)]
    pub arms: u32,
    /// Units entering the experiment per day, over all arms (> 0, finite): the days needed.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub daily_units: Option<f64>,
    /// Units per arm collected so far (1 or more): the effect detectable now, and the days
    /// still needed.
    #[arg(long, value_name = "N")]
    pub units: Option<u64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// The flags as settings.
pub fn settings(args: &PowerArgs) -> PowerSettings {
    PowerSettings {
        baseline: args.baseline,
        std_dev: args.std_dev,
        mde: args.mde,
        relative: args.relative,
        alpha: args.alpha,
        power: args.power,
        arms: args.arms,
        daily_units: args.daily_units,
        units_per_arm: args.units,
    }
}

/// `sextant ab power`.
pub fn run_power(args: &PowerArgs) -> Result<u8, CliError> {
    let outcome = run(&settings(args), &Progress::silent())?;
    print!(
        "{}",
        match args.format {
            OutputFormat::Json => to_text(&to_json(&outcome)),
            OutputFormat::Table => to_table(&outcome),
        }
    );
    Ok(EXIT_OK)
}

/// `sextant ab …`: the test or the plan.
pub fn run_command(args: &AbCommandArgs) -> Result<u8, CliError> {
    match (&args.command, &args.test) {
        (Some(AbSubcommand::Power(p)), _) => run_power(p),
        (None, Some(test)) => ab::run_command(test),
        (None, None) => Err(CliError(
            "sextant ab needs an experiment log (--log FILE --variant COL --control NAME --metric COL) or the power subcommand".into(),
        )),
    }
}
