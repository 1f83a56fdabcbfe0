import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { noiseJpeg, noisePng } from '../../../test/fixtures/syntheticImages';

const repo = path.resolve(__dirname, '../../..');

describe('sharp, loaded at its first use', () => {
  it('is not loaded to decode plain small PNGs for a model, and is for a JPEG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-sharp-'));
    fs.writeFileSync(path.join(dir, 'a.png'), await noisePng(28, 28, 1));
    fs.writeFileSync(path.join(dir, 'b.jpg'), await noiseJpeg(300, 200, 2));
    const script = path.join(dir, 'decode.mts');
    // a fresh process, as an extraction worker is: did decoding load libvips?
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';
import { decodeForModel } from ${JSON.stringify(path.join(repo, 'electron/engine/images/modelPixels.ts'))};
// sharp's libvips is mapped into the process once sharp loads
const loaded = () => fs.readFileSync('/proc/self/maps', 'utf8').includes('libvips');
const target = { width: 224, height: 224, resize: 'center-crop' as const };
const png = await decodeForModel(${JSON.stringify(path.join(dir, 'a.png'))}, target);
const afterPng = loaded();
const jpg = await decodeForModel(${JSON.stringify(path.join(dir, 'b.jpg'))}, target);
console.log(JSON.stringify({ png: [png.width, png.height], afterPng, jpg: [jpg.width, jpg.height], afterJpg: loaded() }));
`,
    );
    const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'run-ts.cjs'), script], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ png: [28, 28], afterPng: false, jpg: [224, 224], afterJpg: true });
  });
});
