//! `doctor`: checks the data folder, the database's integrity and the configuration, and says
//! in one line each what is fine and what is wrong.

use std::collections::HashSet;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Job, JobStatus, Lane, Project, Scene};
use crate::store::{decode, decode_lease, job_queue_key};

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn check(name: &str, problems: Vec<String>, ok_detail: String) -> Check {
    if problems.is_empty() {
        Check {
            name: name.into(),
            ok: true,
            detail: ok_detail,
        }
    } else {
        let more = if problems.len() > 5 {
            format!(" (and {} more)", problems.len() - 5)
        } else {
            String::new()
        };
        Check {
            name: name.into(),
            ok: false,
            detail: format!(
                "{}{more}",
                problems.into_iter().take(5).collect::<Vec<_>>().join("; ")
            ),
        }
    }
}

/// What can be said of a data folder whose database does not open: the files made so far
/// (outside the database, so not affected) and what to do.
pub fn unopened(dir: &std::path::Path, why: &crate::error::Error) -> Vec<Check> {
    let (mut images, mut videos) = (0usize, 0usize);
    if let Ok(shards) = std::fs::read_dir(dir.join("assets")) {
        for f in shards
            .flatten()
            .filter_map(|d| std::fs::read_dir(d.path()).ok())
            .flatten()
            .flatten()
        {
            match f.path().extension().and_then(|e| e.to_str()) {
                Some("jpg" | "png" | "webp") => images += 1,
                Some("mp4") => videos += 1,
                _ => {}
            }
        }
    }
    let mut out = vec![Check {
        name: "database".into(),
        ok: false,
        detail: why.to_string(),
    }];
    out.push(Check {
        name: "files made so far".into(),
        ok: true,
        detail: format!(
            "{images} image files (with thumbnails) and {videos} videos are in {}; they are outside the database and not affected",
            dir.join("assets").display()
        ),
    });
    if matches!(why, crate::error::Error::Corrupt { .. }) {
        out.push(Check {
            name: "what to do".into(),
            ok: false,
            detail: format!(
                "restore a backup of {} if there is one; otherwise rename {} (to db.damaged, say): the next run starts a new database in the folder and keeps assets; import the stories again to get their projects back",
                dir.display(),
                dir.join("db").display()
            ),
        });
    }
    out
}

impl Engine {
    /// Checks each provider in the chain without spending a generation where the API allows:
    /// key present, endpoint reachable, key accepted.
    pub async fn doctor_providers(&self) -> Vec<Check> {
        let mut out: Vec<Check> = self
            .notices()
            .iter()
            .map(|n| Check {
                name: "provider".into(),
                ok: false,
                detail: n.clone(),
            })
            .collect();
        for p in self.chain().providers() {
            let r = p.check().await;
            out.push(match r {
                Ok(detail) => Check {
                    name: format!("provider {}", p.name()),
                    ok: true,
                    detail,
                },
                Err(e) => Check {
                    name: format!("provider {}", p.name()),
                    ok: false,
                    detail: e.message,
                },
            });
        }
        out
    }

