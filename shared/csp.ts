/**
 * The app's Content-Security-Policy, in one place: Electron's main sends it as a response header
 * (the dev server's pages through the session, app:// pages from the protocol handler), the
 * renderer build also writes it into index.html as a meta tag, so the page carries it wherever
 * it is opened from, and the web host sends the same policy with its WebSocket allowed
 * (webHostContentSecurityPolicy).
 *
 * Scripts only from the app itself, no eval; inline styles are allowed because Vue and ECharts
 * set style attributes; images may be data: URLs (the engine's thumbnails). Nothing else is
 * fetched: the renderer reaches the engine through the preload, never over the network.
 */
const directives = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

export const contentSecurityPolicy = [...directives, "frame-ancestors 'none'"].join('; ');

/** the web host's page: the same, and its WebSocket to the engine (same host) */
export const webHostContentSecurityPolicy = [...directives.map((d) => (d.startsWith('connect-src') ? `${d} ws: wss:` : d)), "frame-ancestors 'none'"].join(
  '; ',
);

/** browsers ignore frame-ancestors in a meta tag, and say so in the console */
export const contentSecurityPolicyMeta = directives.join('; ');
