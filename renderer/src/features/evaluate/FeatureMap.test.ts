// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import type { FeatureMap as Drawn } from '../../../../shared/featureMap';
import { featureMapKey, useFeatureMapStore, type FeatureMapTarget } from '../../stores/featureMaps';
import { handle, resetApi } from '../../testing/mockApi';
import FeatureMap from './FeatureMap.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

// the chart as a stand-in that counts the options it is given, places a point at 100 pixels a
// unit from its corner, and says it has drawn, as ECharts' `finished` event does
const given: unknown[] = [];
vi.mock('vue-echarts', () => ({
  default: {
    name: 'VChart',
    props: ['option', 'theme'],
    emits: ['finished'],
    watch: {
      option: {
        immediate: true,
        handler(this: { $emit: (e: string) => void }, o: unknown) {
          given.push(o);
          queueMicrotask(() => this.$emit('finished'));
        },
      },
    },
    methods: { convertToPixel: (_finder: unknown, [x, y]: [number, number]) => [100 * x + 10, 200 - 100 * y] },
    render: () => h('div'),
  },
}));

const map: Drawn = {
  layer: 'out_relu',
  featureDim: 1280,
  explained: [0.31, 0.12],
  datasetImages: 4,
  failed: 0,
  points: [
    { path: 'cat/1.jpg', label: 0, split: 'train', x: 0, y: 0 },
    { path: 'dog/2.jpg', label: 1, split: 'test', x: 1, y: 1, predicted: 1 },
  ],
};
const target: FeatureMapTarget = { kind: 'run', id: 'run-1', runDir: '/runs/run-1' };
const key = featureMapKey(target);

describe("the feature map's pin for the live camera", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    given.length = 0;
    handle('run.featureMap', () => map);
  });

  it('moves over the chart with each frame while the chart keeps its option, and leaves when the camera stops', async () => {
    const maps = useFeatureMapStore();
    await maps.draw(target);
    const host = defineComponent({ render: () => h(FeatureMap, { target, root: '/data', classes: ['cat', 'dog'] }) });
    const w = mount(host, { attachTo: document.body.appendChild(document.createElement('div')) });
    await flushPromises();
    expect(w.find('[data-testid="feature-map-pin"]').exists()).toBe(false);
    const drawnWith = given.length;
    expect(drawnWith).toBeGreaterThan(0);

    maps.placeLive(key, { x: 0.5, y: 0.25 });
    await flushPromises();
    const pin = () => w.get('[data-testid="feature-map-pin"]').attributes('style');
    expect(pin()).toContain('left: 60px');
    expect(pin()).toContain('top: 175px');
    expect(w.get('[data-testid="feature-map-live"]').text()).toContain("where the camera's frame lands");

    // a frame unlike every image: the pin waits at the frame's edge (the images' extent and its margin)
    maps.placeLive(key, { x: 50, y: 0.25 });
    await flushPromises();
    expect(pin()).toContain(`left: ${100 * 1.04 + 10}px`);

    // ten frames later the chart was never given a new option: no point was drawn again
    for (let i = 0; i < 10; i++) maps.placeLive(key, { x: i / 10, y: 0.5 });
    await flushPromises();
    expect(pin()).toContain('left: 100px');
    expect(given.length).toBe(drawnWith);

    // another run's frame is not this map's; a stopped camera leaves no pin
    maps.placeLive('run:run-2', { x: 0.5, y: 0.5 });
    await flushPromises();
    expect(w.find('[data-testid="feature-map-pin"]').exists()).toBe(false);
    maps.placeLive(key, { x: 0.5, y: 0.5 });
    await flushPromises();
    maps.placeLive(null);
    await flushPromises();
    expect(w.find('[data-testid="feature-map-pin"]').exists()).toBe(false);
    expect(w.find('[data-testid="feature-map-live"]').exists()).toBe(false);
    w.unmount();
  });
});
