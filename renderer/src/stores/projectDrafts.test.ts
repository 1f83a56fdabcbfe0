import { describe, expect, it } from 'vitest';
import { sampleRun } from '../testing/fixtures';
import { emptyState } from './projectDocument';
import { draftState } from './projectDrafts';

describe('a draft of the project', () => {
  it('keeps each run by its folder and label only, as plain data', () => {
    const state = { ...emptyState(), name: 'Pets', runs: [{ runDir: '/work/runs/r1', record: sampleRun('r1'), label: 'first' }] };
    const kept = draftState(state);
    expect(kept.runs).toEqual([{ runDir: '/work/runs/r1', label: 'first' }]);
    expect(kept.name).toBe('Pets');
    expect(kept.training).not.toBe(state.training);
  });
});
