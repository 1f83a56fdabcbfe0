import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { fashionMnistDataset } from '../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';

/**
 * Drives the whole wizard in a real browser against a real engine (`transfer-lab serve`) and
 * takes a screenshot of each step: scan → model from a folder → cut → train → evaluate →
 * click a confusion cell → export with parity → save. Run after `npm run build:web`:
 *
 *   node bin/run-ts.mjs e2e/screens.ts [outDir]
 *
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM=…); caches go to a temporary folder.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, '.cache', 'screens'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-screens-'));

function serve(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'transfer-lab.mjs'), 'serve', '--port', '0'], {
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
function slowModelServer(dir: string, bytesPerSecond: number): Promise<{ url: string; close: () => void }> {
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

/**
 * Waits until an element's text (or an input's value) matches, polling from here: the page's
 * CSP forbids the string evaluation a page-side predicate would need, and this file is
 * type-checked for Node, without DOM types.
 */
async function waitText(page: Page, testid: string, pattern: RegExp, timeout = 60_000): Promise<void> {
  const el = page.getByTestId(testid);
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = (await el.count()) ? await el.evaluate((e) => ('value' in e ? String(e.value) : (e.textContent ?? ''))) : '';
    if (pattern.test(text)) return;
    if (Date.now() > deadline) throw new Error(`${testid} never showed ${pattern}; last: ${text}`);
    await page.waitForTimeout(200);
  }
}

