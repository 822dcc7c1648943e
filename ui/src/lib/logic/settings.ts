/** The settings form: built from Settings, validated, and turned into SettingsInput. */
import type { Settings } from '../bindings/Settings';
import type { SettingsInput } from '../bindings/SettingsInput';

export type Theme = 'system' | 'light' | 'dark';

export type ProviderForm = {
  name: string;
  label: string;
  enabled: boolean;
  model: string;
  base_url: string;
  needs_key: boolean;
  key_set: boolean;
  /** The environment variable the key is read from instead of the keychain, if any. */
  key_env: string | null;
};

export type SettingsForm = {
  /** Every remote provider, in the order of the chain (the ones not in it after). */
  providers: ProviderForm[];
  storage: { target: string; endpoint: string; region: string; create_bucket: boolean; public_url_base: string };
  concurrency: { generate: number; upload: number; render: number; narrate: number };
  /** The creator's own font for title cards and captions; '' for the built-in one. */
  font: string;
  data_dir: string;
  theme: Theme;
  narration: { enabled: boolean; first_voice: string; language: string };
  captions: { enabled: boolean; size: number; color: string; highlight: string; position: string };
  /** The story writer: its endpoints, one per line (`local` for this computer's), and model. */
  writer: { endpoints: string; model: string };
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : d);

export function asTheme(v: unknown): Theme {
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** The form for a Settings answer; fields missing from it get empty values. */
export function formFromSettings(s: Settings): SettingsForm {
  const providers = (Array.isArray(s?.providers) ? s.providers : [])
    .filter((p) => p && typeof p.name === 'string' && p.name !== 'titlecard')
    .map((p) => ({
      name: p.name,
      label: str(p.label) || p.name,
      enabled: !!p.enabled,
      model: str(p.model),
      base_url: str(p.base_url),
      needs_key: !!p.needs_key,
      key_set: !!p.key_set,
      key_env: typeof p.key_env === 'string' && p.key_env ? p.key_env : null,
    }));
  const chain = Array.isArray(s?.chain) ? s.chain : [];
  const rank = (name: string) => {
    const i = chain.indexOf(name);
    return i < 0 ? chain.length : i;
  };
  const ordered = providers
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p.name) - rank(b.p.name) || a.i - b.i)
    .map((x) => x.p);
  const st = s?.storage;
  const c = s?.concurrency;
  return {
    providers: ordered,
    storage: {
      target: str(st?.target),
      endpoint: str(st?.endpoint),
      region: str(st?.region),
      create_bucket: !!st?.create_bucket,
      public_url_base: str(st?.public_url_base),
    },
    concurrency: { generate: int(c?.generate, 3), upload: int(c?.upload, 4), render: int(c?.render, 1), narrate: int(c?.narrate, 2) },
    font: str(s?.font),
    data_dir: str(s?.data_dir),
    theme: asTheme(s?.theme),
    narration: {
      enabled: s?.narration?.enabled !== false,
      first_voice: str(s?.narration?.first_voice) || 'espeak-ng',
      language: str(s?.narration?.language) || 'auto',
    },
    captions: {
      enabled: s?.captions?.enabled !== false,
      size: typeof s?.captions?.size === 'number' && Number.isFinite(s.captions.size) ? s.captions.size : 1,
      color: str(s?.captions?.color) || '#ffffff',
      highlight: str(s?.captions?.highlight) || '#ffd84d',
      position: ['bottom', 'middle', 'top'].includes(str(s?.captions?.position)) ? str(s?.captions?.position) : 'bottom',
    },
    writer: { endpoints: str(s?.writer?.endpoints) || 'local', model: str(s?.writer?.model) },
  };
}

/** What `save_settings` takes: the chain is the enabled providers in the order shown. */
export function toSettingsInput(f: SettingsForm): SettingsInput {
  return {
    chain: f.providers.filter((p) => p.enabled).map((p) => p.name),
    providers: f.providers.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      model: p.model.trim(),
      base_url: p.base_url.trim(),
    })),
    storage: {
      target: f.storage.target.trim(),
      endpoint: f.storage.endpoint.trim(),
      region: f.storage.region.trim(),
      create_bucket: f.storage.create_bucket,
      public_url_base: f.storage.public_url_base.trim(),
    },
    concurrency: { ...f.concurrency },
    font: f.font.trim(),
    data_dir: f.data_dir.trim(),
    theme: f.theme,
    narration: { ...f.narration },
    captions: { ...f.captions, color: f.captions.color.trim(), highlight: f.captions.highlight.trim() },
    writer: { endpoints: f.writer.endpoints.trim(), model: f.writer.model.trim() },
  };
}

/** The most jobs each lane may run at once (the shell refuses more). */
export const CONCURRENCY_MAX = { generate: 16, upload: 32, render: 4, narrate: 16 } as const;

