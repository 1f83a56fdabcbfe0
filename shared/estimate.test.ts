import { describe, expect, it } from 'vitest';
import { estimateExperiments, secondsPerImageEpoch } from './estimate';
import { sampleRunRecord } from './project.fixtures';
import { defaultTrainConfig, type RunRecord } from './run';

function measured(ft: number, secondsPerEpoch: number, train = 100): RunRecord {
  const r = sampleRunRecord(`ft-${ft}`);
  r.dataset.counts = { ...r.dataset.counts, train };
  r.model.source = 'mobilenet_v2_100_224';
  if (ft) r.model.fineTune = { split: 'block_15_add', splitShape: [7, 7, 160], layers: Array.from({ length: ft }, (_, i) => `l${i}`), trainableParams: 1 };
  r.config = { ...r.config, fineTuneLayers: ft };
  r.epochs = [1, 2].map((epoch) => ({ epoch, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: secondsPerEpoch, samplesPerSecond: 1 }));
  return r;
}

const ctx = (history: RunRecord[]) => ({ history, datasetRoot: '/data/pets', trainImages: 200, classes: 2, allImages: 300, extractSpeed: () => 60 });
const planned = (ft: number, epochs = 15) => ({ model: 'mobilenet_v2_100_224', config: { ...defaultTrainConfig, epochs, fineTuneLayers: ft } });

describe('estimating experiments before they start', () => {
  it('times a run from a finished run of the same kind: seconds per image and epoch, scaled to the images and epochs asked', () => {
    expect(secondsPerImageEpoch(measured(4, 30))).toBeCloseTo(0.3);
    const e = estimateExperiments([planned(0), planned(4)], ctx([measured(0, 0.5), measured(4, 30)]));
    // head: 15 × 200 × 0.005 = 15 s; fine-tuned: 15 × 200 × 0.3 = 900 s; both caches filled by those runs
    expect(e.seconds).toBeCloseTo(15 + 900);
    expect(e.unknown).toEqual([]);
    expect(e.basis).toContain('15 epochs of 200 images at 300 ms an image');
  });

  it('says a head that trains at thousands of images a second at a precision that can be read (0.0 ms an image before)', () => {
    // 2 epochs of 100 images in 0.005 s each: 0.05 ms an image
    const e = estimateExperiments([planned(0, 20)], ctx([measured(0, 0.005)]));
    expect(e.basis).toContain('20 epochs of 200 images at 0.050 ms an image');
  });

  it('does not time fine-tuning by a head-only run: it says it was not measured, and why it is slow', () => {
    const e = estimateExperiments([planned(0), planned(4)], ctx([measured(0, 0.5)]));
    expect(e.seconds).toBeCloseTo(15);
    expect(e.unknown).toEqual([{ index: 1, reason: expect.stringMatching(/fine-tuning 4 layers has not been timed .* forward and backward/) }]);
  });

  it('adds the extraction a cache not filled yet needs (another folder), from the model’s measured speed, once', () => {
    const elsewhere = measured(0, 0.5);
    elsewhere.dataset = { ...elsewhere.dataset, root: '/data/flowers' };
    const e = estimateExperiments([planned(0, 1), planned(0, 1)], ctx([elsewhere]));
    // 300 images at 60 a second, then 2 × 1 epoch × 200 images × 5 ms
    expect(e.seconds).toBeCloseTo(5 + 2);
    expect(estimateExperiments([planned(0, 1)], { ...ctx([elsewhere]), extractSpeed: () => null }).seconds).toBeCloseTo(1);
  });
});
