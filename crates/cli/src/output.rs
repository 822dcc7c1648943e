//! Printing for people and for scripts (`--json`).

use storyreel_engine::model::{short_id, JobStatus};
use storyreel_engine::verbs::doctor::Check;
use storyreel_engine::verbs::status::ProjectStatus;

/// The engine's start-up notices (a provider skipped for want of a key, …).
pub fn notices(engine: &storyreel_engine::Engine) {
    for n in engine.notices() {
        eprintln!("note: {n}");
    }
}

pub fn json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}

pub fn project_line(p: &ProjectStatus) -> String {
    let c = &p.counts;
    let mut extra = String::new();
    if p.placeholders > 0 {
        extra.push_str(&format!(", {} title cards", p.placeholders));
    }
    if c.failed > 0 {
        extra.push_str(&format!(", {} failed", c.failed));
    }
    if c.queued + c.running > 0 {
        extra.push_str(&format!(", {} queued, {} running", c.queued, c.running));
    }
    let status = status_word(p);
    format!(
        "{}  {:<28} {:<9} {}/{} scenes{}  ({})",
        short_id(&p.id),
        truncate(&p.title, 28),
        status,
        c.succeeded,
        p.total,
        extra,
        p.aspect
    )
}

pub fn project_details(p: &ProjectStatus) {
    println!("{}  {}", p.title, p.id);
    println!(
        "  status {} · {} scenes · {} · style {}{}",
        status_word(p),
        p.total,
        p.aspect,
        p.style,
        if p.paused { " · paused" } else { "" }
    );
    if let Some(line) = video_line(p) {
        println!("  {line}");
    }
    match &p.voice {
        Some(v) => println!(
            "  narrated in {}{}{}",
            v.language,
            v.voice
                .as_deref()
                .map(|n| format!(" · {n} first"))
                .unwrap_or_default(),
            if p.narrating > 0 {
                format!(" · {} still to narrate", p.narrating)
            } else {
                String::new()
            }
        ),
        None => println!("  no narration"),
    }
    let Some(scenes) = &p.scenes else { return };
    for s in scenes {
        let state = match (s.status, s.queue_position) {
            (storyreel_engine::model::JobStatus::Queued, Some(pos)) => format!("queued #{pos}"),
            (st, _) => st.name().to_string(),
        };
        let what = match (&s.provider, s.placeholder) {
            (Some(_), true) => "title card".to_string(),
            (Some(p), false) => p.clone(),
            (None, _) => String::new(),
        };
        let label = s.title.clone().unwrap_or_else(|| s.text.clone());
        let sync = s.sync.as_ref().map_or("", |v| v.state.name());
        println!(
            "  {:>3}  {:<12} {:<11} {:<9} {}",
            s.index,
            state,
            what,
            sync,
            truncate(&label.replace('\n', " "), 60)
        );
        if let Some(e) = &s.error {
            println!("       {}: {}", e.code, e.message);
        }
        if let Some(e) = s.sync.as_ref().and_then(|v| v.error.as_ref()) {
            println!("       upload {}: {}", e.code, e.message);
        }
        if let Some(n) = &s.narration {
            let who = match (&n.provider, &n.voice) {
                (Some(p), Some(v)) if p != "silence" => format!("{p} ({v}), {:.1} s", n.seconds),
                (Some(_), _) => "silence".to_string(),
                _ => n.status.name().to_string(),
            };
            let later = if n.fallback { " · a later voice" } else { "" };
            println!("       voice: {who}{later}");
            if let Some(e) = n.error.as_ref().or(n.fallback_reasons.first()) {
                println!("       voice {}: {}", e.code, e.message);
            }
        }
    }
}

/// The project's status word; the scenes may be done while their video is still to come,
/// and the render is work too.
fn status_word(p: &ProjectStatus) -> &str {
    match (p.status.as_str(), p.render.as_ref().map(|r| r.status)) {
        ("done", Some(JobStatus::Running)) => "rendering",
        ("done", Some(JobStatus::Queued)) => "to render",
        (s, _) => s,
    }
}

/// The project's video: being rendered, queued, failed, or made (and whether it is current).
fn video_line(p: &ProjectStatus) -> Option<String> {
    let render = p.render.as_ref();
    Some(match (render.map(|r| r.status), &p.video) {
        (Some(JobStatus::Running), _) => "video: rendering now".into(),
        (Some(JobStatus::Queued), _) => "video: queued to render".into(),
        (Some(JobStatus::Failed), _) => format!(
            "video: not made: {}",
            render
                .and_then(|r| r.error.as_ref())
                .map_or("the render failed", |e| e.message.as_str())
        ),
        (_, Some(v)) => format!(
            "video: {} ({:.1} s{})",
            v.path,
            v.duration_s,
            if v.up_to_date {
                ""
            } else {
                ", older than the scenes"
            }
        ),
        (_, None) => return None,
    })
}

