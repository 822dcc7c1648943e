/** Applies the theme setting to the page at once and remembers it for the next start. */
import { asTheme, type Theme } from './logic/settings';

const KEY = 'storyreel.theme';

export function applyTheme(theme: Theme) {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // storage may be unavailable; the theme still applies now
  }
}

/** The theme used last time (before the settings have loaded). */
export function rememberedTheme(): Theme {
  try {
    return asTheme(localStorage.getItem(KEY));
  } catch {
    return 'system';
  }
}
