//! Tree ensembles (`ai.onnx.ml` `TreeEnsembleClassifier` / `TreeEnsembleRegressor`, ML opset
//! 1–3): read from the node's attributes, evaluated row by row, edited and written back.
//!
//! Semantics follow the ONNX operator definition as onnxruntime implements it: a row walks each
//! tree from its root (node id 0 of the tree's first node), `BRANCH_LEQ` goes to the true child
//! when `x ≤ threshold` (or when `x` is NaN and `missing_value_tracks_true`); the leaf weights
//! are summed per target (averaged for a regressor with `aggregate_function = AVERAGE`), the
//! base values added, and the post transform applied. A binary classifier with one score column
//! (what skl2onnx writes for gradient boosting) gives P(class 1) = post(score).

use std::collections::HashMap;

use super::proto::{self, attribute};
use super::{ModelError, pb};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
    Leaf,
}

/// Most targets of a regressor ensemble Sextant evaluates.
const MAX_TARGETS: usize = 1 << 16;

/// One tree ensemble node's attributes, as parallel arrays (the ONNX layout).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeEnsemble {
    /// Position of the node in the graph.
    pub node_index: usize,
    pub classifier: bool,
    pub tree_ids: Vec<i64>,
    pub node_ids: Vec<i64>,
    pub feature_ids: Vec<i64>,
    pub thresholds: Vec<f32>,
    modes: Vec<Mode>,
    pub true_ids: Vec<i64>,
    pub false_ids: Vec<i64>,
    pub missing_true: Vec<bool>,
    /// Leaf entries: tree, node, target (class) and weight.
    pub leaf_tree: Vec<i64>,
    pub leaf_node: Vec<i64>,
    pub leaf_target: Vec<i64>,
    pub leaf_weight: Vec<f32>,
    pub base_values: Vec<f32>,
    pub post_transform: String,
    pub average: bool,
    /// Number of class labels (classifier) or targets (regressor).
    pub labels: usize,
}

fn ints(node: &pb::NodeProto, name: &str) -> Vec<i64> {
    attribute(node, name)
        .map(|a| a.ints.clone())
        .unwrap_or_default()
}

fn floats(node: &pb::NodeProto, name: &str) -> Vec<f32> {
    attribute(node, name)
        .map(|a| a.floats.clone())
        .unwrap_or_default()
}

/// Attribute-name prefix of the leaf arrays.
fn leaf_prefix(classifier: bool) -> &'static str {
    if classifier { "class_" } else { "target_" }
}

