import { session } from 'electron';

/** the page's own address (app:// or the dev server), by scheme and host: a check names only an origin */
function fromPage(url: string | undefined, entry: URL): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === entry.protocol && u.host === entry.host;
  } catch {
    return false;
  }
}

/**
 * The lab needs one device: a camera, for the Evaluate step's live view, asked for by the app's
 * own page, video alone. Everything else — a microphone, notifications, geolocation, USB, HID,
 * serial devices, any page that is not the app's — is refused, and every other check answers
 * no, so a compromised page gains nothing.
 */
export function allowOnlyTheCamera(entry: URL): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    const media = (details as { mediaTypes?: string[] }).mediaTypes ?? [];
    callback(permission === 'media' && media.length > 0 && media.every((m) => m === 'video') && fromPage(details.requestingUrl, entry));
  });
  s.setPermissionCheckHandler(
    (_webContents, permission, requestingOrigin, details) =>
      permission === 'media' && (details as { mediaType?: string }).mediaType === 'video' && fromPage(requestingOrigin, entry),
  );
  s.setDevicePermissionHandler(() => false);
}
