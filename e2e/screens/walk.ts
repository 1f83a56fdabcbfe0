import path from 'node:path';
import type { Page } from 'playwright-core';

/**
 * What every screen group of the walk works with: the page, the scratch folder, the input
 * data, and the few helpers the groups share.
 */
export interface Walk {
  page: Page;
  /** scratch folder: the caches, the saved project, the export */
  work: string;
  /** the Fashion-MNIST folder the wizard scans */
  dataset: string;
  /** the pre-trained MobileNetV2 folder */
  modelDir: string;
  id(testid: string): ReturnType<Page['getByTestId']>;
  shot(name: string): Promise<void>;
  waitText(testid: string, pattern: RegExp, timeout?: number): Promise<void>;
  setField(testid: string, value: string): Promise<void>;
  epochAtLeast(n: number): Promise<void>;
}

/**
 * Waits until an element's text (or an input's value) matches, polling from here: the page's
 * CSP forbids the string evaluation a page-side predicate would need, and this file is
 * type-checked for Node, without DOM types.
 */
async function waitText(page: Page, testid: string, pattern: RegExp, timeout = 60_000): Promise<void> {
  const el = page.getByTestId(testid);
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = (await el.count()) ? await el.evaluate((e) => ('value' in e ? String(e.value) : (e.textContent ?? ''))) : '';
    if (pattern.test(text)) return;
    if (Date.now() > deadline) throw new Error(`${testid} never showed ${pattern}; last: ${text}`);
    await page.waitForTimeout(200);
  }
}

/** the N in "N / M epochs done" */
async function epochShown(page: Page): Promise<number> {
  const text = (await page.getByTestId('epoch-counter').textContent()) ?? '';
  return Number(/(\d+) \/ \d+ epochs done/.exec(text)?.[1] ?? 0);
}

/**
 * What the window's width hides: a box that scrolls or cuts its content sideways, or anything
 * past the window's right edge. Each named by its nearest test id and its own tag and class.
 */
async function clipped(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document;
    type El = {
      scrollWidth: number;
      clientWidth: number;
      tagName: string;
      className: unknown;
      closest(s: string): { getAttribute(a: string): string | null } | null;
      getBoundingClientRect(): { right: number; width: number };
    };
    const win = globalThis as unknown as { innerWidth: number; getComputedStyle(e: unknown): { overflowX: string; display: string; textOverflow: string } };
    // no named functions in here: the page gets this as text, without the helpers a bundler adds for names
    const out: string[] = [];
    for (const e of Array.from(doc.querySelectorAll('body *')) as El[]) {
      const st = win.getComputedStyle(e);
      // a name cut with an ellipsis is cut on purpose (its title has it whole)
      if (st.display === 'none' || st.textOverflow === 'ellipsis') continue;
      const label = `${e.closest('[data-testid]')?.getAttribute('data-testid') ?? '(page)'} ${e.tagName.toLowerCase()}${typeof e.className === 'string' && e.className ? `.${e.className.split(' ').join('.')}` : ''}`;
      if (['auto', 'scroll', 'hidden'].includes(st.overflowX) && e.scrollWidth > e.clientWidth + 1)
        out.push(`${label} hides ${e.scrollWidth - e.clientWidth} px`);
      const r = e.getBoundingClientRect();
      const parent = (e as unknown as { parentElement: El | null }).parentElement;
      // the outermost only: what sticks out of the window, not each of its children
      if (r.width > 0 && r.right > win.innerWidth + 1 && !(parent && parent.getBoundingClientRect().right > win.innerWidth + 1))
        out.push(`${label} ends ${Math.round(r.right - win.innerWidth)} px past the window`);
    }
    return [...new Set(out)];
  });
}

export function makeWalk(page: Page, o: { outDir: string; work: string; dataset: string; modelDir: string }): Walk {
  const id = (t: string) => page.getByTestId(t);
  return {
    page,
    work: o.work,
    dataset: o.dataset,
    modelDir: o.modelDir,
    id,
    async shot(name) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(o.outDir, `${name}.png`), fullPage: false });
      console.log(`screenshot ${name}.png`);
      for (const c of await clipped(page)) console.log(`  clipped: ${c}`);
    },
    waitText: (testid, pattern, timeout) => waitText(page, testid, pattern, timeout),
    async setField(testid, value) {
      await id(testid).fill(value);
      await id(testid).press('Tab');
    },
    async epochAtLeast(n) {
      const deadline = Date.now() + 300_000;
      while ((await epochShown(page)) < n) {
        if (Date.now() > deadline) throw new Error(`training did not reach epoch ${n}`);
        await page.waitForTimeout(200);
      }
    },
  };
}
