//! Distillation students: models trained on the teacher's outputs, written as small ONNX graphs
//! so they are evaluated, timed and exported like any other variant.
//!
//! The logistic student fits P(class 1) = σ(z · w + b) on standardised features z to the
//! teacher's probabilities (soft targets) by Newton's method on the cross-entropy with a small
//! ridge penalty (λ = 1e−4 on w), which is convex, deterministic and needs no seed; a regression
//! teacher gets a ridge least-squares student. The standardisation is folded into the exported
//! weights: w' = w / σ, b' = b − Σ μ w / σ.

use super::load::{OnnxModel, Task};
use super::proto;
use super::variant::{Built, Student, VariantSpec};
use super::{ModelError, pb};
use crate::analysis::compression::size::{self, WeightStorage};

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
    use pb::tensor_shape_proto::{Dimension, dimension::Value};
    let k = w.len();
    let input = teacher.inputs[0].name.clone();
    let value = |name: &str, dims: Vec<Option<i64>>| pb::ValueInfoProto {
        name: name.to_string(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: proto::FLOAT,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .into_iter()
                        .map(|d| Dimension {
                            value: Some(match d {
                                Some(n) => Value::DimValue(n),
                                None => Value::DimParam("N".into()),
                            }),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    };
    let node = |op: &str, inputs: &[&str], output: &str| pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    };
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let wf: Vec<f32> = w.iter().map(|v| *v as f32).collect();
    let mut inits = vec![
        proto::tensor("student_W", proto::FLOAT, &[k as i64, 1], f32s(&wf)),
        proto::tensor("student_B", proto::FLOAT, &[1], f32s(&[b as f32])),
    ];
    let mut nodes = vec![
        node("MatMul", &[&input, "student_W"], "student_mm"),
        node("Add", &["student_mm", "student_B"], "student_z"),
    ];
    let output = if task == Task::Classification {
        inits.push(proto::tensor(
            "student_one",
            proto::FLOAT,
            &[1],
            f32s(&[1.0]),
        ));
        nodes.push(node("Sigmoid", &["student_z"], "student_p1"));
        nodes.push(node("Sub", &["student_one", "student_p1"], "student_p0"));
        let mut concat = node("Concat", &["student_p0", "student_p1"], "probabilities");
        concat.attribute.push(proto::int_attribute("axis", 1));
        nodes.push(concat);
        value("probabilities", vec![None, Some(2)])
    } else {
        value("student_z", vec![None, Some(1)])
    };
    pb::ModelProto {
        ir_version: 8,
        producer_name: "sextant distillation".into(),
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 15,
        }],
        metadata_props: vec![pb::StringStringEntryProto {
            key: "feature_names".into(),
            value: features.join(","),
        }],
        graph: Some(pb::GraphProto {
            name: "student".into(),
            node: nodes,
            initializer: inits,
            input: vec![value(&input, vec![None, Some(k as i64)])],
            output: vec![output],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Train a student on the teacher's predictions over `data`.
pub fn student(
    teacher: &OnnxModel,
    data: &super::EvalData,
    teacher_predictions: &[f64],
    kind: Student,
) -> Result<Built, ModelError> {
    if teacher.inputs.len() != 1 {
        return Err(ModelError::Invalid(
            "students are built for models with one [N, k] input".into(),
        ));
    }
    let Student::Logistic = kind;
    let k = data.width();
    let logistic = teacher.task == Task::Classification;
    let (w, b) = fit_linear(&data.x, k, teacher_predictions, logistic);
    let proto = student_proto(teacher, &data.features, &w, b, teacher.task);
    let storage = [WeightStorage {
        rows: k,
        cols: 1,
        nnz: w.iter().filter(|v| **v != 0.0).count(),
        bits: 32,
        granularity: None,
    }];
    let spec = VariantSpec::Distill(kind);
    Ok(Built {
        spec,
        name: spec.name(false),
        export: proto.clone(),
        proto,
        trees: None,
        packed_bytes: size::layered_bytes(&storage, 1),
        dense_bytes: size::layered_dense_bytes(&storage, 1),
        sparsity: 0.0,
        speed: None,
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
}
