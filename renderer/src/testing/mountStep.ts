import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { getActivePinia, setActivePinia } from 'pinia';
import { defineComponent, h, type Component } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import NoticeBanner from '../components/NoticeBanner.vue';

/**
 * A step's page as the app shows it, for component tests: routed at `at` (every other address
 * renders nothing, so a link or "Next" can be followed), with the notice banner above it, where
 * an engine error reaches the user. Give it the active Pinia first. It is attached to the
 * document, as a form must be for a click on its submit button to submit it; the page mounted
 * before is unmounted first. ECharts' canvas is stubbed (happy-dom lays nothing out, so it has
 * no size to draw in); the charts' options are tested in shared/charts.test.ts.
 */
let mounted: { w: VueWrapper; box: HTMLElement } | null = null;

export async function mountStep(page: Component, at = '/step') {
  // the page before may call its stores' actions as it unmounts (a camera stopping), and Pinia
  // makes the store's own Pinia active for an action: the test's is made active again after
  const pinia = getActivePinia();
  mounted?.w.unmount();
  mounted?.box.remove();
  mounted = null;
  if (pinia) setActivePinia(pinia);
  const path = at.split('?')[0]!;
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path, component: page },
      { path: '/:any(.*)*', component: { render: () => null } },
    ],
  });
  await router.push(at);
  await router.isReady();
  const shell = defineComponent({ render: () => [h(NoticeBanner), h(RouterView)] });
  const box = document.body.appendChild(document.createElement('div'));
  const w = mount(shell, { global: { plugins: [router], stubs: { Echarts: true } }, attachTo: box });
  mounted = { w, box };
  await flushPromises();
  return { w, router };
}
