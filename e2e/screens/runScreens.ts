import path from 'node:path';
import type { Walk } from './walk';

/** the train step: a long run watched, reloaded mid-way and stopped, then the short run the rest of the walk uses */
export async function trainScreens(w: Walk): Promise<void> {
  const { page, id, shot, setField, epochAtLeast } = w;
  // a long run: watched, reloaded mid-way (the curves come back from train.current), stopped
  await id('nav-train').click();
  await setField('cfg-epochs', '3000');
  await setField('cfg-patience', '0');
  await setField('cfg-batch-size', '8');
  await id('train-start').click();
  await id('train-stop').waitFor();
  await epochAtLeast(1);
  await shot('05a-train-extract-or-first-epoch');
  await epochAtLeast(15);
  await shot('05b-train-running');
  await page.reload();
  await id('train-stop').waitFor();
  await epochAtLeast(20);
  await shot('05c-train-after-reload');
  await id('train-stop').click();
  await w.waitText('train-status', /Stopped/);
  await shot('05d-train-stopped');

  // the run the rest of the wizard uses
  await setField('cfg-epochs', '3');
  await setField('cfg-patience', '5');
  await setField('cfg-batch-size', '32');
  await setField('cfg-learning-rate', '0.01');
  await id('train-start').click();
  await id('train-result').waitFor({ timeout: 600_000 });
  await shot('05e-train-done');
}

/** the evaluate step, and the images of its biggest confusion */
export async function evaluateScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-evaluate').click();
  await id('confusion-matrix').waitFor();
  await page.waitForTimeout(500);
  await shot('06a-evaluate');
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
  await shot('06b-evaluate-cell');
}

/** the export step, with the ONNX parity check */
export async function exportScreens(w: Walk): Promise<void> {
  const { id, shot } = w;
  await id('nav-export').click();
  await id('export-dest').fill(path.join(w.work, 'export'));
  await id('export-button').click();
  await id('parity-onnx').waitFor({ timeout: 300_000 });
  await shot('07-export');
}
