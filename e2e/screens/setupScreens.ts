import path from 'node:path';
import { slowModelServer } from './servers';
import type { Walk } from './walk';

/** the start page and the dataset step: a missing folder's error, the folder browser, the scanned classes */
export async function datasetScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('start-page').waitFor();
  await shot('01-start');

  await id('new-project').click();
  await id('step-dataset').waitFor();
  await id('dataset-path').fill(path.join(w.work, 'no-such-folder'));
  await id('scan-button').click();
  await id('error-banner').waitFor();
  await shot('02-error-banner');
  await id('error-dismiss').click();
  await id('dataset-path-browse').click();
  await id('folder-browser').waitFor();
  await id('browser-path').fill(path.dirname(w.dataset));
  await id('browser-path').press('Enter');
  await id(`browser-entry-${path.basename(w.dataset)}`).waitFor();
  await shot('02a-folder-browser');
  await id(`browser-entry-${path.basename(w.dataset)}`).dblclick();
  await id('browser-entry-0_tshirt_top').waitFor();
  await id('browser-choose').click();
  await id('class-row-0_tshirt_top').waitFor();
  await shot('02b-dataset');
  await page
    .locator('[data-testid^="problem-"] summary')
    .first()
    .click()
    .catch(() => undefined);
}

/** the model step: the catalog, a download from an address with its progress, a model from a folder */
export async function modelScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-model').click();
  await id('step-model').waitFor();
  await page.locator('[data-testid^="model-card-mobilenet"]').first().waitFor();
  await shot('03a-model-catalog');
  // from an address: downloaded once into the model cache, with progress
  const slow = await slowModelServer(w.modelDir, 3 * 1024 * 1024);
  await id('model-address').fill(slow.url);
  await id('model-address-use').click();
  await w.waitText('model-download-progress-inline', /Downloading .* of /);
  await id('model-download-progress-inline').scrollIntoViewIfNeeded();
  await shot('03b-model-downloading');
  await id('model-name').waitFor({ timeout: 120_000 });
  slow.close();

  await id('model-folder-path').fill(w.modelDir);
  await id('model-folder-use').click();
  await id('model-name').waitFor({ timeout: 120_000 });
  await id('model-current').scrollIntoViewIfNeeded();
  await shot('03c-model-chosen');
}

/** the freeze step: the default cut, and another one with its cache size */
export async function freezeScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('nav-freeze').click();
  await id('layer-list').waitFor();
  await id('frozen-params').waitFor({ timeout: 120_000 });
  await shot('04a-freeze-default');
  const other = page.locator('[data-testid="layer-row-block_16_project_BN"]');
  if (await other.count()) {
    await other.click();
    await w.waitText('selected-cut', /block_16_project_BN/);
    await id('cache-size').waitFor();
    await shot('04b-freeze-other-cut');
    await id('cut-default').click();
  }
  // the images as a head cut here would see them: at the default cut, then much lower
  await page.locator('[data-testid="cut-map"] [data-testid="feature-map-draw"]').click();
  await page.locator('[data-testid="cut-map"] [data-testid="feature-map-chart"]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="cut-map"]').scrollIntoViewIfNeeded();
  await shot('04c-freeze-map-default');
  const low = page.locator('[data-testid="layer-row-block_6_expand_relu"]');
  if (await low.count()) {
    await low.click();
    await w.waitText('selected-cut', /block_6_expand_relu/);
    await page.locator('[data-testid="cut-map"] [data-testid="feature-map-draw"]').click();
    await page.locator('[data-testid="cut-map"] [data-testid="feature-map-chart"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="cut-map"]').scrollIntoViewIfNeeded();
    await shot('04d-freeze-map-low');
    await id('cut-default').click();
  }
}
