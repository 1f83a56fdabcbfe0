import { z } from 'zod';

/** a sweep's axes as they cross a process boundary or sit in a lab file (shared/sweep.ts plans them) */
export const sweepAxesSchema = z.object({
  learningRate: z.array(z.number().positive()).max(16).optional(),
  batchSize: z.array(z.number().int().min(1).max(65_536)).max(16).optional(),
  perClass: z.array(z.number().int().min(1).nullable()).max(16).optional(),
  model: z.array(z.string().min(1).max(4096)).max(8).optional(),
  fineTune: z.array(z.number().int().min(0).max(1000)).max(8).optional(),
});
