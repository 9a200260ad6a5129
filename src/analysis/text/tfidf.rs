//! TF-IDF exactly as scikit-learn's `TfidfVectorizer(sublinear_tf=True, max_df=0.5,
//! stop_words="english")` computes it — the vectorizer of Evidently 0.7's text drift:
//!
//! - lowercase, then tokens are maximal runs of at least two word characters (the default
//!   `token_pattern=r"(?u)\b\w\w+\b"`; a word character is a letter, a digit or `_`);
//! - scikit-learn's English stop words are dropped ([`super::stop_words`]);
//! - the vocabulary is every remaining token in at least one and at most `max_df × n` of the
//!   `n` fitted documents, in code-point order (scikit-learn sorts its vocabulary);
//! - `tf = 1 + ln(count)` (sublinear), `idf = ln((1 + n) / (1 + df)) + 1` (smooth idf), each
//!   row scaled to unit Euclidean length (`norm="l2"`); a document without a vocabulary word
//!   is a row of zeros.
//!
//! Python's `\w` and Rust's `char::is_alphanumeric` agree on letters and digits; they differ
//! only on a few combining marks (Rust counts some as alphabetic), which never occur in the
//! golden data (tests/golden/text/make_text_golden.py checks the matrices to 1e-12).

use std::collections::HashMap;

use super::stop_words::is_stop_word;

/// A document turned into token ids of a shared dictionary (stop words already dropped).
#[derive(Debug, Default, Clone)]
pub struct Tokenized {
    /// Distinct tokens; an id is an index here.
    pub words: Vec<String>,
    /// Token ids of all documents, one after another.
    pub ids: Vec<u32>,
    /// Document `d` holds `ids[offsets[d]..offsets[d + 1]]`.
    pub offsets: Vec<usize>,
}

impl Tokenized {
    pub fn n_docs(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn doc(&self, d: usize) -> &[u32] {
        &self.ids[self.offsets[d]..self.offsets[d + 1]]
    }
}

/// Whether `c` is a word character of Python's `(?u)\w`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of one text as scikit-learn's default analyzer finds them (lowercased, at least
/// two word characters), stop words included; calls `f` on each.
pub fn for_each_token(text: &str, mut f: impl FnMut(&str)) {
    let lower;
    let text = if text.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        lower = text.to_lowercase();
        lower.as_str()
    } else {
        text
    };
    let mut start: Option<usize> = None;
    let mut chars = 0usize;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            if start.is_none() {
                start = Some(i);
                chars = 0;
            }
            chars += 1;
        } else if let Some(s) = start.take()
            && chars >= 2
        {
            f(&text[s..i]);
        }
    }
    if let Some(s) = start
        && chars >= 2
    {
        f(&text[s..]);
    }
}

/// Tokenize every document into one dictionary, dropping stop words.
pub fn tokenize<'a>(docs: impl IntoIterator<Item = &'a str>) -> Tokenized {
    let mut index: HashMap<String, u32, foldhash::fast::FixedState> =
        HashMap::with_hasher(foldhash::fast::FixedState::default());
    let mut out = Tokenized {
        offsets: vec![0],
        ..Tokenized::default()
    };
    for doc in docs {
        for_each_token(doc, |tok| {
            if is_stop_word(tok) {
                return;
            }
            let id = match index.get(tok) {
                Some(id) => *id,
                None => {
                    let id = out.words.len() as u32;
                    out.words.push(tok.to_string());
                    index.insert(tok.to_string(), id);
                    id
                }
            };
            out.ids.push(id);
        });
        out.offsets.push(out.ids.len());
    }
    out
}

/// Rows of a sparse matrix (compressed sparse rows), indices ascending within a row.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SparseRows {
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f64>,
}

impl SparseRows {
    pub fn n_rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Row `r`: its column indices and values.
    pub fn row(&self, r: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// A dense row-major matrix as sparse rows (every entry stored), so one learner serves
    /// both TF-IDF rows and embeddings.
    pub fn from_dense(data: &[f64], n_cols: usize) -> Self {
        let n_rows = data.len().checked_div(n_cols).unwrap_or(0);
        Self {
            n_cols,
            indptr: (0..=n_rows).map(|r| r * n_cols).collect(),
            indices: (0..n_rows)
                .flat_map(|_| (0..n_cols as u32).collect::<Vec<_>>())
                .collect(),
            values: data.to_vec(),
        }
    }
}

/// A fitted vectorizer: the vocabulary and its idf weights.
#[derive(Debug, Clone)]
pub struct Tfidf {
    /// Vocabulary words in feature order (code-point order, as scikit-learn's).
    pub vocabulary: Vec<String>,
    /// `idf[j]` of feature `j`.
    pub idf: Vec<f64>,
    /// Feature of each dictionary id (`u32::MAX`: not in the vocabulary).
    feature_of: Vec<u32>,
    /// Rank of each feature's first appearance in the fitted documents: scikit-learn's
    /// fitted rows keep their entries in that order (its counting matrix is sorted by the
    /// order words were first met, and the later renumbering does not re-sort), and the order
    /// a row is summed in changes the last bits of its norm and of the classifier's dot
    /// products, which 50 epochs of SGD with L1 truncation can turn into visible differences.
    first_seen: Vec<u32>,
}

/// Why a vocabulary could not be made (scikit-learn raises the same two errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TfidfError {
    #[error("no word of two letters or more outside the English stop words")]
    EmptyVocabulary,
    #[error("every word is in more than half of the texts, so none is left to tell them apart")]
    AllPruned,
}

