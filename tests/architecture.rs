//! The shape of the house, checked: every `crate::…` and `super::…` path in src/ is read, each
//! file's imports must point to its own layer or a lower one, no two files may import each
//! other (directly or round a longer loop), and only the command line imports `cli`.
//!
//! Layers, lowest first (a module may use its own layer and those below):
//!   0 `vocab`, `format` — the shared words and how numbers read
//!   1 `analysis` — statistics over slices
//!   2 `data`, `model`, `sample_data` — files into columns, ONNX models, the bundled story
//!   3 `engine`, `jobs` — one entry point per analysis, work off the UI thread
//!   4 `present`, `report`, `session` — outcomes into tables, JSON and HTML; sessions on disk
//!   5 `cli`, `gui` — the front ends
//!
//! A `mod.rs` that declares a child and re-exports its items is the child's facade, not a
//! dependency: `pub use` lines are followed to the file that defines the item, and an edge
//! from a facade to its own descendants is not counted. A child's edge to its parent's items
//! is counted like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn layer(top: &str) -> Option<u8> {
    Some(match top {
        "vocab" | "format" => 0,
        "analysis" => 1,
        "data" | "model" | "sample_data" => 2,
        "engine" | "jobs" => 3,
        "present" | "report" | "session" => 4,
        "cli" | "gui" => 5,
        _ => return None,
    })
}

/// A source file and the module path it defines (`["analysis", "drift", "ks"]`).
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The text without comments and string literals, so that a doc comment naming
/// `crate::cli` is not an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            // Raw strings are rare in src/ and hold no paths; a plain scan to the closing quote.
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal such as '"'.
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Expand `use` trees and inline paths into full paths starting at `crate::` or `super::`.
/// Returns each path as segments, resolved against `module` (for `super` and `self`).
fn paths_in(code: &str, module: &[String], is_facade: bool) -> Vec<(Vec<String>, bool)> {
    let mut found = Vec::new();
    // `use` statements, with their brace trees.
    let mut rest = code;
    while let Some(pos) = find_use(rest) {
        let after = &rest[pos..];
        let end = after.find(';').unwrap_or(after.len());
        let stmt = &after[..end];
        let public = rest[..pos].trim_end().ends_with("pub")
            || rest[..pos].trim_end().ends_with(')') && rest[..pos].contains("pub(");
        let body = stmt.trim_start_matches("use").trim();
        for p in expand_tree(body) {
            if let Some(full) = resolve(&p, module, is_facade) {
                found.push((full, public));
            }
        }
        rest = &after[end..];
    }
    // Modules brought in by `use` (`use super::views;`) and then named inline
    // (`views::drift::DriftView`) are imports of what they name.
    let mut starts: Vec<(String, Vec<String>)> = vec![
        ("crate::".into(), vec!["crate".into()]),
        ("super::".into(), vec!["super".into()]),
    ];
    for (full, _) in &found {
        if let Some(last) = full.last()
            && last.starts_with(|c: char| c.is_ascii_lowercase())
        {
            let mut abs = vec!["crate".to_string()];
            abs.extend(full.iter().cloned());
            starts.push((format!("{last}::"), abs));
        }
    }
    for (start, replacement) in starts {
        let start = start.as_str();
        let mut i = 0;
        while let Some(off) = code[i..].find(start) {
            let at = i + off;
            let boundary = at == 0
                || !code.as_bytes()[at - 1].is_ascii_alphanumeric()
                    && code.as_bytes()[at - 1] != b'_'
                    && code.as_bytes()[at - 1] != b':';
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            if boundary {
                let text = code[at..end].trim_end_matches(':');
                let mut segs: Vec<String> = replacement.clone();
                segs.extend(text.split("::").skip(1).map(str::to_string));
                if let Some(full) = resolve(&segs, module, is_facade) {
                    found.push((full, false));
                }
            }
            i = end.max(at + 1);
        }
    }
    found
}

