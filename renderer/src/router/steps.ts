import type { Component } from 'vue';

export type StepId = 'dataset' | 'model' | 'freeze' | 'train' | 'evaluate' | 'export' | 'experiments';

export interface StepDef {
  id: StepId;
  n: number;
  title: string;
  /** what the step is for, in a few words, for the sidebar's tooltip and the page's head */
  blurb: string;
  component: () => Promise<Component>;
}

export const steps: StepDef[] = [
  {
    id: 'dataset',
    n: 1,
    title: 'Dataset',
    blurb: 'A folder with one sub-folder of images per class',
    component: () => import('../features/dataset/DatasetStep.vue'),
  },
  {
    id: 'model',
    n: 2,
    title: 'Model',
    blurb: 'A network pre-trained on ImageNet, reused as a feature extractor',
    component: () => import('../features/model/ModelStep.vue'),
  },
  {
    id: 'freeze',
    n: 3,
    title: 'Freeze',
    blurb: 'Where to cut the network: frozen below, a new head above',
    component: () => import('../features/freeze/FreezeStep.vue'),
  },
  { id: 'train', n: 4, title: 'Train', blurb: 'Fit the new head and watch the curves', component: () => import('../features/train/TrainStep.vue') },
  {
    id: 'evaluate',
    n: 5,
    title: 'Evaluate',
    blurb: 'What the model gets right and what it confuses, on images it never saw',
    component: () => import('../features/evaluate/EvaluateStep.vue'),
  },
  {
    id: 'export',
    n: 6,
    title: 'Export',
    blurb: 'The trained classifier as a model folder, checked against the engine',
    component: () => import('../features/export/ExportStep.vue'),
  },
  {
    id: 'experiments',
    n: 7,
    title: 'Experiments',
    blurb: 'Runs side by side: learning rate, batch size, images per class, models',
    component: () => import('../features/experiments/ExperimentsStep.vue'),
  },
];

export function isStepId(s: unknown): s is StepId {
  return typeof s === 'string' && steps.some((d) => d.id === s);
}

const numberWords = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** the Start page's overview heading, counted from the steps themselves so it never disagrees with the list */
export const overviewTitle = `The lab in ${numberWords[steps.length] ?? String(steps.length)} steps`;
