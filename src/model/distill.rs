//! Distillation students: models trained on the teacher's outputs, written as small ONNX graphs
//! so they are evaluated, timed and exported like any other variant.
//!
//! The logistic student fits P(class 1) = σ(z · w + b) on standardised features z to the
//! teacher's probabilities (soft targets) by Newton's method on the cross-entropy with a small
//! ridge penalty (λ = 1e−4 on w), which is convex, deterministic and needs no seed; a regression
//! teacher gets a ridge least-squares student. The standardisation is folded into the exported
//! weights: w' = w / σ, b' = b − Σ μ w / σ.
//!
//! The MLP student has one hidden layer of 16 ReLU units on standardised inputs (kept as
//! `Sub`/`Mul` nodes), He-uniform initial weights from a fixed-seed SplitMix64, and is trained by
//! Adam (learning rate 0.01, batches of 256, 15 epochs over at most 20 000 rows) on the
//! cross-entropy to the teacher's probabilities (squared error for a regression teacher); the
//! loss is computed from logits, so it stays finite.
//!
//! The tree student is one CART regression tree of depth 4 (at least 20 rows per leaf) fitted by
//! squared error to the teacher's outputs, exported as a `TreeEnsembleRegressor`.

use super::load::OnnxModel;
use super::proto;
use super::variant::{Built, Student, VariantSpec};
use super::{ModelError, pb};
use crate::analysis::compression::size::{self, WeightStorage};
use crate::vocab::Task;

const RIDGE: f64 = 1e-4;

