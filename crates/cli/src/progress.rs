//! Progress while working: bars on a terminal, plain lines when the output is piped.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use storyreel_engine::model::{JobStatus, Lane, ProjectProgress};
use storyreel_engine::Event;
use tokio::sync::broadcast;
use uuid::Uuid;

pub struct Progress {
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// Shows progress of `only` (one project) or of every project touched.
    pub fn start(
        mut rx: broadcast::Receiver<Event>,
        only: Option<Uuid>,
        initial: Option<ProjectProgress>,
    ) -> Progress {
        let task = tokio::spawn(async move {
            let mut view = View::new(std::io::stderr().is_terminal(), only.is_some());
            if let Some(p) = initial {
                view.project(p);
            }
            loop {
                match rx.recv().await {
                    Ok(Event::Project { progress })
                        if only.is_none_or(|id| id == progress.project_id) =>
                    {
                        view.project(progress)
                    }
                    Ok(Event::Job { job }) if only.is_none_or(|id| id == job.project_id) => {
                        view.job(&job)
                    }
                    Ok(Event::Scene { scene }) if only.is_none_or(|id| id == scene.project_id) => {
                        view.scene(&scene)
                    }
                    Ok(Event::Queue { lane, order, .. }) => view.queued(lane, order.len()),
                    Ok(Event::Notice { message, .. }) => view.line(&message),
                    Ok(Event::Sync { health }) => view.line(&crate::output::health_line(&health)),
                    Ok(_) => {}
                    // Missed events: the lanes' running sets may hold finished jobs; they refill
                    // from the next events (the scene counts come whole with each project event).
                    Err(broadcast::error::RecvError::Lagged(_)) => view.lagged(),
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Progress { task }
    }

    /// Stops and clears the display; returns once it is gone from the screen.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

struct View {
    bars: Option<(MultiProgress, ProgressBar, [ProgressBar; 4])>,
    projects: HashMap<Uuid, ProjectProgress>,
    running: [HashSet<Uuid>; 4],
    /// Generate jobs past their provider call (saving the picture): no longer in a lane slot.
    saving: HashSet<Uuid>,
    done: [u32; 4],
    queued: [usize; 4],
    reported: HashSet<(Uuid, u32, u32)>,
    /// Following one project: its scene counts are the whole generate lane shown.
    one_project: bool,
}

impl View {
    fn new(terminal: bool, one_project: bool) -> View {
        let bars = terminal.then(|| {
            let mp = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            let overall = mp.add(ProgressBar::new(0));
            overall.set_style(
                ProgressStyle::with_template(
                    "{prefix:>9} [{bar:36.cyan/blue}] {pos}/{len} scenes {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            overall.set_prefix("overall");
            let lanes = Lane::ALL.map(|lane| {
                let b = mp.add(ProgressBar::new_spinner());
                b.set_style(
                    ProgressStyle::with_template("{prefix:>9} {spinner} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                b.set_prefix(lane.name());
                b.set_message("idle");
                b.enable_steady_tick(Duration::from_millis(120));
                b
            });
            (mp, overall, lanes)
        });
        View {
            bars,
            projects: HashMap::new(),
            running: Default::default(),
            saving: HashSet::new(),
            done: [0; 4],
            queued: [0; 4],
            reported: HashSet::new(),
            one_project,
        }
    }

    fn lagged(&mut self) {
        for set in &mut self.running {
            set.clear();
        }
        self.saving.clear();
        for lane in Lane::ALL {
            self.redraw_lane(lane);
        }
    }

    fn line(&self, msg: &str) {
        match &self.bars {
            Some((mp, ..)) => {
                let _ = mp.println(msg);
            }
            None => eprintln!("{msg}"),
        }
    }

    fn project(&mut self, p: ProjectProgress) {
        self.projects.insert(p.project_id, p);
        let (mut total, mut finished, mut placeholders, mut failed) = (0, 0, 0, 0);
        for p in self.projects.values() {
            total += p.total;
            finished += p.counts.succeeded + p.counts.failed + p.counts.cancelled;
            placeholders += p.placeholders;
            failed += p.counts.failed;
        }
        if let Some((_, overall, _)) = &self.bars {
            overall.set_length(total as u64);
            overall.set_position(finished as u64);
            let mut msg = String::new();
            if placeholders > 0 {
                msg.push_str(&format!("· {placeholders} title cards "));
            }
            if failed > 0 {
                msg.push_str(&format!("· {failed} failed"));
            }
            overall.set_message(msg);
        }
        self.redraw_lane(Lane::Generate);
    }

    fn job(&mut self, job: &storyreel_engine::model::Job) {
        let i = job.lane().as_u8() as usize;
        let generating = job.lane() == Lane::Generate;
        if generating && job.status == JobStatus::Running && job.phase.as_deref() == Some("saving")
        {
            self.saving.insert(job.id);
        } else if job.status != JobStatus::Running {
            self.saving.remove(&job.id);
        }
        if job.status == JobStatus::Running {
            self.running[i].insert(job.id);
        } else if self.running[i].remove(&job.id) && job.status == JobStatus::Succeeded {
            self.done[i] += 1;
        }
        // The generate lane is drawn from the project's counts, which follow each job event:
        // drawn now, a finished job would leave "saving" before its scene counts as done.
        if job.lane() != Lane::Generate {
            self.redraw_lane(job.lane());
        }
    }

    fn queued(&mut self, lane: Lane, n: usize) {
        self.queued[lane.as_u8() as usize] = n;
        self.redraw_lane(lane);
    }

    fn redraw_lane(&self, lane: Lane) {
        let i = lane.as_u8() as usize;
        let Some((_, _, lanes)) = &self.bars else {
            return;
        };
        let (running, saving, queued, done) = if lane == Lane::Generate {
            // The scenes' own states: running, saving, queued and done add up to the scenes
            // shown; running counts only the jobs in a lane slot (calling a provider).
            let (mut r, mut q, mut d) = (0, 0, 0);
            for p in self.projects.values() {
                r += p.counts.running as usize;
                q += p.counts.queued as usize;
                d += p.counts.succeeded;
            }
            let q = if self.one_project {
                q
            } else {
                q.max(self.queued[i])
            };
            let saving = self.saving.len().min(r);
            (r - saving, saving, q, d)
        } else {
            (self.running[i].len(), 0, self.queued[i], self.done[i])
        };
        if running + saving == 0 && queued == 0 && done == 0 {
            lanes[i].set_message("idle");
            return;
        }
        let saving = if saving > 0 {
            format!("{saving} saving · ")
        } else {
            String::new()
        };
        lanes[i].set_message(format!(
            "{running} running · {saving}{queued} queued · {done} done"
        ));
    }

    fn scene(&mut self, s: &storyreel_engine::model::Scene) {
        let total = self.projects.get(&s.project_id).map_or(0, |p| p.total);
        let key = (s.project_id, s.index, s.attempts);
        let msg = match s.status {
            JobStatus::Succeeded => {
                let made_by = match &s.image {
                    Some(i) if i.placeholder => "title card".to_string(),
                    Some(i) => i.provider.clone(),
                    None => "?".to_string(),
                };
                format!("scene {}/{} done ({made_by})", s.index, total)
            }
            JobStatus::Failed => format!(
                "scene {}/{} failed: {}",
                s.index,
                total,
                s.error.as_ref().map_or("", |e| e.message.as_str())
            ),
            JobStatus::Queued if s.error.is_some() => {
                format!(
                    "scene {}/{} will be tried again: {}",
                    s.index,
                    total,
                    s.error.as_ref().map_or("", |e| e.message.as_str())
                )
            }
            _ => return,
        };
        if !self.reported.insert(key) {
            return;
        }
        // On a terminal the bars show done scenes; only problems get a line of their own.
        if self.bars.is_none() || s.status != JobStatus::Succeeded {
            self.line(&msg);
        }
    }
}

impl Drop for View {
    fn drop(&mut self) {
        if let Some((mp, overall, lanes)) = &self.bars {
            for l in lanes {
                l.finish_and_clear();
            }
            overall.finish_and_clear();
            let _ = mp.clear();
        }
    }
}
