// Lint rules, and the layering of DESIGN.md enforced as import rules:
// shared/ runs everywhere (no Node, DOM, Electron, native tfjs); the engine never imports
// electron or the app; main and the preload import shared/ and their own; the web host shared/
// and the engine's service; the renderer reaches the engine only through the contract in shared/.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier/flat';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'module',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'url',
  'util',
  'vm',
  'worker_threads',
  'zlib',
];

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
    // the product's code (tests make their fixtures' folders as they like)
    files: ['electron/**/*.ts', 'scripts/**/*.ts', 'bin/**'],
    ignores: ['**/*.test.ts', '**/test/**'],
    rules: {
      // Node's recursive mkdir spins a core forever under /proc: electron/engine/util/makeDirs.ts
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^mkdir(Sync)?$/] > ObjectExpression > Property[key.name='recursive']",
          message: "makeDirs / makeDirsSync (electron/engine/util/makeDirs.ts): Node's recursive mkdir never returns under /proc",
        },
      ],
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
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron'],
        [
          { group: ['electron/*'], message: 'the engine runs without Electron (CLI, web host, utility process)' },
          {
            group: ['**/renderer/**', '**/main/**', '**/preload/**', '**/host/**', '**/cli/**'],
            message: 'the engine does not reach into the app, the web host or the CLI',
          },
        ],
      ),
    },
  },
  {
    files: ['electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron'],
        [
          { group: ['electron/*'], message: 'the CLI runs without Electron' },
          { group: ['**/renderer/**', '**/main/**', '**/preload/**'], message: 'the CLI does not reach into the app' },
        ],
      ),
    },
  },
  {
    // main, the preload and the web host: which folders each may import, on resolved paths
    // (import-x resolves './engine/engineProcess' in main to main's own folder, not the engine)
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts', 'electron/host/**/*.ts', 'electron/gpuWindow/**/*.ts'],
    ignores: ['**/*.test.ts', 'electron/main/test/**'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json', '.node'] })] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './electron/main',
              from: ['./electron/engine', './electron/host', './electron/cli', './electron/preload', './renderer'],
              message: 'main imports shared/ and its own files; it talks to the engine through shared/utilityWire (see DESIGN.md)',
            },
            {
              target: './electron/preload',
              from: ['./electron/engine', './electron/host', './electron/cli', './electron/main', './renderer'],
              message: 'the preload imports shared/ only (see DESIGN.md)',
            },
            {
              target: './electron/host',
              from: ['./electron/main', './electron/preload', './electron/cli', './renderer'],
              message: "the web host imports shared/ and the engine's service (see DESIGN.md)",
            },
            {
              target: './electron/host',
              from: './electron/engine',
              except: ['./service'],
              message: 'the web host reaches the engine through its service (engine/service) only',
            },
            // the GPU window's page runs in a browser: the engine's pure graph code and the window's wire, nothing else of ours
            {
              target: './electron/gpuWindow',
              from: ['./electron/main', './electron/preload', './electron/host', './electron/cli', './renderer'],
              message: "the GPU window page imports shared/, its own files and the engine's frozen graph (see README, The GPU in the desktop app)",
            },
            {
              target: './electron/gpuWindow',
              from: './electron/engine',
              except: [
                './frozen/frozenGraph.ts',
                './frozen/fusedExecutor.ts',
                './frozen/graphWire.ts',
                './frozen/windowPads.ts',
                './frozen/wgsl',
                './extract/gpuWindowProtocol.ts',
              ],
              message: "the GPU window page runs in a browser: only the engine's frozen graph, its executor, its WGSL compiler and the window's wire",
            },
          ],
        },
      ],
    },
  },
  {
    // no import cycle anywhere in the tree (the renderer's stores point one way: project → training →
    // trainConfig); .vue files import but are never imported in a ring, and import-x cannot parse them
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json', '.node'] })],
      // which imported files import-x reads to follow a ring (by default .js only)
      'import-x/extensions': ['.ts', '.js', '.mjs'],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['electron/preload/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['sharp', ...nodeBuiltins],
        [
          { group: ['node:*'], message: 'the preload runs sandboxed: no Node built-ins' },
          { group: ['@tensorflow/*'], message: 'the preload imports shared/ only' },
        ],
      ),
    },
  },
  {
    files: ['electron/gpuWindow/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron', 'sharp', ...nodeBuiltins],
        [
          { group: ['node:*'], message: 'the GPU window page runs in a browser' },
          { group: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], message: 'the GPU window page runs in a browser' },
        ],
      ),
    },
  },
  {
    files: ['electron/host/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(['electron'], [{ group: ['electron/*'], message: 'the web host runs without Electron' }]),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron', 'sharp', ...nodeBuiltins],
        [
          { group: ['node:*'], message: 'the renderer runs in a browser' },
          { group: ['**/electron/**', '@tensorflow/*'], message: 'the renderer talks to the engine only through the contract' },
        ],
      ),
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
  {
    // the CommonJS entries (bin/*.cjs): they must size the thread pool before any ES module loads
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // formatting is Prettier's (npm run format); no lint rule argues with it
  prettier,
);
