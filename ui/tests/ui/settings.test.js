// Settings: reorder the provider chain, keys that are never shown, validation, save payload, theme.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, texts, waitText } from './harness.js';

const ctx = suite(before, after);

/** @param {import('playwright-core').Page} page */
const order = (page) => page.getByTestId('provider-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));

/** @param {import('playwright-core').Page} page @param {string} name */
const row = (page, name) => page.locator(`[data-testid="provider-row"][data-name="${name}"]`);

test('reorder providers, change settings, and save exactly that', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.keyboard.press('Control+5');
  await page.getByTestId('screen-settings').waitFor();
  await page.getByTestId('provider-row').first().waitFor();
  assert.deepEqual(await order(page), ['openai', 'automatic1111', 'fal', 'stability', 'comfyui']);
  assert.equal(await page.getByTestId('settings-save').isDisabled(), true);

  // keyboard-reachable buttons
  await row(page, 'openai').getByTestId('provider-down').click();
  assert.deepEqual(await order(page), ['automatic1111', 'openai', 'fal', 'stability', 'comfyui']);
  await row(page, 'fal').getByTestId('provider-enabled').check();
  await row(page, 'fal').getByTestId('provider-up').click();
  await row(page, 'fal').getByTestId('provider-up').focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await order(page), ['fal', 'automatic1111', 'openai', 'stability', 'comfyui']);
  // drag by the handle: comfyui onto the second place
  await row(page, 'comfyui').locator('.grip').dragTo(row(page, 'automatic1111'));
  assert.deepEqual(await order(page), ['fal', 'comfyui', 'automatic1111', 'openai', 'stability']);

  await row(page, 'openai').getByTestId('provider-details').click();
  await row(page, 'openai').getByTestId('provider-model').fill('dall-e-3');
  await page.getByTestId('concurrency-upload').fill('6');
  await page.getByTestId('storage-target').fill('s3://my-bucket/stories');
  await page.getByTestId('storage-region').fill('eu-west-1');
  await page.getByTestId('data-dir').fill('/media/stories');
  await page.getByTestId('theme-dark').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await waitText(page.locator('.savebar .state'), 'Unsaved changes');
  await screenshot(page, 'settings-edited-dark');

  await page.getByTestId('settings-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Settings saved' }).waitFor();
  const saves = await callsTo(page, 'save_settings');
  assert.equal(saves.length, 1);
  const s = saves[0].args.settings;
  assert.deepEqual(s.chain, ['fal', 'automatic1111', 'openai']);
  assert.deepEqual(s.providers.map((/** @type {any} */ p) => [p.name, p.enabled]), [
    ['fal', true],
    ['comfyui', false],
    ['automatic1111', true],
    ['openai', true],
    ['stability', false],
  ]);
  assert.deepEqual(s.providers.find((/** @type {any} */ p) => p.name === 'openai'), {
    name: 'openai',
    enabled: true,
    model: 'dall-e-3',
    base_url: 'https://api.openai.com/v1',
  });
  assert.deepEqual(s.concurrency, { generate: 3, upload: 6, render: 1, narrate: 2 });
  assert.deepEqual(s.storage, { target: 's3://my-bucket/stories', endpoint: '', region: 'eu-west-1', create_bucket: false, public_url_base: '' });
  assert.equal(s.data_dir, '/media/stories');
  assert.equal(s.theme, 'dark');
  // Narration and captions were not touched: they go back exactly as they came.
  assert.deepEqual(s.narration, { enabled: true, first_voice: 'espeak-ng', language: 'auto' });
  assert.deepEqual(s.captions, { enabled: true, size: 1, color: '#ffffff', highlight: '#ffd84d', position: 'bottom' });
  assert.deepEqual(Object.keys(s).sort(), ['captions', 'chain', 'concurrency', 'data_dir', 'font', 'narration', 'providers', 'storage', 'theme', 'writer']);
  // The engine restarts: a reset event, and the app takes a new snapshot.
  await page.waitForFunction(() => window.__fake.calls.filter((/** @type {any} */ c) => c.cmd === 'snapshot').length >= 2);
  await waitText(page.locator('.savebar .state'), 'All changes saved');
  assert.deepEqual(await order(page), ['fal', 'automatic1111', 'openai', 'comfyui', 'stability']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('API keys are write-only and saved through the keychain command', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-settings').click();
  const fal = row(page, 'fal');
  await fal.getByTestId('provider-details').click();
  await waitText(fal.getByTestId('provider-key-status'), 'Not set');
  await fal.getByTestId('provider-key-input').fill('fal-secret-123');
  await fal.getByTestId('provider-key-save').click();
  await waitText(fal.getByTestId('provider-key-status'), '•••• saved in the system keychain');
  assert.equal(await fal.getByTestId('provider-key-input').inputValue(), '');
  assert.deepEqual((await callsTo(page, 'set_provider_key')).map((c) => c.args), [{ name: 'fal', key: 'fal-secret-123' }]);
  const shown = await page.evaluate(() => {
    const values = [...document.querySelectorAll('input')].map((i) => i.value);
    return document.body.innerText + values.join(' ');
  });
  assert.ok(!shown.includes('fal-secret-123'), 'the key is not shown anywhere');
  // Saving a key keeps the other unsaved edits.
  await fal.getByTestId('provider-model').fill('fal-ai/flux/dev');
  await fal.getByTestId('provider-key-remove').click();
  await waitText(fal.getByTestId('provider-key-status'), 'Not set');
  assert.deepEqual((await callsTo(page, 'set_provider_key')).at(-1)?.args, { name: 'fal', key: null });
  assert.equal(await fal.getByTestId('provider-model').inputValue(), 'fal-ai/flux/dev');

  await fal.getByTestId('provider-test').click();
  await waitText(fal.getByTestId('provider-test-result'), 'fal.ai needs an API key.');

  // Credentials belong to a store: a folder on disk (file://) has none to give.
  await page.getByTestId('storage-target').fill('file:///home/me/out');
  assert.equal(await page.getByTestId('storage-access-key').count(), 0);
  assert.equal(await page.getByTestId('storage-endpoint').count(), 0);
  await page.getByTestId('storage-target').fill('s3://');
  await page.getByTestId('storage-target').blur();
  await waitText(page.getByTestId('storage-target-error'), 'Add the bucket (or server) after s3://, such as s3://my-bucket/storyreel.');
  await page.getByTestId('storage-target').fill('s3://my-bucket');
  assert.equal(await page.getByTestId('storage-target-error').count(), 0);
  await page.getByTestId('storage-access-key').fill('AKIA123');
  await page.getByTestId('storage-secret-key').fill('s3cr3t');
  await page.getByTestId('storage-credentials-save').click();
  await waitText(page.getByTestId('storage-credentials-status'), '•••• saved in the system keychain');
  assert.deepEqual((await callsTo(page, 'set_storage_credentials'))[0].args, { accessKey: 'AKIA123', secretKey: 's3cr3t' });
  assert.equal(await page.getByTestId('storage-access-key').inputValue(), '');
  // One key alone: the other is left as it is (null); Remove sends empty keys.
  await page.getByTestId('storage-secret-key').fill('n3w-s3cr3t');
  await page.getByTestId('storage-credentials-save').click();
  await page.waitForFunction(() => window.__fake.calls.filter((/** @type {any} */ c) => c.cmd === 'set_storage_credentials').length === 2);
  assert.deepEqual((await callsTo(page, 'set_storage_credentials'))[1]?.args, { accessKey: null, secretKey: 'n3w-s3cr3t' });
  await page.getByTestId('storage-credentials-remove').click();
  await waitText(page.getByTestId('storage-credentials-status'), 'No credentials saved');
  assert.deepEqual((await callsTo(page, 'set_storage_credentials'))[2]?.args, { accessKey: '', secretKey: '' });
  await page.getByTestId('storage-test').click();
  await waitText(page.getByTestId('storage-test-result'), 'No storage target is set: images stay local.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('fields that cannot be saved say why, and nothing is sent', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('concurrency-generate').fill('0');
  await page.getByTestId('storage-target').fill('ftp://old-server/stories');
  await page.getByTestId('settings-save').click();
  await waitText(page.getByTestId('settings-error'), 'Some fields need a fix before saving (see above).');
  const errors = await texts(page, 'screen-settings').then(() => page.locator('.field-error').allInnerTexts());
  assert.ok(errors.includes('Use a whole number from 1 to 16.'), errors.join(' | '));
  assert.ok(errors.includes('The target starts with s3://, gs://, az://, https:// or file://.'));
  assert.equal(await page.getByTestId('concurrency-generate').getAttribute('aria-invalid'), 'true');
  assert.equal((await callsTo(page, 'save_settings')).length, 0);
  await screenshot(page, 'settings-invalid');

  // Revert restores the saved values.
  await page.getByTestId('settings-revert').click();
  assert.equal(await page.getByTestId('concurrency-generate').inputValue(), '3');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a theme applies and is kept at once, and clicking it keeps the page in view', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, {}, { width: 1024, height: 560 });
  await page.keyboard.press('Control+5');
  await page.getByTestId('screen-settings').waitFor();
  await page.getByTestId('provider-row').first().waitFor();
  // Scroll the settings page to its end, as a person does to reach Appearance.
  await page.getByTestId('theme-dark').scrollIntoViewIfNeeded();
  await page.getByTestId('theme-dark').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const view = await page.evaluate(() => ({
    root: document.scrollingElement?.scrollTop ?? 0,
    body: document.body.scrollTop,
    sidebar: document.querySelector('nav, aside')?.getBoundingClientRect().top ?? 0,
  }));
  assert.deepEqual(view, { root: 0, body: 0, sidebar: 0 }, 'the app did not scroll out of view');
  const box = await page.getByTestId('theme-dark').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 560, `the clicked theme is in view: ${JSON.stringify(box)}`);
  // Kept without Save, and nothing else was saved.
  const calls = await callsTo(page, 'set_theme');
  assert.deepEqual(calls.map((/** @type {any} */ c) => c.args.theme), ['dark']);
  assert.equal((await callsTo(page, 'save_settings')).length, 0);
  await waitText(page.locator('.savebar .state'), 'All changes saved');
  assert.deepEqual(problems, []);
  await context.close();
});

