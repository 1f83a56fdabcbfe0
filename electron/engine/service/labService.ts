import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../../shared/contract';
import { modelCatalog } from '../../../shared/catalog';
import { TransferLabError } from '../../../shared/errors';
import type { Handlers } from '../../../shared/rpc';
import { scanDataset } from '../dataset/scanDataset';
import { exportRun } from '../export/exportModel';
import { checkExportParity } from '../export/parity';
import { thumbnailJpeg } from '../images/thumbnail';
import { augmentPreviewJpegs } from '../images/augment';
import { planExtraction } from '../extract/memoryBudget';
import { defaultCut, listLayers, loadLayersBackbone } from '../models/loadBackbone';
import { cachedCatalogIds, resolveModel } from '../models/resolveModel';
import { planBackbone, type BackbonePlan } from '../run/openBackbone';
import { chooseSplit, forwardFlops } from '../train/fineTune';
import type { ResolvedModel } from '../models/resolveModel';
import { readRun } from '../run/runFolder';
import { userCacheDir } from '../paths';
import { currentBackend, initBackend, type BackendPreference } from '../tf/backend';
import { listFolder } from './fsBrowser';
import { ChosenFolders } from './chosenFolders';
import { JobRunner } from './jobRunner';
import { buildLabReport } from '../report/labReport';
import { printPdf } from '../report/pdf';
import { diskError, writeFileAtomic } from '../util/atomicWrite';
import { assertReplaceable } from '../util/ownedFile';
import { reportPdfName, withReportExtension } from '../../../shared/ownFiles';
import { defaultPaper } from '../report/paperLocale';
import { planSweep, plannedConfig, SweepPlanError } from '../../../shared/sweep';
import type { RunRecord } from '../../../shared/run';
import { MeasuredSpeeds } from './measuredSpeeds';
import { BottleneckCache } from '../cache/bottleneckCache';
import { extractionOf } from '../../../shared/extraction';
import { projectHandlers } from './projectHandlers';
import { ProjectRunLog } from '../project/projectRuns';
import type { ProjectOwner } from '../../../shared/contract';
import type { TrainConfig } from '../../../shared/run';

export interface LabServiceOptions {
  host: 'electron' | 'web';
  version: string;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  backend?: BackendPreference;
  /** where runs, thumbnails and app state live; default ~/.cache/transfer-lab */
  dataDir?: string;
  /** where the recent-projects list lives; default ~/.config/transfer-lab */
  configDir?: string;
}

