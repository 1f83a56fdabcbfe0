import type { Router } from 'vue-router';

/**
 * The page scrolls inside the app's content pane, not the window, so the router's own
 * scrollBehavior never reaches it: a step opened with "Next: …" would open scrolled as far down
 * as the last one was. A new step opens at its top; a change of the query alone (a lab task,
 * a run) keeps the place.
 */
export function scrollToTopOnStep(router: Router, pane: () => Pick<HTMLElement, 'scrollTo'> | null | undefined): void {
  router.afterEach((to, from, failure) => {
    if (!failure && to.path !== from.path) pane()?.scrollTo({ top: 0, left: 0 });
  });
}
