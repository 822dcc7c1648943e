import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatClock,
  formatElapsed,
  formatMs,
  formatPercent,
  formatRelative,
  plural,
} from '../../src/lib/logic/format';

describe('formatElapsed', () => {
  it('shows seconds, then minutes, then hours', () => {
    expect(formatElapsed(4_200)).toBe('4s');
    expect(formatElapsed(65_000)).toBe('1m 05s');
    expect(formatElapsed(2 * 3_600_000 + 3 * 60_000)).toBe('2h 03m');
  });
  it('never goes negative or breaks on missing values', () => {
    expect(formatElapsed(-500)).toBe('0s');
    expect(formatElapsed(null)).toBe('0s');
    expect(formatElapsed(Number.NaN)).toBe('0s');
  });
});

describe('formatClock', () => {
  it('formats media lengths', () => {
    expect(formatClock(42)).toBe('0:42');
    expect(formatClock(185)).toBe('3:05');
    expect(formatClock(3723)).toBe('1:02:03');
    expect(formatClock(31.6)).toBe('0:32');
    expect(formatClock(undefined)).toBe('0:00');
  });
});

describe('formatBytes', () => {
  it('uses the unit that keeps the number short', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(23_400_000)).toBe('23 MB');
    expect(formatBytes(1_250_000_000)).toBe('1.3 GB');
    expect(formatBytes(-3)).toBe('0 B');
  });
});

describe('formatMs and formatPercent', () => {
  it('formats latencies', () => {
    expect(formatMs(340)).toBe('340 ms');
    expect(formatMs(1234)).toBe('1.2 s');
    expect(formatMs(42_000)).toBe('42 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
    expect(formatMs(null)).toBe('—');
  });
  it('clamps ratios', () => {
    expect(formatPercent(0.874)).toBe('87%');
    expect(formatPercent(1.4)).toBe('100%');
    expect(formatPercent(-1)).toBe('0%');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});

describe('formatRelative', () => {
  const now = 1_700_000_000_000;
  it('says past and future in words', () => {
    expect(formatRelative(now - 2_000, now)).toBe('just now');
    expect(formatRelative(now + 40_000, now)).toBe('in 40 s');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now + 2 * 3_600_000, now)).toBe('in 2 h');
    expect(formatRelative(now - 86_400_000, now)).toBe('1 day ago');
    expect(formatRelative(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(formatRelative(null, now)).toBe('—');
  });
});

describe('plural', () => {
  it('picks the word', () => {
    expect(plural(1, 'scene')).toBe('1 scene');
    expect(plural(3, 'scene')).toBe('3 scenes');
    expect(plural(2, 'story', 'stories')).toBe('2 stories');
  });
});
