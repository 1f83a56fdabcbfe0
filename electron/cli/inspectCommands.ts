import type { Command } from '@commander-js/extra-typings';
import { modelCatalog } from '../../shared/catalog';
import { defaultSplit, splitSchema } from '../../shared/dataset';
import { cachedCatalogIds } from '../engine/models/resolveModel';
import { setting } from './cliOptions';
import { runLayers, runScan } from './commands';
import { withOutput } from './output';

/** The commands that look before training: a dataset, the model catalog, this machine's devices, a model's layers. */
export function addInspectCommands(program: Command): void {
  program
    .command('scan')
    .description('list the classes, counts, split and problems of a dataset folder (one sub-folder per class)')
    .argument('<dataset>', 'dataset folder')
    .option('--val <fraction>', 'validation fraction', setting(splitSchema.shape.val), defaultSplit.val)
    .option('--test <fraction>', 'test fraction', setting(splitSchema.shape.test), defaultSplit.test)
    .option('--json', 'one JSON object per line on stdout')
    .action((dataset, o) => withOutput(Boolean(o.json), (out) => runScan(out, dataset, { val: o.val, test: o.test })));

  program
    .command('models')
    .description('list the catalog of pre-trained ImageNet backbones')
    .option('--json', 'one JSON object per line on stdout')
    .action((o) =>
      withOutput(Boolean(o.json), async (out) => {
        const cached = new Set(await cachedCatalogIds());
        if (out.json) {
          for (const m of modelCatalog) process.stdout.write(`${JSON.stringify({ type: 'model', ...m, cached: cached.has(m.id) })}\n`);
          return;
        }
        out.info(['id'.padEnd(30), 'format', 'input', 'params', 'MMACs', 'top-1', 'features', 'here'].join('  '));
        for (const m of modelCatalog) {
          const here = cached.has(m.id) ? 'cached' : `download ≈ ${m.downloadMB} MB`;
          out.info(
            [
              m.id.padEnd(30),
              m.format.padEnd(6),
              `${m.preprocessing.height}²`.padEnd(5),
              `${m.paramsM.toFixed(2)}M`.padEnd(6),
              String(m.macsM).padEnd(5),
              `${m.imagenetTop1.toFixed(1)}%`.padEnd(5),
              String(m.featureDim).padEnd(8),
              here,
            ].join('  '),
          );
        }
        out.info('\nTrain on one with: transfer-lab train <dataset> --model <id>  (downloaded once, then cached)');
      }),
    );

  program
    .command('devices')
    .description('list what computes here: WebGPU adapters (software or hardware, limits, features) and which runtimes load, and why not')
    .option('--json', 'one JSON object on stdout')
    .action((o) =>
      withOutput(Boolean(o.json), async (out) => {
        const { probeDevices } = await import('../engine/devices/probeDevices');
        const report = await probeDevices();
        if (out.json) {
          process.stdout.write(`${JSON.stringify({ type: 'devices', ...report })}\n`);
          return;
        }
        out.info(
          `CPU: ${report.cpu.cores} cores; images decoded on ${report.cpu.decodeThreads} threads; fine-tuning on wasm shares its batches across up to ${report.cpu.fineTuneThreads} thread${report.cpu.fineTuneThreads > 1 ? 's' : ''}`,
        );
        if (!report.adapters.length) out.info(`WebGPU adapters: none — ${report.noAdapterReason ?? 'none found'}`);
        for (const a of report.adapters) {
          out.info(
            `WebGPU adapter: ${a.name || '(unnamed)'} — vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}, ${a.software ? 'SOFTWARE (never taken by auto)' : 'hardware'}`,
          );
          out.info(
            `  limits: max buffer ${a.limits.maxBufferSize}, max storage binding ${a.limits.maxStorageBufferBindingSize}, workgroup storage ${a.limits.maxComputeWorkgroupStorageSize}, invocations/workgroup ${a.limits.maxComputeInvocationsPerWorkgroup}`,
          );
          out.info(`  shader-f16: ${a.features.includes('shader-f16') ? 'yes' : 'no'}; features: ${a.features.join(', ')}`);
        }
        out.info('runtimes:');
        for (const r of report.runtimes) out.info(`  ${r.name.padEnd(34)} ${r.loads ? 'loads' : 'does not load'}${r.note ? ` — ${r.note}` : ''}`);
      }),
    );

  program
    .command('layers')
    .description("list a model's layers with type, output shape and parameters (the cut candidates)")
    .argument('<model>', 'catalog id, model folder or http(s) address')
    .option('--json', 'one JSON object per line on stdout')
    .action((model, o) => withOutput(Boolean(o.json), (out) => runLayers(out, model)));
}
