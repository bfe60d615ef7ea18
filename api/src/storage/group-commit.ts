/**
 * Group commit: concurrent callers' rows go to the database in one write. No I/O of its own.
 *
 * While a write is in flight, new rows wait and then go together in the next one, so under load the
 * webhook does one INSERT (one round trip, one commit) per handful of POSTs instead of one each;
 * alone, a caller waits at most one event-loop turn. Each caller's promise settles only when the write
 * holding its rows has committed — an acknowledgement sent after it is durable.
 * A failed group write is retried caller by caller, so one bad row cannot fail the others with it.
 */
export interface GroupCommitOptions {
  /** Most rows in one write (default 500; PostgreSQL allows 65,535 bind parameters per statement). */
  maxRows?: number;
  /** Writes in flight at once (default 1: the fewest, largest groups; more: a slow write holds fewer callers). */
  maxInFlight?: number;
}

export type GroupCommit<T> = (rows: readonly T[]) => Promise<void>;

interface Waiting<T> {
  rows: readonly T[];
  resolve(): void;
  reject(err: unknown): void;
}

export function createGroupCommit<T>(write: (rows: T[]) => Promise<void>, opts: GroupCommitOptions = {}): GroupCommit<T> {
  const maxRows = Math.max(1, opts.maxRows ?? 500);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  let queue: Waiting<T>[] = [];
  let inFlight = 0;
  let scheduled = false;

  /** Takes whole callers from the queue until the next one would pass maxRows (always at least one). */
  const takeGroup = (): Waiting<T>[] => {
    let n = 0;
    let count = 0;
    while (n < queue.length && (n === 0 || count + queue[n]!.rows.length <= maxRows)) count += queue[n++]!.rows.length;
    const group = queue.slice(0, n);
    queue = queue.slice(n);
    return group;
  };

  const settle = async (group: Waiting<T>[]) => {
    try {
      await write(group.flatMap((w) => w.rows));
      for (const w of group) w.resolve();
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
      // Someone's rows broke the statement: write each caller's alone so only theirs fail.
      await Promise.all(
        group.map((w) =>
          write([...w.rows]).then(
            () => w.resolve(),
            (e: unknown) => w.reject(e),
          ),
        ),
      );
    }
  };

  const pump = () => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      inFlight++;
      void settle(takeGroup()).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (rows) => {
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      queue.push({ rows, resolve, reject });
      // Requests parsed in the same event-loop turn share the first write too.
      if (!scheduled && inFlight < maxInFlight) {
        scheduled = true;
        setImmediate(pump);
      }
    });
  };
}
