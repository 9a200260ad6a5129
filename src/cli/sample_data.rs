//! `sextant sample-data`: write the bundled credit-risk sample pair.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK};
use crate::sample_data::{SampleParams, write_sample_data};

#[derive(Debug, Args)]
pub struct SampleDataArgs {
    /// Folder to write the sample files into (created if missing); each written path is printed.
    #[arg(long, default_value = "sample_data")]
    pub out: PathBuf,
    /// Mean applications per ordinary weekday, in (0, 10000] (70 gives the bundled files).
    #[arg(long, default_value_t = 70.0, allow_negative_numbers = true, value_parser = crate::engine::ranges::DAILY_VOLUME.parser())]
    pub daily_volume: f64,
    /// Seed of the generator, 0 to 2^64 − 1 (the bundled files use the default).
    #[arg(long, default_value_t = SampleParams::default().seed)]
    pub seed: u64,
}

pub fn run(args: &SampleDataArgs) -> Result<u8, CliError> {
    crate::engine::ranges::DAILY_VOLUME.check(args.daily_volume)?;
    let params = SampleParams {
        daily_volume: args.daily_volume,
        seed: args.seed,
    };
    for path in write_sample_data(&args.out, &params)? {
        println!("{}", path.display());
    }
    Ok(EXIT_OK)
}