impl TreeEnsemble {
    /// Read the attributes of a tree-ensemble node.
    pub fn from_node(node: &pb::NodeProto, node_index: usize) -> Result<TreeEnsemble, ModelError> {
        let classifier = node.op_type == "TreeEnsembleClassifier";
        let bad = |what: &str| {
            ModelError::Invalid(format!(
                "the {} node \"{}\" {what}",
                node.op_type, node.name
            ))
        };
        if attribute(node, "nodes_values_as_tensor").is_some()
            || attribute(node, "base_values_as_tensor").is_some()
        {
            return Err(bad(
                "stores values as tensors (ML opset 3 doubles), which is not supported",
            ));
        }
        let modes = attribute(node, "nodes_modes")
            .map(|a| {
                a.strings
                    .iter()
                    .map(|s| match s.as_slice() {
                        b"BRANCH_LEQ" => Ok(Mode::Leq),
                        b"BRANCH_LT" => Ok(Mode::Lt),
                        b"BRANCH_GTE" => Ok(Mode::Gte),
                        b"BRANCH_GT" => Ok(Mode::Gt),
                        b"BRANCH_EQ" => Ok(Mode::Eq),
                        b"BRANCH_NEQ" => Ok(Mode::Neq),
                        b"LEAF" => Ok(Mode::Leaf),
                        other => Err(bad(&format!(
                            "has an unknown node mode {}",
                            String::from_utf8_lossy(other)
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let p = leaf_prefix(classifier);
        let n = modes.len();
        let missing: Vec<bool> = ints(node, "nodes_missing_value_tracks_true")
            .into_iter()
            .map(|v| v != 0)
            .collect();
        let t = TreeEnsemble {
            node_index,
            classifier,
            tree_ids: ints(node, "nodes_treeids"),
            node_ids: ints(node, "nodes_nodeids"),
            feature_ids: ints(node, "nodes_featureids"),
            thresholds: floats(node, "nodes_values"),
            modes,
            true_ids: ints(node, "nodes_truenodeids"),
            false_ids: ints(node, "nodes_falsenodeids"),
            missing_true: if missing.is_empty() {
                vec![false; n]
            } else {
                missing
            },
            leaf_tree: ints(node, &format!("{p}treeids")),
            leaf_node: ints(node, &format!("{p}nodeids")),
            leaf_target: ints(node, &format!("{p}ids")),
            leaf_weight: floats(node, &format!("{p}weights")),
            base_values: floats(node, "base_values"),
            post_transform: proto::attr_string(node, "post_transform", "NONE"),
            average: proto::attr_string(node, "aggregate_function", "SUM") == "AVERAGE",
            labels: if classifier {
                ints(node, "classlabels_int64s")
                    .len()
                    .max(attribute(node, "classlabels_strings").map_or(0, |a| a.strings.len()))
            } else {
                proto::attr_int(node, "n_targets", 1).max(1) as usize
            },
        };
        let same = [
            t.tree_ids.len(),
            t.node_ids.len(),
            t.feature_ids.len(),
            t.thresholds.len(),
            t.true_ids.len(),
            t.false_ids.len(),
            t.missing_true.len(),
        ];
        if n == 0 || same.iter().any(|&l| l != n) {
            return Err(bad("has node arrays of different lengths"));
        }
        let m = t.leaf_tree.len();
        if [t.leaf_node.len(), t.leaf_target.len(), t.leaf_weight.len()]
            .iter()
            .any(|&l| l != m)
        {
            return Err(bad("has leaf arrays of different lengths"));
        }
        if t.classifier && t.labels != 2 {
            return Err(bad(&format!(
                "has {} classes; only binary classifiers are supported",
                t.labels
            )));
        }
        // The evaluator keeps one score per target: a count no real model has would only
        // allocate without end.
        if !t.classifier && t.labels > MAX_TARGETS {
            return Err(bad(&format!(
                "declares {} targets; Sextant evaluates at most {MAX_TARGETS}",
                t.labels
            )));
        }
        if let Some(f) = t.feature_ids.iter().find(|f| **f < 0) {
            return Err(bad(&format!("reads the negative feature index {f}")));
        }
        if let Some(c) = t
            .leaf_target
            .iter()
            .find(|c| **c < 0 || **c as usize >= t.labels)
        {
            return Err(bad(&format!(
                "has a leaf weight for {} {c}, outside 0 to {}",
                if t.classifier { "class" } else { "target" },
                t.labels - 1
            )));
        }
        let mut seen = std::collections::HashSet::with_capacity(n);
        for (tree, id) in t.tree_ids.iter().zip(&t.node_ids) {
            if !seen.insert((tree, id)) {
                return Err(bad(&format!("has node {id} of tree {tree} more than once")));
            }
        }
        Ok(t)
    }

    /// Internal nodes and leaves.
    pub fn counts(&self) -> (usize, usize) {
        let leaves = self.modes.iter().filter(|m| **m == Mode::Leaf).count();
        (self.modes.len() - leaves, leaves)
    }

    /// Thresholds of internal nodes plus leaf weights plus base values.
    pub fn parameter_count(&self) -> usize {
        self.counts().0 + self.leaf_weight.len() + self.base_values.len()
    }

    /// Distinct tree ids in order of first appearance.
    pub fn trees(&self) -> Vec<i64> {
        let mut seen = Vec::new();
        for &t in &self.tree_ids {
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        seen
    }

    /// Keep only the first `k` trees.
    pub fn truncate(&mut self, k: usize) {
        let keep: std::collections::HashSet<i64> = self.trees().into_iter().take(k).collect();
        let node_mask: Vec<bool> = self.tree_ids.iter().map(|t| keep.contains(t)).collect();
        let leaf_mask: Vec<bool> = self.leaf_tree.iter().map(|t| keep.contains(t)).collect();
        fn filter<T: Clone>(v: &mut Vec<T>, mask: &[bool]) {
            *v = v
                .iter()
                .zip(mask)
                .filter(|(_, m)| **m)
                .map(|(x, _)| x.clone())
                .collect();
        }
        filter(&mut self.tree_ids, &node_mask);
        filter(&mut self.node_ids, &node_mask);
        filter(&mut self.feature_ids, &node_mask);
        filter(&mut self.thresholds, &node_mask);
        filter(&mut self.modes, &node_mask);
        filter(&mut self.true_ids, &node_mask);
        filter(&mut self.false_ids, &node_mask);
        filter(&mut self.missing_true, &node_mask);
        filter(&mut self.leaf_tree, &leaf_mask);
        filter(&mut self.leaf_node, &leaf_mask);
        filter(&mut self.leaf_target, &leaf_mask);
        filter(&mut self.leaf_weight, &leaf_mask);
    }

    /// Round the thresholds of internal nodes with `f` (leaves' thresholds are unused).
    pub fn map_thresholds(&mut self, f: impl Fn(f32) -> f32) {
        for (v, m) in self.thresholds.iter_mut().zip(&self.modes) {
            if *m != Mode::Leaf {
                *v = f(*v);
            }
        }
    }

    /// A compiled form for fast evaluation.
    pub fn compile(&self) -> Result<Compiled, ModelError> {
        let mut index: HashMap<(i64, i64), usize> = HashMap::with_capacity(self.node_ids.len());
        for (i, (&t, &n)) in self.tree_ids.iter().zip(&self.node_ids).enumerate() {
            index.insert((t, n), i);
        }
        // `from_node` keeps leaf targets in 0..labels; `max(0)` and `min` guard edited copies.
        let targets = if self.classifier {
            (self
                .leaf_target
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
                .clamp(0, 1)
                + 1) as usize
        } else {
            self.labels.clamp(1, MAX_TARGETS)
        };
        let mut nodes = Vec::with_capacity(self.modes.len());
        for i in 0..self.modes.len() {
            let t = self.tree_ids[i];
            let child = |id: i64| -> Result<u32, ModelError> {
                if self.modes[i] == Mode::Leaf {
                    return Ok(0);
                }
                index.get(&(t, id)).map(|&c| c as u32).ok_or_else(|| {
                    ModelError::Invalid(format!("tree {t} refers to a missing node {id}"))
                })
            };
            nodes.push(CNode {
                feature: self.feature_ids[i].max(0) as usize,
                threshold: self.thresholds[i],
                mode: self.modes[i],
                yes: child(self.true_ids[i])?,
                no: child(self.false_ids[i])?,
                missing_yes: self.missing_true[i],
                leaf_start: 0,
                leaf_end: 0,
            });
        }
        // Leaf entries grouped by node.
        let mut order: Vec<usize> = (0..self.leaf_tree.len()).collect();
        let key = |j: usize| index.get(&(self.leaf_tree[j], self.leaf_node[j])).copied();
        order.sort_by_key(|&j| key(j));
        let mut leaf_values = Vec::with_capacity(order.len());
        for j in order {
            let Some(node) = key(j) else {
                return Err(ModelError::Invalid(format!(
                    "a leaf weight refers to a missing node {} of tree {}",
                    self.leaf_node[j], self.leaf_tree[j]
                )));
            };
            let target = self.leaf_target[j].max(0) as usize;
            if nodes[node].leaf_end == 0 {
                nodes[node].leaf_start = leaf_values.len() as u32;
            }
            leaf_values.push((target.min(targets - 1) as u32, self.leaf_weight[j]));
            nodes[node].leaf_end = leaf_values.len() as u32;
        }
        let roots: Vec<u32> = self
            .trees()
            .into_iter()
            .filter_map(|t| {
                // The root is the tree's node 0, or its first node if it has none.
                index
                    .get(&(t, 0))
                    .copied()
                    .or_else(|| self.tree_ids.iter().position(|&x| x == t))
                    .map(|i| i as u32)
            })
            .collect();
        // A malformed file could make a tree loop forever: look for a cycle (depth-first,
        // 0 = unseen, 1 = on the current path, 2 = done).
        let mut state = vec![0u8; nodes.len()];
        for &root in &roots {
            let mut stack = vec![(root as usize, false)];
            while let Some((i, leaving)) = stack.pop() {
                if leaving {
                    state[i] = 2;
                    continue;
                }
                match state[i] {
                    1 => {
                        return Err(ModelError::Invalid(format!(
                            "tree {} of the ensemble has a cycle",
                            self.tree_ids[i]
                        )));
                    }
                    2 => continue,
                    _ => {}
                }
                state[i] = 1;
                stack.push((i, true));
                let nd = &nodes[i];
                if nd.mode != Mode::Leaf {
                    for c in [nd.yes as usize, nd.no as usize] {
                        if state[c] == 1 {
                            return Err(ModelError::Invalid(format!(
                                "tree {} of the ensemble has a cycle",
                                self.tree_ids[c]
                            )));
                        }
                        if state[c] == 0 {
                            stack.push((c, false));
                        }
                    }
                }
            }
        }
        let max_feature = nodes
            .iter()
            .filter(|n| n.mode != Mode::Leaf)
            .map(|n| n.feature)
            .max()
            .unwrap_or(0);
        Ok(Compiled {
            nodes,
            leaf_values,
            roots,
            targets,
            base: self.base_values.clone(),
            post: self.post_transform.clone(),
            average: self.average,
            classifier: self.classifier,
            max_feature,
        })
    }

    /// Write the (edited) attributes back into the node of `model`.
    pub fn write_into(&self, model: &mut pb::ModelProto) -> Result<(), ModelError> {
        let g = proto::graph_mut(model)?;
        let node = g
            .node
            .get_mut(self.node_index)
            .ok_or_else(|| ModelError::Invalid("the tree node is missing".into()))?;
        let p = leaf_prefix(self.classifier);
        let n = self.modes.len();
        for a in &mut node.attribute {
            let name = a.name.as_str();
            match name {
                "nodes_treeids" => a.ints = self.tree_ids.clone(),
                "nodes_nodeids" => a.ints = self.node_ids.clone(),
                "nodes_featureids" => a.ints = self.feature_ids.clone(),
                "nodes_values" => a.floats = self.thresholds.clone(),
                "nodes_truenodeids" => a.ints = self.true_ids.clone(),
                "nodes_falsenodeids" => a.ints = self.false_ids.clone(),
                "nodes_missing_value_tracks_true" => {
                    a.ints = self.missing_true.iter().map(|&b| i64::from(b)).collect();
                }
                "nodes_modes" => {
                    a.strings = self
                        .modes
                        .iter()
                        .map(|m| {
                            match m {
                                Mode::Leq => "BRANCH_LEQ",
                                Mode::Lt => "BRANCH_LT",
                                Mode::Gte => "BRANCH_GTE",
                                Mode::Gt => "BRANCH_GT",
                                Mode::Eq => "BRANCH_EQ",
                                Mode::Neq => "BRANCH_NEQ",
                                Mode::Leaf => "LEAF",
                            }
                            .as_bytes()
                            .to_vec()
                        })
                        .collect();
                }
                // Per-node bookkeeping the evaluator does not use: keep the first n entries.
                "nodes_hitrates" => a.floats.truncate(n),
                _ if name == format!("{p}treeids") => a.ints = self.leaf_tree.clone(),
                _ if name == format!("{p}nodeids") => a.ints = self.leaf_node.clone(),
                _ if name == format!("{p}ids") => a.ints = self.leaf_target.clone(),
                _ if name == format!("{p}weights") => a.floats = self.leaf_weight.clone(),
                _ => {}
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct CNode {
    feature: usize,
    threshold: f32,
    mode: Mode,
    yes: u32,
    no: u32,
    missing_yes: bool,
    leaf_start: u32,
    leaf_end: u32,
}

/// A tree ensemble laid out for evaluation.
#[derive(Debug, Clone)]
pub struct Compiled {
    nodes: Vec<CNode>,
    leaf_values: Vec<(u32, f32)>,
    roots: Vec<u32>,
    targets: usize,
    base: Vec<f32>,
    post: String,
    average: bool,
    classifier: bool,
    max_feature: usize,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Compiled {
    /// Predictions for `n` rows of `k` values (row-major): P(class 1) for a binary classifier,
    /// the first target for a regressor.
    pub fn predict(&self, x: &[f32], k: usize) -> Result<Vec<f64>, ModelError> {
        if k <= self.max_feature {
            return Err(ModelError::Invalid(format!(
                "the trees read feature {} but rows have {k} values",
                self.max_feature
            )));
        }
        let mut scores = vec![0.0f64; self.targets];
        Ok(x.chunks_exact(k)
            .map(|row| {
                scores.iter_mut().for_each(|s| *s = 0.0);
                for &root in &self.roots {
                    let mut i = root as usize;
                    loop {
                        let nd = &self.nodes[i];
                        let go_yes = match nd.mode {
                            Mode::Leaf => break,
                            mode => {
                                let v = row[nd.feature];
                                if v.is_nan() {
                                    nd.missing_yes
                                } else {
                                    match mode {
                                        Mode::Leq => v <= nd.threshold,
                                        Mode::Lt => v < nd.threshold,
                                        Mode::Gte => v >= nd.threshold,
                                        Mode::Gt => v > nd.threshold,
                                        Mode::Eq => v == nd.threshold,
                                        _ => v != nd.threshold,
                                    }
                                }
                            }
                        };
                        i = if go_yes { nd.yes } else { nd.no } as usize;
                    }
                    let nd = &self.nodes[i];
                    for &(t, w) in &self.leaf_values[nd.leaf_start as usize..nd.leaf_end as usize] {
                        scores[t as usize] += f64::from(w);
                    }
                }
                if self.average && !self.roots.is_empty() {
                    let n = self.roots.len() as f64;
                    scores.iter_mut().for_each(|s| *s /= n);
                }
                for (s, b) in scores.iter_mut().zip(&self.base) {
                    *s += f64::from(*b);
                }
                self.finish(&scores)
            })
            .collect())
    }

    fn finish(&self, scores: &[f64]) -> f64 {
        if !self.classifier {
            return scores[0];
        }
        match (self.targets, self.post.as_str()) {
            (1, "LOGISTIC") => sigmoid(scores[0]),
            (1, _) => scores[0],
            (_, "LOGISTIC") => sigmoid(scores[1]),
            (_, "SOFTMAX") => {
                let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = scores.iter().map(|s| (s - m).exp()).collect();
                e[1] / e.iter().sum::<f64>()
            }
            _ => scores[1],
        }
    }
}