/// Solve `a x = b` (a symmetric positive definite, n × n row-major) by Gaussian elimination with
/// partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs()))?;
        if a[p * n + c].abs() < 1e-300 {
            return None;
        }
        for k in 0..n {
            a.swap(c * n + k, p * n + k);
        }
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[r * n + c] / a[c * n + c];
            for k in c..n {
                a[r * n + k] -= f * a[c * n + k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    Some(x)
}

/// Fit weights (k) and bias on rows `x` (row-major, width k) to `target`; logistic when
/// `logistic`, else least squares. Returns (w, b) in the original (unstandardised) units.
pub fn fit_linear(x: &[f32], k: usize, target: &[f64], logistic: bool) -> (Vec<f64>, f64) {
    let n = target.len();
    let mut mean = vec![0.0; k];
    let mut sd = vec![0.0; k];
    for row in x.chunks_exact(k) {
        for j in 0..k {
            mean[j] += f64::from(row[j]);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    for row in x.chunks_exact(k) {
        for j in 0..k {
            sd[j] += (f64::from(row[j]) - mean[j]).powi(2);
        }
    }
    sd.iter_mut()
        .for_each(|s| *s = (*s / n as f64).sqrt().max(1e-12));
    let d = k + 1;
    let mut theta = vec![0.0; d];
    let iterations = if logistic { 50 } else { 1 };
    let mut z = vec![0.0; d];
    for _ in 0..iterations {
        let mut h = vec![0.0; d * d];
        let mut g = vec![0.0; d];
        for (row, &t) in x.chunks_exact(k).zip(target) {
            for j in 0..k {
                z[j] = (f64::from(row[j]) - mean[j]) / sd[j];
            }
            z[k] = 1.0;
            let lin: f64 = z.iter().zip(&theta).map(|(a, b)| a * b).sum();
            let (p, wgt) = if logistic {
                let p = 1.0 / (1.0 + (-lin).exp());
                (p, (p * (1.0 - p)).max(1e-12))
            } else {
                (lin, 1.0)
            };
            for a in 0..d {
                g[a] += (p - t) * z[a];
                for b in 0..=a {
                    h[a * d + b] += wgt * z[a] * z[b];
                }
            }
        }
        for a in 0..d {
            for b in 0..a {
                h[b * d + a] = h[a * d + b];
            }
        }
        for a in 0..d {
            g[a] /= n as f64;
            for b in 0..d {
                h[a * d + b] /= n as f64;
            }
            if a < k {
                g[a] += RIDGE * theta[a];
                h[a * d + a] += RIDGE;
            }
        }
        let Some(step) = solve(h, g) else { break };
        let mut change: f64 = 0.0;
        for (t, s) in theta.iter_mut().zip(&step) {
            *t -= s;
            change = change.max(s.abs());
        }
        if change < 1e-10 {
            break;
        }
    }
    let w: Vec<f64> = (0..k).map(|j| theta[j] / sd[j]).collect();
    let b = theta[k] - (0..k).map(|j| mean[j] * theta[j] / sd[j]).sum::<f64>();
    (w, b)
}

/// The student graph: `input [N, k] → MatMul → Add → (Sigmoid → [1 − p, p])`.
fn student_proto(
    teacher: &OnnxModel,
    features: &[String],
    w: &[f64],
    b: f64,
    task: Task,
) -> pb::ModelProto {
    let k = w.len();
    let input = input_name(teacher);
    let wf: Vec<f32> = w.iter().map(|v| *v as f32).collect();
    let mut inits = vec![
        proto::tensor("student_W", proto::FLOAT, &[k as i64, 1], f32_bytes(&wf)),
        proto::tensor("student_B", proto::FLOAT, &[1], f32_bytes(&[b as f32])),
    ];
    let mut nodes = vec![
        simple_node("MatMul", &[&input, "student_W"], "student_mm"),
        simple_node("Add", &["student_mm", "student_B"], "student_z"),
    ];
    let out = head(&mut nodes, &mut inits, "student_z", task);
    wrap_graph(teacher, k, features, nodes, inits, out, false)
}

/// The name of the `[N, k]` tensor a student reads: the teacher's input, or the concatenation
/// of the teacher's one-column inputs.
fn input_name(teacher: &OnnxModel) -> String {
    if teacher.inputs.len() > 1 {
        "student_x".into()
    } else {
        teacher.inputs[0].name.clone()
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Mean and 1/σ of each column.
fn standardisation(x: &[f32], k: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (x.len() / k).max(1) as f64;
    let mut mean = vec![0.0f64; k];
    let mut var = vec![0.0f64; k];
    for row in x.chunks_exact(k) {
        for j in 0..k {
            mean[j] += f64::from(row[j]);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    for row in x.chunks_exact(k) {
        for j in 0..k {
            var[j] += (f64::from(row[j]) - mean[j]).powi(2);
        }
    }
    let inv: Vec<f32> = var
        .iter()
        .map(|v| (1.0 / (v / n).sqrt().max(1e-12)) as f32)
        .collect();
    (mean.iter().map(|m| *m as f32).collect(), inv)
}

/// The MLP student's parameters: `[k, h]`, `[h]`, `[h, 1]`, `[1]`.
pub struct MlpStudent {
    pub mean: Vec<f32>,
    pub inv_std: Vec<f32>,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: f32,
}

/// Train the MLP student (see the module documentation).
pub fn fit_mlp(x: &[f32], k: usize, target: &[f64], logistic: bool, hidden: usize) -> MlpStudent {
    let n = target.len().min(20_000);
    let (mean, inv_std) = standardisation(&x[..n * k], k);
    let z: Vec<f32> = x[..n * k]
        .chunks_exact(k)
        .flat_map(|r| {
            (0..k)
                .map(|j| (r[j] - mean[j]) * inv_std[j])
                .collect::<Vec<_>>()
        })
        .collect();
    let mut rng = crate::vocab::Rng::new(0x5EED);
    let mut init = |fan_in: usize, len: usize| -> Vec<f64> {
        let a = (6.0 / fan_in as f64).sqrt();
        (0..len).map(|_| (rng.uniform() * 2.0 - 1.0) * a).collect()
    };
    // Parameters flattened: w1 [k*h], b1 [h], w2 [h], b2 [1].
    let h = hidden;
    let mut params: Vec<f64> = init(k, k * h);
    params.extend(vec![0.0; h]);
    params.extend(init(h, h));
    params.push(0.0);
    let (o_b1, o_w2, o_b2) = (k * h, k * h + h, k * h + 2 * h);
    let mut m = vec![0.0; params.len()];
    let mut v = vec![0.0; params.len()];
    let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-8);
    let mut step = 0;
    let mut order: Vec<usize> = (0..n).collect();
    let mut act = vec![0.0f64; h];
    for _epoch in 0..15 {
        // Fisher–Yates with the seeded generator.
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for batch in order.chunks(256) {
            let mut grad = vec![0.0; params.len()];
            for &r in batch {
                let row = &z[r * k..(r + 1) * k];
                for u in 0..h {
                    let mut s = params[o_b1 + u];
                    for j in 0..k {
                        s += f64::from(row[j]) * params[j * h + u];
                    }
                    act[u] = s.max(0.0);
                }
                let mut out = params[o_b2];
                for u in 0..h {
                    out += act[u] * params[o_w2 + u];
                }
                // d loss / d logit: σ(out) − t for cross-entropy on logits, out − t for MSE.
                let d = if logistic {
                    1.0 / (1.0 + (-out).exp()) - target[r]
                } else {
                    out - target[r]
                };
                grad[o_b2] += d;
                for u in 0..h {
                    grad[o_w2 + u] += d * act[u];
                    if act[u] > 0.0 {
                        let du = d * params[o_w2 + u];
                        grad[o_b1 + u] += du;
                        for j in 0..k {
                            grad[j * h + u] += du * f64::from(row[j]);
                        }
                    }
                }
            }
            step += 1;
            let scale = 1.0 / batch.len() as f64;
            let c1 = 1.0 - f64::powi(b1, step);
            let c2 = 1.0 - f64::powi(b2, step);
            for i in 0..params.len() {
                let g = grad[i] * scale;
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                params[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
            }
        }
    }
    let f = |r: std::ops::Range<usize>| params[r].iter().map(|v| *v as f32).collect::<Vec<f32>>();
    MlpStudent {
        mean,
        inv_std,
        w1: f(0..o_b1),
        b1: f(o_b1..o_w2),
        w2: f(o_w2..o_b2),
        b2: params[o_b2] as f32,
    }
}

/// A CART regression tree node.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeNode {
    /// Rows with `x[feature] <= threshold` go to `left`.
    Split {
        feature: usize,
        threshold: f32,
        left: usize,
        right: usize,
    },
    Leaf(f64),
}

/// Fit a regression tree by squared error (nodes in depth-first order, root first).
pub fn fit_tree(
    x: &[f32],
    k: usize,
    target: &[f64],
    max_depth: usize,
    min_leaf: usize,
) -> Vec<TreeNode> {
    fn grow(
        x: &[f32],
        k: usize,
        t: &[f64],
        rows: Vec<usize>,
        depth: usize,
        max_depth: usize,
        min_leaf: usize,
        out: &mut Vec<TreeNode>,
    ) -> usize {
        let me = out.len();
        let n = rows.len() as f64;
        let sum: f64 = rows.iter().map(|&r| t[r]).sum();
        out.push(TreeNode::Leaf(sum / n.max(1.0)));
        if depth >= max_depth || rows.len() < 2 * min_leaf {
            return me;
        }
        // Best split: the largest S_L²/n_L + S_R²/n_R.
        let mut best: Option<(f64, usize, f32)> = None;
        let base = sum * sum / n;
        let mut sorted = rows.clone();
        for f in 0..k {
            sorted.sort_by(|&a, &b| x[a * k + f].total_cmp(&x[b * k + f]));
            let mut left = 0.0;
            for i in 1..sorted.len() {
                left += t[sorted[i - 1]];
                let (xl, xr) = (x[sorted[i - 1] * k + f], x[sorted[i] * k + f]);
                if i < min_leaf || sorted.len() - i < min_leaf || xl == xr {
                    continue;
                }
                let nl = i as f64;
                let gain = left * left / nl + (sum - left).powi(2) / (n - nl) - base;
                if gain > 1e-12 && best.is_none_or(|(g, _, _)| gain > g + 1e-12) {
                    best = Some((gain, f, xl));
                }
            }
        }
        let Some((_, feature, threshold)) = best else {
            return me;
        };
        let (l, r): (Vec<usize>, Vec<usize>) = rows
            .into_iter()
            .partition(|&row| x[row * k + feature] <= threshold);
        let left = grow(x, k, t, l, depth + 1, max_depth, min_leaf, out);
        let right = grow(x, k, t, r, depth + 1, max_depth, min_leaf, out);
        out[me] = TreeNode::Split {
            feature,
            threshold,
            left,
            right,
        };
        me
    }
    let mut out = Vec::new();
    grow(
        x,
        k,
        target,
        (0..target.len()).collect(),
        0,
        max_depth,
        min_leaf,
        &mut out,
    );
    out
}

/// A float tensor value-info `[N, d]`.
pub(crate) fn value_info(name: &str, width: i64) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension::Value};
    pb::ValueInfoProto {
        name: name.to_string(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: proto::FLOAT,
                shape: Some(pb::TensorShapeProto {
                    dim: vec![
                        Dimension {
                            value: Some(Value::DimParam("N".into())),
                            ..Default::default()
                        },
                        Dimension {
                            value: Some(Value::DimValue(width)),
                            ..Default::default()
                        },
                    ],
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn simple_node(op: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    }
}

fn wrap_graph(
    teacher: &OnnxModel,
    k: usize,
    features: &[String],
    mut nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    output: pb::ValueInfoProto,
    ml: bool,
) -> pb::ModelProto {
    // The student takes the same inputs as the teacher.
    let inputs = if teacher.inputs.len() > 1 {
        let names: Vec<&str> = teacher.inputs.iter().map(|i| i.name.as_str()).collect();
        let mut concat = simple_node("Concat", &names, "student_x");
        concat.attribute.push(proto::int_attribute("axis", 1));
        nodes.insert(0, concat);
        names.iter().map(|n| value_info(n, 1)).collect()
    } else {
        vec![value_info(&teacher.inputs[0].name, k as i64)]
    };
    let mut opsets = vec![pb::OperatorSetIdProto {
        domain: String::new(),
        version: 15,
    }];
    if ml {
        opsets.push(pb::OperatorSetIdProto {
            domain: "ai.onnx.ml".into(),
            version: 1,
        });
    }
    pb::ModelProto {
        ir_version: 8,
        producer_name: "sextant distillation".into(),
        opset_import: opsets,
        metadata_props: vec![pb::StringStringEntryProto {
            key: "feature_names".into(),
            value: features.join(","),
        }],
        graph: Some(pb::GraphProto {
            name: "student".into(),
            node: nodes,
            initializer: inits,
            input: inputs,
            output: vec![output],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `[1 − p, p]` from a logit, or the value itself for regression.
fn head(
    nodes: &mut Vec<pb::NodeProto>,
    inits: &mut Vec<pb::TensorProto>,
    logit: &str,
    task: Task,
) -> pb::ValueInfoProto {
    if task == Task::Classification {
        inits.push(proto::tensor(
            "student_one",
            proto::FLOAT,
            &[1],
            f32_bytes(&[1.0]),
        ));
        nodes.push(simple_node("Sigmoid", &[logit], "student_p1"));
        nodes.push(simple_node(
            "Sub",
            &["student_one", "student_p1"],
            "student_p0",
        ));
        let mut concat = simple_node("Concat", &["student_p0", "student_p1"], "probabilities");
        concat.attribute.push(proto::int_attribute("axis", 1));
        nodes.push(concat);
        value_info("probabilities", 2)
    } else {
        value_info(logit, 1)
    }
}

fn mlp_proto(
    teacher: &OnnxModel,
    features: &[String],
    s: &MlpStudent,
    task: Task,
) -> pb::ModelProto {
    let k = s.mean.len();
    let h = s.b1.len();
    let input = input_name(teacher);
    let mut inits = vec![
        proto::tensor(
            "student_mean",
            proto::FLOAT,
            &[k as i64],
            f32_bytes(&s.mean),
        ),
        proto::tensor(
            "student_inv_std",
            proto::FLOAT,
            &[k as i64],
            f32_bytes(&s.inv_std),
        ),
        proto::tensor(
            "student_W1",
            proto::FLOAT,
            &[k as i64, h as i64],
            f32_bytes(&s.w1),
        ),
        proto::tensor("student_B1", proto::FLOAT, &[h as i64], f32_bytes(&s.b1)),
        proto::tensor("student_W2", proto::FLOAT, &[h as i64, 1], f32_bytes(&s.w2)),
        proto::tensor("student_B2", proto::FLOAT, &[1], f32_bytes(&[s.b2])),
    ];
    let mut nodes = vec![
        simple_node("Sub", &[&input, "student_mean"], "student_centred"),
        simple_node("Mul", &["student_centred", "student_inv_std"], "student_z0"),
        simple_node("MatMul", &["student_z0", "student_W1"], "student_mm1"),
        simple_node("Add", &["student_mm1", "student_B1"], "student_a1"),
        simple_node("Relu", &["student_a1"], "student_h1"),
        simple_node("MatMul", &["student_h1", "student_W2"], "student_mm2"),
        simple_node("Add", &["student_mm2", "student_B2"], "student_z"),
    ];
    let out = head(&mut nodes, &mut inits, "student_z", task);
    wrap_graph(teacher, k, features, nodes, inits, out, false)
}

fn tree_proto(
    teacher: &OnnxModel,
    features: &[String],
    tree: &[TreeNode],
    k: usize,
) -> pb::ModelProto {
    let input = input_name(teacher);
    let ints = |name: &str, v: Vec<i64>| pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Ints as i32,
        ints: v,
        ..Default::default()
    };
    let floats = |name: &str, v: Vec<f32>| pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Floats as i32,
        floats: v,
        ..Default::default()
    };
    let n = tree.len();
    let (mut feat, mut thr, mut yes, mut no, mut modes) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut leaf_nodes, mut leaf_values) = (vec![], vec![]);
    for (i, node) in tree.iter().enumerate() {
        match node {
            TreeNode::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                feat.push(*feature as i64);
                thr.push(*threshold);
                yes.push(*left as i64);
                no.push(*right as i64);
                modes.push(b"BRANCH_LEQ".to_vec());
            }
            TreeNode::Leaf(v) => {
                feat.push(0);
                thr.push(0.0);
                yes.push(0);
                no.push(0);
                modes.push(b"LEAF".to_vec());
                leaf_nodes.push(i as i64);
                leaf_values.push(*v as f32);
            }
        }
    }
    let leaves = leaf_nodes.len();
    let node = pb::NodeProto {
        op_type: "TreeEnsembleRegressor".into(),
        domain: "ai.onnx.ml".into(),
        name: "student_tree".into(),
        input: vec![input.clone()],
        output: vec!["student_value".into()],
        attribute: vec![
            proto::int_attribute("n_targets", 1),
            ints("nodes_treeids", vec![0; n]),
            ints("nodes_nodeids", (0..n as i64).collect()),
            ints("nodes_featureids", feat),
            floats("nodes_values", thr),
            pb::AttributeProto {
                name: "nodes_modes".into(),
                r#type: pb::attribute_proto::AttributeType::Strings as i32,
                strings: modes,
                ..Default::default()
            },
            ints("nodes_truenodeids", yes),
            ints("nodes_falsenodeids", no),
            ints("target_treeids", vec![0; leaves]),
            ints("target_nodeids", leaf_nodes),
            ints("target_ids", vec![0; leaves]),
            floats("target_weights", leaf_values),
        ],
        ..Default::default()
    };
    wrap_graph(
        teacher,
        k,
        features,
        vec![node],
        vec![],
        value_info("student_value", 1),
        true,
    )
}

/// Train a student on the teacher's predictions over `data`.
pub fn student(
    teacher: &OnnxModel,
    data: &super::EvalData,
    teacher_predictions: &[f64],
    kind: Student,
) -> Result<Built, ModelError> {
    let k = data.width();
    let logistic = teacher.task == Task::Classification;
    let dense = |rows: usize, cols: usize| WeightStorage {
        rows,
        cols,
        nnz: rows * cols,
        bits: 32,
        granularity: None,
    };
    let (proto, packed) = match kind {
        Student::Logistic => {
            let (w, b) = fit_linear(&data.x, k, teacher_predictions, logistic);
            let proto = student_proto(teacher, &data.features, &w, b, teacher.task);
            (proto, size::layered_bytes(&[dense(k, 1)], 1))
        }
        Student::Mlp => {
            let s = fit_mlp(&data.x, k, teacher_predictions, logistic, 16);
            let proto = mlp_proto(teacher, &data.features, &s, teacher.task);
            // Weights, biases, and the standardisation (2 k floats).
            let packed = size::layered_bytes(&[dense(k, 16), dense(16, 1)], 17) + 8 * k as u64;
            (proto, packed)
        }
        Student::Tree => {
            let tree = fit_tree(&data.x, k, teacher_predictions, 4, 20);
            let internal = tree
                .iter()
                .filter(|n| matches!(n, TreeNode::Split { .. }))
                .count();
            let proto = tree_proto(teacher, &data.features, &tree, k);
            (
                proto,
                size::tree_bytes(internal, tree.len() - internal, k, 32, 32),
            )
        }
    };
    let spec = VariantSpec::Distill(kind);
    Ok(Built {
        spec,
        name: spec.name(false),
        export: proto.clone(),
        proto,
        trees: None,
        packed_bytes: packed,
        dense_bytes: packed,
        sparsity: 0.0,
        timed: None,
        timing: if kind == Student::Tree {
            "measured: the student tree walked by Sextant's evaluator".to_string()
        } else {
            super::variant::TIMED_AS_IS.to_string()
        },
        integer: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_logistic_model() {
        // Soft targets from p = σ(2 x₀ − x₁ + 0.5) are fitted exactly (up to the tiny ridge).
        let mut x = Vec::new();
        let mut t = Vec::new();
        for i in 0..400 {
            let a = (i % 20) as f32 / 10.0 - 1.0;
            let c = (i / 20) as f32 / 10.0 - 1.0;
            x.extend([a, c]);
            t.push(1.0 / (1.0 + (-(2.0 * f64::from(a) - f64::from(c) + 0.5)).exp()));
        }
        let (w, b) = fit_linear(&x, 2, &t, true);
        assert!((w[0] - 2.0).abs() < 1e-2, "{w:?}");
        assert!((w[1] + 1.0).abs() < 1e-2, "{w:?}");
        assert!((b - 0.5).abs() < 1e-2, "{b}");
    }

    #[test]
    fn tree_finds_the_step() {
        // t = 1 when x₁ > 0.3, else 0: one split on feature 1 at the last value ≤ 0.3.
        let mut x = Vec::new();
        let mut t = Vec::new();
        for i in 0..100 {
            let a = i as f32 / 100.0;
            x.extend([1.0 - a, a]);
            t.push(if a > 0.3 { 1.0 } else { 0.0 });
        }
        let tree = fit_tree(&x, 2, &t, 3, 5);
        match &tree[0] {
            TreeNode::Split {
                feature, threshold, ..
            } => {
                assert!(*feature == 1 || *feature == 0);
                if *feature == 1 {
                    assert_eq!(*threshold, 0.3);
                }
            }
            TreeNode::Leaf(_) => panic!("no split"),
        }
        assert_eq!(tree.len(), 3, "pure children are leaves: {tree:?}");
    }

    #[test]
    fn mlp_student_learns_a_smooth_target() {
        let mut x = Vec::new();
        let mut t = Vec::new();
        for i in 0..1000 {
            let a = (i % 40) as f32 / 20.0 - 1.0;
            let c = (i / 40) as f32 / 12.5 - 1.0;
            x.extend([a, c]);
            t.push(1.0 / (1.0 + (-(3.0 * f64::from(a * c))).exp()));
        }
        let s = fit_mlp(&x, 2, &t, true, 16);
        let predict = |a: f32, c: f32| {
            let z = [
                (a - s.mean[0]) * s.inv_std[0],
                (c - s.mean[1]) * s.inv_std[1],
            ];
            let mut out = f64::from(s.b2);
            for u in 0..16 {
                let h = (f64::from(z[0] * s.w1[u] + z[1] * s.w1[16 + u] + s.b1[u])).max(0.0);
                out += h * f64::from(s.w2[u]);
            }
            1.0 / (1.0 + (-out).exp())
        };
        // Only 60 Adam steps on 1 000 rows: the shape is learnt, not the exact values.
        assert!(predict(0.9, 0.9) > 0.6, "{}", predict(0.9, 0.9));
        assert!(predict(0.9, -0.9) < 0.4, "{}", predict(0.9, -0.9));
    }
}
