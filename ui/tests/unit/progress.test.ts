import { describe, expect, it } from 'vitest';
import { barFraction, projectProgress, renderFraction } from '../../src/lib/logic/progress';

describe('projectProgress', () => {
  it('splits done into real pictures and title cards', () => {
    const p = projectProgress({ total: 10, done: 6, placeholders: 2, failed: 1 });
    expect(p).toMatchObject({ total: 10, finished: 6, real: 4, placeholders: 2, failed: 1, remaining: 3 });
    expect(p.realFraction).toBeCloseTo(0.4);
    expect(p.placeholderFraction).toBeCloseTo(0.2);
    expect(p.failedFraction).toBeCloseTo(0.1);
    expect(p.fraction).toBeCloseTo(0.6);
  });
  it('never overflows on figures that do not add up', () => {
    const p = projectProgress({ total: 5, done: 9, placeholders: 12, failed: 4 });
    expect(p.finished).toBe(5);
    expect(p.placeholders).toBe(5);
    expect(p.failed).toBe(0);
    expect(p.realFraction + p.placeholderFraction + p.failedFraction).toBeLessThanOrEqual(1);
  });
  it('is all zero for an empty or broken card', () => {
    const p = projectProgress({ total: 0, done: 0, placeholders: 0, failed: 0 });
    expect(p.fraction).toBe(0);
    const q = projectProgress({ total: Number.NaN, done: -1, placeholders: undefined as never, failed: null as never });
    expect(q).toMatchObject({ total: 0, finished: 0, remaining: 0, fraction: 0 });
  });
});

describe('renderFraction and barFraction', () => {
  it('divides safely', () => {
    expect(renderFraction(50, 200)).toBe(0.25);
    expect(renderFraction(300, 200)).toBe(1);
    expect(renderFraction(5, 0)).toBe(0);
    expect(barFraction(3, 12)).toBe(0.25);
    expect(barFraction(3, 0)).toBe(0);
  });
});
