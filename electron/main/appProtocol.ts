import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { contentSecurityPolicy } from '../../shared/csp';

/**
 * The built renderer is served from `app://transfer-lab/`, not loaded from file://: a file://
 * page is an origin that reaches every file on the disk (fetch, <img>, navigation), where a
 * page of our own scheme reaches only the renderer's folder. The handler maps a request to a
 * file inside that folder or answers 404, and sends the Content-Security-Policy with every
 * page (a custom protocol's responses do not pass the session's header hook).
 */
export const appScheme = 'app';
export const appHost = 'transfer-lab';
export const appEntryUrl = new URL(`${appScheme}://${appHost}/index.html`);

/** before the app is ready: a standard, secure scheme (origin, 'self', fetch, code cache) */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

/**
 * The file that answers `requestUrl`, or null: only our host, only a path that stays inside
 * `rendererDir` once decoded and resolved (no `..`, no encoded slash or backslash, no NUL).
 */
export function appFileFor(requestUrl: string, rendererDir: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${appScheme}:` || url.host !== appHost) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\') || /%2f|%5c/i.test(url.pathname)) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep)) return null;
  return file;
}

/** after the app is ready, before the window loads */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const res = await net.fetch(pathToFileURL(file).href);
    if (!res.ok) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: 200, headers });
  });
}
