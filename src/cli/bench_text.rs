//! `sextant bench-text` (hidden): text drift on generated short texts, timed. The texts are
//! made in memory (a seeded vocabulary of 5 000 words in four topics, 4 to 14 words each, the
//! production side's topic mix shifted), so the figure is the analysis itself: tokenizing both
//! sides, the TF-IDF fit, 50 epochs of the classifier, the AUC and the word lists.

use std::time::Instant;

use clap::Args;

use super::{CliError, EXIT_OK};
use crate::analysis::text::{TextCorpus, TextDriftParams, text_drift};
use crate::vocab::Rng;

#[derive(Debug, Args)]
pub struct BenchTextArgs {
    /// Texts per side (2 to 100000000).
    #[arg(long, default_value_t = 200_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `n` tickets whose topic is drawn with `weights`.
fn texts(n: usize, weights: &[f64], rng: &mut Rng) -> Vec<String> {
    const WORDS: usize = 5000;
    let word = |k: usize| format!("w{k}");
    (0..n)
        .map(|_| {
            let topic = rng.choose(weights);
            let len = 4 + rng.below(11);
            (0..len)
                .map(|_| {
                    if rng.uniform() < 0.5 {
                        // Topic words: a quarter of the vocabulary each.
                        word(topic * WORDS / 4 + rng.below(WORDS / 4))
                    } else if rng.uniform() < 0.3 {
                        ["the", "is", "my", "and", "not"][rng.below(5)].to_string()
                    } else {
                        word(rng.below(WORDS))
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn run_bench_text(args: &BenchTextArgs) -> Result<u8, CliError> {
    if args.rows < 2 {
        return Err(CliError(format!(
            "--rows {} is too few: each side needs at least 2 texts",
            args.rows
        )));
    }
    let mut rng = Rng::new(7);
    let reference = texts(args.rows, &[0.4, 0.3, 0.2, 0.1], &mut rng);
    let current = texts(args.rows, &[0.15, 0.25, 0.2, 0.4], &mut rng);
    let mut best = f64::INFINITY;
    let mut best_tokenize = f64::INFINITY;
    let mut auc = 0.0;
    for _ in 0..args.repeat {
        let t0 = Instant::now();
        let corpus = TextCorpus::new(
            reference.iter().map(String::as_str),
            current.iter().map(String::as_str),
        );
        let tokenized = t0.elapsed().as_secs_f64();
        let all: Vec<usize> = (0..current.len()).collect();
        let text_of = |d: usize| {
            if d < reference.len() {
                reference[d].clone()
            } else {
                current[d - reference.len()].clone()
            }
        };
        let r = text_drift(
            &corpus,
            &all,
            &text_of,
            &TextDriftParams::default(),
            &|| false,
        )
        .map_err(|e| CliError(e.to_string()))?;
        let total = t0.elapsed().as_secs_f64();
        auc = r.auc;
        if total < best {
            best = total;
            best_tokenize = tokenized;
        }
    }
    println!(
        "text drift, {} + {} short texts: {:.3} s (tokenizing {:.3} s), AUC {:.4}, best of {}",
        args.rows, args.rows, best, best_tokenize, auc, args.repeat
    );
    Ok(EXIT_OK)
}
