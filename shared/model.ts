import type { Preprocessing } from './preprocessing';

/** The two TF.js formats a backbone can come in. */
export type ModelFormat = 'layers' | 'graph';

/** An entry of the catalog of public ImageNet backbones. */
export interface CatalogEntry {
  id: string;
  name: string;
  family: 'mobilenet_v1' | 'mobilenet_v2' | 'mobilenet_v3' | 'inception_v3' | 'efficientnet' | 'resnet' | 'other';
  format: ModelFormat;
  /** model.json address, or a TF Hub / Kaggle handle loaded with fromTFHub */
  url: string;
  fromTFHub: boolean;
  preprocessing: Preprocessing;
  /** the layer whose output is the bottleneck (layers models); graph models are cut by their publisher */
  defaultCut?: string;
  featureDim: number;
  /** millions of parameters of the backbone: the layers up to the cut, the part the lab freezes */
  paramsM: number;
  /**
   * millions of parameters of the whole ImageNet classifier as its publisher gives it; the
   * figure papers and tables quote, so a student can match the card with what they read
   */
  publishedParamsM?: number;
  /**
   * megabytes (10^6 bytes) the address holds: its float32 weights, 4 bytes each (the v1 files
   * carry their 1000-way top, the others end at the bottleneck). Said before a download starts.
   */
  downloadMB: number;
  /** millions of multiply-adds per image */
  macsM: number;
  /** ImageNet top-1 accuracy as published, percent */
  imagenetTop1: number;
  /** where the figures and the address come from */
  source: string;
  notes?: string;
}

/** One row of a model's layer list. */
export interface LayerInfo {
  index: number;
  name: string;
  className: string;
  /** output shape without the batch dimension; null where a dimension is free */
  outputShape: (number | null)[];
  params: number;
  trainableParams: number;
  /** names of the layers feeding this one */
  inbound: string[];
}

/** What the engine knows of a loaded backbone. */
export interface ModelDescriptor {
  /** a stable identity for cache keys: catalog id, or a hash of the model files */
  key: string;
  name: string;
  format: ModelFormat;
  /** where it was loaded from: a folder or an address */
  source: string;
  preprocessing: Preprocessing;
  /** the bottleneck layer; for graph models the output node */
  cut: string;
  featureShape: number[];
  featureDim: number;
}
