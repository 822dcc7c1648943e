//! Progress while working: bars on a terminal, plain lines when the output is piped.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use storyreel_engine::model::{short_id, Job, JobStatus, Lane, ProjectProgress};
use storyreel_engine::Event;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::lane_tally::{lane_message, LaneTally, Tally};

pub struct Progress {
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// Shows progress of `only` (one project) or of every project touched. `slots`: the
    /// generate lane's concurrency (a scene running beyond it is past its provider call).
    pub fn start(
        mut rx: broadcast::Receiver<Event>,
        only: Option<Uuid>,
        initial: Option<ProjectProgress>,
        engine: &storyreel_engine::Engine,
    ) -> Progress {
        let slots = engine.config().concurrency(Lane::Generate);
        let engine = engine.clone();
        let titles: Titles = Box::new(move |id| engine.project(id).ok().flatten().map(|p| p.title));
        let task = tokio::spawn(async move {
            let mut view = View::new(
                std::io::stderr().is_terminal(),
                only.is_some(),
                slots,
                titles,
            );
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
                    Ok(Event::Queue {
                        lane,
                        order,
                        running,
                    }) => view.queued(lane, &order, &running),
                    Ok(Event::Render {
                        project_id,
                        job_id,
                        frames_done,
                        frames_total,
                    }) if only.is_none_or(|id| id == project_id) => {
                        view.render(job_id, frames_done, frames_total)
                    }
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

/// A project's title by id, for one whose progress has not come yet.
type Titles = Box<dyn Fn(Uuid) -> Option<String> + Send>;

struct View {
    titles: Titles,
    bars: Option<(MultiProgress, ProgressBar, [ProgressBar; 4])>,
    projects: HashMap<Uuid, ProjectProgress>,
    /// The upload, render and narrate lanes' jobs (the generate lane is drawn from the
    /// projects' scene counts).
    lanes: [LaneTally; 4],
    /// Generate jobs past their provider call (saving the picture): no longer in a lane slot.
    saving: HashSet<Uuid>,
    /// The generate lane's slots.
    slots: usize,
    /// Scenes whose picture was asked for while this view ran: only their success is said
    /// (a scene's record also changes when its narration does).
    making: HashSet<(Uuid, u32)>,
    reported: HashSet<(Uuid, u32, u32)>,
    /// Render jobs' states already said.
    said: HashSet<(Uuid, &'static str)>,
    /// Following one project: its scene counts are the whole generate lane shown.
    one_project: bool,
    /// The generate lane's queue across projects (following all of them).
    generate_queued: usize,
}

impl View {
    fn new(terminal: bool, one_project: bool, slots: usize, titles: Titles) -> View {
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
            titles,
            bars,
            projects: HashMap::new(),
            lanes: Default::default(),
            saving: HashSet::new(),
            slots: slots.max(1),
            making: HashSet::new(),
            reported: HashSet::new(),
            said: HashSet::new(),
            one_project,
            generate_queued: 0,
        }
    }

    fn lagged(&mut self) {
        for l in &mut self.lanes {
            l.lagged();
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

    fn title(&self, project: Uuid) -> String {
        match self.projects.get(&project) {
            Some(p) => format!("'{}'", p.title),
            None => (self.titles)(project).map_or_else(|| short_id(&project), |t| format!("'{t}'")),
        }
    }

    fn job(&mut self, job: &Job) {
        let lane = job.lane();
        if lane == Lane::Generate {
            if job.status == JobStatus::Running && job.phase.as_deref() == Some("saving") {
                self.saving.insert(job.id);
            } else if job.status != JobStatus::Running {
                self.saving.remove(&job.id);
            }
            if let Some(i) = job.scene_index {
                self.making.insert((job.project_id, i));
            }
            // Drawn from the project's counts, which follow each job event: drawn now, a
            // finished job would leave "saving" before its scene counts as done.
            return;
        }
        self.lanes[lane.as_u8() as usize].job(job);
        if lane == Lane::Render && self.said.insert((job.id, job.status.name())) {
            // Piped, a render is said at its start and end (it runs for minutes).
            let what = match job.status {
                JobStatus::Running => {
                    format!("rendering the video of {}…", self.title(job.project_id))
                }
                JobStatus::Succeeded => format!("video of {} made", self.title(job.project_id)),
                JobStatus::Failed => format!(
                    "the video of {} was not made: {}",
                    self.title(job.project_id),
                    job.error.as_ref().map_or("", |e| e.message.as_str())
                ),
                _ => String::new(),
            };
            if !what.is_empty() && (self.bars.is_none() || job.status == JobStatus::Failed) {
                self.line(&what);
            }
        }
        self.redraw_lane(lane);
    }

    fn queued(&mut self, lane: Lane, order: &[Uuid], running: &[Uuid]) {
        if lane == Lane::Generate {
            self.generate_queued = order.len();
        } else {
            self.lanes[lane.as_u8() as usize].queue(order, running);
        }
        self.redraw_lane(lane);
    }

    fn render(&mut self, job: Uuid, done: u64, total: u64) {
        self.lanes[Lane::Render.as_u8() as usize].frames(job, done, total);
        self.redraw_lane(Lane::Render);
    }

    fn redraw_lane(&self, lane: Lane) {
        let i = lane.as_u8() as usize;
        let Some((_, _, bars)) = &self.bars else {
            return;
        };
        let msg = if lane == Lane::Generate {
            // The scenes' own states: running, saving, queued and done add up to the scenes
            // shown. Running counts only the jobs in a lane slot (calling a provider): a scene
            // running beyond the slots is past its call, whether or not its "saving" was seen
            // yet (events of different jobs can arrive in either order).
            let (mut r, mut q, mut d) = (0, 0, 0);
            for p in self.projects.values() {
                r += p.counts.running as usize;
                q += p.counts.queued as usize;
                d += p.counts.succeeded as usize;
            }
            let q = if self.one_project {
                q
            } else {
                q.max(self.generate_queued)
            };
            let in_slots = r.saturating_sub(self.saving.len()).min(self.slots);
            let t = Tally {
                running: in_slots,
                queued: q,
                done: d,
            };
            lane_message(lane, t, r - in_slots, None)
        } else {
            let l = &self.lanes[i];
            lane_message(lane, l.tally(), 0, l.percent())
        };
        bars[i].set_message(msg);
    }

    fn scene(&mut self, s: &storyreel_engine::model::Scene) {
        let total = self.projects.get(&s.project_id).map_or(0, |p| p.total);
        let of = if total > 0 {
            format!("{}/{total}", s.index)
        } else {
            s.index.to_string()
        };
        let key = (s.project_id, s.index, s.attempts);
        let msg = match s.status {
            JobStatus::Succeeded if self.making.contains(&(s.project_id, s.index)) => {
                let made_by = match &s.image {
                    Some(i) if i.placeholder => "title card".to_string(),
                    Some(i) => i.provider.clone(),
                    None => "?".to_string(),
                };
                format!("scene {of} done ({made_by})")
            }
            JobStatus::Failed => format!(
                "scene {of} failed: {}",
                s.error.as_ref().map_or("", |e| e.message.as_str())
            ),
            JobStatus::Queued if s.error.is_some() => {
                format!(
                    "scene {of} will be tried again: {}",
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
