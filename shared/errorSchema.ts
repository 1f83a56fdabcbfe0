import { z } from 'zod';
import { errorCodes, type TransferLabErrorData } from './errors';

/** a TransferLabErrorData where it enters a process: the same fields, checked */
export const transferLabErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  hint: z.string().optional(),
}) satisfies z.ZodType<TransferLabErrorData>;

// and the other way: what the schema accepts is exactly the type (a field added to one only fails here)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const errorSchemaMatchesType: Same<z.infer<typeof transferLabErrorSchema>, TransferLabErrorData> = true;
