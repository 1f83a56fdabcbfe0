import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering of DESIGN.md is an ESLint rule; this checks that the rule really bites.
describe('import layering', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const lint = async (file: string, code: string) => (await eslint.lintText(code, { filePath: file }))[0]!.messages.filter((m) => m.ruleId === 'no-restricted-imports');

  it('keeps Node, the engine and native tfjs out of shared/', async () => {
    expect(await lint('shared/bad.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).not.toHaveLength(0);
    expect(await lint('shared/bad.ts', "import { userCacheDir } from '../electron/engine/paths';\nexport const a = userCacheDir;\n")).not.toHaveLength(0);
    expect(await lint('shared/bad.ts', "import * as tf from '@tensorflow/tfjs-node';\nexport const a = tf;\n")).not.toHaveLength(0);
    expect(await lint('shared/good.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });

  it('keeps electron out of the engine and the CLI', async () => {
    expect(await lint('electron/engine/bad.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await lint('electron/cli/bad.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await lint('electron/engine/good.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(0);
  });
});
