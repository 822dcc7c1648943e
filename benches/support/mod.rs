//! What the app's benches share: the memory of a process tree, polling the page, medians.
#![allow(dead_code)] // each bench takes what it needs

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::window::Driver;

pub fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Every process id under `root` (itself included), from /proc.
pub fn tree(root: u32) -> Vec<u32> {
    let mut parent: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command name (which may hold spaces), in parentheses.
        let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parent.push((pid, ppid));
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

pub fn app_pid() -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        (comm.trim() == "storyreel-app").then_some(pid)
    })
}

/// PSS of the app and its processes (MB), and their names.
pub fn memory() -> (f64, Vec<String>) {
    match app_pid() {
        Some(root) => memory_of(root),
        None => (0.0, vec![]),
    }
}

/// PSS of a process and every process under it (MB), and their names.
pub fn memory_of(root: u32) -> (f64, Vec<String>) {
    let mut kb = 0u64;
    let mut names = Vec::new();
    for pid in tree(root) {
        let dir = PathBuf::from(format!("/proc/{pid}"));
        let rollup = std::fs::read_to_string(dir.join("smaps_rollup")).unwrap_or_default();
        let pss: u64 = rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0);
        kb += pss;
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if std::env::var_os("BENCH_SMAPS").is_some() {
            let part = |k: &str| {
                rollup
                    .lines()
                    .find(|l| l.starts_with(k))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .unwrap_or(0)
                    / 1024
            };
            eprintln!(
                "  {}: anon {} MB, file {} MB, shmem {} MB",
                name.trim(),
                part("Pss_Anon:"),
                part("Pss_File:"),
                part("Pss_Shmem:")
            );
        }
        names.push(format!("{} {:.0} MB", name.trim(), pss as f64 / 1024.0));
    }
    (kb as f64 / 1024.0, names)
}

pub fn poll(d: &Driver, js: &str, secs: u64) -> Value {
    let t0 = Instant::now();
    loop {
        let v = d.script(js, json!([]));
        if !v.is_null() {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "no answer to `{js}` within {secs} s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