export interface LabService {
  handlers: Partial<Handlers>;
  jobs: JobRunner;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** the machine, as the report names it */
function machineLine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${process.platform} ${process.arch}, Node ${process.versions.node}`;
}

/** what fine-tuning the top `layers` would train and cost, for the Freeze step */
async function fineTunePlan(model: ResolvedModel, plan: BackbonePlan, layers: number, batchSize: number, headBytes: number) {
  if (layers <= 0) return { fineTune: null, fineTuneUnavailable: null };
  if (model.format !== 'layers') return { fineTune: null, fineTuneUnavailable: `${model.name} is a graph model: its layers are frozen as published.` };
  const m = await loadLayersBackbone(model.dir);
  try {
    const point = chooseSplit(m, plan.cut, layers);
    const splitShape = (m.getLayer(point.split).outputShape as number[]).slice(1);
    const top = point.trainable;
    const params = top.reduce((s, n) => s + m.getLayer(n).countParams(), 0);
    // forward, then backward at about twice that
    const flops = 3 * forwardFlops(m, top);
    const cacheFloats = splitShape.reduce((a, b) => a * b, 1);
    // weights, gradients and two Adam moments; a batch of cached features and the top's activations (×3 for backward)
    const bytes = params * 4 * 4 + batchSize * cacheFloats * 4 * 3 * Math.max(1, top.length) + headBytes;
    return {
      fineTune: {
        split: point.split,
        splitShape,
        layers: top,
        trainableParams: params,
        mflopsPerImage: Math.round(flops / 1e6),
        cacheBytesPerImage: cacheFloats * 4,
        trainMemoryMiB: Math.max(1, Math.round(bytes / MiB)),
      },
      fineTuneUnavailable: null,
    };
  } catch (e) {
    return { fineTune: null, fineTuneUnavailable: e instanceof Error ? e.message : String(e) };
  } finally {
    m.dispose();
  }
}

/**
 * The engine behind the app: every request of the contract except the native dialogs,
 * which belong to Electron's main process. The same object serves the desktop app (in a
 * utility process) and the web host, so both behave the same.
 */
export function createLabService(o: LabServiceOptions): LabService {
  const dataDir = o.dataDir ?? userCacheDir();
  const configDir =
    o.configDir ??
    path.join(
      process.env.XDG_CONFIG_HOME && path.isAbsolute(process.env.XDG_CONFIG_HOME) ? process.env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config'),
      'transfer-lab',
    );
  const speeds = new MeasuredSpeeds(path.join(dataDir, 'measured-speeds.json'));
  const jobs = new JobRunner(o.emit, path.join(dataDir, 'workspace', 'runs'));
  const backendReady = initBackend(o.backend ?? 'auto');
  const backendOpt = o.backend ? { backend: o.backend } : {};
  // the card's figure is the one the cache keeps for this model and cut: its largest extraction
  const recordSpeed = (run: RunRecord) => {
    const m = BottleneckCache.measurementIn(run.cache.dir) ?? extractionOf(run).measurement;
    if (m?.imagesPerSecond) speeds.record(run.model.source, run.model.fineTune?.split ?? run.model.cut, m);
  };
  const chosen = new ChosenFolders(configDir);
  const projectRuns = new ProjectRunLog(path.join(dataDir, 'workspace', 'project-runs.json'));
  // each run a job finishes is recorded with its project, to join it even if no window saw it end
  const onRunDone = (owner: ProjectOwner | undefined, form: TrainConfig | null) => (run: RunRecord, runDir: string) => {
    recordSpeed(run);
    if (owner) projectRuns.add(owner, run, runDir, form).catch(() => undefined);
  };
  const inspect = async (source: string) => resolveModel(source, { onDownload: (p) => o.emit('download.progress', { source, ...p }) });

  const handlers: Partial<Handlers> = {
    'app.info': async () => {
      await backendReady.catch(() => undefined);
      return {
        version: o.version,
        host: o.host,
        platform: process.platform,
        arch: process.arch,
        cpus: os.cpus().length,
        totalMemoryMiB: Math.round(os.totalmem() / MiB),
        homeDir: os.homedir(),
        backend: currentBackend()?.provider ?? null,
      };
    },
    // any folder the user types is listed (it is their machine); the browser starts at home and offers the places they chose
    'fs.list': async ({ path: dir }) => ({ ...(await listFolder(dir)), places: await chosen.places() }),
    'dataset.scan': async ({ path: root, split }) => {
      const scan = await scanDataset(root, { ...(split ? { split } : {}), onProgress: (done, total) => o.emit('scan.progress', { path: root, done, total }) });
      await chosen.choose('dataset', root);
      return scan;
    },
    'dataset.thumbnail': async ({ root, relPath, size }) => {
      const file = await chosen.datasetImage(root, relPath);
      const jpeg = await thumbnailJpeg(file, size, path.join(dataDir, 'thumbnails'));
      return { dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}` };
    },
    'dataset.augmentPreview': async ({ root, relPath, contentHash, variants, size }) => {
      const file = await chosen.datasetImage(root, relPath);
      const jpegs = await augmentPreviewJpegs(file, contentHash, variants, size);
      return { dataUrls: jpegs.map((j) => `data:image/jpeg;base64,${j.toString('base64')}`) };
    },
    'models.catalog': async () => ({ entries: modelCatalog, measured: speeds.all(), cached: await cachedCatalogIds() }),
    'models.inspect': async ({ source }) => {
      await backendReady;
      const model = await inspect(source);
      if (model.format === 'graph') {
        const plan = await planBackbone(model, undefined);
        return {
          source,
          name: model.name,
          format: model.format,
          key: model.key,
          preprocessing: model.preprocessing,
          defaultCut: plan.cut,
          layers: [],
          totalParams: plan.frozenParams,
          fromCache: model.fromCache,
          downloaded: model.downloaded,
        };
      }
      const m = await loadLayersBackbone(model.dir);
      try {
        return {
          source,
          name: model.name,
          format: model.format,
          key: model.key,
          preprocessing: model.preprocessing,
          defaultCut: model.catalog?.defaultCut ?? defaultCut(m),
          layers: listLayers(m),
          totalParams: m.countParams(),
          fromCache: model.fromCache,
          downloaded: model.downloaded,
        };
      } finally {
        m.dispose();
      }
    },
    'freeze.plan': async ({ source, cut, classCount, head, batchSize, fineTuneLayers }) => {
      await backendReady;
      const model = await inspect(source);
      const plan = await planBackbone(model, cut ?? model.catalog?.defaultCut);
      const trainableParams =
        head.hiddenUnits > 0
          ? plan.featureDim * head.hiddenUnits + head.hiddenUnits + head.hiddenUnits * classCount + classCount
          : plan.featureDim * classCount + classCount;
      const budget = planExtraction({
        items: 1000,
        weightsBytes: plan.weightsBytes,
        peakActivationFloats: plan.peakActivationFloats,
        inputFloats: plan.inputFloats,
      });
      const extractBytes = budget.workers * (plan.weightsBytes * 2 + 96 * MiB + budget.batchSize * budget.bytesPerImage);
      // weights, gradients and two Adam moments, plus a batch of features and activations
      const trainBytes = trainableParams * 4 * 4 + batchSize * (plan.featureDim + Math.max(head.hiddenUnits, classCount)) * 4 * 3;
      return {
        cut: plan.cut,
        cutShape: plan.cutShape,
        pooling: plan.pooling,
        featureDim: plan.featureDim,
        frozenParams: plan.frozenParams,
        trainableParams,
        cacheBytesPerImage: plan.featureDim * 4,
        extractMemoryMiB: Math.round(extractBytes / MiB),
        trainMemoryMiB: Math.max(1, Math.round(trainBytes / MiB)),
        ...(await fineTunePlan(model, plan, fineTuneLayers, batchSize, trainBytes)),
      };
    },
    'train.start': async ({ dataset, split, source, cut, config, owner, jobId: named }) => {
      await backendReady;
      const jobId = jobs.start(
        [{ label: 'one run', options: { dataset, split, model: source, ...(cut ? { cut } : {}), config, ...backendOpt } }],
        onRunDone(owner, config),
        owner ?? null,
        named,
      );
      return { jobId };
    },
    'train.resume': async ({ runDir, owner, jobId: named }) => {
      await backendReady;
      return { jobId: jobs.start([{ label: 'resumed run', options: { resume: runDir, ...backendOpt } }], onRunDone(owner, null), owner ?? null, named) };
    },
    'sweep.start': async ({ dataset, split, source, cut, config, axes, skip, owner, jobId: named }) => {
      await backendReady;
      let plan;
      try {
        plan = planSweep({ model: source, config, perClass: config.imagesPerClass, fineTune: config.fineTuneLayers }, axes);
      } catch (e) {
        if (e instanceof SweepPlanError) throw new TransferLabError('BAD_ARGUMENT', e.message, 'Fewer values, or fix the one named.');
        throw e;
      }
      // runs the app reuses instead (finished before with the same settings) are not trained again
      const toRun = plan.filter((p) => !skip?.includes(p.index));
      if (!toRun.length)
        throw new TransferLabError(
          'BAD_ARGUMENT',
          'Every run of these experiments is skipped: nothing to train.',
          'Their finished runs are already in the project.',
        );
      const queue = toRun.map((p) => ({
        label: p.label,
        // the bottleneck the user chose belongs to the model it was chosen on
        options: { dataset, split, model: p.model, ...(cut && p.model === source ? { cut } : {}), config: plannedConfig(p), ...backendOpt },
      }));
      const jobId = jobs.start(queue, onRunDone(owner, config), owner ?? null, named);
      return { jobId, runs: toRun.map((p, i) => ({ index: i, label: p.label, epochs: p.config.epochs, planIndex: p.index })) };
    },
    'sweep.cancelRun': async ({ jobId, index }) => ({ cancelled: jobs.cancelRun(jobId, index) }),
    'train.stop': async ({ jobId }) => ({ stopped: jobs.stop(jobId) }),
    'train.current': async () => ({ job: jobs.snapshot() }),
    'run.read': async ({ runDir }) => readRun(runDir),
    'run.export': async ({ runDir, dest, parity, formats }) => {
      await backendReady;
      const { dir, manifest } = await exportRun(runDir, dest, { formats });
      await chosen.choose('export', dest);
      const report = parity ? await checkExportParity(runDir, dir) : null;
      return {
        dir,
        layout: manifest.layout ?? null,
        onnx: manifest.onnx ? { file: manifest.onnx.file, opset: manifest.onnx.opset } : null,
        onnxSkipped: manifest.onnxSkipped ?? null,
        parity: report,
      };
    },
    'report.export': async ({ project, htmlFile: asked, pdf, paper }) => {
      // only .html and .pdf, and never over a file we did not write
      const htmlFile = withReportExtension(asked);
      const pdfFile = pdf ? reportPdfName(htmlFile) : null;
      await assertReplaceable(htmlFile, 'report');
      if (pdfFile) await assertReplaceable(pdfFile, 'pdf');
      const html = buildLabReport(project, { generatedAt: new Date(), appVersion: o.version, machine: machineLine(), paper: paper ?? defaultPaper() });
      try {
        await fs.promises.mkdir(path.dirname(htmlFile), { recursive: true });
        await writeFileAtomic(htmlFile, html);
      } catch (e) {
        throw diskError(e, htmlFile);
      }
      await chosen.choose('export', path.dirname(htmlFile));
      if (!pdfFile) return { htmlFile, pdfFile: null, pdfUnavailable: null };
      try {
        await printPdf(htmlFile, pdfFile);
        return { htmlFile, pdfFile, pdfUnavailable: null };
      } catch (e) {
        return {
          htmlFile,
          pdfFile: null,
          pdfUnavailable: `${e instanceof Error ? e.message : String(e)}. Open the HTML report in a browser and print it to PDF.`,
        };
      }
    },
    ...projectHandlers(configDir, projectRuns, (folder) => chosen.choose('project', folder)),
  };

  return {
    handlers,
    jobs,
    close: async () => {
      const s = jobs.snapshot();
      if (s?.status === 'running') jobs.stop(s.jobId);
      await jobs.idle();
    },
  };
}
