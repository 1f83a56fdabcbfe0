import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { compareSortValues, sortRows, useTableSort, type SortColumn } from './useTableSort';

interface Row {
  name: string;
  score: number | null;
}
const rows: Row[] = [
  { name: 'run-10', score: 0.5 },
  { name: 'run-2', score: null },
  { name: 'run-1', score: 0.9 },
  { name: 'run-3', score: 0.5 },
];
const byScore: SortColumn<Row> = { key: 'score', value: (r) => r.score, descendingFirst: true };
const byName: SortColumn<Row> = { key: 'name', value: (r) => r.name };

describe('sorting a table by a column', () => {
  it('orders words as a person reads them, numbers by value, numbers before words', () => {
    expect(['run-10', 'run-2', 'Run-1'].sort(compareSortValues)).toEqual(['Run-1', 'run-2', 'run-10']);
    expect([10, 2, 0.001, 0.01].sort(compareSortValues)).toEqual([0.001, 0.01, 2, 10]);
    expect(['all', 3].sort(compareSortValues)).toEqual([3, 'all']);
  });

  it('keeps rows without a value at the bottom in both directions, and ties in their own order', () => {
    expect(sortRows(rows, byScore, 'descending').map((r) => r.name)).toEqual(['run-1', 'run-10', 'run-3', 'run-2']);
    expect(sortRows(rows, byScore, 'ascending').map((r) => r.name)).toEqual(['run-10', 'run-3', 'run-1', 'run-2']);
    expect(sortRows(rows, byName, 'ascending').map((r) => r.name)).toEqual(['run-1', 'run-2', 'run-3', 'run-10']);
  });

  it('a first click sorts the way the column reads, the next reverses, another column starts afresh', () => {
    const t = useTableSort(
      () => rows,
      () => [byScore, byName],
    );
    expect(t.sorted.value).toEqual(rows);
    expect(t.ariaSort('score')).toBe('none');
    t.toggle('score');
    expect(t.ariaSort('score')).toBe('descending');
    expect(t.sorted.value[0]?.name).toBe('run-1');
    t.toggle('score');
    expect(t.ariaSort('score')).toBe('ascending');
    expect(t.sorted.value[0]?.name).toBe('run-10');
    t.toggle('name');
    expect(t.ariaSort('score')).toBe('none');
    expect(t.ariaSort('name')).toBe('ascending');
    expect(t.sorted.value.map((r) => r.name)).toEqual(['run-1', 'run-2', 'run-3', 'run-10']);
  });

  it('follows the rows as they change, and a column that goes away leaves them in their order', async () => {
    const live = ref<Row[]>([...rows]);
    const columns = ref<SortColumn<Row>[]>([byScore]);
    const t = useTableSort(
      () => live.value,
      () => columns.value,
    );
    t.toggle('score');
    live.value = [...live.value, { name: 'run-4', score: 1 }];
    await nextTick();
    expect(t.sorted.value[0]?.name).toBe('run-4');
    columns.value = [byName];
    await nextTick();
    expect(t.sorted.value.map((r) => r.name)).toEqual(['run-10', 'run-2', 'run-1', 'run-3', 'run-4']);
  });
});
