//! Drift of free text and of embeddings.
//!
//! Text: Evidently 0.7's text drift (`evidently.legacy.utils.data_drift_utils`,
//! `calculate_text_drift_score`): the reference texts labelled 0 and the current ones 1, split
//! 50/50 at random (seeded), a TF-IDF vectorizer fitted on the training half ([`tfidf`]), a
//! linear SGD classifier with modified Huber loss and L1 penalty ([`sgd`]), and the ROC AUC of
//! its probabilities on the held-out half. The column drifted when the AUC exceeds 0.55 with
//! more than 1 000 reference texts (Evidently's `abs_text_content_drift`), else when it
//! exceeds the 95th percentile of a random classifier's AUC (`perc_text_content_drift`).
//! Beyond Evidently: the AUC's analytic one-sided p-value under the Mann–Whitney null, the
//! typical words of each side by smoothed log-odds as well as by coefficient, and the typical
//! texts of both sides.
//!
//! Embeddings: [`embedding`].

pub mod embedding;
pub mod numpy_rng;
pub mod sgd;
pub mod stop_words;
pub mod tfidf;

use serde::{Deserialize, Serialize};

use sgd::{SgdParams, auc_p_value, random_auc_quantile, roc_auc};
use tfidf::{Tfidf, TfidfError, Tokenized};

/// Reference texts above which the fixed AUC threshold applies (Evidently's rule).
pub const ABSOLUTE_RULE_MIN_REFERENCE: usize = 1000;
/// Evidently's fixed AUC threshold (`abs_text_content_drift`).
pub const DEFAULT_AUC_THRESHOLD: f64 = 0.55;
/// Evidently's `max_df`.
pub const MAX_DF: f64 = 0.5;

/// Parameters of [`text_drift`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextDriftParams {
    /// `random_state` of the split and of the classifier (Evidently: 42).
    pub seed: u32,
    /// A fixed AUC threshold instead of Evidently's rule.
    pub threshold: Option<f64>,
    /// Words listed per side (Evidently: 25).
    pub words: usize,
    /// Example texts listed per side (Evidently: 10).
    pub examples: usize,
}

impl Default for TextDriftParams {
    fn default() -> Self {
        Self {
            seed: 42,
            threshold: None,
            words: 25,
            examples: 10,
        }
    }
}

/// Which rule set the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdRule {
    /// More than 1 000 reference texts: AUC > 0.55.
    Absolute,
    /// 1 000 reference texts or fewer: AUC above the 95th percentile of a random classifier's
    /// AUC on the same held-out rows (here from the Mann–Whitney null: Evidently simulates
    /// 1 000 random classifiers).
    RandomPercentile,
    /// Set by the user.
    User,
}

/// A word and how typical it is of one side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypicalWord {
    pub word: String,
    /// The classifier's coefficient (positive: current), or the smoothed log-odds ratio.
    pub score: f64,
    /// Texts holding the word on each side (all texts, not only the held-out half).
    pub reference_texts: usize,
    pub current_texts: usize,
}

/// The typical words of each side.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TypicalWords {
    pub reference: Vec<TypicalWord>,
    pub current: Vec<TypicalWord>,
}

/// The outcome of [`text_drift`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextDriftReport {
    /// ROC AUC of the domain classifier on the held-out half (0.5: indistinguishable).
    pub auc: f64,
    /// One-sided p-value of the AUC under the Mann–Whitney null.
    pub p_value: f64,
    pub threshold: f64,
    pub threshold_rule: ThresholdRule,
    pub drifted: bool,
    /// Texts used per side (non-missing).
    pub reference_texts: usize,
    pub current_texts: usize,
    /// Rows the classifier learnt from, and those it was scored on.
    pub train_rows: usize,
    pub test_rows: usize,
    pub vocabulary: usize,
    /// Epochs the classifier ran (at most 50).
    pub epochs: usize,
    /// Evidently's typical words: the largest coefficients of each sign (non-zero only).
    pub words_by_coefficient: TypicalWords,
    /// Words by the log-odds ratio of appearing in a current vs a reference text, each count
    /// smoothed by ½ (Haldane–Anscombe): `ln((c + ½)/(n_c − c + ½)) − ln((r + ½)/(n_r − r +
    /// ½))`, over the vocabulary, words in at least 5 texts.
    pub words_by_log_odds: TypicalWords,
    /// Held-out current texts the classifier is surest are current (Evidently's typical
    /// examples), and reference texts it is surest are reference.
    pub examples_current: Vec<String>,
    pub examples_reference: Vec<String>,
}

