import os from 'node:os';
import path from 'node:path';
import { reportPdfName, withReportExtension } from '../../../shared/ownFiles';
import type { Handlers } from '../../../shared/rpc';
import { exportRun } from '../export/exportModel';
import { checkExportParity } from '../export/parity';
import { buildLabReport, runsWithFeatureMaps } from '../report/labReport';
import { featureMap } from '../run/featureMap';
import type { FeatureMap } from '../../../shared/featureMap';
import { defaultPaper } from '../report/paperLocale';
import { printPdf } from '../report/pdf';
import { readRun } from '../run/runFolder';
import { diskError, writeFileAtomic } from '../util/atomicWrite';
import { assertReplaceable } from '../util/ownedFile';
import type { ServiceContext } from './serviceContext';
import { makeDirs } from '../util/makeDirs';

/** the machine, as the report names it */
function machineLine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${process.platform} ${process.arch}, Node ${process.versions.node}`;
}

/** run.read, run.export and report.export: a finished run read back, exported with its parity check, and the lab report written */
export function exportHandlers(c: ServiceContext): Partial<Handlers> {
  return {
    'run.read': async ({ runDir }) => readRun(runDir),
    'run.export': async ({ runDir, dest, parity, formats }) => {
      await c.backendReady;
      const { dir, manifest } = await exportRun(runDir, dest, { formats });
      await c.chosen.choose('export', dest);
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
      // the maps a task shows, drawn now from each run's cached features; one that cannot be (its dataset moved) says why
      const featureMaps = new Map<string, FeatureMap | { error: string }>();
      const mapped = runsWithFeatureMaps(project);
      if (mapped.length) await c.backendReady;
      for (const r of mapped) {
        featureMaps.set(
          r.id,
          await featureMap(r.weightsDir, { ...c.backendOpt }).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })),
        );
      }
      const html = buildLabReport(project, {
        generatedAt: new Date(),
        appVersion: c.version,
        machine: machineLine(),
        paper: paper ?? defaultPaper(),
        featureMaps,
      });
      try {
        await makeDirs(path.dirname(htmlFile));
        await writeFileAtomic(htmlFile, html);
      } catch (e) {
        throw diskError(e, htmlFile);
      }
      await c.chosen.choose('export', path.dirname(htmlFile));
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
  };
}