export type FormErrors = Partial<Record<string, string>>;

const SCHEMES = ['s3://', 'gs://', 'az://', 'https://', 'http://', 'file://'];

/** A full path on Linux, macOS or Windows. */
const FULL_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/** Sentences for the storage fields that cannot be saved as they are (shown as a field is left). */
export function storageErrors(st: SettingsForm['storage']): FormErrors {
  const e: FormErrors = {};
  const t = st.target.trim();
  const scheme = SCHEMES.find((s) => t.startsWith(s));
  if (t && !scheme) {
    e['storage.target'] = 'The target starts with s3://, gs://, az://, https:// or file://.';
  } else if (t && scheme && (/\s/.test(t) || !t.slice(scheme.length).replace(/^\/+/, ''))) {
    e['storage.target'] =
      scheme === 'file://'
        ? 'Add the folder after file://, such as file:///home/you/StoryReel.'
        : /\s/.test(t)
          ? 'A target has no spaces; check what was pasted.'
          : `Add the bucket (or server) after ${scheme}, such as ${scheme}my-bucket/storyreel.`;
  }
  const fields = storageFields(t);
  const ep = st.endpoint.trim();
  if (fields.has('endpoint') && ep && !/^https?:\/\/\S+$/.test(ep)) e['storage.endpoint'] = 'The endpoint is an http:// or https:// address.';
  const pub = st.public_url_base.trim();
  if (fields.has('public_url_base') && pub && !/^https?:\/\/\S+$/.test(pub))
    e['storage.public_url_base'] = 'The public URL starts with http:// or https://.';
  return e;
}

export type StorageField = 'endpoint' | 'region' | 'create_bucket' | 'public_url_base' | 'credentials';

/** The storage fields that mean something for a target (a folder on disk needs none). */
export function storageFields(target: string): Set<StorageField> {
  const t = target.trim().toLowerCase();
  if (t.startsWith('s3://')) return new Set(['endpoint', 'region', 'create_bucket', 'public_url_base', 'credentials']);
  if (t.startsWith('az://')) return new Set(['endpoint', 'create_bucket', 'public_url_base', 'credentials']);
  if (t.startsWith('gs://')) return new Set(['create_bucket', 'public_url_base', 'credentials']);
  if (t.startsWith('https://') || t.startsWith('http://')) return new Set(['public_url_base', 'credentials']);
  return new Set();
}

/** Sentences for the fields that cannot be saved as they are, keyed by field. */
export function validateForm(f: SettingsForm): FormErrors {
  const e: FormErrors = {};
  for (const lane of ['generate', 'upload', 'render', 'narrate'] as const) {
    const v = f.concurrency[lane];
    const max = CONCURRENCY_MAX[lane];
    if (!Number.isInteger(v) || v < 1 || v > max) e[`concurrency.${lane}`] = `Use a whole number from 1 to ${max}.`;
  }
  Object.assign(e, storageErrors(f.storage));
  for (const p of f.providers) {
    const u = p.base_url.trim();
    if (u && !/^https?:\/\/\S+$/.test(u)) e[`provider.${p.name}.base_url`] = 'The base URL starts with http:// or https://.';
  }
  const dir = f.data_dir.trim();
  if (dir && !FULL_PATH.test(dir)) e.data_dir = 'Use a full path, such as /home/you/Stories.';
  const font = f.font.trim();
  if (font && !FULL_PATH.test(font)) e.font = 'Use the full path of a font file, such as /home/you/Fonts/MyFont.ttf.';
  else if (font && !/\.(ttf|otf|ttc|otc)$/i.test(font)) e.font = 'Choose a font file: .ttf, .otf or .ttc.';
  const bad = f.writer.endpoints
    .split(/[\n,]/)
    .map((e) => e.trim())
    .find((e) => e && e !== 'local' && !/^https?:\/\/\S+$/.test(e));
  if (bad) e['writer.endpoints'] = `“${bad}” is not an address: use http://… or https://… (such as http://127.0.0.1:11434/v1), or local.`;
  const size = f.captions.size;
  if (!Number.isFinite(size) || size < 0.5 || size > 2) e['captions.size'] = 'Use a size from 0.5 to 2 (1 is the default).';
  for (const k of ['color', 'highlight'] as const) {
    if (!/^#[0-9a-fA-F]{6}$/.test(f.captions[k].trim())) e[`captions.${k}`] = 'Use a colour such as #ffd84d.';
  }
  return e;
}

/** Whether two forms would save the same settings. */
export function sameForm(a: SettingsForm, b: SettingsForm): boolean {
  return JSON.stringify(toSettingsInput(a)) === JSON.stringify(toSettingsInput(b));
}
