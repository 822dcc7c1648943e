//! No import circle among the modules of the engine, the CLI or the app's shell: dependencies
//! point one way (config and model at the bottom, then store, queue, lanes, pipeline, the
//! facade, and the front ends on top), so a newcomer finds each concern by its file.
//!
//! Reads the sources: every `crate::…` and `super::…` path, and every `use child::…` of a
//! module's own child, is an edge from the file to the module file it names. Inline test
//! modules and `*_tests.rs` files are left out (a test may reach anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`["sync", "target"]`) and the file that holds it.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    /// Children declared with `mod x;`.
    children: BTreeSet<String>,
}

fn modules(root: &Path) -> Vec<Module> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".rs") || name.ends_with("_tests.rs") || name == "build.rs" {
                continue;
            }
            let rel = p.strip_prefix(root).unwrap().with_extension("");
            let mut path: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if matches!(
                path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                path.pop();
            }
            let text = source(&p);
            let children = text
                .lines()
                .filter_map(|l| {
                    let l = l.trim();
                    let l = l.strip_prefix("pub ").unwrap_or(l);
                    let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
                    l.strip_prefix("mod ")?
                        .strip_suffix(';')
                        .map(str::to_string)
                })
                .collect();
            out.push(Module {
                path,
                file: p,
                children,
            });
        }
    }
    out
}

/// The file's text without its inline test module.
fn source(p: &Path) -> String {
    let text = std::fs::read_to_string(p).unwrap();
    let mut from = 0;
    while let Some(i) = text[from..].find("#[cfg(test)]") {
        let at = from + i;
        let next = text[at..]
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|l| !l.starts_with("#["))
            .unwrap_or("");
        if next.contains("mod ") {
            return text[..at].to_string();
        }
        from = at + 1;
    }
    text
}

/// Words of a `a::b::c` path starting at `at` in `text` (lower-case words: modules).
fn path_at(text: &str, at: usize) -> Vec<String> {
    text[at..]
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .next()
        .unwrap_or("")
        .split("::")
        .take_while(|w| !w.is_empty() && w.chars().next().is_some_and(|c| c.is_lowercase()))
        .map(str::to_string)
        .collect()
}

/// Every path named right after a `crate::` at `at`: one (`crate::a::b`), or each of a group's
/// (`crate::{a, b::{c, D}}` names `a`, `b::c` and `b::D`). A first word may be a name the
/// crate's root re-exports (`crate::Engine`), so it is kept whatever its case.
fn paths_after(text: &str, at: usize) -> Vec<Vec<String>> {
    let rest = &text[at..];
    let Some(group) = rest.strip_prefix('{') else {
        let head: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        // `a::b::{c, d}`: the words before the group, then each of its paths.
        if let Some(i) = head.strip_suffix("::").map(str::len) {
            let prefix: Vec<String> = head[..i].split("::").map(str::to_string).collect();
            return paths_after(rest, head.len())
                .into_iter()
                .map(|p| prefix.iter().cloned().chain(p).collect())
                .collect();
        }
        let words: Vec<String> = head
            .split("::")
            .take_while(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        return if words.is_empty() {
            vec![]
        } else {
            vec![words]
        };
    };
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                out.extend(paths_after(group[start..i].trim_start(), 0));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.extend(paths_after(group[start..i].trim_start(), 0));
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// The names the crate's root file re-exports (`pub use a::b::{c, D};`), each with the path it
/// stands for.
fn root_aliases(mods: &[Module]) -> BTreeMap<String, Vec<String>> {
    let Some(root) = mods.iter().find(|m| m.path.is_empty()) else {
        return BTreeMap::new();
    };
    let text = source(&root.file);
    let mut out = BTreeMap::new();
    for (at, _) in text.match_indices("pub use ") {
        for p in paths_after(&text, at + "pub use ".len()) {
            if let Some(last) = p.last() {
                out.insert(last.clone(), p.clone());
            }
        }
    }
    out
}

/// The module file that `path` (absolute) names: its longest prefix that is a module.
fn resolve(known: &BTreeMap<Vec<String>, usize>, path: &[String]) -> Option<usize> {
    (1..=path.len())
        .rev()
        .find_map(|n| known.get(&path[..n]).copied())
}

fn edges(mods: &[Module]) -> Vec<BTreeSet<usize>> {
    let known: BTreeMap<Vec<String>, usize> = mods
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.clone(), i))
        .collect();
    let aliases = root_aliases(mods);
    mods.iter()
        .enumerate()
        .map(|(me, m)| {
            let text = source(&m.file);
            let mut to = BTreeSet::new();
            for (at, _) in text.match_indices("crate::") {
                for mut p in paths_after(&text, at + "crate::".len()) {
                    // A name the root re-exports stands for the path it comes from.
                    if let Some(real) = p.first().and_then(|w| aliases.get(w)) {
                        if !known.contains_key(&p[..1]) {
                            p = real.iter().cloned().chain(p[1..].iter().cloned()).collect();
                        }
                    }
                    to.extend(resolve(&known, &p));
                }
            }
            // `super::` from a file module means its parent (from a mod.rs, the grandparent).
            for (at, _) in text.match_indices("super::") {
                if text[..at].ends_with("super::") {
                    continue;
                }
                let mut base = m.path.clone();
                base.pop();
                let mut rest = &text[at..];
                while let Some(r) = rest.strip_prefix("super::") {
                    rest = r;
                }
                let ups = (text[at..].len() - rest.len()) / "super::".len();
                for _ in 1..ups {
                    base.pop();
                }
                let mut p = base;
                p.extend(path_at(rest, 0));
                to.extend(resolve(&known, &p));
            }
            for line in text.lines() {
                let Some(u) = line.trim().strip_prefix("use ") else {
                    continue;
                };
                let first = u.split("::").next().unwrap_or("");
                if m.children.contains(first) {
                    let mut p = m.path.clone();
                    p.extend(path_at(u, 0));
                    to.extend(resolve(&known, &p));
                }
            }
            to.remove(&me);
            to
        })
        .collect()
}

