import type { SweepAxes } from '../../../../shared/sweep';

/**
 * The sweep form's fields are plain text a student types: "0.001, 0.01, 1". Each is read
 * here into values, or a message naming what could not be read; empty means "as in the
 * Train step".
 */
export interface SweepText {
  learningRate: string;
  batchSize: string;
  perClass: string;
  fineTune: string;
  models: string;
}

export type Parsed = { axes: SweepAxes; errors: string[] };

const items = (text: string) =>
  text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function numbers(text: string, what: string, ok: (v: number) => boolean, errors: string[]): number[] | undefined {
  const list = items(text);
  if (!list.length) return undefined;
  const out: number[] = [];
  for (const s of list) {
    const v = Number(s);
    if (!Number.isFinite(v) || !ok(v)) errors.push(`${what}: "${s}" is not valid`);
    else out.push(v);
  }
  return out;
}

export function parseSweep(t: SweepText): Parsed {
  const errors: string[] = [];
  const axes: SweepAxes = {};
  const lr = numbers(t.learningRate, 'learning rate', (v) => v > 0 && v <= 10, errors);
  if (lr) axes.learningRate = lr;
  const bs = numbers(t.batchSize, 'batch size', (v) => Number.isInteger(v) && v >= 1, errors);
  if (bs) axes.batchSize = bs;
  const ft = numbers(t.fineTune, 'fine-tuned layers', (v) => Number.isInteger(v) && v >= 0, errors);
  if (ft) axes.fineTune = ft;
  const pc = items(t.perClass);
  if (pc.length) {
    axes.perClass = [];
    for (const s of pc) {
      if (/^all$/i.test(s)) axes.perClass.push(null);
      else if (Number.isInteger(Number(s)) && Number(s) >= 1) axes.perClass.push(Number(s));
      else errors.push(`images per class: "${s}" is not a whole number or "all"`);
    }
  }
  const models = t.models
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (models.length) axes.model = models;
  return { axes, errors };
}
