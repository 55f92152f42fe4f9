//! The shared crate's layering, as `shared/src/lib.rs` documents it: each
//! layer uses only the layers below it, and no two modules use each other,
//! directly or around a circle. Read from the sources' `use` paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::root;

/// The layers, top down.
const LAYERS: [&str; 5] = ["edge", "app", "store", "table", "ground"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// Every source file of the crate: its module path (`store::articles`) and text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}::"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" => prefix.trim_end_matches("::").to_owned(),
                    _ => format!("{prefix}{name}"),
                };
                out.insert(module, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root().join("shared/src"), "", &mut out);
    out.remove("lib");
    out
}

/// The code of a file without its comments and its unit tests.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a `use` tree names, whole: `a::{b, c::{d}}` is `a::b`, `a::c::d`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or_default();
        return vec![
            path.split("::")
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
        ];
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut branches, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                branches.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    branches.push(&inner[start..]);
    branches
        .into_iter()
        .filter(|b| !b.trim().is_empty())
        .flat_map(expand)
        .map(|rest| {
            let mut path = prefix.clone();
            path.extend(rest.into_iter().filter(|p| p != "self"));
            path
        })
        .collect()
}

/// The modules of this crate that `module`'s code names: every `use` of
/// `crate::` or `super::`, and such paths written out in the code.
fn uses(module: &str, text: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code(text);
    let resolve = |path: &[String]| -> Option<String> {
        // The longest prefix of the path that is a module.
        (1..=path.len())
            .rev()
            .map(|n| path[..n].join("::"))
            .find(|candidate| all.contains(candidate))
    };
    let parent: Vec<String> = {
        let parts: Vec<String> = module.split("::").map(str::to_owned).collect();
        let is_folder = all.iter().any(|m| m.starts_with(&format!("{module}::")));
        if is_folder {
            parts
        } else {
            parts[..parts.len() - 1].to_vec()
        }
    };
    let mut paths: Vec<Vec<String>> = Vec::new();
    for statement in code.split("use ").skip(1) {
        let tree = statement.split(';').next().unwrap_or_default();
        if tree.trim_start().starts_with("crate::") || tree.trim_start().starts_with("super::") {
            paths.extend(expand(tree));
        }
    }
    // Paths written out in the code (`crate::store::slug::slugify(...)`).
    for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        if word.starts_with("crate::") || word.starts_with("super::") {
            paths.push(
                word.split("::")
                    .map(str::to_owned)
                    .filter(|p| !p.is_empty())
                    .collect(),
            );
        }
    }
    let mut found = BTreeSet::new();
    for path in paths {
        let full: Vec<String> = match path.first().map(String::as_str) {
            Some("crate") => path[1..].to_vec(),
            Some("super") => {
                let mut full = parent.clone();
                full.extend(path[1..].iter().cloned());
                full
            }
            _ => continue,
        };
        match resolve(&full) {
            Some(target) => {
                found.insert(target);
            }
            None if !full.is_empty() => {
                found.insert(format!("<crate root>::{}", full[0]));
            }
            None => {}
        }
    }
    found.remove(module);
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, text)| (module.clone(), uses(module, text, &names)))
        .collect()
}

#[test]
fn no_module_uses_a_layer_above_its_own_or_the_crate_root() {
    let mut problems = Vec::new();
    for (module, targets) in graph() {
        let layer = module.split("::").next().unwrap();
        let own = rank(layer).unwrap_or_else(|| panic!("{module} is in no layer"));
        for target in targets {
            if target.starts_with("<crate root>") {
                problems.push(format!("{module} uses {target}: name the layer"));
                continue;
            }
            let theirs = rank(target.split("::").next().unwrap()).unwrap();
            if theirs < own {
                problems.push(format!("{module} uses {target}, a layer above it"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_modules_use_each_other_around_a_circle() {
    let graph = graph();
    // Modules that use a folder's face (its mod.rs) for the types it
    // declares, like a store entity's surface, are not circles with it.
    let edges: BTreeMap<&str, Vec<&str>> = graph
        .iter()
        .map(|(from, to)| {
            let kept = to
                .iter()
                .filter(|t| !from.starts_with(&format!("{t}::")))
                .map(String::as_str)
                .collect();
            (from.as_str(), kept)
        })
        .collect();
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        circles: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node);
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}

#[test]
fn the_crate_root_describes_every_layer_in_order() {
    let lib = std::fs::read_to_string(root().join("shared/src/lib.rs")).unwrap();
    let positions: Vec<usize> = LAYERS
        .iter()
        .map(|layer| {
            lib.find(&format!("[`{layer}`]"))
                .unwrap_or_else(|| panic!("lib.rs describes {layer}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "lib.rs lists the layers top down: {LAYERS:?}"
    );
}
