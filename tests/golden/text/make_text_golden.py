"""Golden values for Sextant's text and embedding drift (tests/text_drift.rs).

Pinned: evidently==0.7.23, pandas==2.3.3 (Evidently 0.7.23 does not import under pandas 3),
scikit-learn==1.9.1, numpy==2.4.6,
scipy==1.17.1, pyarrow==26.0.1.

    python3 -m venv /tmp/venv-text
    /tmp/venv-text/bin/pip install evidently==0.7.23 pandas==2.3.3 scikit-learn==1.9.1 numpy==2.4.6 pyarrow==26.0.1
    /tmp/venv-text/bin/python tests/golden/text/make_text_golden.py

Writes the generated pairs next to this script (CSV for texts, Parquet and CSV for embeddings)
and golden.json with:
- Evidently's text drift: calculate_text_drift_score(ref, cur, bootstrap=False) (the AUC),
  the stattest Evidently picks by default for the column and its verdict, the 95th percentile
  of its 1000 random-classifier AUCs, and get_text_data_for_plots' typical words and examples;
- scikit-learn's TfidfVectorizer(sublinear_tf=True, max_df=0.5, stop_words="english") on a
  small corpus: vocabulary, idf and the dense matrix;
- sklearn's ENGLISH_STOP_WORDS;
- Evidently's embedding methods with their defaults: model(), distance("euclidean"),
  distance("cosine"), ratio(), mmd().
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
import evidently
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.core import ColumnType
from evidently.legacy.utils.data_drift_utils import (
    calculate_text_drift_score,
    get_text_data_for_plots,
    roc_auc_random_classifier_percentile,
)
from evidently.legacy.metrics.data_drift.embedding_drift_methods import distance, mmd, model, ratio
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(20261204)

COMMON = ("order account app help please issue problem thanks today support customer team "
          "update email phone number hours week monday friday working again still").split()
BILLING = "refund invoice charged twice payment card billing receipt subscription price".split()
LOGIN = "login password reset locked verification code twofactor username expired session".split()
SHIPPING = "delivery package tracking courier delayed shipped address parcel warehouse arrived".split()
CRASH = "crash freeze update android iphone screen blank reinstall version loading".split()
STOP = "the a is my i it not and to of we was has been".split()


def ticket(topics, weights):
    topic = topics[rng.choice(len(topics), p=weights)]
    n = rng.randint(4, 14)
    words = []
    for _ in range(n):
        u = rng.rand()
        if u < 0.45:
            words.append(topic[rng.randint(len(topic))])
        elif u < 0.75:
            words.append(COMMON[rng.randint(len(COMMON))])
        else:
            words.append(STOP[rng.randint(len(STOP))])
    text = " ".join(words)
    if rng.rand() < 0.3:
        text = text.capitalize() + "!"
    if rng.rand() < 0.2:
        text += f" #{rng.randint(1000, 99999)}"
    return text


def texts(n, weights):
    return [ticket([BILLING, LOGIN, SHIPPING, CRASH], weights) for _ in range(n)]


PAIRS = {
    # More than 1000 reference texts: Evidently's absolute rule (AUC > 0.55).
    "text_shift": (texts(1500, [0.4, 0.3, 0.2, 0.1]), texts(1400, [0.15, 0.25, 0.2, 0.4])),
    # 1000 or fewer: the random-classifier percentile rule; a small shift.
    "text_small": (texts(600, [0.3, 0.3, 0.2, 0.2]), texts(500, [0.2, 0.3, 0.2, 0.3])),
    # No drift.
    "text_same": (texts(700, [0.25, 0.25, 0.25, 0.25]), texts(700, [0.25, 0.25, 0.25, 0.25])),
}

out = {
    "versions": {"evidently": evidently.__version__, "sklearn": sklearn.__version__,
                 "numpy": np.__version__, "pandas": pd.__version__},
    "stop_words": sorted(ENGLISH_STOP_WORDS),
    "text": {},
    "embeddings": {},
}

for name, (ref, cur) in PAIRS.items():
    pd.DataFrame({"ticket": ref}).to_csv(os.path.join(HERE, f"{name}_reference.csv"), index=False)
    pd.DataFrame({"ticket": cur}).to_csv(os.path.join(HERE, f"{name}_current.csv"), index=False)
    r, c = pd.Series(ref), pd.Series(cur)
    auc, _ = calculate_text_drift_score(r, c, bootstrap=False)
    test = get_stattest(r, c, ColumnType.Text, None)
    res = test(r, c, ColumnType.Text, None)
    # The held-out labels Evidently's percentile rule draws random classifiers for.
    domain = pd.concat([pd.DataFrame({"text": r, "target": 0}), pd.DataFrame({"text": c, "target": 1})])
    _, _, _, y_test = train_test_split(domain["text"], domain["target"], test_size=0.5,
                                       random_state=42, shuffle=True)
    pct = roc_auc_random_classifier_percentile(y_test, p_value=0.05)
    ex_cur, ex_ref, w_cur, w_ref = get_text_data_for_plots(r, c)
    out["text"][name] = {
        # calculate_text_drift_score(reference, current, bootstrap=False)
        "auc": float(auc),
        "stattest": test.name,
        "stattest_threshold": float(res.actual_threshold),
        "drifted": bool(res.drifted),
        "random_percentile_95": float(pct),
        "typical_words_current": list(w_cur),
        "typical_words_reference": list(w_ref),
        "examples_current": list(ex_cur),
        "examples_reference": list(ex_ref),
    }

# TfidfVectorizer on a small corpus with capitals, stop words, digits, punctuation, repeats.
corpus = [
    "The payment FAILED twice; refund refund please!",
    "Login code expired, login again at 10:30",
    "my_account locked - password reset needed",
    "Package delayed: tracking shows warehouse, warehouse, warehouse",
    "and the of",
    "Refund for order 12345 arrived, thanks",
    "App crash after update v2 on android",
    "password password password",
]
vec = TfidfVectorizer(sublinear_tf=True, max_df=0.5, stop_words="english")
m = vec.fit_transform(corpus)
vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
out["tfidf"] = {
    "corpus": corpus,
    "vocabulary": vocab,
    "idf": [float(x) for x in vec.idf_],
    "matrix": m.toarray().tolist(),
}

# Embeddings: 8 dimensions, reference N(0, 1); "emb_shift" moves 3 components of the current
# data; "emb_same" is the same distribution.
def emb_pair(n_ref, n_cur, shift):
    ref = rng.normal(size=(n_ref, 8))
    cur = rng.normal(size=(n_cur, 8)) + np.array(shift)
    return ref, cur

EMB = {
    "emb_shift": emb_pair(400, 300, [0.5, 0.0, -0.3, 0.0, 0.0, 0.2, 0.0, 0.0]),
    "emb_same": emb_pair(350, 320, [0.0] * 8),
}
methods = {
    "domain_classifier": model(),
    "euclidean_distance": distance(dist="euclidean"),
    "cosine_distance": distance(dist="cosine"),
    "share_of_drifted_components": ratio(),
    "mmd": mmd(),
}
import pyarrow as pa
import pyarrow.parquet as pq
for name, (ref, cur) in EMB.items():
    for side, x in (("reference", ref), ("current", cur)):
        cols = {f"emb_{k}": x[:, k] for k in range(8)}
        pd.DataFrame(cols).to_csv(os.path.join(HERE, f"{name}_{side}.csv"), index=False,
                                  float_format="%.17g")
        table = pa.table({"id": np.arange(len(x)),
                          "embedding": pa.array([list(row) for row in x], type=pa.list_(pa.float64()))})
        pq.write_table(table, os.path.join(HERE, f"{name}_{side}.parquet"))
    scores = {}
    for key, method in methods.items():
        # Each method gets its own copies (the model method adds a target column).
        score, drifted, _ = method(pd.DataFrame(cur.copy()), pd.DataFrame(ref.copy()))
        scores[key] = {"score": float(score), "drifted": bool(drifted)}
    out["embeddings"][name] = scores

with open(os.path.join(HERE, "golden.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(json.dumps({k: {"auc": v["auc"], "stattest": v["stattest"], "drifted": v["drifted"],
                      "pct": v["random_percentile_95"]} for k, v in out["text"].items()}, indent=1))
print(json.dumps(out["embeddings"], indent=1))
