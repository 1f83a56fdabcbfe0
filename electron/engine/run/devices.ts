import { describeExtraction, type RunExtraction } from '../../../shared/extraction';
import type { DeviceUse, RunDevices } from '../../../shared/run';
import { gpuEngineOf, tfjsWebgpuEngine } from '../../../shared/gpuEngines';

interface BackendFacts {
  provider: string;
  gpu: boolean;
  noGpuReason?: string;
}

interface ExtractorFacts {
  runtime: string;
  backend: string;
  fallbackReason?: string;
  deviceReason?: string;
}

/**
 * Which device ran the frozen part and which trained the head (and the fine-tuned top layers),
 * and why a faster one was not used: typed facts for the run record, the run panel and the report.
 */
export function runDevices(
  backend: BackendFacts,
  extractor: ExtractorFacts,
  extraction: RunExtraction | null,
  topLayers: { count: number; switched: string | null; threads?: number } | null,
  training: { gpu: true } | { gpu: false; why: string } | null = null,
): RunDevices {
  const onBackend = (): DeviceUse =>
    backend.gpu
      ? { device: 'gpu', by: backend.provider }
      : { device: 'cpu', by: backend.provider, ...(backend.noGpuReason ? { why: backend.noGpuReason } : {}) };
  let frozenPart: DeviceUse;
  if (extractor.runtime === 'cache') {
    // the frozen part did not run now: say when it did and how fast, not only that it did not
    frozenPart = { device: 'none', by: 'the feature cache', ...(extraction ? { why: describeExtraction(extraction) } : {}) };
  } else if (extractor.runtime === 'webgpu') {
    frozenPart = { device: 'gpu', by: gpuEngineOf(extractor.backend) };
  } else if (extractor.runtime === 'onnx') {
    frozenPart = {
      device: 'cpu',
      by: "ONNX Runtime's CPU provider",
      why: extractor.deviceReason ?? 'no GPU path for the frozen part was tried (--extractor onnx)',
    };
  } else {
    const use = onBackend();
    frozenPart = { ...use, by: `${backend.provider} (TF.js ${extractor.runtime})` };
    const why = [use.device === 'cpu' ? extractor.deviceReason : undefined, extractor.fallbackReason, use.why].filter(Boolean).join('; ');
    if (why) frozenPart.why = why;
  }
  if (training?.gpu) {
    // fine-tuning trained the top layers and the head together on WebGPU
    const gpu: DeviceUse = { device: 'gpu', by: tfjsWebgpuEngine };
    return { frozenPart, ...(topLayers && topLayers.count > 0 ? { topLayers: gpu } : {}), head: gpu };
  }
  const withTrainingWhy = (u: DeviceUse): DeviceUse => (training && u.device === 'cpu' ? { ...u, why: [training.why, u.why].filter(Boolean).join('; ') } : u);
  // fine-tuning's batches shared across threads train the top layers and the head alike
  const threads = topLayers && topLayers.count > 0 ? (topLayers.threads ?? 1) : 1;
  const onThreads = (u: DeviceUse): DeviceUse => (threads > 1 ? { ...u, by: `${u.by} on ${threads} threads` } : u);
  const devices: RunDevices = { frozenPart, head: withTrainingWhy(onThreads(onBackend())) };
  if (topLayers && topLayers.count > 0) {
    devices.topLayers = withTrainingWhy(
      topLayers.switched ? { device: 'cpu', by: '@tensorflow/tfjs-backend-cpu', why: topLayers.switched } : onThreads(onBackend()),
    );
  }
  return devices;
}