/// Why the text could not be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextDriftError {
    #[error(
        "it has {reference} training and {current} production texts; each side needs at least 2"
    )]
    TooFew { reference: usize, current: usize },
    #[error("{0}")]
    Vocabulary(TfidfError),
    #[error("the classifier diverged (weights not finite)")]
    Diverged,
    #[error("cancelled")]
    Cancelled,
}

/// Texts tokenized once for several tests (the whole current data, then each window, against
/// the same reference).
pub struct TextCorpus {
    tok: Tokenized,
    n_reference: usize,
}

impl TextCorpus {
    /// Tokenize the reference texts followed by the current ones.
    pub fn new<'a>(
        reference: impl IntoIterator<Item = &'a str>,
        current: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut n_reference = 0;
        let tok = tfidf::tokenize(
            reference
                .into_iter()
                .inspect(|_| n_reference += 1)
                .chain(current),
        );
        Self { tok, n_reference }
    }

    pub fn n_reference(&self) -> usize {
        self.n_reference
    }

    pub fn n_current(&self) -> usize {
        self.tok.n_docs() - self.n_reference
    }

    /// The dictionary ids of document `d` (reference first, then current).
    pub fn doc(&self, d: usize) -> &[u32] {
        self.tok.doc(d)
    }

    /// The word of a dictionary id.
    pub fn word(&self, id: u32) -> &str {
        &self.tok.words[id as usize]
    }

    pub fn dictionary_size(&self) -> usize {
        self.tok.words.len()
    }
}

