/**
 * Paint timings for the app's budget benchmark, kept on `window.__storyreelTimings`: when the
 * first screen with the engine's data was painted (wall clock, ms since the epoch), and for
 * each opening of a project, how long from the click to the first paint of its scene grid.
 * Recording costs a timestamp; nothing is sent anywhere.
 */
export interface ProjectOpenTiming {
  id: string;
  scenes: number;
  /** From the click to the first paint of the grid. */
  ms: number;
  /** From the click to the grid's cards being in the DOM (the rest of `ms` is style, layout, paint). */
  dom: number;
  /** From the click to the project's scenes arriving from the shell; null when the grid was
   *  shown from scenes already held. */
  fetched: number | null;
}

export interface PaintTimings {
  firstContent: number | null;
  opens: ProjectOpenTiming[];
}

type Host = { __storyreelTimings?: PaintTimings };

const host = globalThis as Host;
export const timings: PaintTimings = (host.__storyreelTimings ??= { firstContent: null, opens: [] });

let pending: { id: string; at: number; fetched: number | null } | null = null;

/** Runs `f` once the frame being prepared has been painted. */
export function afterPaint(f: () => void): void {
  requestAnimationFrame(() => setTimeout(f, 0));
}

/** The first screen with data is on its way to the screen. */
export function contentShown(): void {
  if (timings.firstContent !== null) return;
  afterPaint(() => {
    timings.firstContent ??= Date.now();
  });
}

/** A project is being opened (the click). */
export function openStarted(id: string): void {
  pending = { id, at: performance.now(), fetched: null };
}

/** The project's scenes arrived from the shell. */
export function openFetched(id: string): void {
  if (pending && pending.id === id && pending.fetched === null) pending.fetched = performance.now() - pending.at;
}

/** The project's grid has its first cards in the DOM. */
export function gridShown(id: string, scenes: number): void {
  const p = pending;
  if (!p || p.id !== id) return;
  pending = null;
  const dom = performance.now() - p.at;
  afterPaint(() => timings.opens.push({ id, scenes, ms: performance.now() - p.at, dom, fetched: p.fetched }));
}