    /// Runs every check; `deep` also re-hashes every image file.
    pub fn doctor(&self, deep: bool) -> Result<Vec<Check>> {
        let mut out = Vec::new();
        let dir = self.data_dir();
        let probe = dir.join(format!(".doctor-{}", std::process::id()));
        let writable = std::fs::write(&probe, b"ok").and_then(|_| std::fs::remove_file(&probe));
        out.push(match writable {
            Ok(()) => Check {
                name: "data folder".into(),
                ok: true,
                detail: format!("{} (writable)", dir.display()),
            },
            Err(e) => Check {
                name: "data folder".into(),
                ok: false,
                detail: format!("{} is not writable: {e}", dir.display()),
            },
        });
        out.push(Check {
            name: "database".into(),
            ok: true,
            detail: format!(
                "opens; data version {}; {} KiB on disk",
                crate::model::SCHEMA_VERSION,
                self.store().size_on_disk() / 1024
            ),
        });

        let s = self.store();
        let mut problems = Vec::new();
        let mut projects = Vec::new();
        let mut scenes = Vec::new();
        let mut jobs = Vec::new();
        for (tree, name) in [
            (&s.projects, "projects"),
            (&s.scenes, "scenes"),
            (&s.jobs, "jobs"),
        ] {
            for kv in tree.iter() {
                let (_, v) = kv?;
                let r = match name {
                    "projects" => decode::<Project>(name, &v).map(|p| projects.push(p)),
                    "scenes" => decode::<Scene>(name, &v).map(|x| scenes.push(x)),
                    _ => decode::<Job>(name, &v).map(|j| jobs.push(j)),
                };
                if let Err(e) = r {
                    problems.push(e.to_string());
                }
            }
        }
        out.push(check(
            "records",
            problems,
            format!(
                "{}, {}, {}, all readable",
                count(projects.len(), "project"),
                count(scenes.len(), "scene"),
                count(jobs.len(), "job")
            ),
        ));

        let mut problems = Vec::new();
        let mut indexed = HashSet::new();
        for kv in s.queue.iter() {
            let (k, v) = kv?;
            match uuid::Uuid::from_slice(&v)
                .ok()
                .and_then(|id| jobs.iter().find(|j| j.id == id))
            {
                Some(j)
                    if j.status == JobStatus::Queued
                        && job_queue_key(j).as_slice() == k.as_ref() =>
                {
                    indexed.insert(j.id);
                }
                Some(j) => problems.push(format!(
                    "queue entry for job {} which is {}",
                    j.id,
                    j.status.name()
                )),
                None => problems.push("a queue entry points to no job".into()),
            }
        }
        for j in jobs
            .iter()
            .filter(|j| j.status == JobStatus::Queued && !indexed.contains(&j.id))
        {
            problems.push(format!("queued job {} is missing from the queue", j.id));
        }
        let mut leased = HashSet::new();
        for kv in s.leases.iter() {
            let (k, v) = kv?;
            let id = uuid::Uuid::from_slice(&k).ok();
            match (
                id.and_then(|id| jobs.iter().find(|j| j.id == id)),
                decode_lease(&v),
            ) {
                (Some(j), Some(_)) if j.status == JobStatus::Running => {
                    leased.insert(j.id);
                }
                _ => problems.push("a lease belongs to no running job".into()),
            }
        }
        for j in jobs
            .iter()
            .filter(|j| j.status == JobStatus::Running && !leased.contains(&j.id))
        {
            problems.push(format!("running job {} has no lease", j.id));
        }
        let queued = Lane::ALL
            .iter()
            .map(|l| s.queue.scan_prefix([l.as_u8()]).count())
            .sum::<usize>();
        out.push(check(
            "queue",
            problems,
            format!(
                "{queued} queued, {} running, index and records agree",
                leased.len()
            ),
        ));

        let mut problems = Vec::new();
        let mut images = 0;
        for sc in &scenes {
            match jobs.iter().find(|j| j.id == sc.job_id) {
                Some(j) if j.status == sc.status => {}
                Some(j) => problems.push(format!(
                    "scene {} says {} but its job is {}",
                    sc.index,
                    sc.status.name(),
                    j.status.name()
                )),
                None if sc.status.is_terminal() => {}
                None => problems.push(format!(
                    "scene {} of project {} has no job",
                    sc.index, sc.project_id
                )),
            }
            if let Some(img) = &sc.image {
                images += 1;
                let present = if deep {
                    self.assets().verify(&img.hash, &img.ext)?
                } else {
                    self.assets().path(&img.hash, &img.ext)?.is_file()
                };
                if !present {
                    problems.push(format!(
                        "the image of scene {} (project {}) is {}; retrying scene {} makes it again",
                        sc.index,
                        sc.project_id,
                        if deep { "missing or changed" } else { "missing" },
                        sc.index
                    ));
                }
            }
        }
        out.push(check(
            "scenes and images",
            problems,
            format!(
                "{images} images present{}",
                if deep { " and intact" } else { "" }
            ),
        ));

        out.push(Check {
            name: "config".into(),
            ok: true,
            detail: format!("valid; providers: {}", self.provider_names().join(" -> ")),
        });
        out.push(self.sync_check());
        out.push(self.fonts_check());
        Ok(out)
    }

