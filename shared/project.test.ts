import { describe, expect, it } from 'vitest';
import { defaultTrainConfig, runRecordSchema } from './run';
import { sampleRunRecord } from './project.fixtures';
import { migrations, newProject, parseProject, projectFormatVersion, projectSchema, type Project } from './project';

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function projectWithRun(): Project {
  const p = newProject('Pets', { now: new Date('2026-01-02T00:00:00Z') });
  p.dataset = { path: 'data/pets', split: { val: 0.1, test: 0.2 }, classes: ['cat', 'dog'] };
  p.model = {
    source: 'mobilenet_v2_100_224',
    name: 'MobileNet V2',
    format: 'layers',
    preprocessing: { height: 224, width: 224, resize: 'stretch', range: [-1, 1] },
  };
  p.runs.push({ ...sampleRunRecord(), weightsDir: 'pets.tlab.d/runs/20260101-120000Z-mobilenet-v2', label: 'first try' });
  return p;
}

function expectError(json: unknown, code: string) {
  const r = parseProject(json, '/lab/pets.tlab');
  if (r.ok) throw new Error('expected the project to be refused');
  expect(r.error.code).toBe(code);
  return r.error;
}

describe('runRecordSchema', () => {
  it('accepts a run record as training writes it', () => {
    expect(runRecordSchema.safeParse(asJson(sampleRunRecord())).success).toBe(true);
  });

  it('reads a diverged epoch (NaN loss, written by JSON as null) back as NaN', () => {
    const run = sampleRunRecord();
    run.epochs[0]!.loss = Number.NaN;
    const parsed = runRecordSchema.parse(asJson(run));
    expect(parsed.epochs[0]!.loss).toBeNaN();
    // structured clone (Electron IPC) keeps NaN as it is
    expect(runRecordSchema.parse(structuredClone(run)).epochs[0]!.loss).toBeNaN();
  });
});

describe('newProject', () => {
  it('is a valid current-format project with the default training settings', () => {
    const p = newProject('Pets');
    expect(projectSchema.safeParse(p).success).toBe(true);
    expect(p.formatVersion).toBe(projectFormatVersion);
    expect(p.app.name).toBe('transfer-lab');
    expect(p.training).toEqual(defaultTrainConfig);
    expect(p.training).not.toBe(defaultTrainConfig);
    expect(p).toMatchObject({ dataset: null, model: null, runs: [], notes: '', freeze: { cut: null, fineTuneLayers: 0 } });
  });
});

describe('parseProject', () => {
  it('round-trips a project with a run through JSON', () => {
    const p = projectWithRun();
    const r = parseProject(asJson(p));
    expect(r).toEqual({ ok: true, project: p });
  });

  it('fills a missing hyper-parameter with its default but refuses a wrong one', () => {
    const json = asJson(projectWithRun()) as { training: Record<string, unknown> };
    delete json.training['patience'];
    delete json.training['head'];
    const r = parseProject(json);
    expect(r.ok && r.project.training).toMatchObject({ patience: defaultTrainConfig.patience, head: defaultTrainConfig.head });

    json.training['epochs'] = 0;
    expect(expectError(json, 'PROJECT_INVALID').message).toContain('training.epochs: Epochs must be a whole number from 1 to 10000.');
  });

  it('names the first wrong field as a readable path', () => {
    const json = asJson(projectWithRun()) as { runs: Record<string, unknown>[] };
    json.runs[0]!['epochs'] = 'many';
    const error = expectError(json, 'PROJECT_INVALID');
    expect(error.message).toBe('/lab/pets.tlab cannot be opened: runs[0].epochs: expected array, received string.');
    expect(error.hint).toMatch(/left exactly as it was/);
  });

  it('says a field is missing, and counts the other problems', () => {
    const json = asJson(projectWithRun()) as Record<string, unknown>;
    delete json['name'];
    json['runs'] = 'none';
    expect(expectError(json, 'PROJECT_INVALID').message).toContain('name: missing (expected string) (and 1 more problem)');
  });

  it('refuses things that are not projects at all', () => {
    expect(expectError([1, 2], 'PROJECT_INVALID').message).toContain('it holds a list instead of a project');
    expect(expectError(null, 'PROJECT_INVALID').message).toContain('null');
    expect(expectError({ name: 'x' }, 'PROJECT_INVALID').message).toContain('no formatVersion');
    expect(expectError({ formatVersion: '1' }, 'PROJECT_INVALID').message).toContain('formatVersion: expected a whole number, got a text');
    expect(expectError({ formatVersion: 1.5 }, 'PROJECT_INVALID').message).toContain('got a fraction');
    expect(expectError({ formatVersion: 9, app: { name: 'other-app' } }, 'PROJECT_INVALID').message).toContain('written by another application');
  });

  it('quotes nothing of what the file holds', () => {
    const secret = 'hunter2-secret';
    for (const json of [secret, 12345678, { formatVersion: secret }, { formatVersion: 31.4159 }, { formatVersion: 1, app: { name: secret } }]) {
      const message = expectError(json, 'PROJECT_INVALID').message;
      expect(message).not.toContain('hunter2');
      expect(message).not.toMatch(/12345678|31\.4159/);
    }
  });

  it('refuses a file from a newer app and does not guess at it', () => {
    const json = { ...(asJson(projectWithRun()) as object), formatVersion: projectFormatVersion + 1 };
    const error = expectError(json, 'PROJECT_TOO_NEW');
    expect(error.message).toBe(`/lab/pets.tlab was made by a newer Transfer Lab (format ${projectFormatVersion + 1}); update the app to open it.`);
  });
});