fn find_use(s: &str) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = s[i..].find("use ") {
        let at = i + off;
        let ok = at == 0 || {
            let c = s.as_bytes()[at - 1];
            c == b'\n' || c == b' ' || c == b'{' || c == b'}' || c == b';' || c == b'\t'
        };
        if ok {
            return Some(at);
        }
        i = at + 4;
    }
    None
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e` (segments; `as` aliases dropped).
fn expand_tree(body: &str) -> Vec<Vec<String>> {
    // One space between words (so that ` as ` survives), none around punctuation.
    let mut flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in ["::", "{", "}", ","] {
        flat = flat
            .replace(&format!(" {p}"), p)
            .replace(&format!("{p} "), p);
    }
    let mut out = Vec::new();
    expand_into(&flat, Vec::new(), &mut out);
    out
}

fn expand_into(s: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Some(open) = s.find('{') {
        let head = &s[..open];
        let inner = &s[open + 1..s.rfind('}').unwrap_or(s.len())];
        let mut base = prefix.clone();
        base.extend(
            head.trim_end_matches("::")
                .split("::")
                .filter(|x| !x.is_empty())
                .map(str::to_string),
        );
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_into(&inner[start..i], base.clone(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < inner.len() {
            expand_into(&inner[start..], base, out);
        }
    } else if !s.is_empty() {
        let s = s.split(" as ").next().unwrap_or(s);
        let mut p = prefix;
        p.extend(
            s.split("::")
                .filter(|x| !x.is_empty() && *x != "self")
                .map(str::to_string),
        );
        out.push(p);
    }
}

/// A path from `crate` (or relative to `module` via `super`/`self`) as absolute segments.
fn resolve(segs: &[String], module: &[String], is_facade: bool) -> Option<Vec<String>> {
    let first = segs.first()?;
    match first.as_str() {
        "crate" => Some(segs[1..].to_vec()),
        "super" | "self" => {
            // In a facade (mod.rs) the module is the folder; in a leaf file it is the file.
            let mut base = module.to_vec();
            let mut i = 0;
            if segs[0] == "self" {
                i = 1;
            }
            while segs.get(i).is_some_and(|s| s == "super") {
                base.pop()?;
                i += 1;
            }
            let _ = is_facade;
            base.extend(segs[i..].iter().cloned());
            Some(base)
        }
        _ => None,
    }
}

#[test]
fn layers_point_down_and_files_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files: Vec<SourceFile> = paths
        .iter()
        .map(|p| SourceFile {
            path: p.strip_prefix(&src).expect("under src").to_path_buf(),
            module: module_of(&src, p),
            text: code_only(&std::fs::read_to_string(p).expect("readable")),
        })
        .collect();
    let by_module: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();

    // Re-exports of facades: module + name → the module path the name really comes from.
    let mut aliases: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for f in &files {
        let facade = f.path.ends_with("mod.rs") || f.path == Path::new("lib.rs");
        if !facade {
            continue;
        }
        for (target, public) in paths_in(&f.text, &f.module, true) {
            if public && let Some(name) = target.last() {
                let mut key = f.module.clone();
                key.push(name.clone());
                aliases.insert(key, target);
            }
        }
        // `pub use child::Item` is relative to the facade's own module.
        let code = &f.text;
        let mut rest = code.as_str();
        while let Some(pos) = rest.find("pub use ") {
            let after = &rest[pos + 8..];
            let end = after.find(';').unwrap_or(after.len());
            for p in expand_tree(&after[..end]) {
                if p.first()
                    .is_some_and(|s| s != "crate" && s != "super" && s != "self")
                    && let Some(name) = p.last()
                {
                    let mut key = f.module.clone();
                    key.push(name.clone());
                    let mut target = f.module.clone();
                    target.extend(p.iter().cloned());
                    aliases.insert(key, target);
                }
            }
            rest = &after[end..];
        }
    }

    // The file a path lands in: follow facade re-exports, then the longest module prefix.
    let file_of = |path: &[String]| -> Option<usize> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let mut changed = false;
            for n in (1..=path.len()).rev() {
                if let Some(t) = aliases.get(&path[..n]) {
                    let mut next = t.clone();
                    next.extend(path[n..].iter().cloned());
                    if next != path {
                        path = next;
                        changed = true;
                    }
                    break;
                }
            }
            if !changed {
                break;
            }
        }
        (1..=path.len())
            .rev()
            .find_map(|n| by_module.get(&path[..n]).copied())
    };

    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let facade = f.path.ends_with("mod.rs") || f.path == Path::new("lib.rs");
        let from_top = f.module.first().cloned().unwrap_or_default();
        for (target, _) in paths_in(&f.text, &f.module, facade) {
            let Some(j) = file_of(&target) else { continue };
            if j == i {
                continue;
            }
            let to = &files[j];
            // A facade's edges to its own descendants are declarations, not dependencies.
            if facade && to.module.starts_with(&f.module) {
                continue;
            }
            let to_top = to.module.first().cloned().unwrap_or_default();
            if to_top == "cli" && from_top != "cli" && f.path != Path::new("main.rs") {
                problems.push(format!(
                    "{} imports the command line ({})",
                    f.path.display(),
                    to.path.display()
                ));
            }
            if let (Some(a), Some(b)) = (layer(&from_top), layer(&to_top))
                && b > a
            {
                problems.push(format!(
                    "{} (layer {a}, {from_top}) imports {} (layer {b}, {to_top})",
                    f.path.display(),
                    to.path.display()
                ));
            }
            edges.entry(i).or_default().insert(j);
        }
    }

    // Cycles: strongly connected components of more than one file (Tarjan).
    for component in strongly_connected(files.len(), &edges) {
        if component.len() > 1 {
            let names: Vec<String> = component
                .iter()
                .map(|&k| files[k].path.display().to_string())
                .collect();
            problems.push(format!("import cycle between {}", names.join(", ")));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} architecture problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

fn strongly_connected(n: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let targets: Vec<usize> = s.edges.get(&v).into_iter().flatten().copied().collect();
        for w in targets {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}
