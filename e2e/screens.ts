import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fashionMnistDataset } from '../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';
import { augmentScreens, experimentScreens, fineTuneScreens, labScreens } from './screens/deeperScreens';
import { projectScreens } from './screens/projectScreens';
import { evaluateScreens, exportScreens, trainScreens } from './screens/runScreens';
import { serve } from './screens/servers';
import { datasetScreens, freezeScreens, modelScreens } from './screens/setupScreens';
import { makeWalk } from './screens/walk';
import { appWindow } from '../shared/appWindow';

/**
 * Drives the whole wizard in a real browser against a real engine (`transfer-lab serve`) and
 * takes a screenshot of each step: scan → model from a folder → cut → train → evaluate →
 * click a confusion cell → export with parity → save. Run after `npm run build:web`:
 *
 *   node bin/run-ts.cjs e2e/screens.ts [outDir] [--dark]
 *
 * At the desktop app's window size (SCREENS_WIDTH and SCREENS_HEIGHT set another); under each
 * screenshot it lists what the width cuts off (a box that scrolls or hides its content sideways,
 * or anything past the window's edge).
 *
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM=…); caches go to a temporary folder.
 * The screen groups live in e2e/screens/, in the order the walk takes them: each group builds
 * on what the ones before it left (the dataset, the model, the trained run, the saved project).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outDir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(repoRoot, '.cache', 'screens'));
// --dark: the same walk on a system set to dark (the app follows it)
const colorScheme = args.includes('--dark') ? ('dark' as const) : ('light' as const);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-screens-'));

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const dataset = await fashionMnistDataset({ perClass: 20 });
  const modelDir = pretrainedModelDir('mobilenet_v2');
  const { url, child } = await serve(repoRoot, work);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: Number(process.env.SCREENS_WIDTH ?? appWindow.width), height: Number(process.env.SCREENS_HEIGHT ?? appWindow.height) },
      colorScheme,
    });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
    const walk = makeWalk(page, { outDir, work, dataset, modelDir });

    await page.goto(url);
    for (const screens of [
      datasetScreens,
      modelScreens,
      freezeScreens,
      trainScreens,
      evaluateScreens,
      exportScreens,
      projectScreens,
      fineTuneScreens,
      experimentScreens,
      augmentScreens,
      labScreens,
    ]) {
      await screens(walk);
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    // the caches, the saved project and the export were scratch: KEEP=1 leaves them to look at
    if (process.env.KEEP) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
