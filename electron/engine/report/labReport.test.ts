import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newProject, type Project } from '../../../shared/project';
import { sampleRunRecord } from '../../../shared/project.fixtures';
import type { FeatureMap } from '../../../shared/featureMap';
import { findLab, labQuestions } from '../../../shared/lab';
import { buildLabReport, runsWithFeatureMaps } from './labReport';
import { findChromium, printPdf } from './pdf';

function labProject(): Project {
  const p = newProject('Pets lab');
  const a = { ...sampleRunRecord('run-a'), weightsDir: '/w/a' };
  const b = { ...sampleRunRecord('run-b'), weightsDir: '/w/b' };
  a.config = { ...a.config, batchSize: 4 };
  b.config = { ...b.config, batchSize: 32 };
  b.evaluation = { ...b.evaluation, accuracy: 0.9125 };
  b.timings = { ...b.timings, trainSeconds: 12.34 };
  b.devices = {
    frozenPart: { device: 'cpu', by: "ONNX Runtime's CPU provider", why: 'no GPU path for the frozen part loads here' },
    head: { device: 'cpu', by: 'tfjs-backend-cpu', why: '@tensorflow/tfjs-node-gpu: not installed' },
  };
  p.runs = [a, b];
  p.dataset = { path: '/data/pets', split: { val: 0.1, test: 0.2 }, classes: ['cat', 'dog'] };
  p.notes = 'Tried the <script> tag trick: nothing.';
  p.lab = {
    labId: 'transfer-learning',
    answers: { 'batch-size-why': 'Batch 32 was faster:\n12.3 s against more.', 'images-enough': '' },
    runs: { 'batch-size': ['run-a', 'run-b'] },
    task: null,
  };
  return p;
}

