//! What the tray and the notifications say, derived from the project cards the engine sends:
//! a project that finishes, or one that needs attention (failed scenes), is announced once.

use std::collections::HashMap;

use uuid::Uuid;

use crate::dto::ProjectCard;

#[derive(Default)]
pub struct Watcher {
    cards: HashMap<Uuid, ProjectCard>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

fn active(status: &str) -> bool {
    matches!(status, "queued" | "running")
}

impl Watcher {
    /// Seeds the watcher with the cards at start (nothing is announced for them).
    pub fn seed(&mut self, cards: impl IntoIterator<Item = ProjectCard>) {
        for c in cards {
            self.cards.insert(c.id, c);
        }
    }

    /// Takes a new card; returns the notification its change calls for, if any.
    pub fn update(&mut self, card: ProjectCard) -> Option<Notice> {
        let was_active = self.cards.get(&card.id).is_some_and(|c| active(&c.status));
        let notice = if was_active && !active(&card.status) {
            match card.status.as_str() {
                "done" if card.placeholders > 0 => Some(Notice {
                    title: format!("“{}” is ready", card.title),
                    body: format!(
                        "{} scenes, {} of them title cards (regenerate them when you are online).",
                        card.total, card.placeholders
                    ),
                }),
                "done" => Some(Notice {
                    title: format!("“{}” is ready", card.title),
                    body: format!("All {} scenes have their pictures.", card.total),
                }),
                "failed" => Some(Notice {
                    title: format!("“{}” needs attention", card.title),
                    body: format!(
                        "{} of {} scenes failed; open the project to see why and retry.",
                        card.failed, card.total
                    ),
                }),
                _ => None,
            }
        } else {
            None
        };
        self.cards.insert(card.id, card);
        notice
    }

    pub fn remove(&mut self, id: Uuid) {
        self.cards.remove(&id);
    }

    /// The tray's tooltip: progress over the projects still being worked on.
    pub fn tooltip(&self) -> String {
        let (done, total) = self
            .cards
            .values()
            .filter(|c| active(&c.status))
            .fold((0, 0), |(d, t), c| (d + c.done + c.failed, t + c.total));
        if total == 0 {
            "StoryReel — nothing in progress".into()
        } else {
            format!("StoryReel — {done} of {total} scenes")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyreel_engine::model::Aspect;

    fn card(status: &str, done: u32, failed: u32, placeholders: u32) -> ProjectCard {
        ProjectCard {
            id: Uuid::nil(),
            title: "Bay".into(),
            status: status.into(),
            aspect: Aspect::Portrait,
            style: "cinematic".into(),
            paused: false,
            total: 5,
            done,
            failed,
            placeholders,
            synced: 0,
            sync_enabled: false,
            cover: None,
            video: None,
            voice: None,
            created_at: 0,
            updated_at: 0,
            undo: None,
        }
    }

    #[test]
    fn a_finish_is_announced_once_and_progress_shows_in_the_tooltip() {
        let mut w = Watcher::default();
        w.seed([card("done", 5, 0, 0)]);
        assert_eq!(w.update(card("done", 5, 0, 0)), None, "no news at start");
        assert_eq!(w.update(card("running", 2, 0, 0)), None);
        assert_eq!(w.tooltip(), "StoryReel — 2 of 5 scenes");
        let n = w.update(card("done", 5, 0, 2)).unwrap();
        assert!(n.title.contains("ready") && n.body.contains("2 of them title cards"));
        assert_eq!(w.update(card("done", 5, 0, 2)), None, "only once");
        assert_eq!(w.tooltip(), "StoryReel — nothing in progress");
        w.update(card("queued", 0, 0, 0));
        let n = w.update(card("failed", 4, 1, 0)).unwrap();
        assert!(n.title.contains("needs attention") && n.body.contains("1 of 5"));
    }
}
