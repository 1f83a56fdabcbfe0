import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDirsSync } from '../engine/util/makeDirs';

/**
 * The web host's token, kept between starts so a bookmarked address and an open tab keep
 * working: ~/.config/transfer-lab/web-token (XDG_CONFIG_HOME respected), readable by the user
 * only. `serve --new-token` replaces it, which shuts out every page that had the old one.
 */
export function webTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'transfer-lab', 'web-token');
}

export function webToken(o: { renew?: boolean; file?: string } = {}): string {
  const file = o.file ?? webTokenFile();
  if (!o.renew) {
    try {
      const kept = fs.readFileSync(file, 'utf8').trim();
      if (/^[\w-]{32,}$/.test(kept)) return kept;
    } catch {
      // none yet: make one
    }
  }
  const token = crypto.randomBytes(24).toString('base64url');
  try {
    makeDirsSync(path.dirname(file), 0o700);
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
  } catch {
    // a config folder that cannot be written: this start's token still works, the next start makes another
  }
  return token;
}
