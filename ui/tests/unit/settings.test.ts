import { describe, expect, it } from 'vitest';
import type { Settings } from '../../src/lib/bindings/Settings';
import { moveItem } from '../../src/lib/logic/list';
import { formFromSettings, sameForm, storageErrors, storageFields, toSettingsInput, validateForm, type SettingsForm } from '../../src/lib/logic/settings';

const settings = (): Settings => ({
  chain: ['fal', 'openai'],
  providers: [
    { name: 'openai', label: 'OpenAI', enabled: true, model: 'gpt-image-1', base_url: 'https://api.openai.com/v1', needs_key: true, key_set: true, key_env: null },
    { name: 'comfyui', label: 'ComfyUI', enabled: false, model: '', base_url: 'http://127.0.0.1:8188', needs_key: false, key_set: false, key_env: null },
    { name: 'fal', label: 'fal.ai', enabled: true, model: 'flux', base_url: 'https://queue.fal.run', needs_key: true, key_set: false, key_env: null },
  ],
  storage: { target: '', endpoint: '', region: '', create_bucket: false, public_url_base: '', access_key_set: false, secret_key_set: false, access_key_env: null, secret_key_env: null },
  concurrency: { generate: 3, upload: 4, render: 1, narrate: 2 },
  font: '',
  data_dir: '/data',
  theme: 'dark',
  config_file: '/config.toml',
  narration: { enabled: true, first_voice: 'espeak-ng', language: 'auto' },
  captions: { enabled: true, size: 1, color: '#ffffff', highlight: '#ffd84d', position: 'bottom' },
  writer: { endpoints: 'local', model: '', key_set: false, key_env: null },
});

describe('formFromSettings', () => {
  it('orders providers by the chain, the others after', () => {
    expect(formFromSettings(settings()).providers.map((p) => p.name)).toEqual(['fal', 'openai', 'comfyui']);
  });
  it('fills what is missing', () => {
    const f = formFromSettings({} as Settings);
    expect(f).toMatchObject({ providers: [], data_dir: '', theme: 'system', concurrency: { generate: 3, upload: 4, render: 1 } });
  });
});

