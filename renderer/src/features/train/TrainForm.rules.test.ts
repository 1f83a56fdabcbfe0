// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultTrainConfig } from '../../../../shared/run';
import { trainSettings } from '../../../../shared/trainConfig';
import { useTrainConfigStore } from '../../stores/trainConfig';
import TrainForm from './TrainForm.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

/** the message the settings' schema gives `value` for `key`: the form must show exactly this */
const ruleSays = (key: keyof typeof trainSettings, value: unknown) => trainSettings[key].safeParse(value).error?.issues[0]?.message;

describe("the Train form checks values by the settings' schema", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("refuses what the schema refuses with the schema's message, and puts the last good value back", async () => {
    const w = mount(TrainForm);
    const config = useTrainConfigStore();
    const cases = [
      ['cfg-learning-rate', 'learningRate', '11', 11],
      ['cfg-learning-rate', 'learningRate', '0', 0],
      ['cfg-epochs', 'epochs', '10001', 10001],
      ['cfg-batch-size', 'batchSize', '2.5', 2.5],
      ['cfg-dropout', 'dropout', '1', 1],
      ['cfg-per-class', 'imagesPerClass', '0', 0],
      ['cfg-fine-tune', 'fineTuneLayers', '1001', 1001],
    ] as const;
    for (const [id, key, typed, value] of cases) {
      const input = w.get(`[data-testid="${id}"]`);
      await input.setValue(typed);
      expect(w.get('[data-testid="cfg-problem"]').text()).toBe(ruleSays(key, value));
      expect((input.element as HTMLInputElement).value).not.toBe(typed);
    }
    expect(w.get('[data-testid="cfg-problem"]').text()).toBe('Fine-tuned layers must be a whole number from 0 to 1000.');
    expect(config.config).toEqual(defaultTrainConfig);
  });

  it('takes what the schema takes (a learning rate of 10 is the top), and the message goes', async () => {
    const w = mount(TrainForm);
    const config = useTrainConfigStore();
    await w.get('[data-testid="cfg-learning-rate"]').setValue('abc');
    expect(w.get('[data-testid="cfg-problem"]').text()).toBe('The learning rate must be a number above 0 and at most 10.');
    await w.get('[data-testid="cfg-learning-rate"]').setValue('10');
    expect(config.config.learningRate).toBe(10);
    expect(w.find('[data-testid="cfg-problem"]').exists()).toBe(false);
    await w.get('[data-testid="cfg-per-class"]').setValue('5');
    expect(config.config.imagesPerClass).toBe(5);
    await w.get('[data-testid="cfg-per-class"]').setValue('');
    expect(config.config.imagesPerClass).toBeNull();
    await w.get('[data-testid="cfg-dropout"]').setValue('0.5');
    expect(config.config.head.dropout).toBe(0.5);
  });

  it("shows the schema's limits on the fields", () => {
    const w = mount(TrainForm);
    expect(w.get('[data-testid="cfg-epochs"]').attributes()).toMatchObject({ min: '1', max: '10000' });
    expect(w.get('[data-testid="cfg-learning-rate"]').attributes('max')).toBe('10');
  });
});
