import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { webHostContentSecurityPolicy } from '../../shared/csp';
import { isOurPdf, isOurReportHtml, isPdfName, isReportHtmlName, ownershipProbeBytes } from '../../shared/ownFiles';

/**
 * The built renderer as static files. Every request gets an answer and nothing here throws:
 * a malformed escape (`/%`, `/%E0%A4%A`), a NUL byte, a path out of the folder, a method
 * other than GET/HEAD or a read error each end as a plain-text status, never as an exception
 * that would take the web host (and a training run in it) down.
 */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** a short plain-text answer; the CSP and nosniff on every page, errors included */
export function answerPlain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-security-policy': webHostContentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(`${text}\n`);
}

/** the file a URL path names inside `root`, or why there is none */
export function resolveStaticPath(root: string, rawUrl: string | undefined): { file: string; rel: string } | { status: number; text: string } {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(rawUrl ?? '/', 'http://localhost').pathname);
  } catch {
    return { status: 400, text: 'Bad request: the address is not a valid URL path.' };
  }
  if (pathname.includes('\0')) return { status: 400, text: 'Bad request: the address holds a NUL character.' };
  const rel = pathname === '/' || !path.extname(pathname) ? '/index.html' : pathname;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${rel}`);
  if (!file.startsWith(base + path.sep)) return { status: 403, text: 'Forbidden: outside the app.' };
  return { file, rel };
}

export function serveStatic(root: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    answerPlain(res, 405, 'Method not allowed: this server only serves the app (GET).', { allow: 'GET, HEAD' });
    return;
  }
  const where = resolveStaticPath(root, req.url);
  if ('status' in where) {
    answerPlain(res, where.status, where.text);
    return;
  }
  fs.readFile(where.file, (err, body) => {
    if (err) {
      if (where.rel === '/index.html') answerPlain(res, 503, `The app is not built yet (no ${where.file}). Run: npm run build:web`);
      else answerPlain(res, 404, 'Not found.');
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[path.extname(where.file)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      'content-security-policy': webHostContentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'cache-control': where.rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/**
 * DNS rebinding: a page on evil.example whose name is made to point at 127.0.0.1 sends
 * `Host: evil.example`. Accepted: loopback names, IP literals (a name-less address cannot be
 * rebound), and the names the user allowed (`serve --allow-host`).
 */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[] = []): boolean {
  if (!hostHeader) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  // (URL gives an IPv6 host in brackets, and an IPv4 one normalised to four numbers)
  const ipLiteral = hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
  return hostname === 'localhost' || ipLiteral || allowed.some((a) => a.toLowerCase() === hostname);
}

/**
 * A lab report the engine wrote, as a download: only an .html/.pdf file that carries our mark
 * (the generator meta, or the PDF title printed from it), so the token does not turn this into a
 * way to read any file. Sent as an attachment, never run as a page of this origin.
 */
export function serveReport(file: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return answerPlain(res, 405, 'Method not allowed.', { allow: 'GET, HEAD' });
  const html = isReportHtmlName(file);
  if (!path.isAbsolute(file) || file.includes('\0') || !(html || isPdfName(file)))
    return answerPlain(res, 400, 'Only a lab report (.html or .pdf, an absolute path) can be downloaded here.');
  fs.readFile(file, (err, body) => {
    if (err) return answerPlain(res, 404, 'No such report: write it again from the lab page.');
    const probe =
      body.length > 2 * ownershipProbeBytes ? Buffer.concat([body.subarray(0, ownershipProbeBytes), body.subarray(body.length - ownershipProbeBytes)]) : body;
    const ours = html ? isOurReportHtml(probe.toString('utf8')) : isOurPdf(probe.toString('latin1'));
    if (!ours) return answerPlain(res, 403, 'Forbidden: that file is not a report Transfer Lab wrote.');
    const name = path.basename(file).replace(/[^\w.-]+/g, '_');
    res.writeHead(200, {
      'content-type': html ? 'text/html; charset=utf-8' : 'application/pdf',
      'content-length': String(body.length),
      'content-disposition': `attachment; filename="${name}"`,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}
