import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { useAppearanceStore } from './stores/appearance';
import './styles.css';
import { guardWindowDrops } from './util/dropGuard';

guardWindowDrops(window);
const pinia = createPinia();
// the theme is set before the first paint, so a dark window never flashes white
useAppearanceStore(pinia);
createApp(App).use(pinia).use(router).mount('#app');
