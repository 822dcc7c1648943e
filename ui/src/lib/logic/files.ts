/** Which dropped or opened files are stories. */

export const STORY_EXTENSIONS = ['.txt', '.md', '.markdown', '.json'] as const;
export const MAX_STORY_BYTES = 4 * 1024 * 1024;

/** Whether a file name looks like a story StoryReel reads. */
export function isStoryFile(name: string): boolean {
  const n = String(name ?? '').toLowerCase();
  return STORY_EXTENSIONS.some((ext) => n.endsWith(ext));
}

/** Why a file cannot be used as a story, or null when it can. */
export function storyFileProblem(name: string, bytes: number): string | null {
  if (!isStoryFile(name)) return `“${name}” is not a story file: use a .txt, .md or .json file.`;
  if (bytes > MAX_STORY_BYTES) return `“${name}” is too large for a story (the limit is 4 MB).`;
  return null;
}

/** The text split around a 1-based line: before it, the line itself, after it. */
export function splitAroundLine(text: string, line: number): [string, string, string] | null {
  if (!Number.isInteger(line) || line < 1) return null;
  const lines = text.split('\n');
  if (line > lines.length) return null;
  const before = lines.slice(0, line - 1).join('\n');
  const after = lines.slice(line).join('\n');
  return [before, lines[line - 1] ?? '', after];
}

/** The character range of a 1-based line in a text, for selecting it. */
export function lineRange(text: string, line: number): [number, number] | null {
  const parts = splitAroundLine(text, line);
  if (!parts) return null;
  const start = line === 1 ? 0 : parts[0].length + 1;
  return [start, start + parts[1].length];
}
