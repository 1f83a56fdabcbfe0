import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** the real engine behind `transfer-lab serve`, its caches and config in `work` */
export function serve(repoRoot: string, work: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'transfer-lab.cjs'), 'serve', '--port', '0'], {
    env: { ...process.env, TRANSFER_LAB_CACHE: path.join(work, 'cache'), XDG_CONFIG_HOME: path.join(work, 'config') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(http:\/\/\S+\?token=\S+)/.exec(text);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}

/** the model folder over HTTP, slowly, so the download progress can be seen */
export function slowModelServer(dir: string, bytesPerSecond: number): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length });
    const chunk = Math.max(1024, Math.round(bytesPerSecond / 20));
    let at = 0;
    const timer = setInterval(() => {
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, 50);
    res.on('close', () => clearInterval(timer));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`, close: () => server.close() })),
  );
}
