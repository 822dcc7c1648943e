import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentShown, gridShown, openFetched, openStarted, timings } from '../../src/lib/timing';

describe('paint timings', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', (f: FrameRequestCallback) => setTimeout(() => f(0), 16));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('records the first content paint once, on the page for the benchmark', () => {
    timings.firstContent = null;
    contentShown();
    expect(timings.firstContent).toBeNull();
    vi.advanceTimersByTime(20);
    const first = timings.firstContent;
    expect(typeof first).toBe('number');
    vi.advanceTimersByTime(1000);
    contentShown();
    vi.advanceTimersByTime(20);
    expect(timings.firstContent).toBe(first);
    expect((globalThis as { __storyreelTimings?: unknown }).__storyreelTimings).toBe(timings);
  });

  it('times an opening from the click to the painted grid, for that project only', () => {
    timings.opens.length = 0;
    openStarted('p1');
    gridShown('p2', 3);
    vi.advanceTimersByTime(80);
    openFetched('p2');
    openFetched('p1');
    vi.advanceTimersByTime(40);
    openFetched('p1');
    gridShown('p1', 500);
    vi.advanceTimersByTime(20);
    expect(timings.opens).toHaveLength(1);
    expect(timings.opens[0]).toMatchObject({ id: 'p1', scenes: 500 });
    expect(timings.opens[0].ms).toBeGreaterThanOrEqual(120);
    expect(timings.opens[0].fetched).toBe(80);
    expect(timings.opens[0].dom).toBe(120);
    // Later updates of the same grid are not new openings.
    gridShown('p1', 500);
    vi.advanceTimersByTime(20);
    expect(timings.opens).toHaveLength(1);
  });

  it('leaves the fetch out when the grid came from scenes already held', () => {
    timings.opens.length = 0;
    openStarted('p1');
    vi.advanceTimersByTime(30);
    gridShown('p1', 500);
    openFetched('p1');
    vi.advanceTimersByTime(20);
    expect(timings.opens[0]).toMatchObject({ dom: 30, fetched: null });
  });
});
