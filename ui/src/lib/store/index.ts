/** The app's one store, wired to the real shell. */
import { api, onEngineEvent } from '../api';
import { toasts } from '../toasts.svelte';
import { EngineStore } from './engine.svelte';

export const store = new EngineStore({
  api,
  onEngineEvent,
  notify: (message, level) => toasts.push(message, level),
});
