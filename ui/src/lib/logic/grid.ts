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

/** Width over height of a project's frame ("9:16", "16:9", "1:1"); 9:16 when it is unknown. */
export function aspectRatio(aspect: string | null | undefined): number {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(String(aspect ?? '').trim());
  const w = m ? Number(m[1]) : 0;
  const h = m ? Number(m[2]) : 0;
  return w > 0 && h > 0 ? w / h : 9 / 16;
}

/** The shape of a video: its own pixel size, or the project's frame while it has none. */
export function videoRatio(video: { width: number; height: number } | null | undefined, aspect: string | null | undefined): number {
  const w = Number(video?.width);
  const h = Number(video?.height);
  return w > 0 && h > 0 && Number.isFinite(w / h) ? w / h : aspectRatio(aspect);
}

/** Height of a scene card's words, chips and buttons under or beside its picture, in px. */
export const CARD_INFO_HEIGHT = 100;

export type CardShape = {
  /** `over`: the picture on top, as wide as the card (wide frames); `beside`: on the left, as tall as the card. */
  picture: 'over' | 'beside';
  /** The narrowest column. */
  minWidth: number;
  /** A row's height from a cell's width. */
  rowHeight: (cellWidth: number) => number;
};

/**
 * How a project's scene cards are laid out, so that each picture shows whole in the project's
 * frame: a wide picture goes over the words, a tall or square one beside them (a card with a
 * tall picture on top would be taller than the window).
 */
export function cardShape(aspect: string | null | undefined): CardShape {
  const ratio = aspectRatio(aspect);
  if (ratio > 1.05) {
    return { picture: 'over', minWidth: 200, rowHeight: (w) => Math.round(Math.max(0, w) / ratio) + CARD_INFO_HEIGHT };
  }
  const height = ratio < 0.95 ? 180 : 150;
  return { picture: 'beside', minWidth: Math.round(height * ratio) + 150, rowHeight: () => height };
}