describe('the lab report', () => {
  const html = buildLabReport(labProject(), {
    generatedAt: new Date('2026-12-03T10:00:00Z'),
    appVersion: '0.1.0',
    machine: '2 × AMD EPYC, 23.5 GiB, linux x64',
  });

  it("says the frozen part's reason once: the top layers' and the head's rows only say it stayed on the CPU", () => {
    const p = labProject();
    const noAdapter = 'no GPU adapter: Dawn found no Vulkan adapter';
    const fine = p.runs[1]!;
    fine.devices = {
      frozenPart: { device: 'cpu', by: "ONNX Runtime's CPU provider", why: noAdapter },
      topLayers: { device: 'cpu', by: 'tfjs-backend-cpu', why: `the frozen part stayed on the CPU: ${noAdapter}` },
      head: { device: 'cpu', by: 'tfjs-backend-cpu', why: `the frozen part stayed on the CPU: ${noAdapter}; @tensorflow/tfjs-node-gpu: not installed` },
    };
    const report = buildLabReport(p, { generatedAt: new Date('2026-12-03T10:00:00Z'), appVersion: '0.1.0', machine: 'x' });
    const header = report.slice(0, report.indexOf('</header>'));
    // it was said three times, once a row
    expect(header.split(noAdapter)).toHaveLength(2);
    expect(header).toContain(
      '<tr><td>Top layers</td><td>CPU by tfjs-backend-cpu<br><span class="why">because the frozen part stayed on the CPU</span></td></tr>',
    );
    expect(header).toContain(
      '<tr><td>Head</td><td>CPU by tfjs-backend-cpu<br><span class="why">because the frozen part stayed on the CPU; @tensorflow/tfjs-node-gpu: not installed</span></td></tr>',
    );
  });

  it('holds the answers, escaped, and says which questions are open', () => {
    expect(html).toContain('Batch 32 was faster:<br>12.3 s against more.');
    expect(html).toContain('Tried the &lt;script&gt; tag trick');
    expect(html).not.toContain('<script');
    expect(html).toMatch(/Why does the batch size matter\?/);
    expect(html).toContain(`<b>1 / ${labQuestions(findLab('transfer-learning')!).length}</b>questions answered`);
    expect(html).toContain('(not answered)');
  });

  it('holds the measured figures of the runs that answer each task, the machine and the backend', () => {
    const batch = html.slice(html.indexOf('data-task="batch-size"'), html.indexOf('data-task="learning-rate"'));
    expect(batch).toContain('<td>4</td>');
    expect(batch).toContain('<td>32</td>');
    expect(batch).toContain('<b>91.3%</b>');
    expect(batch).toContain('12.3 s');
    expect(batch).toMatch(/<svg[^>]*>/);
    // the curves the task asks about: training and validation loss and accuracy, not validation accuracy alone
    for (const caption of ['Training loss', 'Validation loss', 'Training accuracy', 'Validation accuracy'])
      expect(batch).toContain(`<figcaption>${caption} after each epoch.</figcaption>`);
    expect(html).toContain('2 × AMD EPYC');
    expect(html).toContain('tfjs-backend-cpu');
    // which device ran each part, and why not a GPU: one row a part in the header, each reason once
    const header = html.slice(0, html.indexOf('</header>'));
    expect(header).toMatch(
      // the older run's record names only the runtime (TF.js); the newer one the device and why
      /<tr><td>Frozen part<\/td><td>TF.js; CPU by ONNX Runtime(&#39;|')s CPU provider<br><span class="why">because no GPU path for the frozen part loads here<\/span><\/td><\/tr>/,
    );
    expect(header).toContain(
      '<tr><td>Head</td><td>CPU by tfjs-backend-cpu<br><span class="why">because @tensorflow/tfjs-node-gpu: not installed</span></td></tr>',
    );
    expect(header.split('no GPU path for the frozen part loads here')).toHaveLength(2);
    // a task's line names the devices, the reasons left to the header
    expect(html).toMatch(/Measured on 2 × AMD EPYC[^<]*; frozen part: TF.js; CPU by ONNX Runtime(&#39;|')s CPU provider; head: CPU by tfjs-backend-cpu\./);
    // the task whose experiment was not run says so
    expect(html.slice(html.indexOf('data-task="learning-rate"'))).toMatch(/was not run/);
    // the best run's confusion matrix, drawn
    expect(html).toMatch(/The best run: number 2[\s\S]*<svg/);
  });

  it('answers the timing question of a cached best run with the extraction its features came from, not 0.0 s', () => {
    const p = labProject();
    const once = { images: 768, seconds: 12, imagesPerSecond: 64, measuredAt: '2026-12-05T08:00:00.000Z', extractor: 'onnx', device: 'cpu' as const };
    const b = p.runs[1]!;
    p.runs[1] = {
      ...b,
      timings: { ...b.timings, extractSeconds: 0 },
      cache: { hits: 768, misses: 0, dir: '/c/k' },
      extractor: { runtime: 'cache', backend: 'cpu', workers: 0, batchSize: 0, imagesPerSecond: null },
      extraction: { source: 'cache', extracted: 0, cached: 768, measurement: once },
    };
    const cached = buildLabReport(p, { generatedAt: new Date('2026-12-03T10:00:00Z'), appVersion: '0.1.0', machine: 'here' });
    expect(cached).toContain(
      'Bottlenecks extracted once by ONNX Runtime (CPU): 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since. Training took 12.3 s',
    );
    expect(cached).not.toContain('took 0.0 s');
    // its row in the task's table: the extraction's time, reused, and the frozen part that made the features
    expect(cached).toContain('12 s once, reused');
    expect(cached).toContain('nothing now; extracted once by ONNX Runtime, 64.0 images/s (15.6 ms an image)');
  });

  it('is marked as ours, keeps the best run’s heading with its matrix, and prints on the paper asked', () => {
    expect(html).toContain('<meta name="generator" content="Transfer Lab">');
    expect(html).toMatch(/<title>[^<]* — Transfer Lab<\/title>/);
    expect(html).toMatch(/<div class="keep"><h2>The best run: number 2<\/h2>[\s\S]*?<figure>[\s\S]*?<\/figure><\/div>/);
    expect(html).toMatch(/\.keep \{ break-inside: avoid/);
    expect(html).toContain('@page { size: A4;');
    const letter = buildLabReport(labProject(), { generatedAt: new Date(), appVersion: '0.1.0', machine: 'x', paper: 'letter' });
    expect(letter).toContain('@page { size: letter;');
  });

  it.skipIf(!findChromium())(
    'prints to PDF with Chromium',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-report-'));
      const file = path.join(dir, 'report.html');
      fs.writeFileSync(file, html);
      await printPdf(file, path.join(dir, 'report.pdf'));
      const pdf = fs.readFileSync(path.join(dir, 'report.pdf'));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(20_000);
      expect(fs.readdirSync(dir).sort()).toEqual(['report.html', 'report.pdf']);
    },
    90_000,
  );
});

describe("the report's feature maps", () => {
  /** the bottleneck task's two runs: the head alone, and with 4 layers fine-tuned */
  function bottleneckProject(): Project {
    const p = labProject();
    p.lab = { ...p.lab!, runs: { ...p.lab!.runs, bottleneck: ['run-a', 'run-b'] } };
    return p;
  }
  const map: FeatureMap = {
    layer: 'out_relu',
    featureDim: 1280,
    explained: [0.4, 0.2],
    datasetImages: 4,
    failed: 0,
    points: [
      { path: 'cat/1.jpg', label: 0, split: 'train', x: -1, y: 0 },
      { path: 'cat/2.jpg', label: 0, split: 'test', x: -1, y: 1, predicted: 1 },
      { path: 'dog/3.jpg', label: 1, split: 'test', x: 1, y: 0, predicted: 1 },
      { path: 'dog/4.jpg', label: 1, split: 'val', x: 1, y: 1 },
    ],
  };

  it('asks for the maps of the runs whose task shows them, and of no other', () => {
    expect(runsWithFeatureMaps(bottleneckProject()).map((r) => r.id)).toEqual(['run-a', 'run-b']);
    // the batch-size task's runs are in the project too, but it shows no maps
    expect(runsWithFeatureMaps(labProject())).toEqual([]);
  });

  it("draws each run's map in its task, side by side, and says why one could not be drawn", () => {
    const html = buildLabReport(bottleneckProject(), {
      generatedAt: new Date(),
      appVersion: '0.1.0',
      machine: 'x',
      featureMaps: new Map<string, FeatureMap | { error: string }>([
        ['run-a', map],
        ['run-b', { error: "The run's dataset folder /data/pets is gone." }],
      ]),
    });
    const task = html.slice(html.indexOf('data-task="bottleneck"'), html.indexOf('data-task="batch-size"'));
    expect(task).toMatch(
      /<div class="maps keep"><figure class="map"><svg[\s\S]*?<\/svg><figcaption><b>1: [^<]*<\/b>: 4 images, 1280 numbers at <code>out_relu<\/code>; ◆ test images, 1 ringed red/,
    );
    expect(task).toContain("no map (The run's dataset folder /data/pets is gone.)");
    // the task without maps draws none
    const batch = html.slice(html.indexOf('data-task="batch-size"'), html.indexOf('data-task="learning-rate"'));
    expect(batch).not.toContain('class="map"');
  });
});
