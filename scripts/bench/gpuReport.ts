// `npm run bench -- --gpu`'s table for people (the JSON line is the record).
import type { GpuBenchLine } from './gpu';
import { ratio } from './report';

const show = (v: number | null, unit = '') => (v === null ? '—' : `${v}${unit}`);
const byBatch = (m: Record<string, number | null> | null) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([b, v]) => `${b}: ${show(v)}`)
        .join(', ')
    : '—';

/** The human table: ours on the GPU beside the peer on CUDA, then the ratio. */
export function renderGpuTable(b: GpuBenchLine): string {
  const rows: string[] = [
    `Transfer Lab GPU bench on ${b.machine.adapter}; peer ${b.machine.torch ? `PyTorch ${b.machine.torch} on ${b.machine.cuda}` : 'not run'}`,
    '',
  ];
  rows.push('| figure | ours (WebGPU) | peer (CUDA) | ratio |', '| --- | --- | --- | --- |');
  for (const e of [b.extract, b.extractSecond]) {
    if (!e) continue;
    rows.push(
      `| extraction, ${e.model}, ${e.images} images, images/s | ${show(e.ours)}${e.oursBatch ? ` at batch ${e.oursBatch}` : ''}${e.oursEngine ? ` (${e.oursEngine})` : ''} | ${show(e.peer)}${e.peerBatch ? ` at batch ${e.peerBatch}` : ''} | ${show(e.ratio, '×')} |`,
      `| by batch size | ${byBatch(e.oursByBatch)} | ${byBatch(e.peerByBatch)} | |`,
      `| the same on TF.js's WebGPU kernels, images/s | ${show(e.oursTfjs)} | | ${show(ratio(e.oursTfjs, e.peer), '×')} |`,
      ...(e.steady
        ? [
            `| past fixed costs (from ${e.steady.images[0]} and ${e.steady.images[1]} images), images/s | ${show(e.steady.ours)} | ${show(e.steady.peer)} | ${show(e.steady.ratio, '×')} |`,
          ]
        : []),
    );
  }
  if (b.fineTune) {
    const f = b.fineTune;
    rows.push(
      `| fine-tuning ${f.layers} layers of ${f.model}, one epoch of ${f.images} images, s | ${show(f.ours)} | — (the peer trains a head alone) | our CPU path ${show(f.cpu, ' s')}: the GPU ${show(f.ratio, '×')} as fast |`,
    );
  }
  if (b.notes.length) rows.push('', ...b.notes.map((n) => `- ${n}`));
  return rows.join('\n');
}
