import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

/** A write the test completes by hand. */
function controlledWrite() {
  const calls: { rows: number[]; done(): void; fail(err: Error): void }[] = [];
  const write = (rows: number[]) => new Promise<void>((resolve, reject) => calls.push({ rows, done: resolve, fail: reject }));
  return { calls, write };
}
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('group commit', () => {
  it('when callers arrive while a write is in flight then they share the next write, and each settles only after its own', async () => {
    const { calls, write } = controlledWrite();
    const commit = createGroupCommit(write);
    const settled: string[] = [];
    const a = commit([1]).then(() => settled.push('a'));
    await tick();
    expect(calls.map((c) => c.rows)).toEqual([[1]]);
    const b = commit([2, 3]).then(() => settled.push('b'));
    const c = commit([4]).then(() => settled.push('c'));
    await tick();
    expect(calls.length).toBe(1); // b and c wait for a's write
    calls[0]!.done();
    await a;
    await tick();
    expect(calls.map((x) => x.rows)).toEqual([[1], [2, 3, 4]]);
    expect(settled).toEqual(['a']);
    calls[1]!.done();
    await Promise.all([b, c]);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('when callers arrive in the same event-loop turn then the first write already holds them all', async () => {
    const { calls, write } = controlledWrite();
    const commit = createGroupCommit(write);
    const all = Promise.all([commit([1]), commit([2]), commit([3])]);
    await tick();
    expect(calls.map((c) => c.rows)).toEqual([[1, 2, 3]]);
    calls[0]!.done();
    await all;
  });

  it('when a group write fails then each caller is retried alone and only the bad one fails', async () => {
    const writes: number[][] = [];
    const commit = createGroupCommit<number>(async (rows) => {
      writes.push(rows);
      if (rows.includes(13)) throw new Error('bad row');
    });
    const results = await Promise.allSettled([commit([1]), commit([13]), commit([2])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(writes).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('when the queue holds more than maxRows then it goes in several writes, whole callers each', async () => {
    const writes: number[][] = [];
    const commit = createGroupCommit<number>(
      async (rows) => {
        writes.push(rows);
      },
      { maxRows: 3 },
    );
    await Promise.all([commit([1, 2]), commit([3]), commit([4, 5]), commit([6, 7, 8, 9])]);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]);
  });

  it('when two writes may be in flight then a slow one holds only its own callers', async () => {
    const { calls, write } = controlledWrite();
    const commit = createGroupCommit(write, { maxInFlight: 2 });
    const settled: number[] = [];
    const a = commit([1]).then(() => settled.push(1));
    await tick();
    const b = commit([2]).then(() => settled.push(2));
    await tick();
    const c = commit([3]).then(() => settled.push(3));
    const d = commit([4]).then(() => settled.push(4));
    await tick();
    expect(calls.map((x) => x.rows)).toEqual([[1], [2]]); // 3 and 4 wait for a free slot
    calls[1]!.done(); // the second finishes first; the first is slow
    await b;
    await tick();
    expect(calls.map((x) => x.rows)).toEqual([[1], [2], [3, 4]]);
    calls[2]!.done();
    await Promise.all([c, d]);
    expect(settled).toEqual([2, 3, 4]);
    calls[0]!.done();
    await a;
  });

  it('when nothing is given then nothing is written', async () => {
    const writes: number[][] = [];
    const commit = createGroupCommit<number>(async (rows) => {
      writes.push(rows);
    });
    await commit([]);
    expect(writes).toEqual([]);
  });
});
