import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { steps } from './steps';

/**
 * The wizard step lives in the URL (hash history: the web host and a file:// window both
 * serve one index.html), so a reload or a bookmark lands on the same step.
 */
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'start', component: () => import('../features/start/StartPage.vue') },
  ...steps.map((s) => ({ path: `/${s.id}`, name: s.id, component: s.component })),
  { path: '/lab', name: 'lab', component: () => import('../features/lab/LabPage.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
