"""Train the compression lab's sample models on sample_data/credit_training.parquet.

Writes
  sample_data/credit_mlp.onnx   MLPClassifier 7-32-16-1 (ReLU) behind a standardisation
                                (Sub, Mul), as MatMul/Add/Relu/Sigmoid nodes
  sample_data/credit_gbt.onnx   GradientBoostingClassifier, 60 trees of depth 3
                                (ai.onnx.ml TreeEnsembleClassifier, ml opset 1)
  tests/golden/compress/reference_outputs.json
                                onnxruntime's P(defaulted = 1) for the first 2 000 complete rows of
                                the training file, plus sklearn.metrics values on those rows

Both models take one float tensor [N, 7]; the column order is stored in the model's metadata
under "feature_names" (comma separated), which Sextant reads.

Run from the repository root:
  pip install -r tools/sample_models/requirements.txt
  python tools/sample_models/train.py
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
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier

ROOT = pathlib.Path(__file__).resolve().parents[2]
FEATURES = [
    "age",
    "income",
    "open_accounts",
    "credit_score",
    "loan_amount",
    "loan_term_months",
    "debt_to_income",
]
TARGET = "defaulted"
GOLDEN_ROWS = 2000


def complete_rows(df):
    """Rows with every feature and the label present, as float32 X and int y."""
    df = df.dropna(subset=FEATURES + [TARGET])
    return df[FEATURES].to_numpy(np.float32), df[TARGET].to_numpy(np.int64)


def mlp_onnx(mlp, mean, std):
    """A hand-built graph: (x - mean) * (1 / std) -> MatMul/Add (+Relu) per layer -> Sigmoid
    -> [1-p, p].

    The standardisation stays a separate step (not folded into the first layer's weights) so
    that the weights of every layer are on comparable scales, as in a deployed network; folded,
    the income column's weights would be ~1e-5 and no 8-bit grid could hold them.
    """
    weights = mlp.coefs_
    biases = mlp.intercepts_
    inits = [
        numpy_helper.from_array(mean.astype(np.float32), "mean"),
        numpy_helper.from_array((1.0 / std).astype(np.float32), "inv_std"),
    ]
    nodes = [
        helper.make_node("Sub", ["input", "mean"], ["centred"]),
        helper.make_node("Mul", ["centred", "inv_std"], ["standardised"]),
    ]
    prev = "standardised"
    for i, (w, b) in enumerate(zip(weights, biases)):
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"W{i}"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), f"B{i}"))
        nodes.append(helper.make_node("MatMul", [prev, f"W{i}"], [f"mm{i}"]))
        nodes.append(helper.make_node("Add", [f"mm{i}", f"B{i}"], [f"z{i}"]))
        if i + 1 < len(weights):
            nodes.append(helper.make_node("Relu", [f"z{i}"], [f"h{i}"]))
            prev = f"h{i}"
        else:
            prev = f"z{i}"
    nodes.append(helper.make_node("Sigmoid", [prev], ["p1"]))
    inits.append(numpy_helper.from_array(np.array([1.0], np.float32), "one"))
    nodes.append(helper.make_node("Sub", ["one", "p1"], ["p0"]))
    nodes.append(helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes,
        "credit_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", len(FEATURES)])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    model.producer_name = "sextant tools/sample_models/train.py"
    return model


def with_features(model):
    helper.set_model_props(model, {"feature_names": ",".join(FEATURES)})
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    train = pd.read_parquet(ROOT / "sample_data" / "credit_training.parquet")
    X, y = complete_rows(train)
    mean = X.astype(np.float64).mean(axis=0)
    std = X.astype(np.float64).std(axis=0)

    mlp = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=200, random_state=7)
    # Standardise exactly as the graph will: float32 (x - mean) * (1 / std).
    z = (X - mean.astype(np.float32)) * (1.0 / std).astype(np.float32)
    mlp.fit(z, y)
    mlp_model = with_features(mlp_onnx(mlp, mean, std))

    gbt = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=7)
    gbt.fit(X, y)
    gbt_model = convert_sklearn(
        gbt,
        initial_types=[("input", FloatTensorType([None, len(FEATURES)]))],
        target_opset={"": 15, "ai.onnx.ml": 3},
        options={id(gbt): {"zipmap": False}},
    )
    # skl2onnx names the graph with a random UUID; a fixed name keeps the file reproducible.
    gbt_model.graph.name = "credit_gbt"
    gbt_model = with_features(gbt_model)

    out = ROOT / "sample_data"
    (out / "credit_mlp.onnx").write_bytes(mlp_model.SerializeToString())
    (out / "credit_gbt.onnx").write_bytes(gbt_model.SerializeToString())

    # Reference outputs on the first GOLDEN_ROWS complete rows (in file order).
    xg, yg = X[:GOLDEN_ROWS], y[:GOLDEN_ROWS]
    golden = {
        "script": "tools/sample_models/train.py",
        "versions": {
            "onnxruntime": ort.__version__,
            "onnx": onnx.__version__,
            "skl2onnx": __import__("skl2onnx").__version__,
            "scikit-learn": __import__("sklearn").__version__,
        },
        "features": FEATURES,
        "rows": GOLDEN_ROWS,
        "labels": yg.tolist(),
        "models": {},
    }
    for name, model in [("credit_mlp", mlp_model), ("credit_gbt", gbt_model)]:
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = sess.run(None, {"input": xg})
        probs = next(o for o in outputs if o.ndim == 2 and o.dtype == np.float32)
        p1 = probs[:, 1].astype(np.float64)
        pred = (p1 >= 0.5).astype(np.int64)
        golden["models"][name] = {
            # onnxruntime.InferenceSession(...).run(None, {"input": X})[probabilities][:, 1]
            "p1": [float(v) for v in p1],
            # sklearn.metrics on the ORT probabilities, threshold 0.5
            "accuracy": float(accuracy_score(yg, pred)),
            "roc_auc": float(roc_auc_score(yg, p1)),
            "log_loss": float(log_loss(yg, np.clip(p1, 1e-15, 1 - 1e-15))),
            "f1": float(f1_score(yg, pred)),
        }
    dest = ROOT / "tests" / "golden" / "compress"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "reference_outputs.json").write_text(json.dumps(golden, indent=1) + "\n")
    for name, g in golden["models"].items():
        print(name, {k: v for k, v in g.items() if k != "p1"})


if __name__ == "__main__":
    main()
