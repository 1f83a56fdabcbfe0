import { modelCatalog } from '../../../shared/catalog';
import type { Handlers } from '../../../shared/rpc';
import { planExtraction } from '../extract/memoryBudget';
import { defaultCut, listLayers, loadLayersBackbone } from '../models/loadBackbone';
import { cachedCatalogIds } from '../models/resolveModel';
import { planBackbone } from '../run/openBackbone';
import { fineTunePlan } from './fineTunePlan';
import { MiB, type ServiceContext } from './serviceContext';

/** models.* and freeze.plan: the catalog, a model's layers, and what a cut (and fine-tuning) would cost */
export function modelHandlers(c: ServiceContext): Partial<Handlers> {
  return {
    'models.catalog': async () => ({ entries: modelCatalog, measured: c.speeds.all(), cached: await cachedCatalogIds() }),
    'models.inspect': async ({ source }) => {
      await c.backendReady;
      const model = await c.inspect(source);
      if (model.format === 'graph') {
        const plan = await planBackbone(model, undefined);
        return {
          source,
          name: model.name,
          format: model.format,
          key: model.key,
          preprocessing: model.preprocessing,
          defaultCut: plan.cut,
          layers: [],
          totalParams: plan.frozenParams,
          fromCache: model.fromCache,
          downloaded: model.downloaded,
        };
      }
      const m = await loadLayersBackbone(model.dir);
      try {
        return {
          source,
          name: model.name,
          format: model.format,
          key: model.key,
          preprocessing: model.preprocessing,
          defaultCut: model.catalog?.defaultCut ?? defaultCut(m),
          layers: listLayers(m),
          totalParams: m.countParams(),
          fromCache: model.fromCache,
          downloaded: model.downloaded,
        };
      } finally {
        m.dispose();
      }
    },
    'freeze.plan': async ({ source, cut, classCount, head, batchSize, fineTuneLayers, images }) => {
      await c.backendReady;
      const model = await c.inspect(source);
      const plan = await planBackbone(model, cut ?? model.catalog?.defaultCut);
      const trainableParams =
        head.hiddenUnits > 0
          ? plan.featureDim * head.hiddenUnits + head.hiddenUnits + head.hiddenUnits * classCount + classCount
          : plan.featureDim * classCount + classCount;
      const budget = planExtraction({
        items: 1000,
        weightsBytes: plan.weightsBytes,
        peakActivationFloats: plan.peakActivationFloats,
        inputFloats: plan.inputFloats,
      });
      const extractBytes = budget.workers * (plan.weightsBytes * 2 + 96 * MiB + budget.batchSize * budget.bytesPerImage);
      // weights, gradients and two Adam moments, plus a batch of features and activations
      const trainBytes = trainableParams * 4 * 4 + batchSize * (plan.featureDim + Math.max(head.hiddenUnits, classCount)) * 4 * 3;
      return {
        cut: plan.cut,
        cutShape: plan.cutShape,
        pooling: plan.pooling,
        featureDim: plan.featureDim,
        frozenParams: plan.frozenParams,
        trainableParams,
        cacheBytesPerImage: plan.featureDim * 4,
        extractMemoryMiB: Math.round(extractBytes / MiB),
        trainMemoryMiB: Math.max(1, Math.round(trainBytes / MiB)),
        // a batch is never larger than the dataset
        ...(await fineTunePlan(model, plan, fineTuneLayers, images ? Math.min(batchSize, images) : batchSize, trainBytes)),
      };
    },
  };
}
