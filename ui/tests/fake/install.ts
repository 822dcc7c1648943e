/**
 * Installs the test backend before the app starts: Tauri's IPC and events are mocked, file
 * URLs become drawn pictures, and `window.__fake` lets a test drive the backend.
 * URL parameters: fixture=demo|big, offline=1, theme=light|dark.
 */
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { EngineEvent } from '../../src/lib/bindings/EngineEvent';
import { FakeBackend } from './backend';
import { seedFixture } from './fixtures';
import { fakeFileSrc } from './images';

const params = new URLSearchParams(location.search);

const fake = new FakeBackend((ev: EngineEvent) => {
  void emit('engine', ev);
});

// Answers are copies, as they would be after crossing the IPC bridge.
mockIPC((cmd, payload) => {
  const answer = fake.handle(cmd, payload as Record<string, unknown> | undefined);
  // A long command (a voice install) answers later, with events on the way.
  if (answer instanceof Promise) return answer.then((v) => (v === undefined ? null : structuredClone(v)));
  return answer === undefined ? null : structuredClone(answer);
}, { shouldMockEvents: true });

type Internals = {
  convertFileSrc: (path: string, protocol?: string) => string;
  invoke: (cmd: string, args?: unknown, options?: { headers?: Record<string, string> }) => Promise<unknown>;
};
// A raw body (a recording's bytes) comes with its headers: the fake gets both as its arguments.
{
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  const inner = internals.invoke.bind(internals);
  internals.invoke = (cmd, args, options) =>
    args instanceof Uint8Array ? inner(cmd, { body: args, headers: options?.headers ?? {} }, options) : inner(cmd, args, options);
}
const brokenVideo = params.get('video') === 'broken';
(window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__.convertFileSrc = (path: string) =>
  brokenVideo && /\.mp4$/.test(path) ? '/nope.webm' : fakeFileSrc(path);

if (params.get('providers') === 'none') fake.titleCardsOnly();
seedFixture(fake, params.get('fixture'));
if (params.get('offline') === '1') fake.offline = true;
const theme = params.get('theme');
if (theme === 'light' || theme === 'dark') {
  fake.settings.theme = theme;
  try {
    localStorage.setItem('storyreel.theme', theme);
  } catch {
    // no storage: the theme comes with the settings
  }
}
if (params.get('notice')) fake.notices.push(params.get('notice') as string);

(window as unknown as { __fake: FakeBackend }).__fake = fake;
