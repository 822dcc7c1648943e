/** Progress figures for bars. */
import type { ProjectCard } from '../bindings/ProjectCard';

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export type ProjectProgress = {
  total: number;
  /** Scenes with a real picture (done minus placeholders). */
  real: number;
  placeholders: number;
  failed: number;
  /** Scenes with any picture (real or title card). */
  finished: number;
  remaining: number;
  /** Segment widths, fractions of the bar, adding up to at most 1. */
  realFraction: number;
  placeholderFraction: number;
  failedFraction: number;
  /** Finished over total: 0..1. */
  fraction: number;
};

/**
 * `done` counts every scene that has an image, placeholders included; figures that do not add up
 * (a stale or odd payload) are clamped so the bar never overflows.
 */
export function projectProgress(card: Pick<ProjectCard, 'total' | 'done' | 'failed' | 'placeholders'>): ProjectProgress {
  const total = n(card.total);
  const finished = Math.min(n(card.done), total);
  const placeholders = Math.min(n(card.placeholders), finished);
  const real = finished - placeholders;
  const failed = Math.min(n(card.failed), total - finished);
  const remaining = total - finished - failed;
  const f = (x: number) => (total ? x / total : 0);
  return {
    total,
    real,
    placeholders,
    failed,
    finished,
    remaining,
    realFraction: f(real),
    placeholderFraction: f(placeholders),
    failedFraction: f(failed),
    fraction: f(finished),
  };
}

/** frames_done / frames_total, clamped to 0..1 (0 while the total is unknown). */
export function renderFraction(framesDone: number, framesTotal: number): number {
  const total = n(framesTotal);
  if (!total) return 0;
  return Math.min(1, n(framesDone) / total);
}

/** Width of a bar for `value` on a scale whose largest value is `max`, 0..1. */
export function barFraction(value: number, max: number): number {
  const m = n(max);
  if (!m) return 0;
  return Math.min(1, n(value) / m);
}
