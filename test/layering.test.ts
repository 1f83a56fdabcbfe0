import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering of DESIGN.md is a set of ESLint rules; this checks that each rule really bites
// (and lets through what the layer may import). Paths are real files: import-x resolves them.
describe('import layering', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const layering = new Set(['no-restricted-imports', 'import-x/no-restricted-paths', 'import-x/no-cycle']);
  const lint = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: file }))[0]!.messages.filter((m) => m.ruleId !== null && layering.has(m.ruleId));
  const use = (what: string, from: string) => `import { ${what} } from '${from}';\nexport const a = ${what};\n`;

  it('keeps Node, the engine and native tfjs out of shared/', async () => {
    expect(await lint('shared/bad.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).not.toHaveLength(0);
    expect(await lint('shared/bad.ts', use('userCacheDir', '../electron/engine/paths'))).not.toHaveLength(0);
    expect(await lint('shared/bad.ts', "import * as tf from '@tensorflow/tfjs-node';\nexport const a = tf;\n")).not.toHaveLength(0);
    expect(await lint('shared/good.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });

  it('keeps electron, the web host and the CLI out of the engine, and electron out of the CLI', async () => {
    expect(await lint('electron/engine/bad.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await lint('electron/engine/bad.ts', use('startWebHost', '../host/webHost'))).not.toHaveLength(0);
    expect(await lint('electron/cli/bad.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await lint('electron/engine/good.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(0);
    expect(await lint('electron/cli/good.ts', use('startWebHost', '../host/webHost'))).toHaveLength(0);
  });

  it('lets main import shared/ and its own files only', async () => {
    expect(await lint('electron/main/bad.ts', use('createLabService', '../engine/service/labService'))).not.toHaveLength(0);
    expect(await lint('electron/main/bad.ts', use('startWebHost', '../host/webHost'))).not.toHaveLength(0);
    expect(await lint('electron/main/bad.ts', use('createDesktopApi', '../preload/bridge'))).not.toHaveLength(0);
    // its own folder named engine/ is its own, not the engine's
    expect(await lint('electron/main/good.ts', use('EngineProcess', './engine/engineProcess'))).toHaveLength(0);
    expect(await lint('electron/main/good.ts', use('fromEngineSchema', '../../shared/utilityWire'))).toHaveLength(0);
  });

  it('lets the preload import shared/ only', async () => {
    expect(await lint('electron/preload/bad.ts', use('menuTemplate', '../main/menu'))).not.toHaveLength(0);
    expect(await lint('electron/preload/bad.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).not.toHaveLength(0);
    expect(await lint('electron/preload/good.ts', use('ipcChannels', '../../shared/ipcChannels'))).toHaveLength(0);
  });

  it("lets the GPU window page import shared/ and the engine's frozen graph and window wire, nothing of Node, Electron or the app", async () => {
    expect(await lint('electron/gpuWindow/bad.ts', use('userCacheDir', '../engine/paths'))).not.toHaveLength(0);
    expect(await lint('electron/gpuWindow/bad.ts', use('compileOnnx', '../engine/frozen/onnx/compileOnnx'))).not.toHaveLength(0);
    expect(await lint('electron/gpuWindow/bad.ts', use('appFiles', '../main/appFiles'))).not.toHaveLength(0);
    expect(await lint('electron/gpuWindow/bad.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).not.toHaveLength(0);
    expect(await lint('electron/gpuWindow/bad.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).not.toHaveLength(0);
    expect(await lint('electron/gpuWindow/good.ts', use('FusedExecutor', '../engine/frozen/fusedExecutor'))).toHaveLength(0);
    expect(await lint('electron/gpuWindow/good.ts', use('gpuPortChannel', '../../shared/gpuWindow'))).toHaveLength(0);
  });

  it("lets the web host import shared/ and the engine's service, not the rest of the engine or the app", async () => {
    expect(await lint('electron/host/bad.ts', use('userCacheDir', '../engine/paths'))).not.toHaveLength(0);
    expect(await lint('electron/host/bad.ts', use('menuTemplate', '../main/menu'))).not.toHaveLength(0);
    expect(await lint('electron/host/bad.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await lint('electron/host/good.ts', use('createLabService', '../engine/service/labService'))).toHaveLength(0);
  });

  it('finds an import cycle anywhere in the tree: the stores point one way (project → training → trainConfig)', async () => {
    // the ring the renderer's stores had: training imported project, which imports training
    expect(await lint('renderer/src/stores/training.ts', use('useProjectStore', './project'))).toEqual([
      expect.objectContaining({ ruleId: 'import-x/no-cycle' }),
    ]);
    // the leaf stores import no store that reads them
    expect(await lint('renderer/src/stores/trainConfig.ts', use('useFreezeStore', './freeze'))).toEqual([
      expect.objectContaining({ ruleId: 'import-x/no-cycle' }),
    ]);
    expect(await lint('renderer/src/stores/projectOwner.ts', use('useTrainingStore', './training'))).toEqual([
      expect.objectContaining({ ruleId: 'import-x/no-cycle' }),
    ]);
    // outside the renderer too: the engine's scanner importing the service that imports it
    expect(await lint('electron/engine/dataset/scanDataset.ts', use('createLabService', '../service/labService'))).toEqual([
      expect.objectContaining({ ruleId: 'import-x/no-cycle' }),
    ]);
    // the way the arrows point is allowed
    expect(await lint('renderer/src/stores/good.ts', use('useProjectStore', './project'))).toHaveLength(0);
  });
});