describe('toSettingsInput', () => {
  it('makes the chain of the enabled providers in the order shown', () => {
    const f = formFromSettings(settings());
    f.providers = moveItem(f.providers, 1, 0);
    const comfy = f.providers.find((p) => p.name === 'comfyui');
    if (comfy) comfy.enabled = true;
    const input = toSettingsInput(f);
    expect(input.chain).toEqual(['openai', 'fal', 'comfyui']);
    expect(input.providers.map((p) => p.name)).toEqual(['openai', 'fal', 'comfyui']);
    expect(input.providers[0]).toEqual({ name: 'openai', enabled: true, model: 'gpt-image-1', base_url: 'https://api.openai.com/v1' });
    expect(Object.keys(input).sort()).toEqual(['captions', 'chain', 'concurrency', 'data_dir', 'font', 'narration', 'providers', 'storage', 'theme', 'writer']);
    expect(Object.keys(input.storage)).not.toContain('access_key_set');
  });
  it('carries narration and captions, and flags a caption size or colour that cannot work', () => {
    const f = formFromSettings(settings());
    f.narration = { enabled: false, first_voice: 'openai', language: 'fr' };
    f.captions = { enabled: true, size: 1.4, color: ' #112233 ', highlight: '#ffd84d', position: 'top' };
    const input = toSettingsInput(f);
    expect(input.narration).toEqual({ enabled: false, first_voice: 'openai', language: 'fr' });
    expect(input.captions).toEqual({ enabled: true, size: 1.4, color: '#112233', highlight: '#ffd84d', position: 'top' });
    expect(validateForm(f)).toEqual({});
    f.captions.size = 3;
    f.captions.highlight = 'yellow';
    const e = validateForm(f);
    expect(e['captions.size']).toMatch(/0\.5 to 2/);
    expect(e['captions.highlight']).toMatch(/#ffd84d/);
    // An answer from before narration existed gets the defaults.
    const old = formFromSettings({ ...settings(), narration: undefined, captions: undefined } as never);
    expect(old.narration).toEqual({ enabled: true, first_voice: 'espeak-ng', language: 'auto' });
    expect(old.captions.position).toBe('bottom');
  });
  it('carries the story writer and flags a server that is not an address', () => {
    const f = formFromSettings(settings());
    expect(f.writer).toEqual({ endpoints: 'local', model: '' });
    f.writer = { endpoints: ' http://127.0.0.1:11434/v1\nlocal ', model: ' llama3.2 ' };
    expect(toSettingsInput(f).writer).toEqual({ endpoints: 'http://127.0.0.1:11434/v1\nlocal', model: 'llama3.2' });
    expect(validateForm(f)).toEqual({});
    f.writer.endpoints = 'ollama';
    expect(validateForm(f)['writer.endpoints']).toMatch(/not an address/);
  });
});

describe('storage fields', () => {
  const st = (target: string, more: Partial<SettingsForm['storage']> = {}) => ({
    target,
    endpoint: '',
    region: '',
    create_bucket: false,
    public_url_base: '',
    ...more,
  });
  it('flags a target that cannot work, with the fix', () => {
    expect(storageErrors(st(''))).toEqual({});
    expect(storageErrors(st('s3://bucket/prefix'))).toEqual({});
    expect(storageErrors(st('file:///home/me/out'))).toEqual({});
    expect(storageErrors(st('ftp://x'))['storage.target']).toMatch(/starts with s3:\/\//);
    expect(storageErrors(st('s3://'))['storage.target']).toBe('Add the bucket (or server) after s3://, such as s3://my-bucket/storyreel.');
    expect(storageErrors(st('file://'))['storage.target']).toMatch(/Add the folder after file:\/\//);
    expect(storageErrors(st('s3://my bucket'))['storage.target']).toMatch(/no spaces/);
  });
  it('shows only the fields a target uses', () => {
    expect([...storageFields('file:///tmp/x')]).toEqual([]);
    expect([...storageFields('')]).toEqual([]);
    expect(storageFields('s3://b').has('region')).toBe(true);
    expect(storageFields('https://dav.example.com/x').has('region')).toBe(false);
    expect(storageFields('https://dav.example.com/x').has('credentials')).toBe(true);
    expect(storageFields('az://c').has('endpoint')).toBe(true);
    // a field a target does not use is not checked
    expect(storageErrors(st('file:///x', { endpoint: 'nope' }))).toEqual({});
    expect(storageErrors(st('s3://b', { endpoint: 'nope' }))['storage.endpoint']).toMatch(/http/);
  });
});

describe('validateForm and sameForm', () => {
  it('names the fields that cannot be saved', () => {
    const f = formFromSettings(settings());
    f.concurrency.upload = 0;
    f.storage.target = 'ftp://x';
    f.concurrency.render = 5;
    f.data_dir = 'Stories';
    f.font = 'fonts/Mine.ttf';
    const e = validateForm(f);
    expect(Object.keys(e).sort()).toEqual(['concurrency.render', 'concurrency.upload', 'data_dir', 'font', 'storage.target']);
    expect(e.font).toMatch(/full path/);
    f.font = '/home/me/notes.txt';
    expect(validateForm(f).font).toMatch(/\.ttf/);
    expect(e['concurrency.upload']).toBe('Use a whole number from 1 to 32.');
    expect(e['concurrency.render']).toBe('Use a whole number from 1 to 4.');
    expect(e.data_dir).toMatch(/full path/);
  });
  it('accepts good values', () => {
    const f = formFromSettings(settings());
    f.storage.target = 's3://bucket/prefix';
    f.storage.endpoint = 'http://127.0.0.1:9000';
    expect(validateForm(f)).toEqual({});
    // an empty data folder means the default one
    f.data_dir = '';
    expect(validateForm(f)).toEqual({});
    f.data_dir = 'C:\\Users\\me\\Stories';
    expect(validateForm(f)).toEqual({});
    f.font = '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf';
    expect(validateForm(f)).toEqual({});
  });
  it('compares what would be saved', () => {
    const a = formFromSettings(settings());
    const b = formFromSettings(settings());
    expect(sameForm(a, b)).toBe(true);
    b.providers = moveItem(b.providers, 0, 1);
    expect(sameForm(a, b)).toBe(false);
  });
});
