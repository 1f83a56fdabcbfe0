import { flushPromises, mount } from '@vue/test-utils';
import { defineComponent, h, type Component } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import NoticeBanner from '../components/NoticeBanner.vue';

/**
 * A step's page as the app shows it, for component tests: routed at `at` (every other address
 * renders nothing, so a link or "Next" can be followed), with the notice banner above it, where
 * an engine error reaches the user. Give it the active Pinia first.
 */
export async function mountStep(page: Component, at = '/step') {
  const path = at.split('?')[0]!;
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path, component: page }, { path: '/:any(.*)*', component: { render: () => null } }] });
  await router.push(at);
  await router.isReady();
  const shell = defineComponent({ render: () => [h(NoticeBanner), h(RouterView)] });
  const w = mount(shell, { global: { plugins: [router] } });
  await flushPromises();
  return { w, router };
}
