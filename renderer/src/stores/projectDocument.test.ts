import { describe, expect, it } from 'vitest';
import { defaultTrainConfig } from '../../../shared/run';
import { sampleRun } from '../testing/fixtures';
import { emptyState, nameOnSave, signatureOf, UNTITLED } from './projectDocument';

describe('the project document', () => {
  it('starts untitled and empty, with its own copy of the default settings', () => {
    const s = emptyState();
    expect(s).toMatchObject({ name: UNTITLED, dataset: null, model: null, runs: [], lab: null, ui: { step: 'dataset' } });
    expect(s.training).toEqual(defaultTrainConfig);
    expect(s.training).not.toBe(defaultTrainConfig);
  });

  it("takes its file's name when first saved, and keeps a name of its own", () => {
    expect(nameOnSave(UNTITLED, '/lab/Pets study.tlab')).toBe('Pets study');
    expect(nameOnSave(UNTITLED, 'C:\\lab\\birds.TLAB')).toBe('birds');
    expect(nameOnSave(UNTITLED, '/lab/.tlab')).toBe(UNTITLED);
    expect(nameOnSave('My pets', '/lab/other.tlab')).toBe('My pets');
  });

  it('changes its signature with the work, not with the step open or where a run lies', () => {
    const s = { ...emptyState(), runs: [{ runDir: '/work/runs/r1', record: sampleRun('r1') }] };
    const moved = { ...s, ui: { step: 'train' }, runs: [{ runDir: '/lab/p.tlab.d/runs/r1', record: sampleRun('r1') }] };
    expect(signatureOf(moved)).toBe(signatureOf(s));
    expect(signatureOf({ ...s, notes: 'n' })).not.toBe(signatureOf(s));
  });
});
