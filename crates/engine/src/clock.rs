//! Time arithmetic that cannot panic. Durations from outside the process (a provider's
//! `Retry-After`, a queue hint, a config number) are clamped to `LONGEST` before they are added
//! to an instant, and wall-clock milliseconds are added with saturation: `Instant + Duration`
//! panics on overflow, and one absurd header must never take a worker down.

use std::time::{Duration, Instant};

/// The longest wait StoryReel ever takes from anyone: a day. Every budget is shorter.
pub const LONGEST: Duration = Duration::from_secs(86_400);

/// `d`, at most `LONGEST`.
pub fn clamp(d: Duration) -> Duration {
    d.min(LONGEST)
}

/// The instant `d` from now (`d` clamped first, so the sum cannot overflow).
pub fn deadline(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(clamp(d)).unwrap_or(now)
}

/// Whether a wait of `wait` from now ends before `deadline`.
pub fn fits(wait: Duration, deadline: Instant) -> bool {
    wait < deadline.saturating_duration_since(Instant::now())
}

/// Wall-clock milliseconds `ms` after `now`, saturating.
pub fn ms_after(now: u64, ms: u64) -> u64 {
    now.saturating_add(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_durations_do_not_panic() {
        let d = deadline(Duration::MAX);
        assert!(d > Instant::now());
        assert!(d <= Instant::now() + LONGEST);
        assert!(!fits(Duration::MAX, d));
        assert!(fits(Duration::from_millis(1), d));
        assert_eq!(ms_after(u64::MAX - 1, 10), u64::MAX);
    }
}
