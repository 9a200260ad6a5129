"""Pipeline-shaped ONNX models, as skl2onnx and hand-written exporters write them for tabular
data, and onnxruntime's outputs on them, for tests/onnx_pipelines.rs.

  tests/fixtures/models/pipe_mlp.onnx          StandardScaler + MLPClassifier, one named input
                                               per column (float and int64 → FeatureVectorizer)
  tests/fixtures/models/pipe_ct_logreg.onnx    ColumnTransformer(StandardScaler on numbers,
                                               OneHotEncoder on string columns) +
                                               LogisticRegression, zipmap off
  tests/fixtures/models/pipe_ct_logreg_zipmap.onnx   the same with zipmap on
  tests/fixtures/models/pipe_impute_linreg.onnx     SimpleImputer + StandardScaler + Normalizer +
                                               LinearRegression,
                                               one [N, 4] input
  tests/fixtures/models/pipe_svc.onnx          StandardScaler + Binarizer + SVC(probability=True)
  tests/fixtures/models/pipe_svr.onnx          StandardScaler + SVR (rbf)
  tests/fixtures/models/pipe_label_cast.onnx   LabelEncoder (string → int64) + Cast + Concat +
                                               MatMul/Add/Sigmoid (written with onnx.helper)
  tests/fixtures/models/rf_regressor.onnx      RandomForestRegressor
  tests/fixtures/models/rf_classifier_zipmap.onnx   RandomForestClassifier, skl2onnx's default
                                               ZipMap on
  tests/golden/compress/pipeline_outputs.json  onnxruntime's outputs on the first 300 rows of
                                               sample_data/credit_training.csv that have every
                                               column the model reads and the target

Versions (python 3.11.7): scikit-learn==1.5.2 skl2onnx==1.17.0 onnx==1.17.0 onnxruntime==1.20.1
numpy==1.26.4 pandas==2.2.3 (tools/sample_models/requirements.txt). Run from the repository root:
  python tests/golden/compress/make_pipelines.py
"""

import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, Normalizer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROWS = 300
TRAIN = 2000
OPSET = {"": 15, "ai.onnx.ml": 3}
NUM = ["age", "income", "credit_score", "debt_to_income"]
CAT = ["employment_type", "region"]

df = pd.read_csv(ROOT / "sample_data" / "credit_training.csv")


def rows(cols, target):
    return df.dropna(subset=cols + [target])


def props(model, name, features=None):
    model.graph.name = name
    if features:
        helper.set_model_props(model, {"feature_names": ",".join(features)})
    return model


models = []  # (name, model, columns, target, feeds builder)


def per_column(frame, types):
    feeds = {}
    for c, t in types:
        v = frame[c].to_numpy()
        if t == "float":
            feeds[c] = v.astype(np.float32).reshape(-1, 1)
        elif t == "int64":
            feeds[c] = v.astype(np.int64).reshape(-1, 1)
        else:
            feeds[c] = v.astype(str).astype(object).reshape(-1, 1)
    return feeds


# 1. StandardScaler + MLPClassifier, one named input per column; open_accounts is int64, so the
# inputs are joined by a FeatureVectorizer.
cols = NUM + ["open_accounts"]
d = rows(cols, "defaulted")
types = [(c, "float") for c in NUM] + [("open_accounts", "int64")]
mlp = Pipeline([("scale", StandardScaler()),
                ("mlp", MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0))])
mlp.fit(d[cols].iloc[:TRAIN].to_numpy(np.float32), d["defaulted"].iloc[:TRAIN])
onx = convert_sklearn(
    mlp,
    initial_types=[(c, FloatTensorType([None, 1]) if t == "float" else Int64TensorType([None, 1]))
                   for c, t in types],
    target_opset=OPSET,
    options={id(mlp): {"zipmap": False}},
)
models.append(("pipe_mlp", props(onx, "pipe_mlp"), cols, "defaulted", types))

