import { session } from 'electron';

/**
 * The lab needs no camera, microphone, notifications, geolocation, USB, HID or serial devices:
 * every request is refused and every check answers no, so a compromised page gains nothing.
 */
export function denyAllPermissions(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
}
