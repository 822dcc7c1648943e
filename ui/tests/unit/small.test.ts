import { describe, expect, it } from 'vitest';
import { ApiError, errorText, toApiError } from '../../src/lib/logic/errors';
import { isStoryFile, lineRange, splitAroundLine, storyFileProblem } from '../../src/lib/logic/files';
import { moveItem, nudge } from '../../src/lib/logic/list';
import { shortcutFor } from '../../src/lib/logic/shortcuts';

describe('toApiError', () => {
  it('keeps code, message and line of the shell’s errors', () => {
    const e = toApiError({ code: 'story', message: 'Line 3 is not valid JSON.', line: 3 });
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 'story', message: 'Line 3 is not valid JSON.', line: 3 });
  });
  it('turns anything else into a sentence', () => {
    expect(toApiError('command not found')).toMatchObject({ code: 'ipc', message: 'command not found', line: null });
    expect(toApiError(new Error('boom')).message).toBe('boom');
    expect(toApiError(undefined).message).toBe('Something went wrong.');
    expect(toApiError({ code: 'weird', message: 'x', line: -2 })).toMatchObject({ code: 'ipc', line: null });
    expect(errorText({ code: 'io', message: '' })).toBe('Something went wrong.');
  });
});

describe('story files', () => {
  it('accepts text, Markdown and JSON', () => {
    expect(isStoryFile('Story.MD')).toBe(true);
    expect(isStoryFile('a.json')).toBe(true);
    expect(isStoryFile('photo.png')).toBe(false);
    expect(storyFileProblem('photo.png', 10)).toMatch(/not a story file/);
    expect(storyFileProblem('big.txt', 5_000_000)).toMatch(/too large for a story \(the limit is 4 MB\)/);
    expect(storyFileProblem('ok.md', 3_000_000)).toBeNull();
    expect(storyFileProblem('ok.txt', 10)).toBeNull();
  });
  it('finds a line in a text', () => {
    expect(splitAroundLine('a\nb\nc', 2)).toEqual(['a', 'b', 'c']);
    expect(splitAroundLine('a\nb', 1)).toEqual(['', 'a', 'b']);
    expect(splitAroundLine('a', 4)).toBeNull();
    expect(lineRange('ab\ncd\nef', 2)).toEqual([3, 5]);
    expect(lineRange('ab\ncd', 1)).toEqual([0, 2]);
  });
});

describe('moveItem and nudge', () => {
  it('reorders without changing the input', () => {
    const a = ['a', 'b', 'c', 'd'];
    expect(moveItem(a, 0, 2)).toEqual(['b', 'c', 'a', 'd']);
    expect(moveItem(a, 3, 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(moveItem(a, 9, 0)).toEqual(a);
    expect(nudge(a, 1, -1)).toEqual(['b', 'a', 'c', 'd']);
    expect(nudge(a, 3, 1)).toEqual(a);
    expect(a).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('shortcutFor', () => {
  const key = (k: string, over: Partial<Parameters<typeof shortcutFor>[0]> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    inControl: false,
    ...over,
  });
  it('maps Ctrl+N and Ctrl+1..6', () => {
    expect(shortcutFor(key('n', { ctrlKey: true }), 'library')).toEqual({ kind: 'go', screen: 'new' });
    expect(shortcutFor(key('1', { ctrlKey: true }), 'new')).toEqual({ kind: 'go', screen: 'library' });
    expect(shortcutFor(key('6', { metaKey: true }), 'new')).toEqual({ kind: 'go', screen: 'stats' });
    expect(shortcutFor(key('7', { ctrlKey: true }), 'new')).toBeNull();
    expect(shortcutFor(key('n'), 'library')).toBeNull();
  });
  it('pauses with Space on a project, unless a control has the key', () => {
    expect(shortcutFor(key(' '), 'project')).toEqual({ kind: 'toggle-pause' });
    expect(shortcutFor(key(' ', { inControl: true }), 'project')).toBeNull();
    expect(shortcutFor(key(' '), 'library')).toBeNull();
  });
});