/** the number in "epoch N / M" */
async function epochShown(page: Page): Promise<number> {
  const text = (await page.getByTestId('epoch-counter').textContent()) ?? '';
  return Number(/epoch (\d+)/.exec(text)?.[1] ?? 0);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: false });
  console.log(`screenshot ${name}.png`);
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const dataset = await fashionMnistDataset({ perClass: 20 });
  const modelDir = pretrainedModelDir('mobilenet_v2');
  const { url, child } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
    const id = (t: string) => page.getByTestId(t);

    await page.goto(url);
    await id('start-page').waitFor();
    await shot(page, '01-start');

    await id('new-project').click();
    await id('step-dataset').waitFor();
    await id('dataset-path').fill(path.join(work, 'no-such-folder'));
    await id('scan-button').click();
    await id('error-banner').waitFor();
    await shot(page, '02-error-banner');
    await id('error-dismiss').click();
    await id('dataset-path-browse').click();
    await id('folder-browser').waitFor();
    await id('browser-path').fill(path.dirname(dataset));
    await id('browser-path').press('Enter');
    await id(`browser-entry-${path.basename(dataset)}`).waitFor();
    await shot(page, '02a-folder-browser');
    await id(`browser-entry-${path.basename(dataset)}`).dblclick();
    await id('browser-entry-0_tshirt_top').waitFor();
    await id('browser-choose').click();
    await id('class-row-0_tshirt_top').waitFor();
    await shot(page, '02b-dataset');
    await page
      .locator('[data-testid^="problem-"] summary')
      .first()
      .click()
      .catch(() => undefined);

    await id('nav-model').click();
    await id('step-model').waitFor();
    await page.locator('[data-testid^="model-card-mobilenet"]').first().waitFor();
    await shot(page, '03a-model-catalog');
    // from an address: downloaded once into the model cache, with progress
    const slow = await slowModelServer(modelDir, 3 * 1024 * 1024);
    await id('model-address').fill(slow.url);
    await id('model-address-use').click();
    await waitText(page, 'model-download-progress-inline', /Downloading .* of /);
    await id('model-download-progress-inline').scrollIntoViewIfNeeded();
    await shot(page, '03b-model-downloading');
    await id('model-name').waitFor({ timeout: 120_000 });
    slow.close();

    await id('model-folder-path').fill(modelDir);
    await id('model-folder-use').click();
    await id('model-name').waitFor({ timeout: 120_000 });
    await id('model-current').scrollIntoViewIfNeeded();
    await shot(page, '03c-model-chosen');

    await id('nav-freeze').click();
    await id('layer-list').waitFor();
    await id('frozen-params').waitFor({ timeout: 120_000 });
    await shot(page, '04a-freeze-default');
    const other = page.locator('[data-testid="layer-row-block_16_project_BN"]');
    if (await other.count()) {
      await other.click();
      await waitText(page, 'selected-cut', /block_16_project_BN/);
      await id('cache-size').waitFor();
      await shot(page, '04b-freeze-other-cut');
      await id('cut-default').click();
    }

    const setField = async (testid: string, value: string) => {
      await id(testid).fill(value);
      await id(testid).press('Tab');
    };
    const epochAtLeast = async (n: number) => {
      const deadline = Date.now() + 300_000;
      while ((await epochShown(page)) < n) {
        if (Date.now() > deadline) throw new Error(`training did not reach epoch ${n}`);
        await page.waitForTimeout(200);
      }
    };

    // a long run: watched, reloaded mid-way (the curves come back from train.current), stopped
    await id('nav-train').click();
    await setField('cfg-epochs', '3000');
    await setField('cfg-patience', '0');
    await setField('cfg-batch-size', '8');
    await id('train-start').click();
    await id('train-stop').waitFor();
    await epochAtLeast(1);
    await shot(page, '05a-train-extract-or-first-epoch');
    await epochAtLeast(15);
    await shot(page, '05b-train-running');
    await page.reload();
    await id('train-stop').waitFor();
    await epochAtLeast(20);
    await shot(page, '05c-train-after-reload');
    await id('train-stop').click();
    await waitText(page, 'train-status', /Stopped/);
    await shot(page, '05d-train-stopped');

    // the run the rest of the wizard uses
    await setField('cfg-epochs', '3');
    await setField('cfg-patience', '5');
    await setField('cfg-batch-size', '32');
    await setField('cfg-learning-rate', '0.01');
    await id('train-start').click();
    await id('train-result').waitFor({ timeout: 600_000 });
    await shot(page, '05e-train-done');

    await id('nav-evaluate').click();
    await id('confusion-matrix').waitFor();
    await page.waitForTimeout(500);
    await shot(page, '06a-evaluate');
    // the off-diagonal cell with the most images: the confusion worth a look
    let cell = '';
    let most = -1;
    for (const b of await page.locator('[data-testid^="cm-cell-"]').all()) {
      const testid = (await b.getAttribute('data-testid')) ?? '';
      const [, , r, c] = testid.split('-');
      const n = Number(await b.textContent());
      if (r !== c && n > most) [cell, most] = [testid, n];
    }
    await id(cell).click();
    await id('cell-images').waitFor();
    await id('cell-images').scrollIntoViewIfNeeded();
    await page.waitForTimeout(800);
    await shot(page, '06b-evaluate-cell');

    await id('nav-export').click();
    await id('export-dest').fill(path.join(work, 'export'));
    await id('export-button').click();
    await id('parity-onnx').waitFor({ timeout: 300_000 });
    await shot(page, '07-export');

    await id('save-project').click();
    await id('save-as-dialog').waitFor();
    await id('save-as-folder').fill(work);
    await id('save-as-name').fill('fashion.tlab');
    await shot(page, '08a-save-as');
    await id('save-as-confirm').click();
    await id('save-as-dialog').waitFor({ state: 'detached' });
    await page.waitForTimeout(500);
    await shot(page, '08b-saved');

    await page.reload();
    await waitText(page, 'export-dest', /./).catch(() => undefined);
    await shot(page, '09-after-reload');

    await page.getByRole('link', { name: 'Transfer Lab' }).click();
    await id('recent-projects').getByRole('button').first().waitFor();
    await shot(page, '10a-start-recent');
    await id('recent-projects').getByRole('button').first().click();
    await id('done-dataset').waitFor({ timeout: 60_000 });
    await shot(page, '10b-opened');

    // lab notes make the project dirty; Ctrl+S saves it to its file
    await page.locator('.notes summary').click();
    await id('project-notes').fill('3 epochs at lr 0.01: tops and shirts are the confusion to fix.');
    await id('dirty-indicator').waitFor();
    await page.keyboard.press('Control+s');
    await id('dirty-indicator').waitFor({ state: 'detached' });
    await shot(page, '11-notes-saved');

    // fine-tuning, as the Freeze step shows it
    await id('nav-freeze').click();
    await id('freeze-fine-tune').fill('4');
    await id('freeze-fine-tune').press('Tab');
    await id('fine-tune-plan').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    await shot(page, '12-freeze-fine-tune');
    await id('freeze-fine-tune').fill('0');
    await id('freeze-fine-tune').press('Tab');

    // a sweep: batch size × learning rate, over the cache the runs above filled
    await id('nav-experiments').click();
    await id('sweep-lr').fill('0.001, 0.01, 1');
    await id('sweep-batch').fill('4, 32');
    await id('sweep-planned').waitFor();
    await shot(page, '13a-experiments-planned');
    await id('sweep-start').click();
    await id('sweep-progress').waitFor();
    await page.waitForTimeout(1500);
    await shot(page, '13b-experiments-running');
    await waitText(page, 'sweep-run-status-5', /done|failed|cancelled/, 600_000);
    await page.waitForTimeout(800);
    await shot(page, '13c-experiments-compare');
    await id('compare-curves').scrollIntoViewIfNeeded();
    await shot(page, '13d-experiments-curves');

    // augmented copies, as the Train step shows them
    await id('nav-train').click();
    await setField('cfg-augment', '4');
    await id('augment-preview').locator('img').nth(4).waitFor({ timeout: 60_000 });
    await shot(page, '14-train-augment');
    await setField('cfg-augment', '0');

    // the guided lab: a task with pictures, and one with its measured runs
    await id('nav-lab').click();
    await id('lab-task-architectures').click();
    await id('lab-body-architectures').waitFor();
    await shot(page, '15a-lab-architectures');
    await id('lab-task-batch-size').click();
    await id('lab-run').click();
    await waitText(page, 'lab-body-batch-size', /batch 32 — done/, 300_000);
    await page.waitForTimeout(600);
    await shot(page, '15b-lab-batch-size');
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
