import fs from 'node:fs';
import sharp from 'sharp';

/**
 * A still picture as the video Chromium's fake camera plays (`--use-file-for-fake-video-capture`):
 * a Y4M file, the picture scaled to `side` × `side` and converted to 4:2:0 YCbCr (BT.601, full
 * range, as the `C420jpeg` tag says), a few identical frames that Chromium loops.
 */
export async function stillAsY4m(image: string, file: string, side = 224, frames = 3): Promise<string> {
  const { data } = await sharp(image).resize(side, side, { kernel: 'cubic' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(side * side);
  const half = side / 2;
  const u = Buffer.alloc(half * half);
  const v = Buffer.alloc(half * half);
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < side * side; i++) {
    const [r, g, b] = [data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!];
    y[i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let row = 0; row < half; row++)
    for (let col = 0; col < half; col++) {
      let cb = 0;
      let cr = 0;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const i = (row * 2 + dy!) * side + col * 2 + dx!;
        const [r, g, b] = [data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!];
        cb += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        cr += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
      u[row * half + col] = clamp(cb / 4);
      v[row * half + col] = clamp(cr / 4);
    }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${side} H${side} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: frames }, () => frame)]));
  return file;
}
