import fs from 'node:fs';
import { z } from 'zod';
import { extractionMeasurementSchema, type ExtractionMeasurement } from '../../../shared/extraction';
import { writeFileAtomicSync } from '../util/atomicWrite';

/**
 * Extraction speed measured on this machine, per model source and cut: the measurement the
 * bottleneck cache keeps for it (its largest extraction), so the Model step's cards show the
 * same figure as the runs and the report. Corrupt or missing files just mean "not measured";
 * the file of older versions (one bare number a model, from whichever run came last) reads
 * as nothing measured, and the next run measures again.
 */
const fileSchema = z.record(z.string(), z.record(z.string(), extractionMeasurementSchema));
export type MeasuredBySource = z.infer<typeof fileSchema>;

export class MeasuredSpeeds {
  private values: MeasuredBySource;

  constructor(private readonly file: string) {
    let parsed: MeasuredBySource = {};
    try {
      const r = fileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (r.success) parsed = r.data;
    } catch {
      // nothing measured yet
    }
    this.values = parsed;
  }

  all(): MeasuredBySource {
    return structuredClone(this.values);
  }

  record(modelSource: string, cut: string, measurement: ExtractionMeasurement): void {
    this.values[modelSource] = { ...this.values[modelSource], [cut]: measurement };
    try {
      writeFileAtomicSync(this.file, JSON.stringify(this.values, null, 2));
    } catch {
      // a figure we cannot keep is only a figure we show less often
    }
  }
}
