import { describe, expect, it } from 'vitest';
import type { JobFinished } from '../api/types';
import { createJobJoin, heardOf, joinsProject, type JobEventMessage } from './jobJoin';

const event = (jobId: string, message: string): JobEventMessage => ({ jobId, event: { type: 'log', level: 'info', message } });
const end = (jobId: string): JobFinished => ({ jobId, status: 'done', runDir: null, run: null, error: null });

describe("joining the engine's job", () => {
  it('keeps what is heard while the snapshot is on its way, and nothing before or after', async () => {
    const join = createJobJoin();
    join.heardEvent(event('j1', 'before'));
    let answer!: (v: string) => void;
    const asked = join.snapshot(() => new Promise<string>((r) => (answer = r)));
    join.heardEvent(event('j1', 'meanwhile'));
    join.heardFinish(end('j1'));
    answer('snapshot');
    const { value, heard } = await asked;
    join.heardEvent(event('j1', 'after'));
    expect(value).toBe('snapshot');
    expect(heard.events.map((e) => e.event.type === 'log' && e.event.message)).toEqual(['meanwhile']);
    expect(heard.finish?.jobId).toBe('j1');
  });

  it('a second ask takes over the listening from the first', async () => {
    const join = createJobJoin();
    const first = join.snapshot(() => Promise.resolve());
    const second = join.snapshot(() => Promise.resolve());
    join.heardEvent(event('j1', 'late'));
    expect((await first).heard.events).toEqual([]);
    expect((await second).heard.events).toHaveLength(1);
  });

  it('stops listening when the ask fails', async () => {
    const join = createJobJoin();
    await expect(join.snapshot(() => Promise.reject(new Error('no engine')))).rejects.toThrow('no engine');
    // nothing is kept for no one
    join.heardEvent(event('j1', 'lost'));
    const { heard } = await join.snapshot(() => Promise.resolve(null));
    expect(heard.events).toEqual([]);
  });

  it("sorts out one job's events and end", () => {
    const heard = { events: [event('j1', 'a'), event('j2', 'b'), event('j1', 'c')], finish: end('j2') };
    expect(heardOf(heard, 'j1').events.map((e) => e.jobId)).toEqual(['j1', 'j1']);
    expect(heardOf(heard, 'j1').finish).toBeNull();
    expect(heardOf(heard, 'j2').finish?.jobId).toBe('j2');
  });

  it('joins a job to the project that started it, and a job with no owner to any', () => {
    const owns = (o: { draftId: string }) => o.draftId === 'mine';
    expect(joinsProject(null, owns)).toBe(true);
    expect(joinsProject(undefined, owns)).toBe(true);
    expect(joinsProject({ draftId: 'mine', file: null }, owns)).toBe(true);
    expect(joinsProject({ draftId: 'theirs', file: '/lab/birds.tlab' }, owns)).toBe(false);
  });
});
