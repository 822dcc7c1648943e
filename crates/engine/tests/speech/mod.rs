//! What the voice tests share: a story narrated in a language, a scene's spoken audio, and
//! checks that the audio is speech and its word times fit it.

use storyreel_engine::model::{JobStatus, Scene, Speech, WordMark};
use storyreel_engine::voices::timing::Pcm;
use storyreel_engine::{Engine, ImportOptions};

/// `story` imported as a new project in `language`, narrated to the end: its scenes.
pub async fn narrate(e: &Engine, story: &str, language: &str) -> Vec<Scene> {
    let p = e
        .import(
            story.as_bytes(),
            "story.md",
            ImportOptions {
                force_new: true,
                language: Some(language.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    super::work::work_until_ended(e).await;
    e.store().scenes_of(p.id).unwrap()
}

/// A scene's narration, which must have succeeded by `provider`: its speech and its audio.
pub fn spoken<'a>(e: &Engine, s: &'a Scene, provider: &str) -> (&'a Speech, Pcm) {
    let n = s.narration.as_ref().unwrap();
    assert_eq!(n.status, JobStatus::Succeeded, "{:?}", n.error);
    let sp = n.speech.as_ref().unwrap();
    assert_eq!(
        sp.provider, provider,
        "scene {}: {:?}",
        s.index, sp.fallback
    );
    let a = sp.audio.as_ref().unwrap();
    let pcm =
        Pcm::from_wav(&std::fs::read(e.assets().path(&a.hash, &a.ext).unwrap()).unwrap()).unwrap();
    (sp, pcm)
}

/// Speech, not silence: the voiced span is most of the audio and every half second of it has
/// sound in it (`what` names the audio in failures).
pub fn assert_speech(pcm: &Pcm, what: &str) {
    let secs = pcm.seconds();
    let (from, to) = pcm.voiced_span();
    assert!(
        to - from > secs * 0.6,
        "{what}: voiced {from}..{to} of {secs} s"
    );
    let per = (pcm.rate / 2).max(1) as usize;
    let start = (from * pcm.rate as f32) as usize;
    let end = ((to * pcm.rate as f32) as usize).min(pcm.samples.len());
    for (i, w) in pcm.samples[start..end].chunks(per).enumerate() {
        let rms = (w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        assert!(rms > 150.0, "{what}: half-second {i} is silent ({rms})");
    }
}

/// Word times inside the audio (`secs` long) and in order.
pub fn assert_word_times(words: &[WordMark], secs: f32) {
    let mut last = 0.0;
    for w in words {
        assert!(w.start >= last - 1e-3 && w.end >= w.start, "{words:?}");
        assert!(w.end <= secs + 0.05, "{w:?} past {secs}");
        last = w.start;
    }
}
