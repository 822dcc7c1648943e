//! Speech moved to another sample rate (a character's voice joined to the narrator's in one
//! recording), through `rubato`'s FFT resampler: band-limited, so nothing folds back into the
//! voice.

use rubato::{FftFixedInOut, Resampler};

use super::timing::Pcm;

/// `pcm` at `rate` samples a second; the same length in time.
pub fn to_rate(pcm: &Pcm, rate: u32) -> Pcm {
    if pcm.rate == rate || pcm.samples.is_empty() || rate == 0 || pcm.rate == 0 {
        return Pcm {
            rate: if rate == 0 { pcm.rate } else { rate },
            samples: pcm.samples.clone(),
        };
    }
    let input: Vec<f32> = pcm.samples.iter().map(|s| *s as f32 / 32768.0).collect();
    let want = (input.len() as u64 * rate as u64 / pcm.rate as u64) as usize;
    let Ok(mut r) = FftFixedInOut::<f32>::new(pcm.rate as usize, rate as usize, 1024, 1) else {
        return Pcm {
            rate: pcm.rate,
            samples: pcm.samples.clone(),
        };
    };
    let mut out: Vec<f32> = Vec::with_capacity(want + 2048);
    let mut pos = 0;
    loop {
        let n = r.input_frames_next();
        if pos + n > input.len() {
            break;
        }
        match r.process(&[&input[pos..pos + n]], None) {
            Ok(o) => out.extend_from_slice(&o[0]),
            Err(_) => break,
        }
        pos += n;
    }
    // The rest of the input, then what the resampler still holds.
    if let Ok(o) = r.process_partial(Some(&[&input[pos..]]), None) {
        out.extend_from_slice(&o[0]);
    }
    while out.len() < want + r.output_delay() {
        match r.process_partial::<&[f32]>(None, None) {
            Ok(o) if !o[0].is_empty() => out.extend_from_slice(&o[0]),
            _ => break,
        }
    }
    let samples = out
        .into_iter()
        .skip(r.output_delay())
        .take(want)
        .map(|v| (v * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    Pcm { rate, samples }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, secs: f32) -> Pcm {
        let n = (rate as f32 * secs) as usize;
        Pcm {
            rate,
            samples: (0..n)
                .map(|i| {
                    ((i as f32 / rate as f32 * hz * std::f32::consts::TAU).sin() * 12000.0) as i16
                })
                .collect(),
        }
    }

    /// The tone's frequency, from its sign changes.
    fn pitch(p: &Pcm) -> f32 {
        let flips = p
            .samples
            .windows(2)
            .filter(|w| (w[0] >= 0) != (w[1] >= 0))
            .count();
        flips as f32 / 2.0 / p.seconds()
    }

    #[test]
    fn speech_keeps_its_length_pitch_and_loudness_at_another_rate() {
        let src = tone(22_050, 220.0, 1.0);
        let out = to_rate(&src, 24_000);
        assert_eq!(out.rate, 24_000);
        assert_eq!(out.samples.len(), 24_000);
        assert!((pitch(&out) - 220.0).abs() < 3.0, "{}", pitch(&out));
        let peak = out.samples[2000..22_000]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!((11_000..=13_000).contains(&peak), "{peak}");
        assert_eq!(to_rate(&src, 22_050).samples, src.samples);
        let empty = Pcm {
            rate: 16_000,
            samples: vec![],
        };
        assert_eq!(to_rate(&empty, 24_000).samples.len(), 0);
    }
}
