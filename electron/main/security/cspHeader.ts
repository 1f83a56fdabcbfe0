import { session } from 'electron';
import { contentSecurityPolicy } from '../../../shared/csp';

/** Adds the policy to every response the app's session receives (see csp.ts for the meta tag). */
export function enforceContentSecurityPolicy(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
}
