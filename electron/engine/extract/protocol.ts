import type { Preprocessing } from '../../../shared/preprocessing';
import type { BackendPreference } from '../tf/backend';

/** Messages between the extraction pool and its worker threads (plain data only). */
export type ExtractorRuntime = 'auto' | 'fused' | 'layers';

export interface WorkerInit {
  modelDir: string;
  format: 'layers' | 'graph';
  cut: string;
  pooling: 'avg' | 'none';
  preprocessing: Preprocessing;
  backend: BackendPreference;
  runtime: ExtractorRuntime;
  cacheDir: string;
  featureDim: number;
  /** check the fused graph against the plain TF.js model before trusting it */
  parityCheck: boolean;
}

export interface JobItem {
  absPath: string;
  hash: string;
  /** cache file to write */
  file: string;
}

export type ToWorker = { type: 'job'; id: number; items: JobItem[] } | { type: 'close' };

export interface ItemResult {
  hash: string;
  ok: boolean;
  reason?: string;
}

export type FromWorker =
  | { type: 'ready'; backend: string; runtime: 'fused' | 'layers' | 'graph'; fallbackReason?: string; parityMaxDiff?: number }
  | { type: 'done'; id: number; results: ItemResult[]; inferSeconds: number; decodeSeconds: number }
  | { type: 'backoff'; batchSize: number; reason: string }
  | { type: 'fatal'; error: { code: string; message: string; hint?: string } };