test('without a system keychain, a key can be read from an environment variable', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-settings').click();
  const fal = row(page, 'fal');
  await fal.getByTestId('provider-details').click();
  const message =
    'The system keychain is not available (no Secret Service on the session bus). On Linux, StoryReel keeps keys in the Secret Service (GNOME Keyring or KWallet): start it, then try again, or have StoryReel read keys from environment variables instead (Settings, under each key).';
  await page.evaluate((m) => window.__fake.failing.set('set_provider_key', { code: 'keychain', message: m }), message);
  await fal.getByTestId('provider-key-input').fill('fal-secret');
  await fal.getByTestId('provider-key-save').click();
  await waitText(fal.locator('[role="alert"]'), message);

  await fal.getByTestId('provider-key-choose-var').click();
  assert.equal(await fal.getByTestId('provider-key-var').inputValue(), 'FAL_KEY');
  await fal.getByTestId('provider-key-var').fill('FAKE_FAL_KEY');
  await fal.getByTestId('provider-key-use-var').click();
  await waitText(fal.getByTestId('provider-key-env'), 'Read from the environment variable FAKE_FAL_KEY: set');
  assert.deepEqual((await callsTo(page, 'set_key_env')).at(-1)?.args, { key: 'fal', var: 'FAKE_FAL_KEY' });
  assert.equal(await fal.getByTestId('provider-key-input').count(), 0);
  await screenshot(page, 'settings-key-from-env');

  await fal.getByTestId('provider-key-use-keychain').click();
  await fal.getByTestId('provider-key-input').waitFor();
  assert.deepEqual((await callsTo(page, 'set_key_env')).at(-1)?.args, { key: 'fal', var: null });

  // The storage credentials too.
  await page.getByTestId('storage-target').fill('s3://my-bucket');
  await page.getByTestId('storage-choose-vars').click();
  await page.getByTestId('storage-access-var').fill('FAKE_ACCESS');
  await page.getByTestId('storage-secret-var').fill('FAKE_SECRET');
  await page.getByTestId('storage-use-vars').click();
  await waitText(page.getByTestId('storage-credentials-env'), /FAKE_ACCESS and FAKE_SECRET: both set/);
  assert.deepEqual((await callsTo(page, 'set_key_env')).slice(-2).map((c) => c.args), [
    { key: 'storage_access', var: 'FAKE_ACCESS' },
    { key: 'storage_secret', var: 'FAKE_SECRET' },
  ]);
  assert.equal(await page.getByTestId('storage-access-key').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the narration card is padded like the other cards, its Play sample button inside it', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, {}, { width: 1200, height: 800 });
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('narration-settings');
  await card.waitFor();
  await page.getByTestId('settings-voice-sample').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-narration-card');
  const m = await card.evaluate((el) => {
    const pad = (/** @type {Element} */ e) => {
      const s = getComputedStyle(e);
      return [s.paddingTop, s.paddingRight, s.paddingBottom, s.paddingLeft].join(' ');
    };
    const other = /** @type {Element} */ (document.querySelector('[aria-labelledby="s-providers"]'));
    const c = el.getBoundingClientRect();
    const b = /** @type {Element} */ (el.querySelector('[data-testid="settings-voice-sample"]')).getBoundingClientRect();
    const h = /** @type {Element} */ (el.querySelector('h2')).getBoundingClientRect();
    return { own: pad(el), other: pad(other), right: c.right - b.right, bottom: c.bottom - b.bottom, left: b.left - c.left, top: b.top - c.top, heading: h.left - c.left };
  });
  assert.equal(m.own, m.other, 'the same padding as the providers card');
  assert.ok(m.right >= 12 && m.left >= 12 && m.top >= 12 && m.bottom >= 12, `Play sample sits inside the card's padding: ${JSON.stringify(m)}`);
  assert.ok(m.heading >= 12, `the heading is inside the card's padding: ${m.heading}px`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** WCAG contrast of two computed colours, `rgb(…)` or `color(srgb …)`. @param {string} a @param {string} b */
function contrast(a, b) {
  const lum = (/** @type {string} */ c) => {
    const scale = c.startsWith('color(srgb') ? 1 : 255;
    const [r, g, bl] = (c.replace(/^color\(srgb/, '').match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / scale;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

for (const theme of /** @type {const} */ (['light', 'dark'])) {
  test(`a white or black caption colour still shows: the swatch has an outline that stands out (${theme})`, async () => {
    const { page, problems, context } = await openApp(ctx.browser, ctx.url, { theme }, { width: 1200, height: 800, colorScheme: theme });
    await page.getByTestId('nav-settings').click();
    const swatch = page.getByTestId('caption-color');
    await swatch.waitFor();
    for (const colour of ['#ffffff', '#000000']) {
      await swatch.fill(colour);
      const s = await swatch.evaluate((el) => {
        const cs = getComputedStyle(el);
        return { border: cs.borderTopColor, width: parseFloat(cs.borderTopWidth), card: getComputedStyle(/** @type {Element} */ (el.closest('.panel'))).backgroundColor };
      });
      const rgb = colour === '#ffffff' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)';
      assert.ok(s.width >= 1, 'the swatch has a border');
      assert.ok(contrast(s.border, rgb) >= 3, `the border ${s.border} stands out from ${rgb} (${contrast(s.border, rgb).toFixed(2)})`);
      assert.ok(contrast(s.border, s.card) >= 3, `the border ${s.border} stands out from the card ${s.card}`);
    }
    await swatch.fill('#ffffff');
    await swatch.scrollIntoViewIfNeeded();
    await screenshot(page, `settings-caption-swatch-${theme}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
