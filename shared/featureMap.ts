import { z } from 'zod';
import { splitNameSchema, type DatasetImage, type SplitName } from './dataset';

/**
 * The bottleneck as a picture: each image's features (a point in 1280 dimensions for
 * MobileNetV2) drawn in the plane of the two directions along which the images' features
 * vary most (their first two principal components). Classes that lie apart there are ones a
 * one-layer head can tell apart; classes that overlap are the confusions the matrix shows.
 */

/** the most images a map draws: enough to see every class's cloud, few enough to stay quick */
export const featureMapMaxPoints = 1000;
/** before a run, at a cut of the user's choosing: its features are extracted now, so fewer */
export const featureMapPreviewPoints = 300;

export const featureMapPointSchema = z.object({
  /** relative to the dataset root, '/'-separated */
  path: z.string(),
  label: z.number().int(),
  split: splitNameSchema,
  x: z.number(),
  y: z.number(),
  /** what the run called a test image, where it is one */
  predicted: z.number().int().optional(),
});
export type FeatureMapPoint = z.infer<typeof featureMapPointSchema>;

export const featureMapSchema = z.object({
  /** the layer whose output the head is given: the run's cut */
  layer: z.string(),
  /** the top layers the run fine-tuned below it, whose output (not the frozen part's) is drawn */
  fineTuned: z.number().int().optional(),
  featureDim: z.number().int(),
  /** the share of the features' variance along each axis, 0..1 */
  explained: z.tuple([z.number(), z.number()]),
  /** the dataset's images, of which `points` are drawn */
  datasetImages: z.number().int(),
  points: z.array(featureMapPointSchema),
  /** images whose features could not be made (a file gone unreadable since the run) */
  failed: z.number().int(),
});
export type FeatureMap = z.infer<typeof featureMapSchema>;

const splitOrder: Record<SplitName, number> = { test: 0, val: 1, train: 2 };

/**
 * The images a map draws: at most `max`, shared evenly among the classes (a large class does
 * not hide a small one), the test images first (the run's answers mark them), then
 * validation, then training, each class's in the dataset's order. A class with fewer images
 * than its share leaves the rest to the others.
 */
export function featureMapSample(images: readonly DatasetImage[], classes: number, max = featureMapMaxPoints): DatasetImage[] {
  const byClass: DatasetImage[][] = Array.from({ length: classes }, () => []);
  for (const img of images) byClass[img.label]?.push(img);
  for (const list of byClass) list.sort((a, b) => splitOrder[a.split] - splitOrder[b.split]);
  const taken = byClass.map(() => 0);
  let left = Math.min(max, images.length);
  // round robin: one image a class a turn, so the shares are as even as the classes allow
  while (left > 0) {
    let any = false;
    for (let c = 0; c < classes && left > 0; c++) {
      if (taken[c]! < byClass[c]!.length) {
        taken[c]!++;
        left--;
        any = true;
      }
    }
    if (!any) break;
  }
  return byClass.flatMap((list, c) => list.slice(0, taken[c]));
}
