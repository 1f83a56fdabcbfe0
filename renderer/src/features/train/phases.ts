import type { PhaseEvent } from '../../api/types';

/** The engine's phases in the words the lab uses for them. */
const labels: Record<PhaseEvent['phase'], string> = {
  scan: 'Scanning the dataset',
  download: 'Downloading the model',
  'load-model': 'Loading the model',
  extract: 'Extracting bottlenecks',
  train: 'Training the new head',
  evaluate: 'Evaluating on the test images',
  save: 'Saving the run',
  export: 'Exporting',
  parity: 'Checking the export',
};

export function phaseLabel(p: PhaseEvent['phase']): string {
  return labels[p];
}

/** the order a training run goes through them, for the phase strip */
export const runPhases: PhaseEvent['phase'][] = ['scan', 'load-model', 'extract', 'train', 'evaluate', 'save'];
