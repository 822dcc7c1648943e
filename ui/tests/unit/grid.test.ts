import { describe, expect, it } from 'vitest';
import { aspectRatio, cardShape, CARD_INFO_HEIGHT, gridColumns, gridWindow, scrollToItem, videoRatio } from '../../src/lib/logic/grid';

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

describe('aspectRatio and videoRatio', () => {
  it('reads a frame as width over height, 9:16 when unknown', () => {
    expect(aspectRatio('16:9')).toBeCloseTo(16 / 9);
    expect(aspectRatio('9:16')).toBeCloseTo(9 / 16);
    expect(aspectRatio('1:1')).toBe(1);
    expect(aspectRatio('wide')).toBeCloseTo(9 / 16);
    expect(aspectRatio('0:9')).toBeCloseTo(9 / 16);
    expect(aspectRatio(null)).toBeCloseTo(9 / 16);
  });

  it("a video's shape is its own size, or the frame while it has none", () => {
    expect(videoRatio({ width: 1920, height: 1080 }, '9:16')).toBeCloseTo(16 / 9);
    expect(videoRatio({ width: 0, height: 0 }, '1:1')).toBe(1);
    expect(videoRatio(null, '16:9')).toBeCloseTo(16 / 9);
  });
});

describe('cardShape', () => {
  it('puts a wide picture over the words, as tall as its width makes it', () => {
    const s = cardShape('16:9');
    expect(s.picture).toBe('over');
    expect(s.rowHeight(320)).toBe(180 + CARD_INFO_HEIGHT);
  });

  it('puts a tall or square picture beside the words, at a set height', () => {
    const tall = cardShape('9:16');
    expect(tall.picture).toBe('beside');
    expect(tall.rowHeight(400)).toBe(tall.rowHeight(250));
    expect(tall.minWidth).toBeGreaterThanOrEqual(Math.round(tall.rowHeight(0) * (9 / 16)) + 150);
    expect(cardShape('1:1').picture).toBe('beside');
  });
});
