import { describe, expect, it } from 'vitest';
import { confusionSvg, lineChartSvg } from './charts';

const runs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `${i + 1}: lr ${i}`,
    points: [
      [1, 0.4],
      [2, 0.5 + i / 50],
    ] as [number, number][],
  }));
const count = (svg: string, text: string) => svg.split(`>${text}<`).length - 1;

describe("the report's curves", () => {
  it('draw a few runs on one chart', () => {
    const svg = lineChartSvg({ series: runs(3), percent: true, xName: 'epoch' });
    expect(count(svg, '100%')).toBe(1);
  });

  it('name every run on paper, the legend on as many lines as it needs: a page cannot page through it', () => {
    const names = [0.001, 0.01, 1].flatMap((lr) => [4, 32].map((b) => `lr ${lr} · batch ${b}`)).map((n, i) => `${i + 1}: ${n}`);
    const series = names.map((name, i) => ({
      name,
      points: [
        [1, 0.1 * i],
        [2, 0.2 + 0.1 * i],
      ] as [number, number][],
    }));
    const svg = lineChartSvg({ series, percent: true, xName: 'epoch' });
    for (const n of names) expect(svg).toContain(`>${n}<`);
    // no pager ("1/2") and the plot keeps its own height under a second legend line
    expect(svg).not.toMatch(/>\d+\/\d+</);
    expect(Number(/height="(\d+)"/.exec(svg)?.[1])).toBe(240 + 20);
    // three short names keep one line and the usual height
    expect(Number(/height="(\d+)"/.exec(lineChartSvg({ series: runs(3), percent: true, xName: 'epoch' }))?.[1])).toBe(240);
  });

  it('draw past six runs as small multiples, as the app does: one small chart a run, each named', () => {
    const svg = lineChartSvg({ series: runs(8), percent: true, xName: 'epoch' });
    // one accuracy axis a cell
    expect(count(svg, '100%')).toBe(8);
    for (const r of runs(8)) expect(svg).toContain(`>${r.name}<`);
    expect(Number(/height="(\d+)"/.exec(svg)?.[1])).toBe(2 * 120 + 4);
  });
});

describe("the report's confusion matrix", () => {
  it('fits a page however many classes (80 made it 1120 px tall, more than an A4 page holds)', () => {
    const classes = Array.from({ length: 80 }, (_, i) => `class_${i}`);
    const svg = confusionSvg(
      classes,
      classes.map((_, r) => classes.map((_, c) => (r === c ? 2 : 0))),
    );
    const height = Number(/<svg[^>]* height="(\d+)"/.exec(svg)?.[1]);
    expect(height).toBeGreaterThan(600);
    expect(height).toBeLessThanOrEqual(880);
    for (const c of ['class_0', 'class_79']) expect(svg).toContain(`>${c}<`);
  });
});
