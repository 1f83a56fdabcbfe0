// Lint rules, and the layering of DESIGN.md enforced as import rules:
// shared/ runs everywhere (no Node, DOM, Electron, native tfjs); the engine never imports
// electron; the renderer reaches the engine only through the contract in shared/.
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'module', 'net', 'os', 'path', 'process', 'readline', 'stream', 'url', 'util', 'vm', 'worker_threads', 'zlib'];

const restrict = (paths, patterns) => ['error', { paths: paths.map((name) => ({ name, message: 'not allowed in this layer (see DESIGN.md)' })), patterns }];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.cache/**', '.tsbuild/**', 'runs/**', 'bench-results/**'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', ...nodeBuiltins],
        [
          { group: ['node:*'], message: 'shared/ runs in every process: no Node built-ins' },
          { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing from the processes above it' },
          { group: ['@tensorflow/*'], message: 'shared/ holds no TensorFlow code' },
        ],
      ),
    },
    languageOptions: { globals: {} },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(['electron'], [
        { group: ['electron/*'], message: 'the engine runs without Electron (CLI, web host, utility process)' },
        { group: ['**/renderer/**', '**/main/**', '**/preload/**'], message: 'the engine does not reach into the app' },
      ]),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': restrict(['electron', 'sharp', ...nodeBuiltins], [
        { group: ['node:*'], message: 'the renderer runs in a browser' },
        { group: ['**/electron/**', '@tensorflow/*'], message: 'the renderer talks to the engine only through the contract' },
      ]),
    },
  },
  {
    // tests poke at untyped JSON over the wire
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
