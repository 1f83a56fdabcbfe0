// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportResult } from '../../api/types';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { fail, handle, playDesktop, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import ExportStep from './ExportStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const onnxDisagrees = { path: 'dog/3.jpg', engine: 'cat', exported: 'dog' };
const written: ExportResult = {
  dir: '/out/pets-export',
  layout: 'model.json + weights',
  onnx: { file: '/out/pets-export/model.onnx', opset: 13 },
  onnxSkipped: null,
  parity: {
    images: 4,
    engineAccuracy: 0.75,
    disagreements: [onnxDisagrees],
    maxProbabilityDiff: 0.002,
    exportedAccuracy: 1,
    formats: [{ format: 'onnx', disagreements: [onnxDisagrees], maxProbabilityDiff: 0.002, exportedAccuracy: 1 }],
  },
};

describe('the Export step', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
  });

  it('with no run yet, says so and links to Train', async () => {
    const { w } = await mountStep(ExportStep);
    expect(w.text()).toContain('Nothing to export yet');
    expect(w.get('a[href="/train"]').text()).toBe('train a run first');
    expect(w.find('[data-testid="export-button"]').exists()).toBe(false);
  });

  it("names the run it exports with its test accuracy, and Enter in the folder sends run.export with that run's folder, the formats and parity", async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    handle('run.export', () => written);
    const { w } = await mountStep(ExportStep);
    expect(w.text()).toContain('run 1');
    expect(w.text()).toContain('75');
    await w.get('[data-testid="export-dest"]').setValue('/out/pets-export');
    await w.get('[data-testid="export-parity"]').setValue(false);
    await w.get('[data-testid="export-format-tfjs"]').setValue(false);
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(sent('run.export')).toEqual([{ runDir: '/runs/run-1', dest: '/out/pets-export', parity: false, formats: ['onnx'] }]);
  });

  it("shows the folder written and each format's agreement with the engine, and names the images they disagree on", async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    handle('run.export', () => written);
    const { w } = await mountStep(ExportStep);
    await w.get('[data-testid="export-dest"]').setValue('/out/pets-export');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="export-dir"]').text()).toBe('/out/pets-export');
    expect(w.get('[data-testid="export-onnx"]').text()).toContain('opset 13');
    // beside model.onnx, the script that runs it on its own
    expect(w.get('[data-testid="export-classify"]').text()).toContain('python3 classify.py photos/');
    expect(w.get('[data-testid="parity-agree-onnx"]').text()).toBe('3 / 4');
    expect(w.get('[data-testid="parity-onnx"]').text()).toContain('dog/3.jpg: engine cat, exported dog');
  });

  it('in the desktop app, shows the exported folder in the file manager; a web page, whose engine may be on another machine, offers no such button', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    handle('run.export', () => written);
    handle('shell.open', () => ({}));
    const exportTo = async () => {
      const { w } = await mountStep(ExportStep);
      await w.get('[data-testid="export-dest"]').setValue('/out/pets-export');
      await w.get('form').trigger('submit');
      await flushPromises();
      return w;
    };
    expect((await exportTo()).find('[data-testid="export-reveal"]').exists()).toBe(false);
    playDesktop(true);
    const w = await exportTo();
    await w.get('[data-testid="export-reveal"]').trigger('click');
    await flushPromises();
    expect(sent('shell.open')).toEqual([{ path: '/out/pets-export', how: 'reveal' }]);
  });

  it('while writing, the button and the folder are disabled, so a second click cannot start a second export', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    let finish!: (r: ExportResult) => void;
    handle('run.export', () => new Promise<ExportResult>((r) => (finish = r)));
    const { w } = await mountStep(ExportStep);
    await w.get('[data-testid="export-dest"]').setValue('/out/x');
    await w.get('form').trigger('submit');
    await flushPromises();
    const button = w.get('[data-testid="export-button"]');
    expect(button.text()).toBe('Exporting…');
    expect(button.attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="export-dest"]').attributes('disabled')).toBeDefined();
    await button.trigger('click');
    expect(sent('run.export')).toHaveLength(1);
    finish(written);
    await flushPromises();
    expect(w.get('[data-testid="export-button"]').attributes('disabled')).toBeUndefined();
  });

  it("shows the engine's refusal as a message with its hint, and keeps the folder typed", async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    fail('run.export', { code: 'EXPORT_FAILED', message: 'The folder /out/x is not empty.', hint: 'Choose a new or empty folder.' });
    const { w } = await mountStep(ExportStep);
    await w.get('[data-testid="export-dest"]').setValue('/out/x');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="error-message"]').text()).toBe('The folder /out/x is not empty.');
    expect(w.get('[data-testid="error-hint"]').text()).toBe('Choose a new or empty folder.');
    expect((w.get('[data-testid="export-dest"]').element as HTMLInputElement).value).toBe('/out/x');
    expect(w.find('[data-testid="export-result"]').exists()).toBe(false);
  });
});