impl Tfidf {
    /// Fit on the documents `fit` (indices into `tok`), keeping words whose document
    /// frequency is at most `max_df × n` (a share in (0, 1], as scikit-learn's float
    /// `max_df`).
    pub fn fit(tok: &Tokenized, fit: &[usize], max_df: f64) -> Result<Self, TfidfError> {
        let mut df = vec![0u32; tok.words.len()];
        let mut last_doc = vec![u32::MAX; tok.words.len()];
        let mut seen_rank = vec![u32::MAX; tok.words.len()];
        let mut next_rank = 0u32;
        for (k, &d) in fit.iter().enumerate() {
            for &id in tok.doc(d) {
                if seen_rank[id as usize] == u32::MAX {
                    seen_rank[id as usize] = next_rank;
                    next_rank += 1;
                }
                if last_doc[id as usize] != k as u32 {
                    last_doc[id as usize] = k as u32;
                    df[id as usize] += 1;
                }
            }
        }
        let n = fit.len();
        let seen: Vec<u32> = (0..df.len() as u32)
            .filter(|&i| df[i as usize] > 0)
            .collect();
        if seen.is_empty() {
            return Err(TfidfError::EmptyVocabulary);
        }
        let max_count = max_df * n as f64;
        let mut kept: Vec<u32> = seen
            .into_iter()
            .filter(|&i| df[i as usize] as f64 <= max_count)
            .collect();
        if kept.is_empty() {
            return Err(TfidfError::AllPruned);
        }
        kept.sort_unstable_by(|a, b| tok.words[*a as usize].cmp(&tok.words[*b as usize]));
        let mut feature_of = vec![u32::MAX; tok.words.len()];
        for (j, &id) in kept.iter().enumerate() {
            feature_of[id as usize] = j as u32;
        }
        let idf = kept
            .iter()
            .map(|&id| ((1.0 + n as f64) / (1.0 + df[id as usize] as f64)).ln() + 1.0)
            .collect();
        let first_seen = kept.iter().map(|&id| seen_rank[id as usize]).collect();
        Ok(Self {
            first_seen,
            vocabulary: kept
                .iter()
                .map(|&id| tok.words[id as usize].clone())
                .collect(),
            idf,
            feature_of,
        })
    }

    /// The feature of a dictionary id, if it is in the vocabulary.
    pub fn feature(&self, id: u32) -> Option<usize> {
        match self.feature_of.get(id as usize) {
            Some(&j) if j != u32::MAX => Some(j as usize),
            _ => None,
        }
    }

    /// The TF-IDF rows of documents `docs` (indices into `tok`), entries in feature order (as
    /// scikit-learn's `transform`).
    pub fn transform(&self, tok: &Tokenized, docs: &[usize]) -> SparseRows {
        self.rows(tok, docs, false)
    }

    /// The rows of the fitted documents as scikit-learn's `fit_transform` returns them:
    /// entries in the order their words were first met in the fitted documents.
    pub fn fit_rows(&self, tok: &Tokenized, docs: &[usize]) -> SparseRows {
        self.rows(tok, docs, true)
    }

    fn rows(&self, tok: &Tokenized, docs: &[usize], fit_order: bool) -> SparseRows {
        let mut out = SparseRows {
            n_cols: self.vocabulary.len(),
            indptr: Vec::with_capacity(docs.len() + 1),
            ..SparseRows::default()
        };
        out.indptr.push(0);
        let mut features: Vec<u32> = Vec::new();
        for &d in docs {
            features.clear();
            features.extend(
                tok.doc(d)
                    .iter()
                    .filter_map(|&id| self.feature(id).map(|j| j as u32)),
            );
            if fit_order {
                features.sort_unstable_by_key(|&j| self.first_seen[j as usize]);
            } else {
                features.sort_unstable();
            }
            let start = out.values.len();
            let mut i = 0;
            while i < features.len() {
                let j = features[i];
                let mut count = 0usize;
                while i < features.len() && features[i] == j {
                    count += 1;
                    i += 1;
                }
                out.indices.push(j);
                out.values
                    .push((1.0 + (count as f64).ln()) * self.idf[j as usize]);
            }
            let norm = out.values[start..]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            if norm > 0.0 {
                out.values[start..].iter_mut().for_each(|v| *v /= norm);
            }
            out.indptr.push(out.values.len());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_the_default_pattern() {
        let mut got = Vec::new();
        for_each_token("The QUICK brown-fox, a x2 _ab é café 42", |t| {
            got.push(t.to_string())
        });
        assert_eq!(
            got,
            ["the", "quick", "brown", "fox", "x2", "_ab", "café", "42"]
        );
    }

    #[test]
    fn idf_and_norm_follow_scikit_learn() {
        let docs = ["apple banana", "apple cherry cherry", "durian", "banana"];
        let tok = tokenize(docs.iter().copied());
        let t = Tfidf::fit(&tok, &[0, 1, 2, 3], 0.5).unwrap();
        // apple and banana are in 2 of 4 documents (≤ 0.5 × 4): kept.
        assert_eq!(t.vocabulary, ["apple", "banana", "cherry", "durian"]);
        assert!((t.idf[0] - ((5.0f64 / 3.0).ln() + 1.0)).abs() < 1e-15);
        let rows = t.transform(&tok, &[1]);
        let (idx, val) = rows.row(0);
        assert_eq!(idx, [0, 2]);
        let norm: f64 = val.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-12);
    }
}
