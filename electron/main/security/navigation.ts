import { app, type WebContents } from 'electron';
import { isAppUrl } from '../appFiles';

/**
 * The window shows the app and nothing else: navigating away (a link, a redirect, a dropped
 * file), opening new windows and attaching <webview>s are refused for every web contents,
 * including any created later.
 */
export function refuseForeignNavigation(entry: URL): void {
  const guard = (contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, entry)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, entry)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  };
  app.on('web-contents-created', (_event, contents) => guard(contents));
}
