import { readRequest } from '../run/checkpoint';
import { TransferLabError } from '../../../shared/errors';
import type { Handlers } from '../../../shared/rpc';
import { planSweep, plannedConfig, SweepPlanError } from '../../../shared/sweep';
import type { ServiceContext } from './serviceContext';

/** train.* and sweep.*: runs and sweeps started as jobs, stopped, and watched again after a reload */
export function trainHandlers(c: ServiceContext): Partial<Handlers> {
  const { jobs } = c;
  return {
    'train.start': async ({ dataset, split, source, cut, config, owner, jobId: named }) => {
      await c.backendReady;
      const jobId = jobs.start(
        [{ label: 'one run', options: { dataset, split, model: source, ...(cut ? { cut } : {}), config, ...c.backendOpt } }],
        c.onRunDone(owner, config),
        owner ?? null,
        named,
      );
      return { jobId };
    },
    'train.resume': async ({ runDir, owner, jobId: named }) => {
      // a stopped run that is gone, or finished, is said now, not as a job that fails at once
      readRequest(runDir);
      await c.backendReady;
      return { jobId: jobs.start([{ label: 'resumed run', options: { resume: runDir, ...c.backendOpt } }], c.onRunDone(owner, null), owner ?? null, named) };
    },
    'sweep.start': async ({ dataset, split, source, cut, config, axes, skip, owner, jobId: named }) => {
      await c.backendReady;
      let plan;
      try {
        plan = planSweep({ model: source, config, perClass: config.imagesPerClass, fineTune: config.fineTuneLayers }, axes);
      } catch (e) {
        if (e instanceof SweepPlanError) throw new TransferLabError('BAD_ARGUMENT', e.message, 'Fewer values, or fix the one named.');
        throw e;
      }
      // runs the app reuses instead (finished before with the same settings) are not trained again
      const toRun = plan.filter((p) => !skip?.includes(p.index));
      if (!toRun.length)
        throw new TransferLabError(
          'BAD_ARGUMENT',
          'Every run of these experiments is skipped: nothing to train.',
          'Their finished runs are already in the project.',
        );
      const queue = toRun.map((p) => ({
        label: p.label,
        // the bottleneck the user chose belongs to the model it was chosen on
        options: { dataset, split, model: p.model, ...(cut && p.model === source ? { cut } : {}), config: plannedConfig(p), ...c.backendOpt },
      }));
      const jobId = jobs.start(queue, c.onRunDone(owner, config), owner ?? null, named);
      return { jobId, runs: toRun.map((p, i) => ({ index: i, label: p.label, epochs: p.config.epochs, planIndex: p.index })) };
    },
    'sweep.cancelRun': async ({ jobId, index }) => ({ cancelled: jobs.cancelRun(jobId, index) }),
    'train.stop': async ({ jobId }) => ({ stopped: jobs.stop(jobId) }),
    'train.current': async () => ({ job: jobs.snapshot() }),
  };
}
