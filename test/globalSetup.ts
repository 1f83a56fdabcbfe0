import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temporary folder for a whole test run, removed when it ends. Every test file's workers, and
 * every process a test starts (the CLI, the web host, Chromium, the extraction workers), inherit
 * TMPDIR from here, so whatever a test leaves behind goes with it: before, each `npm test` left
 * about 400 MB of run folders, caches and PDFs in /tmp. The tests' model and bottleneck cache lives
 * there too, away from the user's own. TRANSFER_LAB_KEEP_TEST_TMP=1 keeps the folder (to look at
 * what a failing test wrote); its path is printed.
 */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-tests-'));
  const before = { TMPDIR: process.env.TMPDIR, TRANSFER_LAB_CACHE: process.env.TRANSFER_LAB_CACHE };
  process.env.TMPDIR = root;
  process.env.TRANSFER_LAB_CACHE = path.join(root, 'user-cache');
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (process.env.TRANSFER_LAB_KEEP_TEST_TMP === '1') console.log(`test files kept in ${root}`);
    else fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
