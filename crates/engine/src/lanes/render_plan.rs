//! Gathering a render's plan from the engine: each scene's picture file, duration, caption,
//! narration and words, the title cards at the scenes' places now, and the audio. The render
//! (`render/`) turns the plan into the MP4 and reads nothing else.

use std::path::PathBuf;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{Project, RenderSpec, Scene, WordMark};
use crate::render::ffmpeg::{AudioPlan, Ffmpeg};
use crate::render::plan::{scene_narration, scene_start, Plan, PlanScene};
use crate::render::timeline::{self, Timeline};

/// A scene's narration as the video uses it: the audio, where it starts in the video, and its
/// words at their times in the video.
struct PlanVoice {
    audio: PathBuf,
    seconds: f32,
    words: Vec<WordMark>,
}

/// The voice of each scene, unless the person's own narration stands in for it.
fn voices_of(e: &Engine, scenes: &[Scene], spec: &RenderSpec) -> Result<Vec<Option<PlanVoice>>> {
    let mut out = Vec::with_capacity(scenes.len());
    for s in scenes {
        let own = spec.narration.is_some()
            || spec
                .narration_dir
                .as_ref()
                .is_some_and(|d| scene_narration(d, s.index).is_some());
        let speech = s
            .narration
            .as_ref()
            .and_then(|n| n.speech.as_ref())
            .filter(|_| !own);
        let voice = match speech.and_then(|sp| Some((sp, sp.audio.as_ref()?))) {
            Some((sp, a)) => Some(PlanVoice {
                audio: e.assets().path(&a.hash, &a.ext)?,
                seconds: sp.seconds.clamp(0.0, 600.0),
                words: sp.words.clone(),
            }),
            None => None,
        };
        out.push(voice);
    }
    Ok(out)
}

impl Engine {
    pub(crate) fn render_plan(
        &self,
        p: &Project,
        scenes: &[Scene],
        spec: &RenderSpec,
        ff: &Ffmpeg,
    ) -> Result<Plan> {
        let cfg = &self.config().render;
        let mut audio = AudioPlan::default();
        let mut durations: Vec<f32> = scenes
            .iter()
            .map(|s| {
                s.duration_s
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| d.clamp(0.5, 60.0))
                    .unwrap_or_else(|| timeline::reading_duration(&s.text, cfg.words_per_second))
            })
            .collect();
        let xfade = cfg.crossfade_ms as f32 / 1000.0;
        // A clip without narration (and no length in the script) lasts as long as it plays.
        for (i, s) in scenes.iter().enumerate() {
            let span = s.image.as_ref().and_then(|img| img.own()?.span());
            if let (Some((_, span)), None) = (span, s.duration_s) {
                durations[i] = (span + xfade).clamp(timeline::MIN_S, 60.0);
            }
        }
        let voices = voices_of(self, scenes, spec)?;
        let beat = self.config().voice.beat_ms as f32 / 1000.0;
        for (i, v) in voices.iter().enumerate() {
            if let Some(v) = v {
                // The narration and a beat after it; a script's duration is a minimum.
                let min = scenes[i]
                    .duration_s
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .unwrap_or(timeline::MIN_S)
                    .clamp(timeline::MIN_S, 600.0);
                durations[i] = (v.seconds + beat + xfade).max(min);
            }
        }
        if let Some(dir) = &spec.narration_dir {
            if !dir.is_dir() {
                return Err(Error::Input(format!(
                    "The narration folder {} does not exist.",
                    dir.display()
                )));
            }
            for (i, s) in scenes.iter().enumerate() {
                if let Some(f) = scene_narration(dir, s.index) {
                    let len = ff.audio_seconds(&f, &format!("narration of scene {}", s.index))?;
                    durations[i] = durations[i].max(len + 0.4 + xfade);
                }
            }
        }
        let mut tl = Timeline::new(durations, xfade, spec.fps);
        if let Some(n) = &spec.narration {
            let len = ff.audio_seconds(n, "narration")?;
            tl = tl.fit_to(len + 0.5);
            audio.narration = Some(n.clone());
        }
        if let Some(dir) = &spec.narration_dir {
            for (i, s) in scenes.iter().enumerate() {
                if let Some(f) = scene_narration(dir, s.index) {
                    audio.scene_narration.push((scene_start(&tl, i), f));
                }
            }
        }
        let scene_starts: Vec<f32> = (0..scenes.len()).map(|i| scene_start(&tl, i)).collect();
        let mut words = Vec::with_capacity(scenes.len());
        for (i, v) in voices.into_iter().enumerate() {
            words.push(v.map(|v| {
                let at = scene_starts[i];
                audio.scene_narration.push((at, v.audio));
                v.words
                    .into_iter()
                    .map(|w| WordMark {
                        start: w.start + at,
                        end: w.end + at,
                        word: w.word,
                    })
                    .collect()
            }));
        }
        for (i, s) in scenes.iter().enumerate() {
            let Some(own) = s.image.as_ref().and_then(|img| img.own()) else {
                continue;
            };
            let (Some(c), Some((from, span))) = (&own.clip, own.span()) else {
                continue;
            };
            if c.audio && own.look.volume > 0.0 {
                audio.clip_sound.push(crate::render::ffmpeg::ClipSound {
                    at: tl.starts.get(i).copied().unwrap_or(0.0),
                    file: self.assets().path(&c.hash, &c.ext)?,
                    from,
                    span,
                    length: tl.durations.get(i).copied().unwrap_or(span),
                    volume: own.look.volume,
                    looped: own.look.end == crate::model::ClipEnd::Loop,
                });
            }
        }
        if let Some(m) = &spec.music {
            ff.audio_seconds(m, "music")?;
            audio.music = Some((m.clone(), spec.music_volume));
        }
        Ok(Plan {
            project: p.id,
            ffmpeg: ff.clone(),
            frame: p.aspect.frame(),
            scenes: scenes
                .iter()
                .map(|s| {
                    let img = s.image.as_ref();
                    let own = img.and_then(|i| i.own());
                    let clip = match own.and_then(|o| Some((o, o.clip.as_ref()?, o.span()?))) {
                        Some((o, c, (start, span))) => Some(crate::render::clip_frames::ClipPlan {
                            file: self.assets().path(&c.hash, &c.ext)?,
                            start,
                            span,
                            look: o.look,
                        }),
                        None => None,
                    };
                    Ok(PlanScene {
                        look: own.map(|o| o.look),
                        clip,
                        index: s.index,
                        picture: img
                            .filter(|i| !i.placeholder)
                            .map(|i| self.assets().path(&i.hash, &i.ext))
                            .transpose()?,
                        // A title card shows its text already.
                        caption: (spec.captions && !img.is_some_and(|i| i.placeholder))
                            .then(|| s.text.clone()),
                        card_words: spec.captions,
                        card: img.is_some_and(|i| i.placeholder).then(|| {
                            crate::providers::ImageRequest {
                                project_id: p.id,
                                scene_index: s.index,
                                scene_count: p.scene_count,
                                title: s.title.clone(),
                                text: s.text.clone(),
                                prompt: s.prompt.clone(),
                                negative_prompt: None,
                                style: p.style.clone(),
                                frame: p.aspect.frame(),
                                variation: 0,
                                cast: crate::providers::SceneCast {
                                    palette: p.cast.look.colours(),
                                    ..Default::default()
                                },
                            }
                        }),
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            timeline: tl,
            audio,
            font: cfg.font.clone(),
            scene_starts,
            words,
            look: cfg.caption_look(),
        })
    }
}
