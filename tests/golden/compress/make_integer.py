"""onnxruntime's outputs on Sextant's integer graph of the sample MLP, for tests/compress_integer.rs.

  tests/golden/compress/credit_mlp_int8.int.onnx   the int8-per-channel variant of
      sample_data/credit_mlp.onnx as Sextant writes its integer graph
      (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul -> Add per layer), made by
        sextant compress --model sample_data/credit_mlp.onnx \
          --data sample_data/credit_training.parquet --variants int8-per-channel \
          --no-latency --no-sensitivity --export DIR
      and copied from DIR/int8-per-channel.int.onnx
  tests/golden/compress/integer_outputs.json       onnxruntime's p1 on the first 2000 complete
      training rows run as one batch (DynamicQuantizeLinear's scale spans the batch), and on
      the first 20 rows one call each

Versions (python 3.11): onnxruntime==1.20.1 onnx==1.17.0 numpy==1.26.4 pandas==2.2.3
pyarrow==17.0.0. Run from the repository root:
  python tests/golden/compress/make_integer.py
"""

import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[3]
HERE = ROOT / "tests/golden/compress"
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
ROWS = 2000
SINGLE = 20


def main():
    df = pd.read_parquet(ROOT / "sample_data/credit_training.parquet")
    df = df.dropna(subset=FEATURES + [TARGET])
    x = df[FEATURES].to_numpy(np.float32)[:ROWS]
    y = df[TARGET].to_numpy(np.int64)[:ROWS]
    model = onnx.load(HERE / "credit_mlp_int8.int.onnx")
    onnx.checker.check_model(model)
    ops = sorted({n.op_type for n in model.graph.node})
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name

    def p1(rows):
        outputs = sess.run(None, {name: rows})
        probs = next(o for o in outputs if o.ndim == 2 and o.dtype == np.float32)
        return [float(v) for v in probs[:, 1]]

    golden = {
        "script": "tests/golden/compress/make_integer.py",
        "versions": {"onnxruntime": ort.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__},
        "model": "tests/golden/compress/credit_mlp_int8.int.onnx",
        "operators": ops,
        "features": FEATURES,
        "rows": ROWS,
        "labels": y.tolist(),
        # onnxruntime.InferenceSession(...).run(None, {input: X[:2000]})[probabilities][:, 1]
        "p1_batch": p1(x),
        # the same, one row per call
        "p1_single": [p1(x[i : i + 1])[0] for i in range(SINGLE)],
    }
    (HERE / "integer_outputs.json").write_text(json.dumps(golden, indent=1) + "\n")
    print("operators", ops, "rows", ROWS)


if __name__ == "__main__":
    main()
