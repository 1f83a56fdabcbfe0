import { describe, expect, it } from 'vitest';
import { acceleratorOf, shortcutCommand } from './shortcuts';

const press = (key: string, o: { shift?: boolean; meta?: boolean; alt?: boolean; ctrl?: boolean } = {}) => ({
  key,
  ctrlKey: o.ctrl ?? !o.meta,
  metaKey: o.meta ?? false,
  shiftKey: o.shift ?? false,
  altKey: o.alt ?? false,
});

describe("the File menu's keys, one table for the menu and the page", () => {
  it('gives the menu its accelerators', () => {
    expect(acceleratorOf('open')).toBe('CmdOrCtrl+O');
    expect(acceleratorOf('saveAs')).toBe('CmdOrCtrl+Shift+S');
    expect(acceleratorOf('export')).toBe('CmdOrCtrl+E');
    expect(acceleratorOf('about')).toBeUndefined();
  });

  it('answers Ctrl+O, Ctrl+S, Ctrl+Shift+S (the key Shift makes capital) and Ctrl+E in a browser; ⌘ too', () => {
    expect(shortcutCommand(press('o'), 'browser')).toBe('open');
    expect(shortcutCommand(press('s'), 'browser')).toBe('save');
    expect(shortcutCommand(press('S', { shift: true }), 'browser')).toBe('saveAs');
    expect(shortcutCommand(press('e'), 'browser')).toBe('export');
    expect(shortcutCommand(press('s', { meta: true }), 'browser')).toBe('save');
  });

  it('leaves the browser its Ctrl+N, and other keys alone', () => {
    expect(shortcutCommand(press('n'), 'browser')).toBeNull();
    expect(shortcutCommand(press('n'), 'desktop')).toBe('new');
    expect(shortcutCommand(press('o', { ctrl: false }), 'browser')).toBeNull();
    expect(shortcutCommand(press('o', { alt: true }), 'browser')).toBeNull();
    expect(shortcutCommand(press('O', { shift: true }), 'browser')).toBeNull();
    expect(shortcutCommand(press('z'), 'desktop')).toBeNull();
  });
});
