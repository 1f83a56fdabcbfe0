import { describeExtraction, extractionCell, extractionOf, extractorName, formatSpeed, frozenPartLabel } from '../../../shared/extraction';
import { differingKnobs, knobs, learningCurvePanels, modelRows, outcomeOf, peakMemoryText, perClassCurves, runLabel } from '../../../shared/compare';
import { generatorName, reportGeneratorMeta } from '../../../shared/ownFiles';
import { cssPageSize, type Paper } from '../../../shared/paper';
import { answeredCount, findLab, labQuestions, type Lab, type LabTask } from '../../../shared/lab';
import type { Project } from '../../../shared/project';
import type { DeviceUse, RunRecord } from '../../../shared/run';
import { smallMultiplesAbove } from '../../../shared/charts';
import { withoutFrozenReason } from '../../../shared/devices';
import { confusionSvg, featureMapSvg, lineChartSvg } from './charts';
import type { FeatureMap } from '../../../shared/featureMap';
import { isMisread } from '../../../shared/featureMapChart';

/**
 * The lab report, written from the project: the student's answers to each task with the
 * figures of the runs that answer it (configuration, outcomes, curves), every run in one
 * table, the best run's confusion matrix and per-class scores, the machine and backend, and
 * the notes. One self-contained HTML file (styles and SVG charts inline, no script): it
 * reads offline, prints, and is what the PDF is made from.
 */
