import os from 'node:os';
import path from 'node:path';

/**
 * The per-user cache root: downloaded models and bottleneck features live below it.
 * TRANSFER_LAB_CACHE overrides it (tests, or a bigger disk on a Jetson); XDG_CACHE_HOME is honoured.
 */
export function userCacheDir(): string {
  const override = process.env.TRANSFER_LAB_CACHE;
  if (override) return path.resolve(override);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'transfer-lab');
}

export function modelCacheDir(): string {
  return path.join(userCacheDir(), 'models');
}

export function bottleneckCacheDir(): string {
  return path.join(userCacheDir(), 'bottlenecks');
}

/** what each dataset scan learnt of its files (dataset/scanMemo.ts): derived, safe to delete */
export function scanMemoDir(): string {
  return path.join(userCacheDir(), 'scans');
}
