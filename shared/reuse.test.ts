import { describe, expect, it } from 'vitest';
import { sampleRunRecord } from './project.fixtures';
import { findReusable, sameSettings, type RunSettings } from './reuse';
import type { RunRecord } from './run';

function settingsOf(r: RunRecord): RunSettings {
  return {
    dataset: {
      root: r.dataset.root,
      split: { ...r.dataset.split },
      classes: [...r.dataset.classes],
      valCount: r.dataset.counts.val,
      testCount: r.dataset.counts.test,
    },
    model: { source: r.model.source, key: r.model.key, cut: r.model.cut, preprocessing: { ...r.model.preprocessing } },
    config: structuredClone(r.config),
  };
}

describe('reusing a finished run', () => {
  it('takes a run made with exactly the settings asked, whatever order its config was written in', () => {
    const r = sampleRunRecord('a');
    const s = settingsOf(r);
    // the record's config as read back from a file: same values, other key order
    r.config = Object.fromEntries(Object.entries(r.config).reverse()) as RunRecord['config'];
    expect(sameSettings(r, s)).toBe(true);
  });

  it('refuses one that differs in anything that changes the result: data, model, cut, preprocessing, any hyper-parameter, the seed', () => {
    const r = sampleRunRecord('a');
    const changes: ((s: RunSettings) => void)[] = [
      (s) => (s.dataset.root = '/data/other'),
      (s) => (s.dataset.split = { val: 0.2, test: 0.2 }),
      (s) => (s.dataset.classes = ['cat', 'dog', 'fox']),
      (s) => (s.dataset.testCount += 1),
      (s) => (s.model.source = 'inception_v3_tfhub'),
      (s) => (s.model.key = 'other files'),
      (s) => (s.model.cut = 'block_16_project'),
      (s) => (s.model.preprocessing = { ...s.model.preprocessing!, range: [0, 1] }),
      (s) => (s.config.seed += 1),
      (s) => (s.config.epochs += 1),
      (s) => (s.config.imagesPerClass = 5),
      (s) => (s.config.batchSize = 4),
      (s) => (s.config.learningRate = 0.05),
      (s) => (s.config.patience = 0),
      (s) => (s.config.head = { ...s.config.head, dropout: 0.5 }),
      (s) => (s.config.fineTuneLayers = 4),
      (s) => (s.config.augmentVariants = 2),
    ];
    for (const [i, change] of changes.entries()) {
      const s = settingsOf(r);
      change(s);
      expect(sameSettings(r, s), `change ${i}`).toBe(false);
    }
  });

  it('takes the latest of several equal runs; an unknown cut (a graph model) matches any', () => {
    const runs = ['a', 'b'].map((id) => ({ runDir: `/runs/${id}`, record: sampleRunRecord(id) }));
    const s = settingsOf(runs[0]!.record);
    expect(findReusable(runs, s)?.runDir).toBe('/runs/b');
    s.model.cut = null;
    s.model.key = null;
    expect(findReusable(runs, s)?.runDir).toBe('/runs/b');
    s.config.seed = 7;
    expect(findReusable(runs, s)).toBeNull();
  });
});
