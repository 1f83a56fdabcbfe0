import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { exportFormatSchema, type ExportFormat } from '../../../shared/contract';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import type { Preprocessing } from '../../../shared/preprocessing';
import type { RunRecord } from '../../../shared/run';
import { loadLayersBackbone } from '../models/loadBackbone';
import { resolveModel } from '../models/resolveModel';
import { fileSystemSaver } from '../tf/fsModelIO';
import { diskError, writeFileAtomic } from '../util/atomicWrite';
import { classifyScript, classifyScriptName } from './classifyScript';
import { readHead, readRun, readTop } from '../run/runFolder';
import { applyTopWeights } from '../train/fineTune';
import { UnsupportedLayerError } from '../frozen/frozenGraph';
import { compileClassifierOnnx, onnxFileName } from './onnxExport';
import { makeDirs } from '../util/makeDirs';
import { assertWritableFolder } from '../util/writableFolder';

/**
 * An exported classifier: one folder a user can copy anywhere. For a layers backbone it is a
 * single TF.js layers model (input → frozen part up to the cut → pooling → head → softmax);
 * a graph backbone (TF Hub format) cannot be merged into a layers model, so the folder holds
 * it as backbone/ beside head/. Beside it, model.onnx: the same classifier as one ONNX graph
 * (onnxExport.ts). transfer-lab.json says what is there, with labels and preprocessing.
 */
export const exportManifestName = 'transfer-lab.json';

/**
 * Every name an export writes in its folder (the TF.js model as one file pair or as backbone/ and
 * head/, the ONNX model, its script, the manifest). Anything else in an earlier export's folder is
 * the user's — photos dropped there to try classify.py on, notes — and an export again leaves it.
 */
const exportEntries = new Set(['model.json', 'weights.bin', 'backbone', 'head', 'model.onnx', classifyScriptName, exportManifestName]);

/**
 * The staged export moved to its folder. A new folder is the staging folder renamed. An earlier
 * export is replaced entry by entry: its manifest goes first (a folder cut off halfway is not
 * taken for a whole export), then its own files, then the new ones come in, the manifest last;
 * what the user added to the folder stays where it is.
 */
async function putInPlace(staging: string, out: string): Promise<void> {
  if (!fs.existsSync(out)) {
    await fsp.rename(staging, out);
    return;
  }
  await fsp.rm(path.join(out, exportManifestName), { force: true });
  for (const name of await fsp.readdir(out)) if (exportEntries.has(name)) await fsp.rm(path.join(out, name), { recursive: true, force: true });
  const staged = (await fsp.readdir(staging)).sort((a, b) => Number(a === exportManifestName) - Number(b === exportManifestName));
  for (const name of staged) await fsp.rename(path.join(staging, name), path.join(out, name));
  await fsp.rm(staging, { recursive: true, force: true });
}

export type { ExportFormat };
export const exportFormats: readonly ExportFormat[] = exportFormatSchema.options;

export interface OnnxExportInfo {
  file: string;
  input: string;
  output: string;
  opset: number;
}

export interface ExportManifest {
  kind: 'transfer-lab-classifier';
  formatVersion: 1;
  /** the TF.js model's layout; absent when only ONNX was exported */
  layout?: 'single-layers-model' | 'graph-backbone+head';
  /** the whole classifier as ONNX, where it was exported */
  onnx?: OnnxExportInfo;
  /** why ONNX was asked for and not written */
  onnxSkipped?: string;
  name: string;
  labels: string[];
  preprocessing: Preprocessing;
  pooling: 'avg' | 'none';
  backbone: { source: string; key: string; cut: string; format: 'layers' | 'graph' };
  run: { id: string; testAccuracy: number; createdAt: string };
  exportedAt: string;
}

async function buildCombinedModel(record: RunRecord, backboneDir: string, head: tfl.LayersModel, top: tfl.LayersModel | null): Promise<tfl.LayersModel> {
  const backbone = await loadLayersBackbone(backboneDir);
  if (top) applyTopWeights(backbone, top);
  let x = backbone.getLayer(record.model.cut).output as tfl.SymbolicTensor;
  if (record.model.pooling === 'avg' && x.shape.length === 4) x = tfl.layers.globalAveragePooling2d({ name: 'tl_pool' }).apply(x) as tfl.SymbolicTensor;
  else if (x.shape.length > 2) x = tfl.layers.flatten({ name: 'tl_flatten' }).apply(x) as tfl.SymbolicTensor;
  // the head's layers are rebuilt on the backbone's graph, then given the trained weights
  const copies: tfl.layers.Layer[] = [];
  for (const layer of head.layers) {
    const cfg = { ...(layer.getConfig() as Record<string, unknown>) };
    delete cfg.batchInputShape;
    delete cfg.inputShape;
    const copy =
      layer.getClassName() === 'Dense'
        ? tfl.layers.dense(cfg as unknown as Parameters<typeof tfl.layers.dense>[0])
        : tfl.layers.dropout(cfg as unknown as Parameters<typeof tfl.layers.dropout>[0]);
    x = copy.apply(x) as tfl.SymbolicTensor;
    copies.push(copy);
  }
  head.layers.forEach((layer, i) => copies[i]!.setWeights(layer.getWeights()));
  return tfl.model({ inputs: backbone.inputs, outputs: x, name: 'transfer_lab_classifier' });
}

