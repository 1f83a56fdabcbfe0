import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';
import { artifacts, startHarness, type Harness } from './harness';

/**
 * A student in the guided lab, in Debian's Chromium against the real engine: the batch-size
 * and learning-rate experiments run from their tasks' buttons, the questions are answered
 * with the measured figures at hand, and the lab report is written — as HTML and as PDF —
 * holding the figures of exactly those runs. The PDF's pages go to e2e/artifacts as PNGs.
 */
let h: Harness;
let dataset: string;

beforeAll(async () => {
  h = await startHarness('tl-lab-');
  dataset = await fashionMnistCopy({ perClass: 20, classes: ['1_trouser', '5_sandal', '8_bag'], dest: path.join(h.work, 'clothes') });
});

afterAll(async () => {
  await h?.close();
});

/** the accuracy cells of the task's figure table, as shown */
async function shownAccuracies(): Promise<string[]> {
  return (await h.page.getByTestId('figure-accuracy').allTextContents()).map((s) => s.trim());
}

async function runExperiment(task: string, runs: number): Promise<string[]> {
  await h.id(`lab-task-${task}`).click();
  await h.id(`lab-body-${task}`).waitFor();
  await h.id('lab-run').click();
  await h.until(
    `${runs} runs of ${task}`,
    async () => (await h.page.getByTestId('figure-row').count()) === runs && !(await h.id('lab-run').isDisabled()),
    300_000,
  );
  const acc = await shownAccuracies();
  expect(acc).toHaveLength(runs);
  for (const a of acc) expect(a).toMatch(/^\d+(\.\d)?%$/);
  return acc;
}

describe('the guided lab', () => {
  it('runs the batch-size and learning-rate experiments from their tasks, answers them, and writes the report with their figures', async () => {
    const { page, id } = h;
    await page.goto(h.url);
    await id('new-project').click();
    await id('dataset-path').fill(dataset);
    await id('scan-button').click();
    await id('class-row-8_bag').waitFor({ timeout: 60_000 });
    await id('nav-model').click();
    await id('model-folder-path').fill(pretrainedModelDir('mobilenet_v2'));
    await id('model-folder-use').click();
    await id('model-name').waitFor({ timeout: 120_000 });

    await id('nav-lab').click();
    await id('lab-page').waitFor();
    await h.shot('lab-01-tools');

    const batch = await runExperiment('batch-size', 2);
    await id('figure-curves').waitFor();
    await h.shot('lab-02-batch-size');
    const batchAnswer = `Batch 32 and batch 4 reached ${batch.join(' and ')}; the bigger batch took fewer, smoother steps.`;
    await id('lab-answer-batch-size-why').fill(batchAnswer);

    // its lr 0.01 run (the default rate) is the batch-size task's batch 32 run, setting for setting: reused, not trained again
    const lr = await runExperiment('learning-rate', 3);
    expect(await h.text('lab-run-reused')).toMatch(/^lr 0\.01 — reused \(run 2, same settings\)$/);
    expect(lr[1]).toBe(batch[1]);
    await h.shot('lab-03-learning-rate');
    await id('lab-answer-learning-rate-small').fill(`0.001 learnt slowly: ${lr[0]} against ${lr[1]} at 0.01.`);
    await id('lab-answer-learning-rate-large').fill(`1.0 jumps about: ${lr[2]}.`);
    // the sidebar counts the answers and the runs: four trained, one of them in two tasks
    await h.until('answers counted', async () => /3 of 13 answered · 4 runs/.test(await h.text('nav-lab')));

    // another task shows its own runs only; tasks go in any order
    await id('lab-task-bottleneck').click();
    await id('lab-body-bottleneck').waitFor();
    expect(await page.getByTestId('figure-row').count()).toBe(0);

    const htmlFile = path.join(h.work, 'clothes-lab-report.html');
    await id('report-dest').fill(htmlFile);
    await id('report-write').click();
    await id('report-result')
      .waitFor({ timeout: 120_000 })
      .catch(async (e: unknown) => {
        await h.shot('lab-04-report-failed');
        throw new Error(`no report: ${(await page.locator('.notice, [role="alert"]').allTextContents()).join(' | ')} (${String(e)})`);
      });
    await h.shot('lab-04-report-written');
    const html = fs.readFileSync(htmlFile, 'utf8');
    const section = (task: string, next: string) => html.slice(html.indexOf(`data-task="${task}"`), html.indexOf(`data-task="${next}"`));
    // the measured figures of those runs, in the tasks they answer
    for (const a of batch) expect(section('batch-size', 'learning-rate')).toContain(`<b>${a}</b>`);
    for (const a of lr) expect(section('learning-rate', 'images-per-class')).toContain(`<b>${a}</b>`);
    expect(section('batch-size', 'learning-rate')).toContain(batchAnswer.replace(/&/g, '&amp;'));
    expect(section('learning-rate', 'images-per-class')).toContain('1.0 jumps about');
    expect(html).toMatch(/<b>4<\/b>runs/);

    // the PDF, printed by the web host's Chromium, as an instructor would page through it
    const pdf = htmlFile.replace(/\.html$/, '.pdf');
    expect(await h.text('report-pdf')).toBe(pdf);
    // a browser on another machine (a Jetson through SSH) downloads the PDF the engine wrote
    const href = await h.id('report-pdf-download').getAttribute('href');
    const download = await h.page.request.get(new URL(href!, h.url).toString());
    expect(download.status()).toBe(200);
    expect((await download.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const pages = spawnSync('pdftoppm', ['-png', '-r', '60', pdf, path.join(artifacts, 'lab-report-page')]);
    if (pages.status === 0) expect(fs.readdirSync(artifacts).filter((f) => f.startsWith('lab-report-page')).length).toBeGreaterThan(3);

    // the four runs side by side on the Experiments step, every column in view at the window's width (the last was cut off)
    await id('nav-experiments').click();
    await h.until('four runs to compare', async () => (await page.locator('[data-testid^="compare-row-"]').count()) === 4);
    const hidden = await id('compare-table').evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth);
    await h.shot('lab-05-compare');
    expect(hidden).toBeLessThanOrEqual(0);
    expect(h.pageErrors).toEqual([]);
  }, 600_000);
});
