import { electronMock } from './test/electronMock';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFileFor, registerAppScheme, serveAppScheme } from './appProtocol';
import { contentSecurityPolicy } from '../../shared/csp';

/** The built renderer served from app://transfer-lab/: its folder and nothing else. */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-app-'));
const renderer = path.join(work, 'renderer');
fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><div id="app"></div>');
fs.writeFileSync(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
fs.writeFileSync(path.join(work, 'secret.txt'), 'not for the page');

describe('the app:// scheme', () => {
  it('is standard and secure, declared before the app is ready', () => {
    registerAppScheme();
    expect(electronMock.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
  });

  it('maps a request to a file inside the renderer folder', () => {
    expect(appFileFor('app://transfer-lab/index.html', renderer)).toBe(path.join(renderer, 'index.html'));
    expect(appFileFor('app://transfer-lab/', renderer)).toBe(path.join(renderer, 'index.html'));
    expect(appFileFor('app://transfer-lab/assets/index-abc.js?v=1', renderer)).toBe(path.join(renderer, 'assets', 'index-abc.js'));
  });

  it.each([
    ['a path climbing out', 'app://transfer-lab/../secret.txt'],
    ['an encoded climb', 'app://transfer-lab/%2e%2e/secret.txt'],
    ['an encoded slash', 'app://transfer-lab/assets%2f..%2f..%2fsecret.txt'],
    ['an encoded backslash', 'app://transfer-lab/..%5csecret.txt'],
    ['a NUL', 'app://transfer-lab/index.html%00.png'],
    ['a malformed escape', 'app://transfer-lab/%E0%A4%A'],
    ['another host', 'app://elsewhere/index.html'],
    ['another scheme', 'file:///etc/passwd'],
    ['no URL at all', 'not a url'],
  ])('answers nothing for %s', (_what, url) => {
    const file = appFileFor(url, renderer);
    expect(file === null || file.startsWith(renderer + path.sep)).toBe(true);
    if (file) expect(file).not.toBe(path.join(work, 'secret.txt'));
  });

  it('serves the page with its Content-Security-Policy, and 404 for anything outside', async () => {
    serveAppScheme(renderer);
    const handler = electronMock.protocol.handlers.get('app')!;
    const page = await handler(new Request('app://transfer-lab/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    expect(await page.text()).toContain('<div id="app">');
    expect((await handler(new Request('app://transfer-lab/assets/index-abc.js'))).status).toBe(200);
    for (const url of [
      'app://transfer-lab/../secret.txt',
      'app://transfer-lab/%2e%2e/secret.txt',
      'app://transfer-lab/missing.js',
      'app://elsewhere/index.html',
    ]) {
      const res = await handler(new Request(url));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('not for the page');
    }
  });
});
