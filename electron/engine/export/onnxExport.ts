import type * as tfl from '@tensorflow/tfjs-layers';
import type { RunRecord } from '../../../shared/run';
import { frozenGraphFromGraphModel } from '../frozen/fromGraphModel';
import { frozenGraphFromLayers } from '../frozen/fromLayers';
import { optimizeFrozenGraph, valueRanks, type FrozenGraph, type FrozenNode } from '../frozen/frozenGraph';
import { compileOnnx, type CompiledOnnx } from '../frozen/onnx/compileOnnx';
import { loadGraphBackbone, loadLayersBackbone } from '../models/loadBackbone';
import { readModelJson } from '../tf/fsModelIO';
import { applyTopWeights } from '../train/fineTune';

/**
 * The whole trained classifier as one ONNX graph — pixels in, class probabilities out: the
 * frozen part up to the cut, the bottleneck's pooling, the trained head and its softmax. The
 * format a Jetson's TensorRT (`trtexec --onnx=model.onnx`) and every other runtime takes.
 */
export const onnxFileName = 'model.onnx';

async function frozenPart(record: RunRecord, backboneDir: string, top: tfl.LayersModel | null): Promise<FrozenGraph> {
  const { height, width } = record.model.preprocessing;
  if (record.model.format === 'graph') {
    const model = await loadGraphBackbone(backboneDir);
    try {
      const topology = readModelJson(backboneDir).modelTopology as Parameters<typeof frozenGraphFromGraphModel>[0];
      return frozenGraphFromGraphModel(topology, model.weights, model.outputNodes[0]!, [height, width, 3]);
    } finally {
      model.dispose();
    }
  }
  const model = await loadLayersBackbone(backboneDir);
  try {
    if (top) applyTopWeights(model, top);
    return frozenGraphFromLayers(model, record.model.cut);
  } finally {
    model.dispose();
  }
}

/** the head's layers spliced on top of the pooled bottleneck */
function withHead(body: FrozenGraph, pooling: 'avg' | 'none', head: tfl.LayersModel): FrozenGraph {
  const nodes = [...body.nodes];
  let top = body.output;
  if (valueRanks(body).get(top) === 4) {
    const name = `transfer_lab/${pooling === 'avg' ? 'pool' : 'flatten'}`;
    nodes.push(pooling === 'avg' ? { op: 'globalAvgPool', name, inputs: [top], keepDims: false } : { op: 'flatten', name, inputs: [top] });
    top = name;
  }
  const last = head.layers[head.layers.length - 1]!.name;
  const headGraph = frozenGraphFromLayers(head, last);
  const inputName = headGraph.nodes.find((n) => n.op === 'input')!.name;
  const prefix = (name: string) => (name === inputName ? top : `head/${name}`);
  for (const n of headGraph.nodes) {
    if (n.op === 'input') continue;
    nodes.push({ ...n, name: prefix(n.name), inputs: n.inputs.map(prefix) } as FrozenNode);
  }
  return { nodes, output: prefix(headGraph.output), inputShape: body.inputShape };
}

export async function compileClassifierOnnx(
  record: RunRecord,
  backboneDir: string,
  head: tfl.LayersModel,
  top: tfl.LayersModel | null,
  meta: Record<string, string>,
): Promise<CompiledOnnx> {
  const graph = optimizeFrozenGraph(withHead(await frozenPart(record, backboneDir, top), record.model.pooling, head));
  const p = record.model.preprocessing;
  return compileOnnx(graph, {
    preprocessing: p,
    outputName: 'probabilities',
    portable: true,
    outputDim: record.dataset.classes.length,
    graphName: 'transfer_lab_classifier',
    metadata: meta,
    docString:
      `Input "pixels": float32 [batch, ${p.height}, ${p.width}, 3], RGB values 0..255, the photo resized to ${p.width}×${p.height} ` +
      `(${p.resize === 'stretch' ? 'stretched to fit' : 'short side scaled, then the centre cropped'}; a larger photo shrunk averaging its pixels, ` +
      `a smaller one enlarged bilinearly with half-pixel centres, as tf.image.resize, OpenCV's INTER_LINEAR and PyTorch's align_corners=False do); ` +
      `the graph maps them onto [${p.range.join(', ')}] itself. ` +
      `Output "probabilities": float32 [batch, ${record.dataset.classes.length}], in the order of the "labels" metadata.`,
  });
}