/// Text drift of the current documents `current` (indices into the corpus's current texts;
/// all of them for the whole data, a window's otherwise) against every reference text.
/// `texts` gives a document's text for the examples (reference first, then current).
pub fn text_drift(
    corpus: &TextCorpus,
    current: &[usize],
    texts: &dyn Fn(usize) -> String,
    params: &TextDriftParams,
    cancelled: &dyn Fn() -> bool,
) -> Result<TextDriftReport, TextDriftError> {
    let n_ref = corpus.n_reference;
    let n_cur = current.len();
    if n_ref < 2 || n_cur < 2 {
        return Err(TextDriftError::TooFew {
            reference: n_ref,
            current: n_cur,
        });
    }
    // Documents: all reference texts (label 0), then the chosen current ones (label 1).
    let docs: Vec<usize> = (0..n_ref)
        .chain(current.iter().map(|c| n_ref + c))
        .collect();
    let n = docs.len();
    // scikit-learn's train_test_split(test_size=0.5, random_state=seed): ceil(n/2) held out.
    let (mut test, mut train) = numpy_rng::half_split(n, params.seed);
    // Both classes must be in both halves (scikit-learn would refuse to fit); with a few texts
    // per side a split can put all of one side in one half, so move one across then.
    let is_current = |pos: usize| pos >= n_ref;
    for class in [false, true] {
        if !train.iter().any(|p| is_current(*p) == class)
            && let Some(k) = test.iter().position(|p| is_current(*p) == class)
        {
            let p = test.swap_remove(k);
            train.push(p);
        }
        if !test.iter().any(|p| is_current(*p) == class)
            && let Some(k) = train.iter().position(|p| is_current(*p) == class)
        {
            let p = train.swap_remove(k);
            test.push(p);
        }
    }
    let train_docs: Vec<usize> = train.iter().map(|p| docs[*p]).collect();
    let test_docs: Vec<usize> = test.iter().map(|p| docs[*p]).collect();
    let y_train: Vec<bool> = train.iter().map(|p| is_current(*p)).collect();
    let y_test: Vec<bool> = test.iter().map(|p| is_current(*p)).collect();

    let vectorizer =
        Tfidf::fit(&corpus.tok, &train_docs, MAX_DF).map_err(TextDriftError::Vocabulary)?;
    if cancelled() {
        return Err(TextDriftError::Cancelled);
    }
    let x_train = vectorizer.fit_rows(&corpus.tok, &train_docs);
    let model = sgd::fit(
        &x_train,
        &y_train,
        &SgdParams::evidently_text(params.seed),
        cancelled,
    )
    .ok_or_else(|| {
        if cancelled() {
            TextDriftError::Cancelled
        } else {
            TextDriftError::Diverged
        }
    })?;
    drop(x_train);
    let x_test = vectorizer.transform(&corpus.tok, &test_docs);
    let proba: Vec<f64> = (0..x_test.n_rows())
        .map(|r| {
            let (i, v) = x_test.row(r);
            model.probability(i, v)
        })
        .collect();
    let auc = roc_auc(&proba, &y_test).ok_or(TextDriftError::TooFew {
        reference: n_ref,
        current: n_cur,
    })?;
    let n1 = y_test.iter().filter(|b| **b).count();
    let n0 = y_test.len() - n1;
    let p_value = auc_p_value(auc, n0, n1);
    let (threshold, threshold_rule) = match params.threshold {
        Some(t) => (t, ThresholdRule::User),
        None if n_ref > ABSOLUTE_RULE_MIN_REFERENCE => {
            (DEFAULT_AUC_THRESHOLD, ThresholdRule::Absolute)
        }
        None => (
            random_auc_quantile(0.95, n0, n1),
            ThresholdRule::RandomPercentile,
        ),
    };

    // Document frequencies on each side over the vocabulary, for the word lists.
    let mut df_ref = vec![0usize; vectorizer.vocabulary.len()];
    let mut df_cur = vec![0usize; vectorizer.vocabulary.len()];
    let mut seen = vec![usize::MAX; vectorizer.vocabulary.len()];
    for (k, &d) in docs.iter().enumerate() {
        for &id in corpus.tok.doc(d) {
            if let Some(j) = vectorizer.feature(id)
                && seen[j] != k
            {
                seen[j] = k;
                if k < n_ref {
                    df_ref[j] += 1;
                } else {
                    df_cur[j] += 1;
                }
            }
        }
    }
    let word = |j: usize, score: f64| TypicalWord {
        word: vectorizer.vocabulary[j].clone(),
        score,
        reference_texts: df_ref[j],
        current_texts: df_cur[j],
    };
    let top = |scores: &[(usize, f64)], positive: bool| -> Vec<TypicalWord> {
        let mut s: Vec<(usize, f64)> = scores
            .iter()
            .copied()
            .filter(|(_, x)| if positive { *x > 0.0 } else { *x < 0.0 })
            .collect();
        s.sort_by(|a, b| {
            let o = a.1.total_cmp(&b.1);
            (if positive { o.reverse() } else { o }).then(a.0.cmp(&b.0))
        });
        s.into_iter()
            .take(params.words)
            .map(|(j, x)| word(j, x))
            .collect()
    };
    let coef: Vec<(usize, f64)> = model.coef.iter().copied().enumerate().collect();
    let words_by_coefficient = TypicalWords {
        current: top(&coef, true),
        reference: top(&coef, false),
    };
    let (nr, nc) = (n_ref as f64, n_cur as f64);
    let log_odds: Vec<(usize, f64)> = (0..vectorizer.vocabulary.len())
        .filter(|&j| df_ref[j] + df_cur[j] >= 5)
        .map(|j| {
            let (r, c) = (df_ref[j] as f64, df_cur[j] as f64);
            let x = ((c + 0.5) / (nc - c + 0.5)).ln() - ((r + 0.5) / (nr - r + 0.5)).ln();
            (j, x)
        })
        .collect();
    let words_by_log_odds = TypicalWords {
        current: top(&log_odds, true),
        reference: top(&log_odds, false),
    };

    let examples = |class: bool| -> Vec<String> {
        let mut idx: Vec<usize> = (0..test.len()).filter(|k| y_test[*k] == class).collect();
        // Most typical first: highest probability for current, lowest for reference; ties in
        // held-out order.
        idx.sort_by(|a, b| {
            let o = proba[*a].total_cmp(&proba[*b]);
            if class { o.reverse() } else { o }
        });
        idx.into_iter()
            .take(params.examples)
            .map(|k| texts(test_docs[k]))
            .collect()
    };
    Ok(TextDriftReport {
        auc,
        p_value,
        threshold,
        threshold_rule,
        drifted: auc > threshold,
        reference_texts: n_ref,
        current_texts: n_cur,
        train_rows: train.len(),
        test_rows: test.len(),
        vocabulary: vectorizer.vocabulary.len(),
        epochs: model.epochs,
        words_by_coefficient,
        words_by_log_odds,
        examples_current: examples(true),
        examples_reference: examples(false),
    })
}

