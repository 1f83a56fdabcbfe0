// Draws the app icon: a small network whose first layers are frozen (cool grey-blue), cut at a
// dashed bottleneck line, feeding a freshly trained head (warm). Run: node build/icons/makeIcon.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const size = 512;
const layers = [
  { x: 110, ys: [140, 220, 300, 380], fill: '#9fb4d8' },
  { x: 225, ys: [180, 260, 340], fill: '#9fb4d8' },
  { x: 360, ys: [180, 260, 340], fill: '#ffb347' },
  { x: 440, ys: [220, 300], fill: '#ff7a59' },
];
const edges = [];
for (let i = 0; i + 1 < layers.length; i++) {
  const a = layers[i];
  const b = layers[i + 1];
  const trained = i >= 1;
  for (const ya of a.ys)
    for (const yb of b.ys)
      edges.push(
        `<line x1="${a.x}" y1="${ya}" x2="${b.x}" y2="${yb}" stroke="${trained ? '#ffd9a8' : '#6f86b3'}" stroke-width="${trained ? 7 : 5}" stroke-opacity="${trained ? 0.9 : 0.7}"/>`,
      );
}
const nodes = layers.flatMap((l) => l.ys.map((y) => `<circle cx="${l.x}" cy="${y}" r="26" fill="${l.fill}" stroke="#ffffff" stroke-width="6"/>`));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#23395d"/><stop offset="1" stop-color="#152238"/></linearGradient></defs>
  <rect x="16" y="16" width="480" height="480" rx="96" fill="url(#bg)"/>
  ${edges.join('\n  ')}
  <line x1="292" y1="96" x2="292" y2="420" stroke="#ffffff" stroke-width="6" stroke-dasharray="18 14" stroke-linecap="round"/>
  ${nodes.join('\n  ')}
</svg>`;

await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toFile(path.join(here, '512x512.png'));
await sharp(Buffer.from(svg)).resize(256, 256).png({ compressionLevel: 9 }).toFile(path.join(here, '256x256.png'));
console.log('wrote build/icons/512x512.png and 256x256.png');
