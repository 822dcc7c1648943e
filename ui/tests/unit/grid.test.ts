import { describe, expect, it } from 'vitest';
import { gridColumns, gridWindow, scrollToItem } from '../../src/lib/logic/grid';

describe('gridColumns', () => {
  it('fits as many minimum-width columns as the width allows', () => {
    expect(gridColumns(1000, 200, 16)).toBe(4);
    expect(gridColumns(1064, 200, 16)).toBe(5);
    expect(gridColumns(150, 200, 16)).toBe(1);
    expect(gridColumns(0, 200, 16)).toBe(1);
    expect(gridColumns(Number.NaN, 200, 16)).toBe(1);
  });
});

describe('gridWindow', () => {
  const base = { count: 500, columns: 4, rowHeight: 250, gap: 10, viewportHeight: 800, overscan: 2 };

  it('renders the visible rows plus the overscan at the top', () => {
    const w = gridWindow({ ...base, viewportTop: 0 });
    // rows 0..3 visible (800 / 260), plus 2 below
    expect(w).toMatchObject({ start: 0, end: 24, offsetTop: 0, rows: 125 });
    expect(w.totalHeight).toBe(125 * 260 - 10);
  });

  it('moves the window with the scroll position', () => {
    const w = gridWindow({ ...base, viewportTop: 260 * 50 });
    expect(w.start).toBe(48 * 4);
    expect(w.end).toBe((50 + 3 + 2 + 1) * 4);
    expect(w.offsetTop).toBe(48 * 260);
    expect(w.end - w.start).toBeLessThan(100);
  });

  it('stops at the last item', () => {
    const w = gridWindow({ ...base, viewportTop: 1e9 });
    expect(w.end).toBe(500);
    expect(w.start).toBeGreaterThan(400);
  });

  it('renders the first rows while the grid is still below the fold', () => {
    const w = gridWindow({ ...base, viewportTop: -600 });
    expect(w.start).toBe(0);
    expect(w.end).toBeLessThanOrEqual(4 * 4);
  });

  it('handles a last row that is not full and an empty grid', () => {
    expect(gridWindow({ ...base, count: 6, viewportTop: 0 })).toMatchObject({ start: 0, end: 6, rows: 2 });
    expect(gridWindow({ ...base, count: 0, viewportTop: 0 })).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
  });
});

describe('scrollToItem', () => {
  it('scrolls only when the item is out of view', () => {
    expect(scrollToItem(0, 4, 250, 10, 0, 800)).toBeNull();
    expect(scrollToItem(40, 4, 250, 10, 0, 800)).toBe(10 * 260 + 250 - 800);
    expect(scrollToItem(0, 4, 250, 10, 1000, 800)).toBe(0);
  });
});
