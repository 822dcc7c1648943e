/** A small story splitter for the test backend, following the engine's rules closely enough. */
import type { DraftScene } from '../../src/lib/bindings/DraftScene';
import type { StoryPreview } from '../../src/lib/bindings/StoryPreview';

export type StoryError = { code: 'story'; message: string; line: number };

const storyError = (message: string, line: number): StoryError => ({ code: 'story', message, line });

function lineAt(text: string, offset: number): number {
  return text.slice(0, Math.max(0, offset)).split('\n').length;
}

function parseJson(text: string): DraftScene[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const ln = /line (\d+)/.exec(msg);
    const line = ln ? Number(ln[1]) : pos ? lineAt(text, Number(pos[1])) : guessJsonLine(text);
    throw storyError('The JSON script is not valid JSON.', line);
  }
  if (!Array.isArray(data)) throw storyError('A JSON script is a list of scenes: [{"text": "…"}, …].', 1);
  const starts: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      if (depth === 1) starts.push(lineAt(text, i));
      depth++;
    } else if (c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return data.map((raw, i) => {
    const o = (raw ?? {}) as Record<string, unknown>;
    const line = starts[i] ?? 1;
    if (typeof o.text !== 'string' || !o.text.trim()) throw storyError(`Scene ${i + 1} has no text.`, line);
    return {
      title: typeof o.title === 'string' ? o.title : null,
      text: o.text.trim(),
      prompt: typeof o.prompt === 'string' ? o.prompt : null,
      duration_s: typeof o.duration_s === 'number' ? o.duration_s : null,
      line,
    };
  });
}

/** Where a JSON text most likely breaks when the parser does not say. */
function guessJsonLine(text: string): number {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (/:\s*[,}\]]/.test(l) || /,\s*[}\]]/.test(l) || /^\s*[^\s"{}[\],:0-9tfn-]/.test(l)) return i + 1;
  }
  return lines.length;
}

function parseText(text: string): { title: string | null; scenes: DraftScene[] } {
  const lines = text.split('\n');
  let title: string | null = null;
  let start = 0;
  while (start < lines.length && !lines[start]?.trim()) start++;
  const first = lines[start] ?? '';
  const structured = lines.some((l, i) => i !== start && (/^#{1,3}\s/.test(l) || /^---\s*$/.test(l)));
  if (/^#\s+\S/.test(first) && (structured || lines.slice(start + 1).some((l) => l.trim()))) {
    const rest = lines.slice(start + 1);
    if (!rest.some((l) => /^#\s/.test(l))) {
      title = first.replace(/^#\s+/, '').trim();
      start++;
    }
  }
  const scenes: DraftScene[] = [];
  let buf: string[] = [];
  let bufLine = 0;
  let pendingTitle: string | null = null;
  const flush = () => {
    const t = buf.join('\n').trim();
    if (t) scenes.push({ title: pendingTitle, text: t, prompt: null, duration_s: null, line: bufLine });
    if (t) pendingTitle = null;
    buf = [];
  };
  for (let i = start; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const heading = /^#{1,3}\s+(.*)$/.exec(l);
    if (structured && (heading || /^---\s*$/.test(l))) {
      flush();
      if (heading) pendingTitle = (heading[1] ?? '').trim() || null;
      continue;
    }
    if (!structured && !l.trim()) {
      flush();
      continue;
    }
    if (!buf.length) {
      if (!l.trim()) continue;
      bufLine = i + 1;
    }
    buf.push(l);
  }
  flush();
  for (const s of scenes) {
    if (s.text.length > 4000) throw storyError(`This scene is ${s.text.length} characters long; the most is 4000.`, s.line);
  }
  return { title, scenes };
}

export function previewStory(text: string, name: string | null): StoryPreview {
  const json = (name ?? '').toLowerCase().endsWith('.json') || /^\s*\[/.test(text);
  if (!text.trim()) throw storyError('The story is empty.', 1);
  const parsed = json ? { title: null, scenes: parseJson(text) } : parseText(text);
  if (!parsed.scenes.length) throw storyError('The story has no scenes.', 1);
  if (parsed.scenes.length > 500) throw storyError('The story has more than 500 scenes.', parsed.scenes[500]?.line ?? 1);
  const stem = name ? name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ') : null;
  const firstWords = (parsed.scenes[0]?.text ?? '').split(/\s+/).slice(0, 4).join(' ');
  const title = parsed.title ?? (stem ? stem.charAt(0).toUpperCase() + stem.slice(1) : firstWords || 'Untitled');
  return { title, scenes: parsed.scenes, cast: {}, references: [] };
}
