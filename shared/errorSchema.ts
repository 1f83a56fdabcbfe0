import { z } from 'zod';
import { errorCodes } from './errors';

/** a TransferLabError's plain data where it enters a process, checked (errors.ts takes its type) */
export const transferLabErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  hint: z.string().optional(),
});
