import { computed, ref, type ComputedRef, type Ref } from 'vue';

/**
 * A table sorted by the column whose heading was clicked, as in a file manager: the first
 * click sorts the way that column is read (figures where more is better, best first), the
 * next click reverses it. Rows without a value (a run with no figure yet) stay at the bottom
 * either way, and rows that tie keep their own order, so a sorted table never shuffles.
 */
export type SortValue = number | string | null | undefined;

export interface SortColumn<R> {
  key: string;
  value(row: R): SortValue;
  /** a figure where more is better (accuracy, F1): its first click puts the largest on top */
  descendingFirst?: boolean;
}

export type SortDirection = 'ascending' | 'descending';

export interface TableSort<R> {
  /** the column sorted by and its direction, or null for the rows' own order */
  state: Ref<{ key: string; direction: SortDirection } | null>;
  sorted: ComputedRef<R[]>;
  toggle(key: string): void;
  /** the `aria-sort` of a column's heading */
  ariaSort(key: string): SortDirection | 'none';
}

const text = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function isMissing(v: SortValue): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/** numbers before words, numbers by value, words as a person reads them (run-2 before run-10) */
export function compareSortValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return text.compare(a, b);
}

export function sortRows<R>(rows: readonly R[], column: SortColumn<R>, direction: SortDirection): R[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: column.value(row) }))
    .sort((x, y) => {
      const xm = isMissing(x.value);
      const ym = isMissing(y.value);
      if (xm || ym) return xm === ym ? x.index - y.index : xm ? 1 : -1;
      return sign * compareSortValues(x.value as string | number, y.value as string | number) || x.index - y.index;
    })
    .map((e) => e.row);
}

export function useTableSort<R>(rows: () => readonly R[], columns: () => readonly SortColumn<R>[]): TableSort<R> {
  const state = ref<{ key: string; direction: SortDirection } | null>(null);
  const sorted = computed(() => {
    const s = state.value;
    const column = s && columns().find((c) => c.key === s.key);
    // a column that went away (a setting no longer differs) leaves the rows in their order
    return s && column ? sortRows(rows(), column, s.direction) : [...rows()];
  });
  function toggle(key: string): void {
    const s = state.value;
    if (s?.key === key) {
      state.value = { key, direction: s.direction === 'ascending' ? 'descending' : 'ascending' };
      return;
    }
    const first = columns().find((c) => c.key === key)?.descendingFirst ? 'descending' : 'ascending';
    state.value = { key, direction: first };
  }
  function ariaSort(key: string): SortDirection | 'none' {
    return state.value?.key === key ? state.value.direction : 'none';
  }
  return { state, sorted, toggle, ariaSort };
}
