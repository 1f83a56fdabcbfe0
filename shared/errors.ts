import type { z } from 'zod';
import type { transferLabErrorSchema } from './errorSchema';

/**
 * Every failure a user can meet crosses process boundaries as this plain object: what
 * happened (`message`), what to do next (`hint`), and a stable `code` the UI can branch on.
 */
export const errorCodes = [
  'DATASET_NOT_FOUND',
  'DATASET_UNREADABLE',
  'DATASET_INVALID',
  'IMAGE_UNREADABLE',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'MODEL_LAYER_NOT_FOUND',
  'DOWNLOAD_FAILED',
  'BACKEND_UNAVAILABLE',
  'RUN_NOT_FOUND',
  'RUN_INVALID',
  'EXPORT_FAILED',
  /** a file could not be written for a reason other than a full disk: no permission, a read-only disk */
  'WRITE_FAILED',
  'DISK_FULL',
  'OUT_OF_MEMORY',
  'BAD_ARGUMENT',
  'CANCELLED',
  'INTERNAL',
  'UNSUPPORTED',
  'PROJECT_INVALID',
  'PROJECT_TOO_NEW',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/**
 * The error as it crosses a boundary, as its schema (errorSchema.ts) checks it where it enters a
 * process. The schema sits apart and this file takes only its type, so the code that only throws
 * these (an extraction worker) loads no schema library.
 */
export type TransferLabErrorData = z.infer<typeof transferLabErrorSchema>;

export class TransferLabError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferLabError';
    this.code = code;
    this.hint = hint;
  }

  toJSON(): TransferLabErrorData {
    return this.hint === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isTransferLabError(e: unknown): e is TransferLabError {
  return e instanceof TransferLabError;
}
