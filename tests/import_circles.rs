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

/// Words of a `a::b::c` path starting at `at` in `text`.
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
    mods.iter()
        .enumerate()
        .map(|(me, m)| {
            let text = source(&m.file);
            let mut to = BTreeSet::new();
            for (at, _) in text.match_indices("crate::") {
                let p = path_at(&text, at + "crate::".len());
                to.extend(resolve(&known, &p));
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

/// The engine's facade and what runs under it: the `impl Engine` files, the workers, the lanes,
/// the store and the queue.
const ABOVE_THE_MECHANISMS: &[&str] = &[
    "engine",
    "store",
    "queue",
    "lanes",
    "pipeline",
    "control",
    "video",
    "edit",
    "scene_edit",
    "ops",
    "reads",
    "status",
    "views",
    "narration",
    "recording",
    "export",
    "import",
    "undo",
    "subtitles",
    "sync_ops",
    "sync_probe",
    "doctor",
    "read_only",
    "voice_library",
    "voice_sample",
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
