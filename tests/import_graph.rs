//! No import circle inside any crate of the workspace: the module graph that each file's
//! `crate::`, `super::` and `self::` paths draw (test modules left out) has no cycle.
//!
//! A use of an ancestor module is not an edge (a child uses its parent's items by design),
//! nor is a module's use of itself; `crate::Name` re-exported by the crate root counts as a
//! use of the module that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates' source roots, from the workspace root.
const ROOTS: &[&str] = &[
    "src",
    "sim/src",
    "sim/macros/src",
    "crates/actions/src",
    "crates/pidclean/src",
    "crates/rag/src",
    "crates/tasks/src",
    "crates/tokio/src",
];

#[test]
fn no_crate_has_an_import_circle() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for root in ROOTS {
        let dir = workspace.join(root);
        assert!(dir.is_dir(), "{} is not a directory", dir.display());
        for circle in circles(&read_modules(&dir)) {
            found.push(format!("{root}: {circle:?}"));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other in a circle (move what they share to a leaf \
         module):\n{}",
        found.join("\n")
    );
}

#[test]
fn real_mode_and_the_kernel_import_nothing_from_the_facade() {
    let graph = import_graph(&read_modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/src"),
    ));
    let upward: Vec<String> = graph
        .iter()
        .filter(|(m, _)| m.starts_with("real") || m.starts_with("runtime"))
        .flat_map(|(m, edges)| {
            edges
                .iter()
                .filter(|t| *t == "rt" || t.starts_with("rt::"))
                .map(move |t| format!("{m} -> {t}"))
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports of `rt` from below it: {upward:?}"
    );
    assert!(
        graph["rt::kv"].contains("real"),
        "the check sees rt's use of real mode"
    );
}

#[test]
fn a_planted_circle_is_found_through_use_trees_super_and_re_exports() {
    let modules = BTreeMap::from([
        (
            String::new(),
            "mod a; mod b; mod c; pub use c::Widget;".to_string(),
        ),
        ("a".into(), "use crate::{b::{self, Thing}};".into()),
        ("b".into(), "fn f() -> crate::Widget { todo!() }".into()),
        (
            "c".into(),
            "// crate::a::X in a comment is no edge\nuse super::a;".into(),
        ),
    ]);
    assert_eq!(circles(&modules), vec![vec!["a", "b", "c"]]);

    let acyclic = BTreeMap::from([
        (String::new(), "mod a; mod b;".to_string()),
        (
            "a".into(),
            "use crate::b::Thing; const S: &str = \"crate::a::x\";".into(),
        ),
        (
            "b".into(),
            "#[cfg(test)]\nmod tests { use crate::a::X; }".into(),
        ),
        (
            "b::c".into(),
            "use super::super::b::Y; use crate::b::Z;".into(),
        ),
    ]);
    assert_eq!(circles(&acyclic), Vec::<Vec<String>>::new());
}

/// Every `.rs` file under `dir`, by module path (`""` for the crate root), comments,
/// literals and `#[cfg(test)] mod tests { .. }` blocks removed.
fn read_modules(dir: &Path) -> BTreeMap<String, String> {
    let mut files = Vec::new();
    collect_rs(dir, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(dir)
                .expect("under the root")
                .with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let source = std::fs::read_to_string(&path).expect("a readable source file");
            (parts.join("::"), source)
        })
        .collect()
}

fn collect_rs(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The cycles of the module graph, each sorted, in order.
fn circles(modules: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let graph = import_graph(modules);
    let borrowed: BTreeMap<&str, BTreeSet<String>> =
        graph.iter().map(|(m, e)| (m.as_str(), e.clone())).collect();
    strongly_connected(&borrowed)
}

/// Each module's imports of modules that are not its ancestors.
fn import_graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let cleaned: BTreeMap<&str, String> = modules
        .iter()
        .map(|(m, src)| (m.as_str(), without_test_modules(&strip(src))))
        .collect();
    let names: BTreeSet<&str> = cleaned.keys().copied().collect();
    let re_exports = root_re_exports(cleaned.get("").map_or("", String::as_str), &names);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (&module, source) in &cleaned {
        let here: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
        let edges = graph.entry(module.to_string()).or_default();
        for path in paths(source) {
            let Some(target) = resolve(&here, &path, &names, &re_exports) else {
                continue;
            };
            let ancestor =
                target.is_empty() || target == module || module.starts_with(&format!("{target}::"));
            if !ancestor {
                edges.insert(target);
            }
        }
    }
    graph
}

