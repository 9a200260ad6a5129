"""Small ONNX fixtures for tests/compress.rs: the other layouts Sextant must read.

  tests/fixtures/models/logreg.onnx     sklearn LogisticRegression via skl2onnx
                                        (ai.onnx.ml LinearClassifier, zipmap off)
  tests/fixtures/models/gemm_mlp.onnx   a PyTorch-style MLP: Gemm with transB = 1, one input
                                        per column concatenated (inputs "age", "income", ...)
  tests/golden/compress/fixture_outputs.json
                                        onnxruntime's P(class 1) on the first 300 complete rows

Versions: tools/sample_models/requirements.txt. Run from the repository root:
  python tests/golden/compress/make_fixtures.py
"""

import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

ROOT = pathlib.Path(__file__).resolve().parents[3]
FEATURES = ["age", "income", "credit_score", "debt_to_income"]
ROWS = 300

df = pd.read_parquet(ROOT / "sample_data" / "credit_training.parquet")
df = df.dropna(subset=FEATURES + ["defaulted"])
X = df[FEATURES].to_numpy(np.float32)
y = df["defaulted"].to_numpy(np.int64)
mean, std = X.mean(axis=0), X.std(axis=0)

# Logistic regression fitted on standardised inputs (lbfgs converges there), then its
# coefficients are converted back to raw units so the exported LinearClassifier reads raw columns.
lr = LogisticRegression(max_iter=1000).fit((X - mean) / std, y)
coef = lr.coef_[0] / std
intercept = lr.intercept_[0] - float((mean / std) @ lr.coef_[0])
lr_raw = LogisticRegression()
lr_raw.classes_ = np.array([0, 1])
lr_raw.coef_ = coef.reshape(1, -1).astype(np.float64)
lr_raw.intercept_ = np.array([intercept])
lr_raw.n_features_in_ = len(FEATURES)
logreg = convert_sklearn(
    lr_raw,
    initial_types=[("input", FloatTensorType([None, len(FEATURES)]))],
    target_opset={"": 15, "ai.onnx.ml": 3},
    options={id(lr_raw): {"zipmap": False}},
)
logreg.graph.name = "logreg"
helper.set_model_props(logreg, {"feature_names": ",".join(FEATURES)})

# A Gemm MLP with one [N, 1] input per column, as PyTorch exports models with named inputs.
rng = np.random.default_rng(3)
w1 = (rng.normal(size=(8, 4)) * 0.5).astype(np.float32)  # [out, in], transB = 1
b1 = rng.normal(size=8).astype(np.float32) * 0.1
w2 = (rng.normal(size=(1, 8)) * 0.5).astype(np.float32)
b2 = np.array([-1.0], np.float32)
nodes = [
    helper.make_node("Concat", FEATURES, ["x"], axis=1),
    helper.make_node("Sub", ["x", "mean"], ["xc"]),
    helper.make_node("Div", ["xc", "std"], ["xs"]),
    helper.make_node("Gemm", ["xs", "W1", "B1"], ["h"], transB=1),
    helper.make_node("Tanh", ["h"], ["a"]),
    helper.make_node("Gemm", ["a", "W2", "B2"], ["z"], transB=1),
    helper.make_node("Sigmoid", ["z"], ["p1"]),
    helper.make_node("Sub", ["one", "p1"], ["p0"]),
    helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1),
]
inits = [
    numpy_helper.from_array(mean.astype(np.float32), "mean"),
    numpy_helper.from_array(std.astype(np.float32), "std"),
    numpy_helper.from_array(w1, "W1"),
    numpy_helper.from_array(b1, "B1"),
    numpy_helper.from_array(w2, "W2"),
    numpy_helper.from_array(b2, "B2"),
    numpy_helper.from_array(np.array([1.0], np.float32), "one"),
]
graph = helper.make_graph(
    nodes,
    "gemm_mlp",
    [helper.make_tensor_value_info(f, TensorProto.FLOAT, ["N", 1]) for f in FEATURES],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
    inits,
)
gemm = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
gemm.ir_version = 8

out = ROOT / "tests" / "fixtures" / "models"
out.mkdir(parents=True, exist_ok=True)
golden = {"script": "tests/golden/compress/make_fixtures.py", "onnxruntime": ort.__version__,
          "features": FEATURES, "rows": ROWS, "models": {}}
xg = X[:ROWS]
for name, model, feeds in [
    ("logreg", logreg, {"input": xg}),
    ("gemm_mlp", gemm, {f: xg[:, [i]] for i, f in enumerate(FEATURES)}),
]:
    onnx.checker.check_model(model, full_check=True)
    (out / f"{name}.onnx").write_bytes(model.SerializeToString())
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    res = sess.run(None, feeds)
    probs = next(o for o in res if o.ndim == 2 and o.dtype == np.float32)
    golden["models"][name] = [float(v) for v in probs[:, 1]]
(ROOT / "tests" / "golden" / "compress" / "fixture_outputs.json").write_text(
    json.dumps(golden, indent=1) + "\n"
)
print("ok")