async function copyDir(src: string, dest: string): Promise<void> {
  await makeDirs(dest);
  for (const e of await fsp.readdir(src, { withFileTypes: true })) {
    if (e.isFile() && !e.name.endsWith('.part')) await fsp.copyFile(path.join(src, e.name), path.join(dest, e.name));
  }
}

export async function exportRun(
  runDir: string,
  dest: string,
  o: { formats?: readonly ExportFormat[]; onEvent?: (e: EngineEvent) => void; signal?: AbortSignal } = {},
): Promise<{ dir: string; manifest: ExportManifest }> {
  const formats = new Set(o.formats ?? exportFormats);
  if (formats.size === 0) throw new TransferLabError('BAD_ARGUMENT', 'No export format was chosen.', 'Choose tfjs, onnx or both.');
  const record = readRun(runDir);
  const out = path.resolve(dest);
  // where the export's folder would go: a path through a file, a system folder or a read-only disk is refused here
  // (a path through a file was "unexpected failure: ENOTDIR … lstat", one under /proc named the hidden staging folder)
  await assertWritableFolder(out, 'export to');
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, exportManifestName))) {
    throw new TransferLabError(
      'EXPORT_FAILED',
      `${out} is not empty and is not an earlier export.`,
      'Choose a new or empty folder, so nothing of yours is overwritten.',
    );
  }
  o.onEvent?.({ type: 'phase', phase: 'export', message: `exporting to ${out}` });
  const model = await resolveModel(record.model.source, { preprocessing: record.model.preprocessing });
  const head = await readHead(runDir);
  const top = await readTop(runDir, record);
  const manifest: ExportManifest = {
    kind: 'transfer-lab-classifier',
    formatVersion: 1,
    ...(formats.has('tfjs') ? { layout: record.model.format === 'layers' ? 'single-layers-model' : 'graph-backbone+head' } : {}),
    name: `${record.model.name} + head (${record.dataset.classes.length} classes)`,
    labels: record.dataset.classes,
    preprocessing: record.model.preprocessing,
    pooling: record.model.pooling,
    backbone: { source: record.model.source, key: record.model.key, cut: record.model.cut, format: record.model.format },
    run: { id: record.id, testAccuracy: record.evaluation.accuracy, createdAt: record.createdAt },
    exportedAt: new Date().toISOString(),
  };
  // write beside the destination first: a failed or stopped export leaves no half model behind
  const staging = `${out}.exporting-${process.pid}`;
  const stopIfAsked = () => {
    if (o.signal?.aborted) throw new TransferLabError('CANCELLED', `The export was stopped; ${out} is as it was.`, 'Export again when you are ready.');
  };
  try {
    stopIfAsked();
    await fsp.rm(staging, { recursive: true, force: true });
    if (formats.has('tfjs')) {
      if (record.model.format === 'layers') {
        const combined = await buildCombinedModel(record, model.dir, head, top);
        try {
          await combined.save(fileSystemSaver(staging));
        } finally {
          combined.dispose();
        }
      } else {
        await copyDir(model.dir, path.join(staging, 'backbone'));
        await head.save(fileSystemSaver(path.join(staging, 'head')));
      }
    }
    if (formats.has('onnx')) {
      stopIfAsked();
      try {
        const compiled = await compileClassifierOnnx(record, model.dir, head, top, {
          labels: JSON.stringify(manifest.labels),
          preprocessing: JSON.stringify(manifest.preprocessing),
          input_layout: 'NHWC, RGB 0..255',
          backbone: manifest.backbone.source,
          cut: manifest.backbone.cut,
          run: record.id,
        });
        await makeDirs(staging);
        await writeFileAtomic(path.join(staging, onnxFileName), compiled.bytes);
        manifest.onnx = { file: onnxFileName, input: compiled.inputName, output: compiled.outputName, opset: compiled.opset };
        // the model on its own, with Python and OpenCV (a Jetson has both): python3 classify.py photos/
        await writeFileAtomic(path.join(staging, classifyScriptName), classifyScript);
        await fsp.chmod(path.join(staging, classifyScriptName), 0o755);
      } catch (e) {
        if (!(e instanceof UnsupportedLayerError)) throw e;
        // the TF.js model still goes out; the manifest and the caller say why ONNX did not
        if (!formats.has('tfjs'))
          throw new TransferLabError(
            'EXPORT_FAILED',
            `The model cannot be written as ONNX: ${e.message}.`,
            'Export it as a TF.js model (--format tfjs) instead.',
          );
        manifest.onnxSkipped = e.message;
        o.onEvent?.({ type: 'log', level: 'warn', message: `ONNX not written: ${e.message}` });
      }
    }
    await writeFileAtomic(path.join(staging, exportManifestName), JSON.stringify(manifest, null, 2));
    stopIfAsked();
    await putInPlace(staging, out);
  } catch (e) {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw diskError(e, out);
  } finally {
    head.dispose();
    top?.dispose();
  }
  return { dir: out, manifest };
}
