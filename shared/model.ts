import { z } from 'zod';
import { preprocessingSchema } from './preprocessingSchema';

/** The two TF.js formats a backbone can come in. */
export const modelFormatSchema = z.enum(['layers', 'graph']);
export type ModelFormat = z.infer<typeof modelFormatSchema>;

/** An entry of the catalog of public ImageNet backbones. */
export const catalogEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  family: z.enum(['mobilenet_v1', 'mobilenet_v2', 'mobilenet_v3', 'inception_v3', 'efficientnet', 'resnet', 'other']),
  format: modelFormatSchema,
  /** model.json address, or a TF Hub / Kaggle handle loaded with fromTFHub */
  url: z.string(),
  fromTFHub: z.boolean(),
  preprocessing: preprocessingSchema,
  /** the layer whose output is the bottleneck (layers models); graph models are cut by their publisher */
  defaultCut: z.string().optional(),
  featureDim: z.number(),
  /** millions of parameters of the backbone: the layers up to the cut, the part the lab freezes */
  paramsM: z.number(),
  /**
   * millions of parameters of the whole ImageNet classifier as its publisher gives it; the
   * figure papers and tables quote, so a student can match the card with what they read
   */
  publishedParamsM: z.number().optional(),
  /**
   * megabytes (10^6 bytes) the address holds: its float32 weights, 4 bytes each (the v1 files
   * carry their 1000-way top, the others end at the bottleneck). Said before a download starts.
   */
  downloadMB: z.number(),
  /** millions of multiply-adds per image */
  macsM: z.number(),
  /** ImageNet top-1 accuracy as published, percent */
  imagenetTop1: z.number(),
  /** where the figures and the address come from */
  source: z.string(),
  notes: z.string().optional(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

/** One row of a model's layer list. */
export const layerInfoSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  className: z.string(),
  /** output shape without the batch dimension; null where a dimension is free */
  outputShape: z.array(z.number().nullable()),
  params: z.number(),
  trainableParams: z.number(),
  /** names of the layers feeding this one */
  inbound: z.array(z.string()),
});
export type LayerInfo = z.infer<typeof layerInfoSchema>;