pub fn checks(checks: &[Check]) {
    for c in checks {
        println!(
            "{} {:<18} {}",
            if c.ok { "ok  " } else { "FAIL" },
            c.name,
            c.detail
        );
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}\u{2026}", s.chars().take(n - 1).collect::<String>())
    }
}

pub fn providers(rows: &[storyreel_engine::providers::build::ProviderRow]) {
    use storyreel_engine::model::BreakerState;
    println!(
        "{:<14} {:<6} {:<11} {:<16} {:>6} {:>8} {:>8}  last error",
        "provider", "chain", "key", "breaker", "calls", "failures", "avg ms"
    );
    for r in rows {
        let breaker = match r.breaker {
            BreakerState::Closed => "closed".to_string(),
            BreakerState::HalfOpen => "probing".to_string(),
            BreakerState::Open { until } => {
                let secs = until.saturating_sub(storyreel_engine::model::now_ms()) / 1000;
                if secs == 0 {
                    "open (probe due)".to_string()
                } else {
                    format!("open {secs}s")
                }
            }
        };
        let chain = match (r.in_chain, r.enabled) {
            (true, true) => "yes",
            (true, false) => "off",
            _ => "no",
        };
        let avg = r
            .avg_ms
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into());
        let err = r
            .last_error
            .as_ref()
            .map(|e| e.message.as_str())
            .unwrap_or("");
        println!(
            "{:<14} {:<6} {:<11} {:<16} {:>6} {:>8} {:>8}  {}",
            r.name,
            chain,
            r.key,
            breaker,
            r.calls,
            r.failures,
            avg,
            truncate(err, 70)
        );
    }
}

/// The storage target's health in one line.
pub fn health_line(h: &storyreel_engine::sync::gate::SyncHealth) -> String {
    use storyreel_engine::sync::gate::SyncHealth;
    match h {
        SyncHealth::Local => "local only: no storage target is configured".into(),
        SyncHealth::Ok => "the last request to the storage went through".into(),
        SyncHealth::Waiting { reason, .. } => {
            format!("waiting for the storage: {}", reason.message)
        }
        SyncHealth::Misconfigured { reason } => format!("uploads stopped: {}", reason.message),
    }
}

fn in_secs(at: u64) -> String {
    let s = at
        .saturating_sub(storyreel_engine::model::now_ms())
        .div_ceil(1000);
    if s >= 120 {
        format!("{} min", s.div_ceil(60))
    } else {
        format!("{s} s")
    }
}

/// The uploads that are not synced, for a person: one line per project, state and reason
/// (the reason said once, with the scenes it holds back), then one time for the next try.
pub fn sync_items(items: &[storyreel_engine::sync::report::SyncItem], limit: usize) {
    let mut groups: Vec<(String, &str, Option<String>, Vec<u32>)> = Vec::new();
    for i in items {
        let why = i.sync.error.as_ref().map(|e| e.message.clone());
        let key = (i.project.clone(), i.sync.state.name(), why);
        match groups
            .iter_mut()
            .find(|g| (&g.0, g.1, &g.2) == (&key.0, key.1, &key.2))
        {
            Some(g) => g.3.push(i.scene),
            None => groups.push((key.0, key.1, key.2, vec![i.scene])),
        }
    }
    for (project, state, why, scenes) in groups.iter().take(limit) {
        let list: Vec<String> = scenes.iter().map(u32::to_string).collect();
        let which = if scenes.len() == 1 {
            format!("scene {}", list[0])
        } else {
            format!("scenes {}", list.join(", "))
        };
        let mut line = format!("  '{}' {which}: {state}", truncate(project, 28));
        if let Some(why) = why {
            line.push_str(&format!(" — {why}"));
        }
        println!("{line}");
    }
    if groups.len() > limit {
        println!("  … and {} more", groups.len() - limit);
    }
    if let Some(next) = items.iter().filter_map(|i| i.sync.next_try).min() {
        println!("Next try in {}.", in_secs(next));
    }
}

pub fn sync_report(r: &storyreel_engine::sync::report::SyncReport) {
    match &r.target {
        None => println!("Target: none (images stay local). Add [sync] target = \"s3://bucket/prefix\" to the config to upload them."),
        Some(t) => println!("Target: {t} — {}", health_line(&r.health)),
    }
    let c = &r.counts;
    println!(
        "{} synced · {} pending · {} uploading · {} waiting · {} failed{}",
        c.synced,
        c.pending,
        c.uploading,
        c.waiting,
        c.failed,
        if c.local > 0 {
            format!(" · {} local", c.local)
        } else {
            String::new()
        }
    );
    sync_items(&r.items, usize::MAX);
    if r.stats.uploads > 0 {
        println!(
            "{} uploads so far, {:.1} MB.",
            r.stats.uploads,
            r.stats.bytes as f64 / 1e6
        );
    }
}

/// "1 scene", "2 scenes".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