/// Per-text descriptors tested as numeric columns: length in words and in characters, the
/// share of words not in the reference's dictionary, and the share of characters that are
/// neither letters nor white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Descriptor {
    Words,
    Characters,
    OutOfVocabulary,
    NonLetters,
}

impl Descriptor {
    pub const ALL: [Descriptor; 4] = [
        Self::Words,
        Self::Characters,
        Self::OutOfVocabulary,
        Self::NonLetters,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Words => "words",
            Self::Characters => "characters",
            Self::OutOfVocabulary => "out_of_vocabulary_share",
            Self::NonLetters => "non_letter_share",
        }
    }
}

/// Length in words (runs of word characters, stop words included) and in characters, and the
/// share of characters that are neither letters nor white space, of one text.
pub fn basic_descriptors(text: &str) -> (f64, f64, f64) {
    let mut words = 0usize;
    let mut in_word = false;
    let mut chars = 0usize;
    let mut non_letters = 0usize;
    for c in text.chars() {
        chars += 1;
        if !c.is_alphabetic() && !c.is_whitespace() {
            non_letters += 1;
        }
        let w = c.is_alphanumeric() || c == '_';
        if w && !in_word {
            words += 1;
        }
        in_word = w;
    }
    let share = if chars == 0 {
        0.0
    } else {
        non_letters as f64 / chars as f64
    };
    (words as f64, chars as f64, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(r: &[String], c: &[String]) -> TextCorpus {
        TextCorpus::new(r.iter().map(String::as_str), c.iter().map(String::as_str))
    }

    #[test]
    fn different_topics_drift_and_equal_ones_do_not() {
        let topics_a = [
            "refund delayed order",
            "payment failed card",
            "invoice missing copy",
        ];
        let topics_b = [
            "login password reset",
            "account locked twice",
            "app crashes startup",
        ];
        let make = |t: &[&str], n: usize, salt: usize| -> Vec<String> {
            (0..n)
                .map(|i| format!("{} ticket{}", t[(i * 7 + salt) % t.len()], i % 13))
                .collect()
        };
        let r = make(&topics_a, 400, 0);
        let c = make(&topics_b, 400, 1);
        let k = corpus(&r, &c);
        let all: Vec<usize> = (0..c.len()).collect();
        let text = |d: usize| {
            if d < r.len() {
                r[d].clone()
            } else {
                c[d - r.len()].clone()
            }
        };
        let rep = text_drift(&k, &all, &text, &TextDriftParams::default(), &|| false).unwrap();
        assert!(rep.auc > 0.95, "{}", rep.auc);
        assert!(rep.drifted);
        assert_eq!(rep.threshold_rule, ThresholdRule::RandomPercentile);
        assert!(rep.p_value < 1e-10);
        let cur: Vec<&str> = rep
            .words_by_log_odds
            .current
            .iter()
            .map(|w| w.word.as_str())
            .collect();
        assert!(cur.contains(&"login"), "{cur:?}");

        let c2 = make(&topics_a, 400, 0);
        let k2 = corpus(&r, &c2);
        let text2 = |d: usize| {
            if d < r.len() {
                r[d].clone()
            } else {
                c2[d - r.len()].clone()
            }
        };
        let rep2 = text_drift(&k2, &all, &text2, &TextDriftParams::default(), &|| false).unwrap();
        assert!(rep2.auc < 0.6, "{}", rep2.auc);
    }

    #[test]
    fn stop_words_only_is_an_error() {
        let r: Vec<String> = vec!["the and".into(); 10];
        let k = corpus(&r, &r);
        let all: Vec<usize> = (0..10).collect();
        let e = text_drift(
            &k,
            &all,
            &|_| String::new(),
            &TextDriftParams::default(),
            &|| false,
        );
        assert_eq!(
            e.unwrap_err(),
            TextDriftError::Vocabulary(TfidfError::EmptyVocabulary)
        );
    }

    #[test]
    fn descriptors_count_words_characters_and_non_letters() {
        assert_eq!(basic_descriptors("Hi, you 2!"), (3.0, 10.0, 0.3));
        assert_eq!(basic_descriptors(""), (0.0, 0.0, 0.0));
    }
}
