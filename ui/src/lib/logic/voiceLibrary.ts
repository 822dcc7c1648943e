/** The voice library's rows grouped for the screen: by language (English first), best first. */
import type { LibraryRow } from '../bindings/LibraryRow';

const NAMES: Record<string, string> = {
  en: 'English',
  es: 'Spanish',
  fr: 'French',
  hi: 'Hindi',
  it: 'Italian',
  pt: 'Portuguese',
  ja: 'Japanese',
  zh: 'Chinese',
  de: 'German',
};

export function languageName(code: string): string {
  return NAMES[code] ?? code;
}

export type LibraryGroup = { language: string; rows: LibraryRow[] };

/** Rows by language, in the order they came (the engine sorts each language best first). */
export function libraryGroups(rows: LibraryRow[]): LibraryGroup[] {
  const out: LibraryGroup[] = [];
  for (const r of Array.isArray(rows) ? rows : []) {
    if (!r || typeof r !== 'object') continue;
    const language = typeof r.language === 'string' && r.language ? r.language : 'other';
    let g = out.find((x) => x.language === language);
    if (!g) out.push((g = { language, rows: [] }));
    g.rows.push(r);
  }
  return out.sort((a, b) => (a.language === 'en' ? -1 : b.language === 'en' ? 1 : languageName(a.language).localeCompare(languageName(b.language))));
}

/** Bytes as whole megabytes, at least 1 for anything. */
export function megabytes(bytes: number): string {
  const n = Number.isFinite(bytes) && bytes > 0 ? Math.max(1, Math.ceil(bytes / 1_000_000)) : 0;
  return `${n} MB`;
}

/** A voice engine's name as people write it. */
export function engineName(engine: string | null | undefined): string {
  if (engine === 'kokoro') return 'Kokoro';
  if (engine === 'piper') return 'Piper';
  return typeof engine === 'string' ? engine : '';
}
