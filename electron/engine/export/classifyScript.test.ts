import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { trainRun } from '../run/trainRun';
import { initBackend } from '../tf/backend';
import { loadClassifier } from './classifier';
import { exportRun } from './exportModel';

/**
 * The exported classify.py, run as a Jetson user would: Python with numpy and OpenCV (JetPack
 * ships both; CI installs Debian's python3-opencv). Its answers must be the engine's own for the
 * same files, however they are stored: small PNGs the model enlarges, a large JPEG it shrinks,
 * a JPEG whose EXIF says it is on its side, a PNG with transparency.
 */
const python = [process.env.TRANSFER_LAB_PYTHON, '/usr/bin/python3', 'python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import cv2, numpy'], { stdio: 'ignore' }).status === 0,
);
if (!python) console.warn('classify.py tests skipped: no Python here imports cv2 and numpy (apt install python3-opencv)');
const hasOnnxRuntime = python ? spawnSync(python, ['-c', 'import onnxruntime'], { stdio: 'ignore' }).status === 0 : false;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-classify-py-'));
const classes = ['1_trouser', '5_sandal', '8_bag'];
let exported: string;
let photos: string[];
let dataset: string;

type Found = { file?: string; frame?: number; top: { label: string; probability: number }[]; probabilities?: number[] };
type Summary = { right: number; of: number; confused: { class: string; taken_for: string; photos: number }[] };
/** classify.py of an export (this test's own unless named), with its JSON lines read */
function run(
  args: string[],
  o: { dir?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; lines: Found[]; summary: Summary | undefined; stderr: string; stdout: string } {
  const r = spawnSync(python!, [path.join(o.dir ?? exported, 'classify.py'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    ...(o.env ? { env: o.env } : {}),
  });
  const all = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Found | { summary: Summary });
  return {
    status: r.status,
    // a photo or a frame a line; the summary of photos in class folders, last
    lines: all.filter((l): l is Found => !('summary' in l)),
    summary: all.map((l) => ('summary' in l ? l.summary : undefined)).find(Boolean),
    stderr: r.stderr,
    stdout: r.stdout,
  };
}

/** a video of `frames` frames of one photo at width × height, which OpenCV reads as a camera */
function videoOf(photo: string, name: string, width: number, height: number, frames: number): string {
  const video = path.join(work, name);
  const made = spawnSync(python!, [
    '-c',
    `import cv2\nimg = cv2.resize(cv2.imread(${JSON.stringify(photo)}), (${width}, ${height}))\nw = cv2.VideoWriter(${JSON.stringify(video)}, cv2.VideoWriter_fourcc(*'MJPG'), 10, (${width}, ${height}))\nfor _ in range(${frames}): w.write(img)\nw.release()`,
  ]);
  expect(made.status).toBe(0);
  return video;
}

describe.skipIf(!python)('classify.py beside an exported model', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    dataset = await fashionMnistCopy({ perClass: 12, classes, dest: path.join(work, 'photos') });
    const run = await trainRun({
      dataset,
      model: pretrainedModelDir('mobilenet_v2'),
      config: { epochs: 6, batchSize: 8, learningRate: 0.01, seed: 5 },
      split: { val: 0.15, test: 0.25 },
      cacheDir: path.join(work, 'cache'),
      outDir: path.join(work, 'run'),
    });
    exported = (await exportRun(run.runDir, path.join(work, 'exported'), { formats: ['onnx'] })).dir;
    const sandal = path.join(dataset, '5_sandal', fs.readdirSync(path.join(dataset, '5_sandal')).sort()[0]!);
    const bag = path.join(dataset, '8_bag', fs.readdirSync(path.join(dataset, '8_bag')).sort()[0]!);
    const odd = path.join(work, 'odd');
    fs.mkdirSync(odd);
    // larger than the input: both sides shrink it
    await sharp(sandal).resize(300, 300, { kernel: 'nearest' }).jpeg({ quality: 95 }).toFile(path.join(odd, 'large.jpg'));
    // stored on its side, upright by its EXIF orientation (6: turn 90° clockwise to show)
    await sharp(bag).rotate(-90).resize(100, 100).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(path.join(odd, 'sideways.jpg'));
    // the bag on a transparent background, where the picture is white
    const { data, info } = await sharp(bag).greyscale().raw().toBuffer({ resolveWithObject: true });
    const rgba = Buffer.alloc(info.width * info.height * 4);
    for (let i = 0; i < info.width * info.height; i++) {
      const v = data[i]!;
      rgba.set([0, 0, 0, 255 - v], i * 4);
    }
    await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
      .png()
      .toFile(path.join(odd, 'cut-out.png'));
    photos = [sandal, bag, ...['large.jpg', 'sideways.jpg', 'cut-out.png'].map((f) => path.join(odd, f))];
  }, 300_000);

  it('is written beside model.onnx and says how it is used', () => {
    expect(fs.statSync(path.join(exported, 'classify.py')).mode & 0o111).not.toBe(0);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--camera');
    expect(help.stdout).toContain('trtexec --onnx=model.onnx');
  });

  it("gives the engine's answers for every photo, whether the model enlarges or shrinks it, turned by EXIF or cut out", async () => {
    const r = run(['--json', ...photos]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`on ${hasOnnxRuntime ? 'ONNX Runtime' : 'OpenCV [\\d.]+ dnn'}`));
    expect(r.lines.map((l) => l.file)).toEqual(photos);
    const engine = await loadClassifier(exported, 'onnx');
    try {
      const { probabilities, failures } = await engine.classify(photos);
      expect(failures).toEqual([]);
      r.lines.forEach((l, i) => {
        const mine = Array.from(probabilities.subarray(i * classes.length, (i + 1) * classes.length));
        const best = mine.indexOf(Math.max(...mine));
        expect(l.top[0]!.label, l.file).toBe(classes[best]);
        // A PNG smaller than the input is enlarged the same way on both sides (bilinear, half-pixel
        // centres): the same pixels, the same numbers (4.5e-7 measured). A JPEG decodes to the same
        // pixels, but the engine resizes it with libvips, whose weights are not OpenCV's: shrunk,
        // 5.1e-3 apart; enlarged 100 → 224, 2.7 of 255 a pixel on average and 0.08 apart.
        const name = path.basename(l.file!);
        const tolerance = name === 'sideways.jpg' ? 0.15 : name === 'large.jpg' ? 0.02 : 1e-4;
        const diff = Math.max(...l.probabilities!.map((p, c) => Math.abs(p - mine[c]!)));
        expect(diff, l.file).toBeLessThan(tolerance);
      });
    } finally {
      engine.dispose();
    }
  });

  it('crops the centre of a photo as the engine does, for a model that wants it so', async () => {
    // the same export, its manifest asking for a centre crop (as torchvision-style models do)
    const cropped = path.join(work, 'exported-crop');
    fs.cpSync(exported, cropped, { recursive: true });
    const manifestFile = path.join(cropped, 'transfer-lab.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { preprocessing: { resize: string } };
    manifest.preprocessing.resize = 'center-crop';
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    // a wide photo, the sandal in its middle third: the crop keeps it and drops the sides
    const wide = path.join(work, 'odd', 'wide.jpg');
    const sandal = await sharp(photos[0]!).resize(400, 400).toBuffer();
    await sharp({ create: { width: 1200, height: 400, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([{ input: sandal, left: 400, top: 0 }])
      .jpeg({ quality: 95 })
      .toFile(wide);
    const { status, lines } = run(['--json', wide, photos[0]!], { dir: cropped });
    expect(status).toBe(0);
    const engine = await loadClassifier(cropped, 'onnx');
    try {
      const { probabilities } = await engine.classify([wide, photos[0]!]);
      lines.forEach((l, i) => {
        const mine = Array.from(probabilities.subarray(i * classes.length, (i + 1) * classes.length));
        expect(l.top[0]!.label).toBe(classes[mine.indexOf(Math.max(...mine))]);
        expect(Math.max(...l.probabilities!.map((p, c) => Math.abs(p - mine[c]!)))).toBeLessThan(i === 0 ? 0.02 : 1e-4);
      });
      // the crop is what the model saw: the same sandal as the square photo
      expect(lines[0]!.top[0]!.label).toBe('5_sandal');
    } finally {
      engine.dispose();
      fs.rmSync(wide);
    }
  });

  it('counts the photos in folders named after a class right or wrong, as the engine would, and names the worst confusions', async () => {
    const r = run(['--json', dataset]);
    expect(r.status).toBe(0);
    const answered = r.lines;
    const summary = r.summary!;
    const engine = await loadClassifier(exported, 'onnx');
    try {
      const files = answered.map((l) => l.file!);
      const { probabilities } = await engine.classify(files);
      let right = 0;
      const wrong = new Map<string, number>();
      files.forEach((f, i) => {
        const mine = Array.from(probabilities.subarray(i * classes.length, (i + 1) * classes.length));
        const said = classes[mine.indexOf(Math.max(...mine))]!;
        const truth = path.basename(path.dirname(f));
        if (said === truth) right++;
        else wrong.set(`${truth} as ${said}`, (wrong.get(`${truth} as ${said}`) ?? 0) + 1);
      });
      expect(summary.of).toBe(classes.length * 12);
      expect(summary.right).toBe(right);
      for (const c of summary.confused) expect(wrong.get(`${c.class} as ${c.taken_for}`)).toBe(c.photos);
    } finally {
      engine.dispose();
    }
    // for people, one line at the end
    expect(run([dataset]).stderr).toMatch(new RegExp(`\\d+ of ${classes.length * 12} photos in folders named after a class were that class \\(\\d+\\.\\d%\\)`));
  });

  it('names a file it cannot read and answers the rest; a folder is read whole', () => {
    const broken = path.join(work, 'odd', 'broken.jpg');
    fs.writeFileSync(broken, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const r = run(['--json', path.join(work, 'odd'), path.join(work, 'gone.png')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${broken}: OpenCV cannot read it as a photo`);
    expect(r.stderr).toContain(`${path.join(work, 'gone.png')}: no such file`);
    expect(r.lines.map((l) => path.basename(l.file!))).toEqual(['cut-out.png', 'large.jpg', 'sideways.jpg']);
    fs.rmSync(broken);
    // for people: one line a photo, its class and the next two
    const plain = run([photos[0]!]);
    expect(plain.stdout).toMatch(/^\S+\t5_sandal \d+\.\d% {2}\((1_trouser|8_bag) \d+\.\d%, (1_trouser|8_bag) \d+\.\d%\)\n$/);
  });

  it('names classes and files in any script, also where Python writes only ASCII (3.6 in the C locale: JetPack 4 in a container)', () => {
    const dir = path.join(work, 'exported-in-other-scripts');
    fs.cpSync(exported, dir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'transfer-lab.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'transfer-lab.json'), JSON.stringify({ ...manifest, labels: ['pantalon', 'サンダル', 'sac à main'] }));
    const folder = path.join(work, 'サンダル');
    fs.mkdirSync(folder);
    fs.copyFileSync(photos[0]!, path.join(folder, 'été.png'));
    // a Python of today as 3.6 is in the C locale: no coercion to a UTF-8 locale, no UTF-8 mode
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C', PYTHONCOERCECLOCALE: '0', PYTHONUTF8: '0' };
    const saved = path.join(work, 'saved-in-other-scripts');
    // it stopped at the manifest ("'ascii' codec can't decode byte 0xe3"), and then at the first line it printed
    const r = run([folder, '--save', saved], { dir, env });
    expect(r.stderr).not.toMatch(/codec can't/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\/サンダル\/été\.png\tサンダル \d+\.\d% {2}\((pantalon|sac à main) /);
    // the folder's name is its class, however the locale decoded it
    expect(r.stderr).toContain('1 of 1 photos in folders named after a class were that class');
    expect(fs.readdirSync(saved)).toEqual(['00001-été.jpg']);
  });

  it("answers a camera's frames one by one (a video file and a GStreamer pipeline stand in for cameras)", () => {
    const video = videoOf(photos[0]!, 'sandal.avi', 224, 224, 5);
    const r = run(['--camera', video, '--frames', '3', '--json']);
    expect(r.status).toBe(0);
    expect(r.lines.map((l) => [l.frame, l.top[0]!.label])).toEqual([
      [1, '5_sandal'],
      [2, '5_sandal'],
      [3, '5_sandal'],
    ]);
    // a GStreamer pipeline, as a Jetson's CSI camera is read (nvarguscamerasrc there; a test pattern here)
    const pipeline = run([
      '--camera',
      'videotestsrc num-buffers=4 ! video/x-raw,width=320,height=240 ! videoconvert ! video/x-raw,format=BGR ! appsink',
      '--frames',
      '2',
      '--json',
    ]);
    expect(pipeline.stderr).not.toContain('cannot open');
    expect(pipeline.status).toBe(0);
    expect(pipeline.lines.map((l) => l.frame)).toEqual([1, 2]);
    const none = run(['--camera', path.join(work, 'no-camera.avi')]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('cannot open the camera');
  });

  it('writes each photo or frame with its class across its top (--save), and shows frames in a window where there is a display (--show)', () => {
    const video = videoOf(photos[0]!, 'sandal-640.avi', 640, 480, 4);
    const frames = path.join(work, 'saved-frames');
    expect(run(['--camera', video, '--frames', '2', '--save', frames]).status).toBe(0);
    expect(fs.readdirSync(frames).sort()).toEqual(['frame-00001.jpg', 'frame-00002.jpg']);
    // the frame as it was below a dark band at its top, which holds white writing
    const look = spawnSync(
      python!,
      [
        '-c',
        [
          'import cv2, json, sys, numpy as np',
          'saved = cv2.imread(sys.argv[1]).astype(float)',
          'cap = cv2.VideoCapture(sys.argv[2]); ok, raw = cap.read(); raw = raw.astype(float)',
          'band = saved[:30]',
          'print(json.dumps({"size": list(saved.shape), "below": float(np.abs(saved[60:] - raw[60:]).mean()), "bandDark": float(np.median(band)), "writing": float(band.max())}))',
        ].join('\n'),
        path.join(frames, 'frame-00001.jpg'),
        video,
      ],
      { encoding: 'utf8' },
    );
    const seen = JSON.parse(look.stdout) as { size: number[]; below: number; bandDark: number; writing: number };
    expect(seen.size).toEqual([480, 640, 3]);
    expect(seen.below).toBeLessThan(4);
    expect(seen.bandDark).toBeLessThan(60);
    expect(seen.writing).toBeGreaterThan(200);
    // photos: one file each, in order, named after the photo
    const labelled = path.join(work, 'labelled');
    expect(run([photos[0]!, photos[1]!, '--save', labelled]).status).toBe(0);
    expect(fs.readdirSync(labelled).sort()).toEqual([1, 2].map((i) => `0000${i}-${path.parse(photos[i - 1]!).name}.jpg`));
    // saved again into the same folder: nothing there is written over
    fs.writeFileSync(path.join(labelled, `00001-${path.parse(photos[0]!).name}.jpg`), 'my own file');
    expect(run([photos[0]!, '--save', labelled]).status).toBe(0);
    expect(fs.readFileSync(path.join(labelled, `00001-${path.parse(photos[0]!).name}.jpg`), 'utf8')).toBe('my own file');
    expect(fs.existsSync(path.join(labelled, `00001-${path.parse(photos[0]!).name}-2.jpg`))).toBe(true);
    // a window: Qt's offscreen platform stands in for a display here
    const noDisplay = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', QT_QPA_PLATFORM: '' };
    const shown = run(['--camera', video, '--frames', '2', '--show'], { env: { ...noDisplay, QT_QPA_PLATFORM: 'offscreen' } });
    expect(shown.status).toBe(0);
    expect(shown.stdout.trim().split('\n')).toHaveLength(2);
    // with no display it says so, where OpenCV's window would end the program
    const blind = run(['--camera', video, '--show'], { env: noDisplay });
    expect(blind.status).toBe(2);
    expect(blind.stderr).toContain('--show needs a display');
    // and --save into a file, not a folder
    const notFolder = run([photos[0]!, '--save', photos[1]!]);
    expect(notFolder.status).toBe(2);
    expect(notFolder.stderr).toContain('that is a file, not a folder');
  });

  it("takes ONNX Runtime where it is installed, CUDA first where it has it, and feeds its session as ONNX Runtime's API says", () => {
    // a stand-in onnxruntime module (Debian has no Python package of it): ONNX Runtime's
    // documented calls, answered by OpenCV, and a record of how the script called them
    const fake = path.join(work, 'fake-ort');
    fs.mkdirSync(fake, { recursive: true });
    fs.writeFileSync(
      path.join(fake, 'onnxruntime.py'),
      [
        'import json, os, cv2',
        '__version__ = "0.0-test"',
        'LOG = os.environ["FAKE_ORT_LOG"]',
        'def get_available_providers():',
        '    return ["TensorrtExecutionProvider", "CPUExecutionProvider", "CUDAExecutionProvider"]',
        'class InferenceSession:',
        '    def __init__(self, path, providers=None):',
        '        self.providers = providers',
        '        self.net = cv2.dnn.readNetFromONNX(path)',
        '    def get_providers(self):',
        '        return self.providers',
        '    def run(self, outputs, feeds):',
        '        with open(LOG, "a") as f:',
        '            f.write(json.dumps({"outputs": outputs, "feeds": {k: list(v.shape) + [str(v.dtype)] for k, v in feeds.items()}, "providers": self.providers}) + "\\n")',
        '        (x,) = feeds.values()',
        '        self.net.setInput(x)',
        '        return [self.net.forward()]',
      ].join('\n'),
    );
    const log = path.join(work, 'fake-ort.log');
    const r = run(['--json', photos[0]!, photos[1]!], { env: { ...process.env, PYTHONPATH: fake, FAKE_ORT_LOG: log } });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('on ONNX Runtime 0.0-test (CUDAExecutionProvider)');
    const calls = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    // one batch of both photos, by the model's input name, float32 NHWC; CUDA before the CPU, TensorRT (which builds an engine first) left out
    expect(calls).toEqual([{ outputs: null, feeds: { pixels: [2, 224, 224, 3, 'float32'] }, providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'] }]);
    expect(r.lines.map((l) => l.top[0]!.label)).toEqual(['5_sandal', '8_bag']);
  });

  it.skipIf(hasOnnxRuntime)('says so when ONNX Runtime is asked for and is not installed', () => {
    const r = run(['--runtime', 'onnxruntime', photos[0]!]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ONNX Runtime is not installed here');
  });
});
