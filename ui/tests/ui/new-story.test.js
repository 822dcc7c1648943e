// New story: paste, preview, a parse error with its line, edit the scenes, generate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, texts, waitText } from './harness.js';

const ctx = suite(before, after);

const STORY = `# The Lighthouse

The keeper climbs the spiral stairs at dusk.

A small boat fights the swell under a purple sky.

She lights the great lamp.
Its beam sweeps across the black water.`;

test('a pasted story shows its scenes, can be edited, and generates a project', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('library-create-first').click();
  await page.getByTestId('story-text').fill(STORY);
  await page.getByTestId('preview-button').click();
  await page.getByTestId('draft-scene').nth(2).waitFor();
  assert.equal(await page.getByTestId('draft-scene').count(), 3);
  assert.equal(await page.getByTestId('story-title').inputValue(), 'The Lighthouse');
  assert.equal((await callsTo(page, 'preview_story')).at(-1)?.args.aspect, '9:16');
  assert.equal((await callsTo(page, 'preview_story')).at(-1)?.args.name, '', 'pasted text has no file name');
  await screenshot(page, 'new-story-preview');

  // Move the last scene up, merge the first two, split the merged one at its blank line.
  await page.getByTestId('draft-up').nth(2).click();
  let drafts = await page.getByTestId('draft-text').evaluateAll((els) => els.map((e) => /** @type {HTMLTextAreaElement} */ (e).value));
  assert.match(drafts[1] ?? '', /^She lights the great lamp/);
  await page.getByTestId('draft-merge').first().click();
  assert.equal(await page.getByTestId('draft-scene').count(), 2);
  drafts = await page.getByTestId('draft-text').evaluateAll((els) => els.map((e) => /** @type {HTMLTextAreaElement} */ (e).value));
  assert.equal(drafts[0], 'The keeper climbs the spiral stairs at dusk.\n\nShe lights the great lamp.\nIts beam sweeps across the black water.');
  await page.getByTestId('draft-split').first().click();
  assert.equal(await page.getByTestId('draft-scene').count(), 3);
  // Split at the cursor: after "She lights the great lamp."
  const second = page.getByTestId('draft-text').nth(1);
  await second.click();
  await second.evaluate((el) => {
    const ta = /** @type {HTMLTextAreaElement} */ (el);
    const at = ta.value.indexOf('Its beam');
    ta.setSelectionRange(at, at);
  });
  await page.getByTestId('draft-split').nth(1).click();
  assert.equal(await page.getByTestId('draft-scene').count(), 4);
  await page.getByTestId('draft-prompt').nth(2).fill('a lighthouse beam over a dark sea');
  await page.getByTestId('aspect-16-9').click();
  await page.getByTestId('style-select').selectOption('noir');

  await page.getByTestId('generate-button').click();
  await page.getByTestId('screen-project').waitFor();
  const create = await callsTo(page, 'create_project');
  assert.equal(create.length, 1);
  const project = create[0].args.project;
  assert.equal(project.title, 'The Lighthouse');
  assert.equal(project.aspect, '16:9');
  assert.equal(project.style, 'noir');
  assert.deepEqual(
    project.scenes.map((/** @type {any} */ s) => [s.text, s.prompt, s.line]),
    [
      ['The keeper climbs the spiral stairs at dusk.', null, 3],
      // after a merge the parts count their lines from the merged scene's first line
      ['She lights the great lamp.', null, 5],
      ['Its beam sweeps across the black water.', 'a lighthouse beam over a dark sea', 6],
      ['A small boat fights the swell under a purple sky.', null, 5],
    ],
  );
  // The new project shows its scenes, queued in order.
  await page.getByTestId('scene-card').nth(3).waitFor();
  assert.deepEqual(await texts(page, 'scene-status'), ['queued #1', 'queued #2', 'queued #3', 'queued #4']);
  assert.equal(await page.getByTestId('project-status').innerText(), 'queued');
  assert.deepEqual(problems, []);
  await context.close();
});

