import { createMemoryHistory, createRouter } from 'vue-router';

/** a router that takes any address and renders nothing there, for a component whose links or commands move the app between steps */
export const anyRouter = () => createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { render: () => null } }] });
