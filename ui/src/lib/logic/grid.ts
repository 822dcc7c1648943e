/** The window math of the virtualised scene grid. */

/** How many columns of at least `minWidth` fit in `width` with `gap` between them (at least 1). */
export function gridColumns(width: number, minWidth: number, gap: number): number {
  if (!(width > 0) || !(minWidth > 0)) return 1;
  return Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
}

export type GridWindow = {
  /** First and one-past-last item index to render. */
  start: number;
  end: number;
  /** Offset of the first rendered row from the top of the grid, in px. */
  offsetTop: number;
  /** Height of the whole grid, in px. */
  totalHeight: number;
  rows: number;
};

export type GridInput = {
  count: number;
  columns: number;
  rowHeight: number;
  gap: number;
  /** Scroll position relative to the top of the grid (negative while the grid is below the fold). */
  viewportTop: number;
  viewportHeight: number;
  /** Extra rows rendered above and below what is visible. */
  overscan: number;
};

/** Which items are visible (plus overscan) in a grid of fixed-height rows. */
export function gridWindow(i: GridInput): GridWindow {
  const count = Math.max(0, Math.floor(i.count));
  const columns = Math.max(1, Math.floor(i.columns));
  const stride = Math.max(1, i.rowHeight + i.gap);
  const rows = Math.ceil(count / columns);
  const totalHeight = rows ? rows * stride - i.gap : 0;
  if (!rows) return { start: 0, end: 0, offsetTop: 0, totalHeight: 0, rows: 0 };
  const height = Math.max(0, i.viewportHeight);
  const top = i.viewportTop;
  const firstVisible = Math.floor(top / stride);
  const lastVisible = Math.floor((top + height) / stride);
  const firstRow = Math.max(0, Math.min(rows - 1, firstVisible - i.overscan));
  const lastRow = Math.max(firstRow, Math.min(rows - 1, lastVisible + i.overscan));
  // Entirely above or below the viewport: render only the overscan next to it.
  return {
    start: firstRow * columns,
    end: Math.min(count, (lastRow + 1) * columns),
    offsetTop: firstRow * stride,
    totalHeight,
    rows,
  };
}

/** The scroll offset (relative to the grid) that brings item `index` into view, or null if it is. */
export function scrollToItem(
  index: number,
  columns: number,
  rowHeight: number,
  gap: number,
  viewportTop: number,
  viewportHeight: number,
): number | null {
  const stride = rowHeight + gap;
  const row = Math.floor(Math.max(0, index) / Math.max(1, columns));
  const top = row * stride;
  const bottom = top + rowHeight;
  if (top < viewportTop) return top;
  if (bottom > viewportTop + viewportHeight) return bottom - viewportHeight;
  return null;
}
