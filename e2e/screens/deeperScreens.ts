import type { Walk } from './walk';

/** fine-tuning, as the Freeze step shows it */
export async function fineTuneScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-freeze').click();
  await id('freeze-fine-tune').fill('4');
  await id('freeze-fine-tune').press('Tab');
  await id('fine-tune-plan').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  await shot('12-freeze-fine-tune');
  await id('freeze-fine-tune').fill('0');
  await id('freeze-fine-tune').press('Tab');
}

/** a sweep: batch size × learning rate, over the cache the runs before it filled */
export async function experimentScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-experiments').click();
  await id('sweep-lr').fill('0.001, 0.01, 1');
  await id('sweep-batch').fill('4, 32');
  await id('sweep-planned').waitFor();
  await shot('13a-experiments-planned');
  await id('sweep-start').click();
  await id('sweep-progress').waitFor();
  await page.waitForTimeout(1500);
  await shot('13b-experiments-running');
  // the project's own run with the same settings (batch 32 · lr 0.01) is reused, not trained again:
  // the rows are the runs trained, one after another, so the last row ending ends the sweep
  const last = (await page.locator('[data-testid^="sweep-run-status-"]').count()) - 1;
  await w.waitText(`sweep-run-status-${last}`, /done|failed|cancelled/, 600_000);
  await page.waitForTimeout(800);
  await shot('13c-experiments-compare');
  // the best run on top: a click on the accuracy heading
  await page.locator('[data-testid="compare-sort-accuracy"] button').click();
  await shot('13c2-experiments-sorted');
  await id('compare-curves').scrollIntoViewIfNeeded();
  await shot('13d-experiments-curves');
}

/** augmented copies, as the Train step shows them */
export async function augmentScreens(w: Walk): Promise<void> {
  const { id, shot, setField } = w;
  await id('nav-train').click();
  await setField('cfg-augment', '4');
  await id('augment-preview').locator('img').nth(4).waitFor({ timeout: 60_000 });
  await shot('14-train-augment');
  await setField('cfg-augment', '0');
}

/** the guided lab: a task with pictures, and one with its measured runs */
export async function labScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-lab').click();
  await id('lab-task-architectures').click();
  await id('lab-body-architectures').waitFor();
  await shot('15a-lab-architectures');
  await id('lab-task-batch-size').click();
  await id('lab-run').click();
  await w.waitText('lab-body-batch-size', /batch 32 — done/, 300_000);
  await page.waitForTimeout(600);
  await shot('15b-lab-batch-size');
  // the bottleneck task: the head alone against the top 4 layers fine-tuned, and each run's map
  await id('lab-task-bottleneck').click();
  await id('lab-run').click();
  await w.waitText('lab-body-bottleneck', /— done[\s\S]*— done/, 600_000);
  const maps = page.locator('[data-testid="figure-feature-maps"] [data-testid="feature-map-draw"]');
  for (let n = await maps.count(); n > 0; n--) await maps.first().click();
  await page.locator('[data-testid="figure-feature-maps"] [data-testid="feature-map-chart"]').nth(1).waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="figure-feature-maps"]').scrollIntoViewIfNeeded();
  await page.waitForTimeout(600);
  await shot('15c-lab-bottleneck-maps');
}