/// Groups of modules that import each other in a loop (Tarjan's strongly connected components).
fn circles(edges: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    struct T<'a> {
        e: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in t.e[v].iter() {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                t.out.push(group);
            }
        }
    }
    let n = edges.len();
    let mut t = T {
        e: edges,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    t.out
}

fn assert_no_circle(root: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mods = modules(&root);
    assert!(mods.len() > 3, "read the modules of {}", root.display());
    let found = circles(&edges(&mods));
    let names: Vec<Vec<String>> = found
        .iter()
        .map(|g| {
            g.iter()
                .map(|&i| {
                    mods[i]
                        .file
                        .strip_prefix(&root)
                        .unwrap()
                        .display()
                        .to_string()
                })
                .collect()
        })
        .collect();
    assert!(
        names.is_empty(),
        "import circles in {}: {names:?}",
        root.display()
    );
}

/// The modules under `from` (module paths, e.g. `voices`) that import a module under one of
/// `never`, as "from → to" file names.
fn reaching(root: &str, from: &[&str], never: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mods = modules(&root);
    let under = |m: &Module, tops: &[&str]| {
        m.path
            .first()
            .is_some_and(|first| tops.contains(&first.as_str()))
    };
    let name = |m: &Module| m.file.strip_prefix(&root).unwrap().display().to_string();
    let mut out = Vec::new();
    for (i, to) in edges(&mods).iter().enumerate() {
        if !under(&mods[i], from) {
            continue;
        }
        for &j in to {
            if under(&mods[j], never) {
                out.push(format!("{} → {}", name(&mods[i]), name(&mods[j])));
            }
        }
    }
    out
}

#[test]
fn the_chains_share_what_calls_a_remote_service_from_below_both() {
    // The voices never reach into the image providers (or the other way), and what they share
    // (`remote`: HTTP, retry, breaker) knows neither.
    let e = "crates/engine/src";
    assert_eq!(
        reaching(e, &["voices"], &["providers"]),
        Vec::<String>::new()
    );
    assert_eq!(
        reaching(e, &["providers"], &["voices"]),
        Vec::<String>::new()
    );
    assert_eq!(
        reaching(e, &["remote"], &["providers", "voices", "engine"]),
        Vec::<String>::new()
    );
}

/// The engine's facade and what runs under it: the engine's verbs (the `impl Engine` files), the
/// workers, the lanes, the store and the queue.
const ABOVE_THE_MECHANISMS: &[&str] = &[
    "engine",
    "verbs",
    "store",
    "queue",
    "lanes",
    "pipeline",
    "control",
    "views",
    "subtitles",
];

#[test]
fn the_render_and_the_chains_never_reach_up_into_the_engine() {
    // The render turns a plan into an MP4, the chains make pictures and speech and report how
    // their members do: none of them reads or writes the store, the queue or the facade.
    let found = reaching(
        "crates/engine/src",
        &["render", "providers", "voices", "remote"],
        ABOVE_THE_MECHANISMS,
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn the_lanes_store_and_records_never_call_the_verbs() {
    // The verbs are what the front ends ask of the engine: the work below them (the lanes and
    // the workers, the store and queue, the records) never calls back up into them.
    let found = reaching(
        "crates/engine/src",
        &[
            "lanes",
            "pipeline",
            "store",
            "queue",
            "model",
            "render",
            "providers",
            "voices",
            "remote",
            "sync",
            "media",
            "story",
        ],
        &["verbs"],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn a_path_is_read_in_each_way_it_is_written() {
    let text = "use crate::{a, b::{c, D}, e::f::G};\nlet x = crate::Engine::open();";
    let at: Vec<usize> = text.match_indices("crate::").map(|(i, _)| i + 7).collect();
    let s = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    assert_eq!(
        paths_after(text, at[0]),
        [
            s(&["a"]),
            s(&["b", "c"]),
            s(&["b", "D"]),
            s(&["e", "f", "G"])
        ]
    );
    assert_eq!(paths_after(text, at[1]), [s(&["Engine", "open"])]);
    // The engine's root re-exports: `crate::Engine` is the facade, `crate::scene_edit` a verb.
    let mods = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/engine/src"));
    let aliases = root_aliases(&mods);
    assert_eq!(aliases["Engine"], s(&["engine", "Engine"]));
    assert_eq!(aliases["scene_edit"], s(&["verbs", "scene_edit"]));
}

#[test]
fn the_engine_has_no_import_circle() {
    assert_no_circle("crates/engine/src");
}

#[test]
fn the_cli_has_no_import_circle() {
    assert_no_circle("crates/cli/src");
}

#[test]
fn the_shell_has_no_import_circle() {
    assert_no_circle("src-tauri");
}

#[test]
fn a_circle_is_found() {
    // The checker itself: a two-module loop and a three-module loop, beside a tree.
    let e = vec![
        BTreeSet::from([1]),
        BTreeSet::from([0]),
        BTreeSet::from([3]),
        BTreeSet::from([4]),
        BTreeSet::from([2]),
        BTreeSet::from([0]),
    ];
    let mut found: Vec<Vec<usize>> = circles(&e)
        .into_iter()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    found.sort();
    assert_eq!(found, vec![vec![0, 1], vec![2, 3, 4]]);
}
