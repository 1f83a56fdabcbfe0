import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../electron/engine/tf/backend';
import { fileSystemLoader } from '../electron/engine/tf/fsModelIO';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';
import { frozenGraphFromLayers } from '../electron/engine/frozen/fromLayers';
import { optimizeFrozenGraph } from '../electron/engine/frozen/frozenGraph';
import { compileOnnx } from '../electron/engine/frozen/onnx/compileOnnx';
const name = (process.argv[2] ?? 'mobilenet_v2') as 'mobilenet_v2';
const size = name === ('inception_v3' as string) ? 299 : 224;
await initBackend('wasm');
const m = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir(name)));
const c = compileOnnx(optimizeFrozenGraph(frozenGraphFromLayers(m, 'flatten_1')), { preprocessing: { height: size, width: size, resize: 'stretch', range: [-1, 1] } });
const variants: Record<string, ort.InferenceSession.SessionOptions> = {
  base: { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 },
  noSpin: { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } },
  daz: { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { set_denormal_as_zero: '1' } } },
  extended: { graphOptimizationLevel: 'extended', intraOpNumThreads: 2, interOpNumThreads: 1 },
  t3: { graphOptimizationLevel: 'all', intraOpNumThreads: 3, interOpNumThreads: 1 },
};
const bs = Number(process.argv[3] ?? 4);
for (const [k, opts] of Object.entries(variants)) {
  const s = await ort.InferenceSession.create(c.bytes, opts);
  const x = new ort.Tensor('float32', new Float32Array(bs * size * size * 3).map(() => Math.random() * 255), [bs, size, size, 3]);
  await s.run({ pixels: x });
  const t0 = performance.now(); let n = 0;
  while (performance.now() - t0 < 4000) { await s.run({ pixels: x }); n += bs; }
  console.log(k, (n / ((performance.now() - t0) / 1000)).toFixed(1), 'img/s');
  await s.release();
}
