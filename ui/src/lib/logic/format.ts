/** Formatting numbers, sizes and times for people. */

const num = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/** An elapsed time: "4s", "1m 05s", "2h 03m". Negative or missing values show as "0s". */
export function formatElapsed(ms: number | null | undefined): string {
  const total = Math.max(0, Math.floor(num(ms) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A media length as a clock: "0:42", "3:05", "1:02:03". */
export function formatClock(seconds: number | null | undefined): string {
  const total = Math.max(0, Math.round(num(seconds)));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A short duration such as an average latency: "340 ms", "1.2 s", "2 min 5 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(v / 60_000);
  const s = Math.round((v % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** A size in bytes (1 KB = 1000 B): "0 B", "512 B", "1.5 KB", "23 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  let v = Math.max(0, num(bytes));
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

/** A ratio 0..1 as a percentage: "87%". Out-of-range values are clamped. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${Math.round(Math.min(1, Math.max(0, ratio)) * 100)}%`;
}

/** A time relative to now: "just now", "in 40 s", "5 min ago", "in 2 h", "3 days ago". */
export function formatRelative(ts: number | null | undefined, now: number): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '—';
  const diff = ts - now;
  const abs = Math.abs(diff);
  const future = diff > 0;
  if (abs < 5_000) return future ? 'in a moment' : 'just now';
  let text: string;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.round(abs / 3_600_000)} h`;
  else {
    const days = Math.round(abs / 86_400_000);
    text = days === 1 ? '1 day' : `${days} days`;
  }
  return future ? `in ${text}` : `${text} ago`;
}

/** A clock time of day for a timestamp, e.g. "14:05". */
export function formatTimeOfDay(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '—';
  const d = new Date(ts);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "1 scene", "3 scenes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
