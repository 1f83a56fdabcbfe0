import { z } from 'zod';
import { sweepAxesSchema } from './sweep';
import { trainSettings } from './trainConfig';
import transferLearningLab from './labs/transfer-learning.lab.json';

/**
 * A guided lab, described by a data file (shared/labs/*.lab.json): tasks in any order, each
 * a short explanation with a picture, an experiment that answers it as one button, the
 * figures to look at, and questions for the student's own answers. An instructor writes
 * another lab by writing another file; no code changes.
 */
export const pictureIds = ['imagenet', 'depthwise-separable', 'inception-block', 'bottleneck', 'batch-size', 'learning-rate', 'images-per-class'] as const;
export type PictureId = (typeof pictureIds)[number];

/** the figures a task shows of its runs */
export const figureIds = [
  'accuracy',
  'macroF1',
  'trainSeconds',
  'extractSeconds',
  'totalSeconds',
  'epochs',
  'peakRssMiB',
  'imagesPerSecond',
  'curves',
  'perClassCurve',
  'models',
  'confusion',
  'machine',
  /** each run's feature map, side by side: what its head is given, in two dimensions */
  'featureMaps',
] as const;
export type FigureId = (typeof figureIds)[number];

export const labTaskSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  /** paragraphs; **bold** and `code` are the only markup */
  text: z.array(z.string()).min(1),
  pictures: z.array(z.enum(pictureIds)).default([]),
  experiment: z
    .object({
      /** the button: "Train with batch size 4 and 32" */
      label: z.string().min(1),
      /** what it varies, as a sweep */
      axes: sweepAxesSchema.omit({ model: true }),
      /** models to compare: "$project" is the project's model; the student may edit the list */
      models: z.array(z.string().min(1)).optional(),
      /** settings for these runs over the Train step's */
      config: z.object({ epochs: trainSettings.epochs.optional(), patience: trainSettings.patience.optional() }).default({}),
    })
    .nullable()
    .default(null),
  figures: z.array(z.enum(figureIds)).default([]),
  questions: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), prompt: z.string().min(1) })).min(1),
});

export const labSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  intro: z.array(z.string()).min(1),
  tasks: z.array(labTaskSchema).min(1),
});

export type Lab = z.infer<typeof labSchema>;
export type LabTask = z.infer<typeof labTaskSchema>;

/** the labs shipped with the app: the transfer-learning lab first */
export const labs: Lab[] = [labSchema.parse(transferLearningLab)];

/** every question a lab asks, task by task */
export const labQuestions = (lab: Lab) => lab.tasks.flatMap((t) => t.questions);

/** how many of a lab's questions have an answer (blank ones and answers to no question of it do not count) */
export function answeredCount(lab: Lab, answers: Readonly<Record<string, string>>): number {
  return labQuestions(lab).filter((q) => (answers[q.id] ?? '').trim()).length;
}

export function findLab(id: string): Lab | undefined {
  return labs.find((l) => l.id === id);
}

/** what a student did in a lab, kept in the project */
export const labProgressSchema = z.object({
  labId: z.string(),
  /** question id → the student's answer */
  answers: z.record(z.string(), z.string()).default({}),
  /** task id → ids of the runs its experiment made */
  runs: z.record(z.string(), z.array(z.string())).default({}),
  /** the task open last */
  task: z.string().nullable().default(null),
});
export type LabProgress = z.infer<typeof labProgressSchema>;

export type Inline = { kind: 'text' | 'bold' | 'code'; text: string };

/** a paragraph's **bold** and `code` spans: the only markup a lab file may use, rendered without HTML */
export function inlineMarkup(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) out.push({ kind: 'text', text: text.slice(at, m.index) });
    out.push(m[1] !== undefined ? { kind: 'bold', text: m[1] } : { kind: 'code', text: m[2]! });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
  return out;
}

/** the models a task compares: "$project" stands for the project's own model */
export function taskModels(task: LabTask, projectModel: string | null): string[] {
  const list = (task.experiment?.models ?? []).map((m) => (m === '$project' ? projectModel : m)).filter((m): m is string => Boolean(m));
  return [...new Set(list)];
}
