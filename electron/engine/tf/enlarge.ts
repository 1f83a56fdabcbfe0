import * as tf from '@tensorflow/tfjs-core';

/**
 * An image smaller than the model's input, enlarged to it as the extractor's compiled graph
 * does (ONNX Resize, linear, half-pixel centres): bilinear with half-pixel centres. Every
 * TF.js path that feeds the network goes through here, so they all see what the cache holds.
 */
export function enlargeToInput<T extends tf.Tensor3D | tf.Tensor4D>(x: T, height: number, width: number): T {
  const [h, w] = x.rank === 4 ? x.shape.slice(1, 3) : x.shape.slice(0, 2);
  return h === height && w === width ? x : (tf.image.resizeBilinear(x, [height, width], false, true) as T);
}
