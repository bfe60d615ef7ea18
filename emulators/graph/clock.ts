/**
 * Emulator time = a base clock + an offset that `advanceTime` grows, plus a scheduler of keyed
 * deadlines on that time. Deadlines fire when real time reaches them (one real timer, for the
 * earliest) or at once when `advance` jumps past them — so tests control fades and expiries without
 * waiting, and the demo still fades in real time.
 */
export class EmulatorClock {
  private offset = 0;
  private readonly heap: { at: number; key: string }[] = [];
  /** Latest wanted deadline per key; heap entries that disagree are stale and skipped. */
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly base: () => number,
    private readonly fire: (key: string, at: number) => void,
  ) {}

  now(): number {
    return this.base() + this.offset;
  }

  /** Sets (or replaces) the deadline for `key`; null cancels it. */
  schedule(key: string, at: number | null): void {
    if (at === null) {
      this.due.delete(key);
      return;
    }
    if (this.due.get(key) === at) return;
    this.due.set(key, at);
    push(this.heap, { at, key });
    // Replaced deadlines stay in the heap until their time; rebuild when they dominate (10k users
    // renewing sessions far ahead would otherwise pile them up).
    if (this.heap.length > 4 * this.due.size + 1024) this.compact();
    this.arm();
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('advanceTime: ms must be a non-negative number');
    this.offset += ms;
    this.runDue();
  }

  /** Fires everything due now. Handlers may schedule again; those due now run in this pass too. */
  runDue(): void {
    const now = this.now();
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > now) break;
      pop(this.heap);
      if (this.due.get(top.key) !== top.at) continue;
      this.due.delete(top.key);
      this.fire(top.key, top.at);
    }
    this.arm();
  }

  private compact(): void {
    this.heap.length = 0;
    for (const [key, at] of this.due) push(this.heap, { at, key });
  }

  /** Heap entries held (live and stale); for tests of the compaction. */
  get pendingEntries(): number {
    return this.heap.length;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    // Drop stale heads so the timer aims at a live deadline.
    while (this.heap[0] && this.due.get(this.heap[0].key) !== this.heap[0].at) pop(this.heap);
    const top = this.heap[0];
    if (!top) return;
    if (this.timer && this.timerAt <= top.at) return;
    if (this.timer) clearTimeout(this.timer);
    // Capped so a base clock that jumps (tests) is re-checked; 2^31-1 ms is setTimeout's limit anyway.
    const delay = Math.min(Math.max(0, top.at - this.now()), 60_000);
    this.timerAt = top.at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.runDue();
    }, delay);
    this.timer.unref();
  }
}

type Entry = { at: number; key: string };

function push(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]!.at <= h[i]!.at) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}

function pop(h: Entry[]): Entry | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length > 0 && last) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.at < h[m]!.at) m = l;
      if (r < h.length && h[r]!.at < h[m]!.at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}
