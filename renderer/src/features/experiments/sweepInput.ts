import { parseAxisList, type NumberAxis, type SweepAxes } from '../../../../shared/sweep';

/**
 * The sweep form's fields are plain text a student types: "0.001, 0.01, 1". Each is read by
 * shared/sweep.ts's parseAxisList (as the CLI's lists are) into values, or the setting's own
 * message; empty means "as in the Train step".
 */
export interface SweepText {
  learningRate: string;
  batchSize: string;
  perClass: string;
  fineTune: string;
  models: string;
}

export type Parsed = { axes: SweepAxes; errors: string[] };

const numberAxes: NumberAxis[] = ['learningRate', 'batchSize', 'fineTune', 'perClass'];

export function parseSweep(t: SweepText): Parsed {
  const errors: string[] = [];
  const axes: SweepAxes = {};
  for (const name of numberAxes) {
    const r = parseAxisList(name, t[name]);
    if ('error' in r) errors.push(r.error);
    else if (r.values.length) Object.assign(axes, { [name]: r.values });
  }
  const models = t.models
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (models.length) axes.model = models;
  return { axes, errors };
}
