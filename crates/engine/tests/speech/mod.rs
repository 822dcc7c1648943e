//! Checks the voice tests share: audio that is speech, and word times that fit it.

use storyreel_engine::model::WordMark;
use storyreel_engine::voices::timing::Pcm;

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