    /// The storage target: configured, with its credentials, and how it stands (no request).
    /// The writing systems the fonts cover (the creator's own, the embedded, the installed).
    /// Never a failure: a missing script only matters to a story written in it, whose scenes say
    /// so; here it is said with where to get a font.
    fn fonts_check(&self) -> Check {
        let font = self.config().render.font.clone();
        let (covered, lacking) = crate::typeset::coverage(font.as_deref());
        let mut detail = format!("cover {}", covered.join(", "));
        if !lacking.is_empty() {
            let names: Vec<&str> = lacking.iter().map(|s| s.name.as_str()).collect();
            let mut packages: Vec<&str> = lacking.iter().map(|s| s.package).collect();
            packages.sort_unstable();
            packages.dedup();
            detail.push_str(&format!(
                "; no font for {} (on Debian: sudo apt install {})",
                names.join(", "),
                packages.join(" ")
            ));
        }
        Check {
            name: "fonts".into(),
            ok: true,
            detail,
        }
    }

    fn sync_check(&self) -> Check {
        let (ok, detail) = match &self.inner.sync.target {
            None => (true, "no target: images stay local".to_string()),
            Some(Err(why)) => (false, why.to_string()),
            Some(Ok(t)) => {
                let report = self.sync_report(None);
                let counts = report
                    .map(|r| {
                        format!(
                            "; {} synced, {} to go, {} failed",
                            r.counts.synced,
                            r.counts.outstanding(),
                            r.counts.failed
                        )
                    })
                    .unwrap_or_default();
                match self.sync_health() {
                    crate::sync::gate::SyncHealth::Waiting { reason, .. } => (
                        true,
                        format!(
                            "{} waits: {}{counts}",
                            t.spec.name,
                            reason.message.trim_end_matches('.')
                        ),
                    ),
                    crate::sync::gate::SyncHealth::Misconfigured { reason } => (
                        false,
                        format!(
                            "{} refused: {}{counts}",
                            t.spec.name,
                            reason.message.trim_end_matches('.')
                        ),
                    ),
                    // A folder needs no credentials; a remote store's were found.
                    _ if matches!(t.spec.kind, crate::config::sync::TargetKind::Local { .. }) => {
                        (true, format!("{}{counts}", t.spec.name))
                    }
                    _ => (
                        true,
                        format!("{} (credentials present){counts}", t.spec.name),
                    ),
                }
            }
        };
        Check {
            name: "sync".into(),
            ok,
            detail,
        }
    }
}

/// "1 project", "3 projects".
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::{Engine, EngineOptions, ImportOptions};

    #[tokio::test]
    async fn an_unreadable_record_is_reported_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineOptions::new(dir.path(), Config::default())).unwrap();
        let p = e
            .import(b"one\n\ntwo", "s.md", ImportOptions::default())
            .await
            .unwrap()
            .project;
        assert!(e.doctor(false).unwrap().iter().all(|c| c.ok));
        let scene = e.store().scene(p.id, 1).unwrap().unwrap();
        e.store()
            .jobs
            .insert(scene.job_id.as_bytes(), &b"{not json"[..])
            .unwrap();
        let checks = e.doctor(false).unwrap();
        let records = checks.iter().find(|c| c.name == "records").unwrap();
        assert!(
            !records.ok && records.detail.contains("unreadable"),
            "{records:?}"
        );
        let err = e.store().all_jobs().unwrap_err().to_string();
        assert!(err.contains("the data folder's check"), "{err}");
        // A queue entry whose job vanished is reported too.
        e.store().jobs.remove(scene.job_id.as_bytes()).unwrap();
        let queue = e
            .doctor(false)
            .unwrap()
            .into_iter()
            .find(|c| c.name == "queue")
            .unwrap();
        assert!(!queue.ok, "{queue:?}");
    }
}
