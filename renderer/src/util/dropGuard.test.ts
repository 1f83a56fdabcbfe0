// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { guardWindowDrops } from './dropGuard';

describe('guardWindowDrops', () => {
  let release = () => undefined as void;
  afterEach(() => release());

  it('keeps a file dropped outside any drop zone from replacing the app', () => {
    release = guardWindowDrops(window);
    for (const type of ['dragover', 'drop']) {
      const e = new Event(type, { bubbles: true, cancelable: true });
      document.body.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(true);
    }
  });

  it('leaves a drop zone its own drops', () => {
    release = guardWindowDrops(window);
    const zone = document.createElement('section');
    document.body.append(zone);
    let took = 0;
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      took++;
    });
    const e = new Event('drop', { bubbles: true, cancelable: true });
    zone.dispatchEvent(e);
    expect(took).toBe(1);
    expect(e.defaultPrevented).toBe(true);
  });

  it('without the guard, nothing stops the browser', () => {
    const e = new Event('drop', { bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
  });
});
