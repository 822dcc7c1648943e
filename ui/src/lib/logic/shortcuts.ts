/** The keyboard shortcuts of the app, as pure key → action mapping. */

export type Screen = 'library' | 'new' | 'project' | 'activity' | 'sync' | 'settings' | 'stats';

/** Screens reachable with Ctrl+1..6, in sidebar order. */
export const NUMBERED: readonly Screen[] = ['library', 'new', 'activity', 'sync', 'settings', 'stats'];

export type Action = { kind: 'go'; screen: Screen } | { kind: 'toggle-pause' };

export type KeyLike = {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** True when the key goes to a text field, a button, a select… (Space must reach them). */
  inControl: boolean;
};

/** What a key press does on `screen`, or null. */
export function shortcutFor(e: KeyLike, screen: Screen): Action | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && !e.shiftKey) {
    if (e.key === 'n' || e.key === 'N') return { kind: 'go', screen: 'new' };
    if (/^[1-6]$/.test(e.key)) {
      const target = NUMBERED[Number(e.key) - 1];
      return target ? { kind: 'go', screen: target } : null;
    }
  }
  if (!mod && !e.altKey && !e.shiftKey && e.key === ' ' && !e.inControl && screen === 'project') {
    return { kind: 'toggle-pause' };
  }
  return null;
}

/** The label of a shortcut for tooltips: "Ctrl+N". */
export function shortcutLabel(keys: string, mac = false): string {
  return mac ? keys.replace(/^Ctrl\+/, '⌘') : keys;
}

export const SCREEN_KEYS: Readonly<Record<string, string>> = {
  library: 'Ctrl+1',
  new: 'Ctrl+2',
  activity: 'Ctrl+3',
  sync: 'Ctrl+4',
  settings: 'Ctrl+5',
  stats: 'Ctrl+6',
};