export interface ReportContext {
  generatedAt: Date;
  appVersion: string;
  machine: string;
  /** the paper the PDF is printed on; A4 unless told */
  paper?: Paper;
  /** the feature maps of the runs whose task shows them (`runsWithFeatureMaps`), by run id, or why one could not be drawn */
  featureMaps?: ReadonlyMap<string, FeatureMap | { error: string }>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (s: number) => (s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
const paragraphs = (text: string) =>
  text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

function runsTable(runs: readonly RunRecord[], all: readonly RunRecord[]): string {
  const shown = differingKnobs(runs);
  const head = [
    'run',
    ...shown.map((k) => k.label),
    'accuracy',
    'precision',
    'macro F1',
    'epochs (best)',
    'extracting',
    'training',
    'peak memory',
    'frozen part',
  ];
  const rows = runs.map((r) => {
    const o = outcomeOf(r);
    const cells = [
      `${all.indexOf(r) + 1}`,
      ...shown.map((k) => esc(k.value(r))),
      `<b>${pct(o.accuracy)}</b>`,
      o.macroPrecision.toFixed(3),
      o.macroF1.toFixed(3),
      `${o.epochsRun} (${o.bestEpoch})`,
      esc(extractionCell(o.extraction)),
      secs(o.trainSeconds),
      peakMemoryText(o),
      esc(frozenPartLabel(r)),
    ];
    return `<tr>${cells.map((c, i) => `<td${i > shown.length ? ' class="r"' : ''}>${c}</td>`).join('')}</tr>`;
  });
  return `<table class="runs"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function curvesFigure(runs: readonly RunRecord[], all: readonly RunRecord[]): string {
  return learningCurvePanels(runs, (r) => runLabel(r, runs, all))
    .map(
      (p) =>
        `<figure>${lineChartSvg({ series: p.series, percent: p.percent, xName: 'epoch' })}<figcaption>${p.title} after each epoch${p.series.length > smallMultiplesAbove ? ': one chart a run on the same axes, the other runs in grey' : ''}.</figcaption></figure>`,
    )
    .join('');
}

function perClassFigure(runs: readonly RunRecord[]): string {
  const curves = perClassCurves(runs).filter((c) => c.points.length >= 2);
  if (!curves.length) return '';
  const svg = lineChartSvg({
    series: curves.map((c) => ({ name: c.model, points: c.points.map((p) => [p.perClass, p.accuracy] as [number, number]) })),
    percent: true,
    xName: 'training images per class',
    logX: true,
  });
  return `<figure>${svg}<figcaption>Accuracy on the same test images, against the training images per class.</figcaption></figure>`;
}

/** each run's map side by side, as the lab's task shows them; a map that could not be drawn says why */
function featureMapsFigure(runs: readonly RunRecord[], all: readonly RunRecord[], maps: ReportContext['featureMaps']): string {
  const cells = runs.map((r) => {
    const m = maps?.get(r.id);
    const name = esc(runLabel(r, runs, all));
    if (!m) return '';
    if ('error' in m) return `<figure class="map"><figcaption><b>${name}</b>: no map (${esc(m.error)})</figcaption></figure>`;
    const wrong = m.points.filter(isMisread).length;
    return `<figure class="map">${featureMapSvg(m, r.dataset.classes)}<figcaption><b>${name}</b>: ${m.points.length} images, ${m.featureDim} numbers at <code>${esc(m.layer)}</code>${
      m.fineTuned ? `, out of the ${m.fineTuned} fine-tuned layers` : ''
    }; ◆ test images, ${wrong} ringed red: taken for another class.</figcaption></figure>`;
  });
  if (!cells.some(Boolean)) return '';
  return `<div class="maps keep">${cells.join('')}</div><p class="meta">What each run's new head is given for the images, placed along the two directions in which those features differ most: classes whose clouds lie apart are easy to tell apart.</p>`;
}

/** the runs whose task shows their feature maps: the engine draws these before it writes the report */
export function runsWithFeatureMaps(project: Project): Project['runs'] {
  const lab = project.lab ? findLab(project.lab.labId) : undefined;
  if (!lab) return [];
  return lab.tasks.filter((t) => t.experiment && t.figures.includes('featureMaps')).flatMap((t) => taskRuns(t, project, project.runs, null));
}

function modelsTable(runs: readonly RunRecord[]): string {
  const rows = modelRows(runs);
  if (rows.length < 2) return '';
  return `<table class="runs"><thead><tr><th>model</th><th>input</th><th>frozen parameters</th><th>MFLOPs an image</th><th>speed here</th><th>best accuracy</th></tr></thead><tbody>${rows
    .map(
      (m) =>
        `<tr><td>${esc(m.name)}</td><td class="r">${m.input}</td><td class="r">${m.frozenParams !== null ? (m.frozenParams / 1e6).toFixed(2) + ' M' : '—'}</td><td class="r">${m.forwardMflops ?? '—'}</td><td class="r">${esc(formatSpeed(m.speed))}</td><td class="r"><b>${pct(m.bestAccuracy)}</b></td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function bestRunSection(best: RunRecord, all: readonly RunRecord[]): string {
  const e = best.evaluation;
  const perClass = `<table class="runs"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>${e.perClass
    .map(
      (c) =>
        `<tr><td>${esc(c.className)}</td><td class="r">${c.precision.toFixed(3)}</td><td class="r">${c.recall.toFixed(3)}</td><td class="r">${c.f1.toFixed(3)}</td><td class="r">${c.support}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  // the heading, its summary and the matrix stay on one page: a heading alone at a page's foot says nothing
  return `<section class="task best"><div class="keep"><h2>The best run: number ${all.indexOf(best) + 1}</h2>
<p>${esc(best.model.name)}, cut at <code>${esc(best.model.cut)}</code>${best.model.fineTune ? `, the top ${best.model.fineTune.layers.length} layers fine-tuned` : ''}; learning rate ${best.config.learningRate}, batch ${best.config.batchSize}, ${best.epochs.length} epochs.
Accuracy <b>${pct(e.accuracy)}</b> on ${e.testCount} test images it never saw; macro F1 ${e.macroF1.toFixed(3)}.
${esc(extractionSentence(best))} Training took ${secs(best.timings.trainSeconds)}, the whole run ${secs(best.timings.totalSeconds)}.</p>
<figure>${confusionSvg(e.classes, e.confusionMatrix)}<figcaption>Confusion matrix: rows are the true classes, columns what the model said.</figcaption></figure></div>
${perClass}</section>`;
}

/** the lab's timing question: a cached run answers with the extraction its features came from, not "0.0 s" */
function extractionSentence(r: RunRecord): string {
  const x = extractionOf(r);
  return `Bottlenecks${x.source === 'mixed' ? ':' : ''} ${describeExtraction(x)}.`;
}

function taskRuns<R extends RunRecord>(task: LabTask, project: Project, all: readonly R[], best: R | null): R[] {
  if (!task.experiment) return best ? [best] : [];
  const ids = project.lab?.runs[task.id] ?? [];
  return all.filter((r) => ids.includes(r.id));
}

function taskSection(task: LabTask, project: Project, all: readonly RunRecord[], best: RunRecord | null, ctx: ReportContext): string {
  const runs = task.figures.some((f) => f !== 'machine') ? taskRuns(task, project, all, best) : [];
  const machine = task.figures.includes('machine') ? `<p class="meta">Measured on ${esc(ctx.machine)}; ${esc(devicesLine(all))}.</p>` : '';
  const answers = task.questions
    .map((q) => {
      const a = (project.lab?.answers[q.id] ?? '').trim();
      return `<div class="qa"><p class="q">${esc(q.prompt)}</p>${a ? `<div class="a">${paragraphs(a)}</div>` : '<p class="a none">(not answered)</p>'}</div>`;
    })
    .join('');
  const figures = runs.length
    ? [
        runsTable(runs, all),
        task.figures.includes('models') ? modelsTable(runs) : '',
        task.figures.includes('curves') ? curvesFigure(runs, all) : '',
        task.figures.includes('perClassCurve') ? perClassFigure(runs) : '',
        task.figures.includes('featureMaps') ? featureMapsFigure(runs, all, ctx.featureMaps) : '',
      ].join('')
    : task.experiment
      ? `<p class="none">The experiment (“${esc(task.experiment.label)}”) was not run.</p>`
      : '';
  return `<section class="task" data-task="${esc(task.id)}"><h2>${esc(task.title)}</h2>${answers}${figures || machine ? `<h3>What was measured</h3>${machine}${figures}` : ''}</section>`;
}

interface DevicePart {
  label: string;
  /** what ran it, each way it ran across the runs: "CPU by ONNX Runtime's CPU provider" */
  uses: string[];
  /** why not a faster device, each reason once */
  whys: string[];
}

/**
 * Which device ran each part of the network across the project's runs, and why not a faster
 * one: each way said once, however many runs went that way. Runs whose features all came
 * from the cache ran no frozen part; a record older than the devices says what it has.
 */
function deviceParts(all: readonly RunRecord[]): DevicePart[] {
  const parts: { label: string; use: (r: RunRecord) => DeviceUse | null }[] = [
    {
      label: 'Frozen part',
      use: (r) =>
        r.devices?.frozenPart ??
        (r.extractor.runtime === 'cache' ? null : { device: 'none', by: extractorName(r.extractor.runtime, r.extractor.threads, r.extractor.backend) }),
    },
    { label: 'Top layers', use: (r) => r.devices?.topLayers ?? null },
    { label: 'Head', use: (r) => r.devices?.head ?? { device: 'none', by: r.backend.provider } },
  ];
  // the frozen part's reasons are said on its row: the rows below say only that it stayed on the CPU
  const frozenWhys = all.flatMap((r) => (r.devices?.frozenPart.why ? [r.devices.frozenPart.why] : []));
  return parts
    .map(({ label, use }) => {
      const ran = all.map(use).filter((u): u is DeviceUse => u !== null && !(u.device === 'none' && u.by === 'the feature cache'));
      // an older record names only what ran it: said once, where a newer one says it with its device
      const known = new Set(ran.filter((u) => u.device !== 'none').map((u) => u.by));
      return {
        label,
        uses: [
          ...new Set(
            ran.filter((u) => u.device !== 'none' || !known.has(u.by)).map((u) => (u.device === 'none' ? u.by : `${u.device.toUpperCase()} by ${u.by}`)),
          ),
        ],
        whys: [...new Set(ran.flatMap((u) => (u.why ? [label === 'Frozen part' ? u.why : withoutFrozenReason(u.why, frozenWhys)] : [])))],
      };
    })
    .filter((p) => p.uses.length || p.label === 'Frozen part');
}

/** the header's rows: each part, what ran it and, quieter, why not faster */
function deviceRowsHtml(all: readonly RunRecord[]): string {
  return deviceParts(all)
    .map(
      (p) =>
        `<tr><td>${p.label}</td><td>${p.uses.length ? esc(p.uses.join('; ')) : 'not run: every feature came from the cache'}${
          p.whys.length ? `<br><span class="why">because ${esc(p.whys.join('; '))}</span>` : ''
        }</td></tr>`,
    )
    .join('\n');
}

/** a task's one line: each part and what ran it, the reasons left to the header */
function devicesLine(all: readonly RunRecord[]): string {
  return deviceParts(all)
    .filter((p) => p.uses.length)
    .map((p) => `${p.label.toLowerCase()}: ${p.uses.join('; ')}`)
    .join('; ');
}

export function buildLabReport(project: Project, ctx: ReportContext): string {
  const lab: Lab | undefined = project.lab ? findLab(project.lab.labId) : undefined;
  const all: RunRecord[] = project.runs;
  const best = [...all].sort((a, b) => b.evaluation.accuracy - a.evaluation.accuracy)[0] ?? null;
  const dataset = project.dataset
    ? `${esc(project.dataset.path)} — ${project.dataset.classes.length} classes (${project.dataset.classes.map(esc).join(', ')})`
    : '—';
  const title = lab ? lab.title : 'Transfer learning report';
  const tasks = lab ? lab.tasks.map((t) => taskSection(t, project, all, best, ctx)).join('\n') : '';
  const answered = lab ? answeredCount(lab, project.lab?.answers ?? {}) : 0;
  const questions = lab ? labQuestions(lab).length : 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${reportGeneratorMeta}<title>${esc(title)} — ${esc(project.name)} — ${generatorName}</title>
<style>
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #1f2733; max-width: 900px; margin: 24px auto; padding: 0 24px; font-size: 13px; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 8px; border-bottom: 2px solid #2f6fde; padding-bottom: 3px; } h3 { font-size: 13px; margin: 14px 0 6px; color: #5d6875; text-transform: uppercase; letter-spacing: 0.04em; }
.meta { color: #5d6875; } .meta td { padding: 1px 10px 1px 0; vertical-align: top; } .meta td:first-child { white-space: nowrap; }
section.task { margin: 26px 0; } h2, h3, .q { break-after: avoid; } tr, .qa { break-inside: avoid; }
.qa { margin: 8px 0 12px; } .q { font-weight: 700; margin: 0 0 4px; } .a { border-left: 3px solid #1a9c5b; padding: 2px 10px; background: #f4faf6; } .a p { margin: 4px 0; } .none { color: #a0a8b3; font-style: italic; }
table.runs { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 11.5px; } .runs th, .runs td { border-bottom: 1px solid #dde1e7; padding: 3px 6px; text-align: left; } .runs th { color: #5d6875; } .r { text-align: right; }
figure { margin: 8px 0; page-break-inside: avoid; } figcaption { color: #5d6875; font-size: 11px; } figure svg { max-width: 100%; height: auto; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; background: #f1f3f6; padding: 0 3px; border-radius: 3px; }
.summary { display: flex; gap: 24px; margin: 12px 0; } .summary div { border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 12px; } .summary b { display: block; font-size: 20px; }
.why { color: #5d6875; font-size: 12px; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.maps { display: flex; flex-wrap: wrap; gap: 12px; } .maps figure.map { width: 340px; margin: 4px 0; }
@page { size: ${cssPageSize(ctx.paper ?? 'a4')}; margin: 16mm 14mm; }
</style></head><body>
<header>
<h1>${esc(title)}</h1>
<table class="meta"><tr><td>Project</td><td><b>${esc(project.name)}</b></td></tr>
<tr><td>Dataset</td><td>${dataset}</td></tr>
<tr><td>Model</td><td>${project.model ? `${esc(project.model.name)} <code>${esc(project.model.source)}</code>` : '—'}</td></tr>
<tr><td>Machine</td><td>${esc(ctx.machine)}</td></tr>
${deviceRowsHtml(all)}
<tr><td>Written</td><td>${esc(ctx.generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC by Transfer Lab ${esc(ctx.appVersion)}</td></tr></table>
<div class="summary"><div><b>${all.length}</b>runs</div><div><b>${best ? pct(best.evaluation.accuracy) : '—'}</b>best test accuracy</div>${lab ? `<div><b>${answered} / ${questions}</b>questions answered</div>` : ''}</div>
</header>
${tasks}
${best ? bestRunSection(best, all) : ''}
<section class="task"><h2>Every run</h2>${all.length ? runsTable(all, all) : '<p class="none">No runs.</p>'}
<p class="meta">Columns show only the settings that differ between runs; the others were: ${
    all.length
      ? knobs
          .filter((k) => !differingKnobs(all).includes(k) && k.value(all[0]!) !== '–')
          .map((k) => `${esc(k.label)} ${esc(k.value(all[0]!))}`)
          .join(', ')
      : '—'
  }.</p></section>
${project.notes.trim() ? `<section class="task"><h2>Notes</h2>${paragraphs(project.notes)}</section>` : ''}
</body></html>
`;
}
