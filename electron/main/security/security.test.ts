import { electronMock } from '../test/electronMock';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { appFiles, isAppUrl } from '../appFiles';
import { createMainWindow } from '../window';
import { contentSecurityPolicy } from '../../../shared/csp';
import { enforceContentSecurityPolicy } from './cspHeader';
import { refuseForeignNavigation } from './navigation';
import { allowOnlyTheCamera } from './permissions';

const entry = new URL('file:///opt/Transfer%20Lab/resources/app.asar/out/renderer/index.html');

describe('the window’s security rules', () => {
  it('send a strict Content-Security-Policy with every response', () => {
    enforceContentSecurityPolicy();
    const listener = electronMock.session.defaultSession.webRequest.onHeadersReceived.mock.lastCall?.[0] as (d: unknown, cb: (r: unknown) => void) => void;
    const callback = vi.fn();
    listener({ responseHeaders: { 'X-Other': ['1'] } }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [contentSecurityPolicy] } });
    expect(contentSecurityPolicy).toMatch(/default-src 'none'/);
    expect(contentSecurityPolicy).toMatch(/script-src 'self'(;|$)/);
    expect(contentSecurityPolicy).not.toMatch(/unsafe-eval/);
  });

  it('grant the app’s own page a camera, video alone, and deny every other permission request and check', () => {
    allowOnlyTheCamera(entry);
    const s = electronMock.session.defaultSession;
    const request = (permission: string, details: object) => {
      const callback = vi.fn();
      (s.setPermissionRequestHandler.mock.lastCall?.[0] as (w: unknown, p: string, cb: (ok: boolean) => void, d: object) => void)(
        {},
        permission,
        callback,
        details,
      );
      return callback.mock.lastCall?.[0] as boolean;
    };
    const page = `${entry.href}#/evaluate`;
    expect(request('media', { mediaTypes: ['video'], requestingUrl: page })).toBe(true);
    expect(request('media', { mediaTypes: ['audio'], requestingUrl: page })).toBe(false);
    expect(request('media', { mediaTypes: ['video', 'audio'], requestingUrl: page })).toBe(false);
    expect(request('media', { mediaTypes: [], requestingUrl: page })).toBe(false);
    expect(request('media', { mediaTypes: ['video'], requestingUrl: 'https://example.com/' })).toBe(false);
    expect(request('media', { mediaTypes: ['video'], requestingUrl: 'not a url' })).toBe(false);
    for (const other of ['notifications', 'geolocation', 'clipboard-read', 'openExternal']) expect(request(other, { requestingUrl: page })).toBe(false);
    const check = s.setPermissionCheckHandler.mock.lastCall?.[0] as (w: unknown, p: string, origin: string, d: object) => boolean;
    expect(check({}, 'media', 'file://', { mediaType: 'video' })).toBe(true);
    expect(check({}, 'media', 'file://', { mediaType: 'audio' })).toBe(false);
    expect(check({}, 'media', 'https://example.com', { mediaType: 'video' })).toBe(false);
    expect(check({}, 'notifications', 'file://', {})).toBe(false);
    expect((s.setDevicePermissionHandler.mock.lastCall?.[0] as () => boolean)()).toBe(false);
  });

  it('refuse navigation away from the app, new windows and webviews', () => {
    refuseForeignNavigation(entry);
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    electronMock.app.emit('web-contents-created', {}, contents);
    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      contents.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(`${entry.href}#/evaluate`)).toBe(false);
    expect((contents.setWindowOpenHandler.mock.lastCall?.[0] as () => unknown)()).toEqual({ action: 'deny' });
    const attach = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', attach);
    expect(attach.preventDefault).toHaveBeenCalled();
  });
});

describe('the main window', () => {
  it('gives its page no Node, a sandbox and an isolated world, and loads the built page through app://, not file://', () => {
    const files = appFiles('/opt/app/out/main');
    expect(files.rendererDir).toBe('/opt/app/out/renderer');
    const win = createMainWindow(files) as unknown as {
      options: { webPreferences: object };
      loadFile: ReturnType<typeof vi.fn>;
      loadURL: ReturnType<typeof vi.fn>;
    };
    expect(win.options.webPreferences).toMatchObject({
      preload: '/opt/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(win.loadURL).toHaveBeenCalledWith('app://transfer-lab/index.html');
    expect(win.loadFile).not.toHaveBeenCalled();
  });
});

describe('what counts as the app', () => {
  it('is its index.html (spaces in the install path included), with any hash or query', () => {
    expect(isAppUrl('file:///opt/Transfer%20Lab/resources/app.asar/out/renderer/index.html?x=1#/model', entry)).toBe(true);
    expect(isAppUrl('file:///opt/Transfer%20Lab/resources/app.asar/out/renderer/other.html', entry)).toBe(false);
    expect(isAppUrl('not a url', entry)).toBe(false);
  });

  it('through app:// is its index.html on our host, not another page, host or scheme', () => {
    const app = appFiles('/opt/app/out/main').rendererUrl;
    expect(isAppUrl('app://transfer-lab/index.html#/train', app)).toBe(true);
    expect(isAppUrl('app://transfer-lab/assets/other.html', app)).toBe(false);
    expect(isAppUrl('app://elsewhere/index.html', app)).toBe(false);
    expect(isAppUrl('file:///opt/app/out/renderer/index.html', app)).toBe(false);
    expect(isAppUrl('app://transfer-lab/%E0%A4%A', app)).toBe(false);
  });
});
