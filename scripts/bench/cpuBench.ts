import path from 'node:path';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { secondModelOf, type BenchOptions } from './cli';
import { cpuCount, machineInfo } from './machine';
import { countImages, oursExtractionKept, oursMemory, oursSweep, sweepEpochs, sweepPoints, type OursMemory, type OursSweep } from './ours';
import type { OursExtraction } from './ours';
import { checkPeer, guessPeerModel, peerInstallHint, runPeer, type PeerModel } from './peer';
import { peerSweep, type PeerSweep } from './peerSweep';
import { ratio, round, type BenchLine } from './report';
import type { Steps } from './steps';

const peerExtractBatches = [4, 8, 16, 32];

/**
 * CPU mode, the default: our extraction, lab sweep and peak memory against the PyTorch peer's
 * on the same images and architecture, and the extraction again on a second architecture.
 * Returns the closing line; scripts/bench.ts prints it.
 */
export async function cpuBench(o: {
  opts: BenchOptions;
  data: string;
  model: string;
  workDir: string;
  repoRoot: string;
  peerScript: string;
  steps: Steps;
  log: (s: string) => void;
}): Promise<BenchLine> {
  const { opts, data, model, peerScript, log } = o;
  const { step, bestExtraction, loads, notes } = o.steps;
  const peerModel: PeerModel = opts.peerModel ?? guessPeerModel(model);
  const threads = cpuCount();
  // before any step: the load average later would mostly be this bench's own work
  const machine = machineInfo();
  log(`dataset ${data}; model ${model}; scratch ${o.workDir}`);

  const peer = opts.skipPeer ? { ok: false as const, reason: 'skipped with --skip-peer' } : checkPeer(peerScript);
  if (!peer.ok) {
    const msg = opts.skipPeer
      ? 'peer skipped (--skip-peer): ours alone, ratios are null'
      : `the PyTorch peer is missing: ${peer.reason}. Install it (as root) with: ${peerInstallHint}. Reporting ours alone, with null ratios.`;
    log(msg);
    notes.push(msg);
  }

  // the sweep goes first so its cold start (backend and model load) is paid inside it
  const sweep: OursSweep | null = await step(`ours: lab sweep, ${sweepPoints.length} runs × ${sweepEpochs} epochs in one process from a cold cache`, () =>
    oursSweep({
      dataset: data,
      model,
      workDir: o.workDir,
      onRun: (i, p) => log(`   run ${i + 1}/${sweepPoints.length}: lr ${p.learningRate}, batch ${p.batchSize}`),
    }),
  );
  const extract = await bestExtraction('ours: feature extraction on a fresh cache (trainRun, 1 epoch)', data, model);
  const kept = await bestExtraction(
    'ours: the same extraction where an earlier run kept the compiled graph and its parity verdict',
    data,
    model,
    oursExtractionKept,
  );

  const peerByBatch: Record<string, number | null> = {};
  let peerSweepResult: PeerSweep | null = null;
  if (peer.ok) {
    for (const b of peerExtractBatches) {
      const r = await step(`peer: extraction, cached mode, 1 epoch, batch ${b}, ${threads} threads`, () =>
        runPeer(peerScript, data, { model: peerModel, mode: 'cached', epochs: 1, batchSize: b, learningRate: 0.001, threads }),
      );
      peerByBatch[b] = r?.imagesPerSecond ?? null;
    }
    peerSweepResult = await peerSweep({ script: peerScript, data, model: peerModel, threads, tutorialRuns: opts.peerTutorialRuns, step });
  }

  // a second architecture: how far ahead extraction is on a heavier network (Inception v3)
  let second: BenchLine['extractSecond'] = null;
  const secondModel = secondModelOf(opts);
  if (secondModel) {
    const secondData = await fashionMnistDataset({ perClass: opts.secondPerClass });
    const secondPeer = guessPeerModel(secondModel);
    const o2 = await bestExtraction(`ours: feature extraction with ${path.basename(secondModel)} on a fresh cache`, secondData, secondModel);
    const byBatch: Record<string, number | null> = {};
    if (peer.ok) {
      for (const b of peerExtractBatches) {
        const r = await step(`peer: ${secondPeer} extraction, cached mode, 1 epoch, batch ${b}, ${threads} threads`, () =>
          runPeer(peerScript, secondData, { model: secondPeer, mode: 'cached', epochs: 1, batchSize: b, learningRate: 0.001, threads }),
        );
        byBatch[b] = r?.imagesPerSecond ?? null;
      }
    }
    const best2 = Object.entries(byBatch).reduce<[string, number] | null>((acc, [b, v]) => (v !== null && (acc === null || v > acc[1]) ? [b, v] : acc), null);
    const ours2 = round(o2?.imagesPerSecond ?? null, 1);
    second = {
      model: o2?.modelName ?? path.basename(secondModel),
      peerModel: peer.ok ? secondPeer : null,
      images: o2?.datasetImages ?? countImages(secondData),
      ours: ours2,
      peer: best2 ? best2[1] : null,
      peerBatch: best2 ? Number(best2[0]) : null,
      ratio: ratio(ours2, best2 ? best2[1] : null),
      peerByBatch: peer.ok ? byBatch : null,
    };
    if (o2)
      notes.push(
        `ours extraction, ${second.model}: ${o2.images} images in ${o2.extractSeconds.toFixed(1)} s including worker start and parity check (${(o2.images / o2.extractSeconds).toFixed(1)} images/s)`,
      );
  }

  let mem1: OursMemory | null = null;
  let mem10: OursMemory | null = null;
  if (!opts.skipMemory) {
    const n = opts.perClass;
    const [d1, d10] = [await fashionMnistDataset({ perClass: n }), await fashionMnistDataset({ perClass: 10 * n })];
    mem1 = await step(`ours: peak memory, full train run of ${10 * n} images in a fresh CLI process`, () =>
      oursMemory({ repoRoot: o.repoRoot, dataset: d1, model, workDir: o.workDir, label: '1x' }),
    );
    mem10 = await step(`ours: peak memory, full train run of ${100 * n} distinct images in a fresh CLI process`, () =>
      oursMemory({ repoRoot: o.repoRoot, dataset: d10, model, workDir: o.workDir, label: '10x' }),
    );
  }

  const best = Object.entries(peerByBatch).reduce<[string, number] | null>((acc, [b, v]) => (v !== null && (acc === null || v > acc[1]) ? [b, v] : acc), null);
  const oursX = round(extract?.imagesPerSecond ?? null, 1);
  const oursS = round(sweep?.seconds ?? null, 1);
  const line: BenchLine = {
    type: 'bench',
    model: extract?.modelName ?? path.basename(model),
    peerModel: peer.ok ? peerModel : null,
    dataset: data,
    images: extract?.datasetImages ?? countImages(data),
    extract: {
      ours: oursX,
      peer: best ? best[1] : null,
      peerBatch: best ? Number(best[0]) : null,
      ratio: ratio(oursX, best ? best[1] : null),
      peerByBatch: peer.ok ? peerByBatch : null,
    },
    extractSecond: second,
    allIn: {
      images: extract?.images ?? kept?.images ?? null,
      first: allIn(extract),
      kept: allIn(kept),
    },
    sweep: {
      runs: sweepPoints.length,
      epochs: sweepEpochs,
      ours: oursS,
      peerCached: round(peerSweepResult?.cachedSeconds ?? null, 1),
      peerTutorial: round(peerSweepResult?.tutorialSeconds ?? null, 1),
      ratioCached: ratio(peerSweepResult?.cachedSeconds ?? null, oursS),
      ratioTutorial: ratio(peerSweepResult?.tutorialSeconds ?? null, oursS),
      peerTutorialExtrapolatedFrom: peerSweepResult?.tutorialExtrapolatedFrom ?? null,
    },
    memory: {
      rss1x: mem1?.peakRssMiB ?? null,
      rss10x: mem10?.peakRssMiB ?? null,
      ratio: ratio(mem10?.peakRssMiB ?? null, mem1?.peakRssMiB ?? null),
      images1x: mem1?.images ?? null,
      images10x: mem10?.images ?? null,
    },
    machine: {
      ...machine,
      backend: extract?.backend ?? null,
      extractor: extract
        ? `${extract.runtime === 'onnx' ? `ONNX Runtime, ${extract.threads} threads` : `TF.js ${extract.runtime}, ${extract.workers} workers`}, batch ${extract.batchSize}`
        : null,
      torch: peer.ok ? peer.torch : null,
      busy: loads,
    },
    notes: [...notes, ...(peerSweepResult?.notes ?? [])],
  };
  const standIn = mem1?.viaStandIn ?? mem10?.viaStandIn;
  if (standIn)
    line.notes.push(
      `memory measured by scripts/bench/trainChild.ts (trainRun with the CLI's defaults, a fresh process each) because transfer-lab train could not start: ${standIn}`,
    );
  if (sweep)
    line.notes.push(
      `ours per sweep run, s: ${sweep.runs
        .map(
          (r) =>
            `lr ${r.learningRate}/batch ${r.batchSize} ${r.seconds.toFixed(1)} (${r.extracted ? `extracted ${r.extracted} in ${r.extractSeconds.toFixed(1)}, ` : ''}trained in ${r.trainSeconds.toFixed(1)})`,
        )
        .join('; ')}`,
    );
  if (extract)
    line.notes.push(
      `ours extraction: ${extract.images} images in ${extract.extractSeconds.toFixed(1)} s including worker start and parity check (${(extract.images / extract.extractSeconds).toFixed(1)} images/s); the figure above counts the extraction itself, as the peer's does`,
    );
  if (kept)
    line.notes.push(
      `ours extraction with the compiled graph kept: ${kept.images} images in ${kept.extractSeconds.toFixed(2)} s all in (${(kept.images / kept.extractSeconds).toFixed(1)} images/s; the extraction itself ${kept.imagesPerSecond.toFixed(1)})`,
    );
  return line;
}

const allIn = (x: OursExtraction | null) => (x ? { seconds: round(x.extractSeconds, 2)!, imagesPerSecond: round(x.images / x.extractSeconds, 1)! } : null);
