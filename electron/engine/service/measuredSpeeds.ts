import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Extraction speed measured on this machine, per model: the Model step shows it on the
 * catalog cards once a model has been used. Corrupt or missing files just mean "not measured".
 */
const fileSchema = z.record(z.string(), z.number().positive());

export class MeasuredSpeeds {
  private values: Record<string, number>;

  constructor(private readonly file: string) {
    let parsed: Record<string, number> = {};
    try {
      const r = fileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (r.success) parsed = r.data;
    } catch {
      // nothing measured yet
    }
    this.values = parsed;
  }

  all(): Record<string, number> {
    return { ...this.values };
  }

  record(modelSource: string, imagesPerSecond: number): void {
    this.values[modelSource] = Math.round(imagesPerSecond * 10) / 10;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, JSON.stringify(this.values, null, 2));
    } catch {
      // a figure we cannot keep is only a figure we show less often
    }
  }
}
