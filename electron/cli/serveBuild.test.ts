import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWebBuild } from './webBuild';

/** `npx transfer-lab serve` right after `npm install`, when out/web does not exist yet. */
const cli = path.resolve('bin/transfer-lab.cjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-serve-build-'));

describe('serve builds the web files it needs', () => {
  it('builds them once with a progress line, then serves the app', async () => {
    const web = path.join(work, 'web');
    const env = {
      ...process.env,
      TRANSFER_LAB_WEB_DIR: web,
      TRANSFER_LAB_CACHE: path.join(work, 'cache'),
      XDG_CONFIG_HOME: path.join(work, 'config'),
      FORCE_COLOR: '0',
    };
    const p = spawn(process.execPath, [cli, 'serve', '--port', '0'], { env, cwd: work });
    let stdout = '';
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const address = await new Promise<string>((resolve, reject) => {
      p.stdout.on('data', (d) => {
        stdout += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)\S*/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      p.once('exit', (code) => reject(new Error(`serve ended (${code}): ${stderr}`)));
    });
    try {
      expect(stderr).toMatch(/The app's web files are not built yet: building them once into .*web \(vite build\)…\nBuilt in \d+\.\d s\./);
      expect(fs.existsSync(path.join(web, 'index.html'))).toBe(true);
      expect(fs.readdirSync(work).filter((n) => n.startsWith('web.building'))).toEqual([]);
      const page = await fetch(address);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app">/);
    } finally {
      p.kill('SIGINT');
      await new Promise((r) => p.once('exit', r));
    }
    // built once: the next start serves at once
    const log: string[] = [];
    await ensureWebBuild({ dir: web, progress: (l) => log.push(l) });
    expect(log).toEqual([]);
  }, 120_000);

  it('says in one line why it cannot build, and builds nothing', async () => {
    const dir = path.join(work, 'nowhere');
    await expect(ensureWebBuild({ dir, configFile: path.join(work, 'no-such.config.ts'), progress: () => undefined })).rejects.toMatchObject({
      message: expect.stringMatching(
        /^The app's web files are not built \(.*nowhere has no index\.html\), and cannot be built here: .*no-such\.config\.ts is missing\.$/,
      ),
    });
    expect(fs.existsSync(dir)).toBe(false);
  });
});