# 2. ColumnTransformer + LogisticRegression, with and without ZipMap.
cols = NUM + CAT
d = rows(cols, "defaulted")
types = [(c, "float") for c in NUM] + [(c, "string") for c in CAT]
ct = Pipeline([
    ("prep", ColumnTransformer([("num", StandardScaler(), NUM),
                                ("cat", OneHotEncoder(handle_unknown="ignore"), CAT)])),
    ("lr", LogisticRegression(max_iter=1000)),
])
ct.fit(d[cols].iloc[:TRAIN], d["defaulted"].iloc[:TRAIN])
initial = [(c, FloatTensorType([None, 1]) if t == "float" else StringTensorType([None, 1]))
           for c, t in types]
for zipmap in (False, True):
    onx = convert_sklearn(ct, initial_types=initial, target_opset=OPSET,
                          options={id(ct): {"zipmap": zipmap}})
    name = "pipe_ct_logreg_zipmap" if zipmap else "pipe_ct_logreg"
    models.append((name, props(onx, name), cols, "defaulted", types))

# 3. SimpleImputer + Normalizer + LinearRegression on one [N, 4] input (target: loan_amount).
cols = NUM
d = rows(cols, "loan_amount")
# The scaler keeps the regression well conditioned in float32 (raw incomes dominate an L2 norm,
# which leaves nearly collinear columns and coefficients of 1e8).
lin = Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler()), ("norm", Normalizer()),
                ("lin", LinearRegression())])
lin.fit(d[cols].iloc[:TRAIN].to_numpy(np.float32), d["loan_amount"].iloc[:TRAIN])
onx = convert_sklearn(lin, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=OPSET)
models.append(("pipe_impute_linreg", props(onx, "pipe_impute_linreg", cols), cols, "loan_amount",
               None))

# 4. StandardScaler + Binarizer + SVC(probability=True), and StandardScaler + SVR (rbf).
d = rows(cols, "defaulted")
svc = Pipeline([("scale", StandardScaler()), ("bin", Binarizer(threshold=0.0)),
                ("svc", SVC(probability=True, random_state=0))])
svc.fit(d[cols].iloc[:500].to_numpy(np.float32), d["defaulted"].iloc[:500])
onx = convert_sklearn(svc, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=OPSET,
                      options={id(svc): {"zipmap": False}})
models.append(("pipe_svc", props(onx, "pipe_svc", cols), cols, "defaulted", None))
d = rows(cols, "score")
svr = Pipeline([("scale", StandardScaler()), ("svr", SVR(kernel="rbf", C=1.0, epsilon=0.01))])
svr.fit(d[cols].iloc[:500].to_numpy(np.float32), d["score"].iloc[:500])
onx = convert_sklearn(svr, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=OPSET)
models.append(("pipe_svr", props(onx, "pipe_svr", cols), cols, "score", None))

# 5. LabelEncoder on a string column, Cast to float, joined with a number, then a logistic unit.
regions = sorted(df["region"].dropna().unique().tolist())
nodes = [
    helper.make_node("LabelEncoder", ["region"], ["region_code"], domain="ai.onnx.ml",
                     keys_strings=regions[:-1], values_int64s=list(range(1, len(regions))),
                     default_int64=-1),
    helper.make_node("Cast", ["region_code"], ["region_f"], to=TensorProto.FLOAT),
    helper.make_node("Div", ["age", "forty"], ["age_s"]),
    helper.make_node("Concat", ["age_s", "region_f"], ["x"], axis=1),
    helper.make_node("MatMul", ["x", "W"], ["z0"]),
    helper.make_node("Add", ["z0", "B"], ["z"]),
    helper.make_node("Sigmoid", ["z"], ["score"]),
]
inits = [numpy_helper.from_array(np.array([40.0], np.float32), "forty"),
         numpy_helper.from_array(np.array([[0.8], [-0.3]], np.float32), "W"),
         numpy_helper.from_array(np.array([0.1], np.float32), "B")]