describe('migrations', () => {
  const v0 = {
    formatVersion: 0,
    appVersion: '0.0.3',
    name: 'Pets (draft)',
    createdAt: '2025-10-01T09:00:00.000Z',
    datasetPath: '../photos/pets',
    split: { val: 0.15, test: 0.15 },
    model: {
      source: 'mobilenet_v2_100_224',
      name: 'MobileNet V2',
      format: 'layers',
      preprocessing: { height: 224, width: 224, resize: 'stretch', range: [-1, 1] },
      cut: 'block_16_project',
    },
    training: { epochs: 5, learningRate: 0.01 },
    runs: [{ ...sampleRunRecord(), runDir: '/home/student/runs/20260101-120000Z-mobilenet-v2' }],
    notes: 'first go',
  };

  it('has a step from every older format up to the current one', () => {
    for (let v = 0; v < projectFormatVersion; v++) expect(migrations[v], `migration from ${v}`).toBeTypeOf('function');
  });

  it('upgrades a v0 draft in memory and says so', () => {
    const r = parseProject(asJson(v0));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.migratedFrom).toBe(0);
    const p = r.project;
    expect(p.formatVersion).toBe(1);
    expect(p.app).toEqual({ name: 'transfer-lab', version: '0.0.3' });
    expect(p.updatedAt).toBe(v0.createdAt);
    expect(p.dataset).toEqual({ path: '../photos/pets', split: { val: 0.15, test: 0.15 }, classes: [] });
    expect(p.model).toEqual({ source: 'mobilenet_v2_100_224', name: 'MobileNet V2', format: 'layers', preprocessing: v0.model.preprocessing });
    expect(p.freeze).toEqual({ cut: 'block_16_project', fineTuneLayers: 0 });
    expect(p.training).toEqual({ ...defaultTrainConfig, epochs: 5, learningRate: 0.01 });
    expect(p.runs[0]!.weightsDir).toBe('/home/student/runs/20260101-120000Z-mobilenet-v2');
    expect(p.runs[0]).not.toHaveProperty('runDir');
    expect(p.notes).toBe('first go');
    // what was migrated is a valid current project: parsing it again changes nothing
    expect(parseProject(asJson(p))).toEqual({ ok: true, project: p });
  });

  it('upgrades a v0 draft without a dataset or model', () => {
    const r = parseProject({ ...v0, datasetPath: null, model: null, split: undefined, runs: [] });
    expect(r.ok && [r.project.dataset, r.project.model, r.project.freeze.cut]).toEqual([null, null, null]);
  });

  it('reports a damaged v0 file in the terms of its own format', () => {
    const error = expectError({ ...v0, datasetPath: 7 }, 'PROJECT_INVALID');
    expect(error.message).toContain('(format 0) datasetPath: expected string, received number');
  });
});

describe('the project file name', () => {
  it('gets the extension where it is missing, in any case kept where present', async () => {
    const { withProjectExtension, isProjectFileName } = await import('./project');
    expect(withProjectExtension('/lab/pets')).toBe('/lab/pets.tlab');
    expect(withProjectExtension('/lab/pets.TLAB')).toBe('/lab/pets.TLAB');
    expect(isProjectFileName('pets.tlab.json')).toBe(false);
  });
});
