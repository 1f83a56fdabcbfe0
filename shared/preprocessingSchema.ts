import { z } from 'zod';

/**
 * How a model wants its pixels. It belongs to the model descriptor and travels with every
 * run and export trained on that model, so a classifier is always fed as its backbone was.
 */
export const preprocessingSchema = z.object({
  /** input height and width in pixels */
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /**
   * how an image that is not the input's shape is fitted:
   * 'stretch' resizes to exactly height × width (retrain.py, Keras image_dataset_from_directory);
   * 'center-crop' scales the short side to fit, then crops the centre (torchvision style).
   */
  resize: z.enum(['stretch', 'center-crop']),
  /** pixel values 0..255 are mapped linearly onto [min, max] */
  range: z.tuple([z.number(), z.number()]),
});
export type Preprocessing = z.infer<typeof preprocessingSchema>;