/// `src` without comments, and with string and char literals emptied.
fn strip(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let (mut out, mut i) = (String::new(), 0);
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && !after_word && matches!(chars.get(i + 1), Some('"' | '#')) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            i += 2 + hashes;
            while i < chars.len() && !at(i, &end) {
                i += 1;
            }
            i += end.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 1) == Some(&'\\') {
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `src` without its `#[cfg(test)] mod name { .. }` blocks.
fn without_test_modules(src: &str) -> String {
    let mut out = src.to_string();
    while let Some(start) = out.find("#[cfg(test)]") {
        let rest = &out[start + "#[cfg(test)]".len()..];
        let trimmed = rest.trim_start();
        if !trimmed.starts_with("mod ") {
            out.replace_range(start..start + "#[cfg(test)]".len(), "");
            continue;
        }
        let Some(open) = rest.find('{') else { break };
        let open = start + "#[cfg(test)]".len() + open;
        let mut depth = 0;
        let mut end = out.len();
        for (k, c) in out[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(start..end, "");
    }
    out
}

/// Every path that starts at `crate`, `super` or `self`, with `use` trees expanded.
fn paths(src: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = src;
    while let Some(k) = rest.find("use ") {
        let before_ok = k == 0 || !is_ident(rest[..k].chars().last().unwrap_or(' '));
        let tail = &rest[k + 4..];
        let Some(end) = tail.find(';') else { break };
        if before_ok {
            expand(&[], &normalize(&tail[..end]), &mut found);
        }
        rest = &tail[end..];
    }
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = ["crate::", "super::", "self::"].iter().find(|s| {
            chars.len() - i >= s.len() && chars[i..].iter().zip(s.chars()).all(|(a, b)| *a == b)
        });
        let free = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':');
        match starts {
            Some(_) if free => {
                let mut j = i;
                while j < chars.len() && (is_ident(chars[j]) || chars[j] == ':') {
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                found.push(
                    text.split("::")
                        .filter(|p| !p.is_empty())
                        .map(String::from)
                        .collect(),
                );
                i = j;
            }
            _ => i += 1,
        }
    }
    found
}

/// A `use` tree on one line, with no space around `::`, braces and commas (` as ` kept).
fn normalize(tree: &str) -> String {
    let spaced = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for (k, c) in spaced.char_indices() {
        let next = spaced[k + 1..].chars().next();
        let prev = out.chars().last();
        let joins = |x: Option<char>| matches!(x, Some(':' | '{' | '}' | ','));
        if c == ' ' && (joins(prev) || joins(next)) {
            continue;
        }
        out.push(c);
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The full paths of a `use` tree (`a::{b, c::{d, e}}`), after `prefix`.
fn expand(prefix: &[String], tree: &str, into: &mut Vec<Vec<String>>) {
    let Some(open) = tree.find('{') else {
        let leaf = tree.split(" as ").next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(
            leaf.split("::")
                .filter(|p| !p.is_empty() && *p != "*")
                .map(String::from),
        );
        into.push(path);
        return;
    };
    let mut path = prefix.to_vec();
    path.extend(
        tree[..open]
            .split("::")
            .filter(|p| !p.is_empty())
            .map(String::from),
    );
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&path, &inner[start..k], into);
                start = k + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&path, &inner[start..], into);
    }
}

/// The crate root's `pub use module::Name` lines: each re-exported name and its module.
fn root_re_exports(root: &str, names: &BTreeSet<&str>) -> BTreeMap<String, String> {
    let mut found = Vec::new();
    let mut rest = root;
    while let Some(k) = rest.find("pub use ") {
        let tail = &rest[k + 8..];
        let Some(end) = tail.find(';') else { break };
        expand(&[], &normalize(&tail[..end]), &mut found);
        rest = &tail[end..];
    }
    found
        .into_iter()
        .filter_map(|mut path| {
            if path.first().is_some_and(|p| p == "crate" || p == "self") {
                path.remove(0);
            }
            let name = path.pop()?;
            let module = path.join("::");
            names.contains(module.as_str()).then_some((name, module))
        })
        .collect()
}

/// The module a path names (its longest module prefix), if it is one of `names`.
fn resolve(
    here: &[&str],
    path: &[String],
    names: &BTreeSet<&str>,
    re_exports: &BTreeMap<String, String>,
) -> Option<String> {
    let mut current: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("self" | "super") => here.iter().map(|s| s.to_string()).collect(),
        _ => return None,
    };
    let mut best = None;
    for (k, part) in path.iter().enumerate() {
        match part.as_str() {
            "crate" if k == 0 => {}
            "self" => {}
            "super" => {
                current.pop();
                best = Some(current.join("::"));
            }
            name => {
                let mut candidate = current.clone();
                candidate.push(name.to_string());
                let joined = candidate.join("::");
                if names.contains(joined.as_str()) {
                    current = candidate;
                    best = Some(joined);
                } else {
                    if current.is_empty() {
                        return re_exports.get(name).cloned().or(best);
                    }
                    break;
                }
            }
        }
    }
    best
}

/// Tarjan's strongly connected components of two or more nodes, each sorted.
fn strongly_connected(graph: &BTreeMap<&str, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<&'g str, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        found: Vec<Vec<String>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &str) {
            let n = self.index.len();
            self.index.insert(v.to_string(), n);
            self.low.insert(v.to_string(), n);
            self.stack.push(v.to_string());
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.graph.contains_key(w.as_str()) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v.to_string(), low);
                } else if self.stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v.to_string(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    let done = w == v;
                    component.push(w);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(*v) {
            walk.visit(v);
        }
    }
    walk.found.sort();
    walk.found
}