test('Generate works straight after pasting, without a preview', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.keyboard.press('Control+n');
  // The story box has the cursor: typing goes straight into it.
  await page.getByTestId('story-text').waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'story-text');
  await page.keyboard.type('One scene.');
  assert.equal(await page.getByTestId('story-text').inputValue(), 'One scene.');
  await page.getByTestId('story-text').fill('One scene.\n\nTwo scenes.');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('screen-project').waitFor();
  await page.getByTestId('scene-card').nth(1).waitFor();
  assert.equal(await page.getByTestId('scene-card').count(), 2);
  const create = await callsTo(page, 'create_project');
  assert.deepEqual(create[0].args.project.scenes.map((/** @type {any} */ s) => s.text), ['One scene.', 'Two scenes.']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a parse error shows next to the story with its line, marked and scrolled to', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, {}, { height: 700 });
  await page.getByTestId('nav-new').click();
  const lines = ['['];
  for (let i = 1; i <= 60; i++) lines.push(`  {"text": "Scene number ${i}, in which the caravan moves on."},`);
  lines.push('  {"text": ""}');
  lines.push(']');
  await page.getByTestId('story-text').fill(lines.join('\n'));
  await page.getByTestId('preview-button').click();
  const error = page.getByTestId('story-error');
  await waitText(error, 'Line 62: Scene 61 has no text.');
  assert.equal(await page.getByTestId('story-text').getAttribute('aria-invalid'), 'true');
  const marked = await page.locator('.mirror mark').innerText();
  assert.equal(marked.trim(), '{"text": ""}');
  const scrolled = await page.getByTestId('story-text').evaluate((el) => el.scrollTop);
  assert.ok(scrolled > 200, `the textarea scrolled to the line (scrollTop ${scrolled})`);
  assert.equal(await page.getByTestId('generate-button').isDisabled(), true);
  await screenshot(page, 'new-story-error');

  // Going to the line selects it; fixing the text clears the error.
  await page.getByTestId('story-error-line').click();
  const selected = await page.getByTestId('story-text').evaluate((el) => {
    const ta = /** @type {HTMLTextAreaElement} */ (el);
    return ta.value.slice(ta.selectionStart, ta.selectionEnd);
  });
  assert.equal(selected, '  {"text": ""}');
  await page.getByTestId('story-text').fill(lines.join('\n').replace('{"text": ""}', '{"text": "The end."}'));
  await page.getByTestId('preview-button').click();
  await page.getByTestId('story-error').waitFor({ state: 'detached' });
  await waitText(page.getByTestId('draft-count'), '61 scenes');

  // A JSON syntax error has a line too.
  await page.getByTestId('story-text').fill('[\n  {"text": "a"},\n  {"text": }\n]');
  await page.getByTestId('preview-button').click();
  await waitText(page.getByTestId('story-error'), /^Line 3: /);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a dropped story file is read and previewed', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-new').click();
  const drop = async (/** @type {string} */ name, /** @type {string} */ body) => {
    const data = await page.evaluateHandle(
      ([n, b]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([b], n, { type: 'text/plain' }));
        return dt;
      },
      [name, body],
    );
    const target = page.getByTestId('screen-new');
    await target.dispatchEvent('dragenter', { dataTransfer: data });
    await target.dispatchEvent('dragover', { dataTransfer: data });
    await target.dispatchEvent('drop', { dataTransfer: data });
  };
  await drop('photo.png', 'not a story');
  await waitText(page.getByTestId('file-error'), '“photo.png” is not a story file: use a .txt, .md or .json file.');
  await drop('paper-boats.txt', 'Two children fold paper boats.\n\nThe gutter becomes a river.');
  await page.getByTestId('draft-scene').nth(1).waitFor();
  assert.equal(await page.getByTestId('story-text').inputValue(), 'Two children fold paper boats.\n\nThe gutter becomes a river.');
  assert.equal(await page.getByTestId('story-title').inputValue(), 'Paper boats');
  assert.equal((await callsTo(page, 'preview_story')).at(-1)?.args.name, 'paper-boats.txt');
  assert.equal(await page.getByTestId('file-error').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a typed story previews by itself, and generates (the flow of the window test)', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { offline: '1' });
  await page.getByTestId('nav-new').click();
  const story =
    'The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nA girl counts the waves.\n\nThe town wakes as it docks.\n\nThe ferry turns home at dusk.';
  await page.getByTestId('story-text').pressSequentially(story, { delay: 4 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="draft-scene"]').length === 5, undefined, { timeout: 5000 });
  await page.getByTestId('generate-button').click();
  await page.getByTestId('scene-card').nth(4).waitFor();
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  assert.deepEqual(await texts(page, 'scene-status'), ['title card', 'title card', 'title card', 'title card', 'title card']);
  assert.equal((await callsTo(page, 'create_project')).length, 1);
  // Back in the library, one card that opens the same project.
  await page.getByTestId('nav-library').click();
  assert.equal(await page.getByTestId('project-card').count(), 1);
  await page.getByTestId('project-open').click();
  await waitText(page.getByTestId('project-status'), 'done');
  assert.equal(await page.getByTestId('scene-card').count(), 5);
  assert.deepEqual(problems, []);
  await context.close();
});