graph = helper.make_graph(
    nodes, "pipe_label_cast",
    [helper.make_tensor_value_info("region", TensorProto.STRING, ["N", 1]),
     helper.make_tensor_value_info("age", TensorProto.FLOAT, ["N", 1])],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
    inits,
)
onx = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15),
                                              helper.make_opsetid("ai.onnx.ml", 3)])
onx.ir_version = 8
models.append(("pipe_label_cast", onx, ["region", "age"], "defaulted",
               [("region", "string"), ("age", "float")]))

# 6. RandomForestRegressor on one [N, 4] input.
d = rows(cols, "score")
rf = RandomForestRegressor(n_estimators=8, max_depth=6, random_state=0)
rf.fit(d[cols].iloc[:TRAIN].to_numpy(np.float32), d["score"].iloc[:TRAIN])
onx = convert_sklearn(rf, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=OPSET)
models.append(("rf_regressor", props(onx, "rf_regressor", cols), cols, "score", None))

# 7. RandomForestClassifier as skl2onnx writes it by default (ZipMap on).
d = rows(cols, "defaulted")
rfc = RandomForestClassifier(n_estimators=8, max_depth=5, random_state=0)
rfc.fit(d[cols].iloc[:TRAIN].to_numpy(np.float32), d["defaulted"].iloc[:TRAIN])
onx = convert_sklearn(rfc, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=OPSET)
models.append(("rf_classifier_zipmap", props(onx, "rf_classifier_zipmap", cols), cols, "defaulted",
               None))

out = ROOT / "tests" / "fixtures" / "models"
golden = {"script": "tests/golden/compress/make_pipelines.py", "onnxruntime": ort.__version__,
          "skl2onnx": "1.17.0", "rows": ROWS, "models": {}}
for name, model, cols, target, types in models:
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString()
    assert len(data) <= 200_000, (name, len(data))
    (out / f"{name}.onnx").write_bytes(data)
    frame = rows(cols, target).iloc[:ROWS]
    if types is None:
        feeds = {model.graph.input[0].name: frame[cols].to_numpy(np.float32)}
    else:
        feeds = per_column(frame, types)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    res = sess.run(None, feeds)
    outputs = {}
    for n, r in zip(names, res):
        if isinstance(r, list):  # ZipMap: a list of {label: probability}
            keys = sorted(r[0].keys())
            outputs[n] = {"zipmap": [str(k) for k in keys],
                          "values": [[float(m[k]) for k in keys] for m in r]}
        elif r.dtype == object:
            outputs[n] = {"strings": [str(v) for v in r.reshape(-1)], "shape": list(r.shape)}
        elif np.issubdtype(r.dtype, np.integer):
            outputs[n] = {"int64": [int(v) for v in r.reshape(-1)], "shape": list(r.shape)}
        else:
            outputs[n] = {"float": [float(v) for v in r.reshape(-1)], "shape": list(r.shape)}
    golden["models"][name] = {
        "columns": cols, "target": target,
        "ops": sorted({nd.op_type for nd in model.graph.node}),
        "bytes": len(data), "outputs": outputs,
    }
    print(name, len(data), golden["models"][name]["ops"])
# The imputer at work: 40 rows of the imputer pipeline's data with one value in each of rows
# 0, 3, 6, … set to NaN (column row mod 4); JSON writes NaN as null.
frame = rows(NUM, "loan_amount").iloc[:40]
xn = frame[NUM].to_numpy(np.float32).copy()
for r in range(0, 40, 3):
    xn[r, r % 4] = np.nan
sess = ort.InferenceSession((out / "pipe_impute_linreg.onnx").read_bytes(),
                            providers=["CPUExecutionProvider"])
yn = sess.run(None, {"input": xn})[0]
golden["imputer_nan"] = {
    "model": "pipe_impute_linreg",
    "x": [[None if np.isnan(v) else float(v) for v in row] for row in xn],
    "variable": [float(v) for v in yn.reshape(-1)],
}
(ROOT / "tests" / "golden" / "compress" / "pipeline_outputs.json").write_text(
    json.dumps(golden, indent=1) + "\n"
)
