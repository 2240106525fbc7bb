/**
 * A concurrency gate like p-limit's, except that the waiting task with the lowest rank goes
 * next (ties in the order they came). The Proxmox client ranks each request by the container
 * it is about (oldest-first.ts): with hundreds of provisions queued, first-in-first-out made
 * every provision wait behind all the others at every step, so they advanced in lockstep and
 * almost none finished before all did.
 */

interface Entry {
  readonly rank: number;
  readonly order: number;
  readonly run: () => void;
}

export interface RankedLimit {
  <T>(rank: number, task: () => Promise<T>): Promise<T>;
  readonly activeCount: number;
  readonly pendingCount: number;
}

const before = (a: Entry, b: Entry): boolean => a.rank < b.rank || (a.rank === b.rank && a.order < b.order);

/** A binary min-heap of waiting tasks: O(log n) per request with thousands waiting. */
class Waiting {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left] as Entry, heap[least] as Entry)) least = left;
      if (right < heap.length && before(heap[right] as Entry, heap[least] as Entry)) least = right;
      if (least === i) break;
      [heap[i], heap[least]] = [heap[least] as Entry, heap[i] as Entry];
      i = least;
    }
    return top;
  }
}

export function createRankedLimit(concurrency: number): RankedLimit {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`);
  const waiting = new Waiting();
  let active = 0;
  let order = 0;

  const next = (): void => {
    if (active >= concurrency) return;
    const entry = waiting.pop();
    if (entry === undefined) return;
    active++;
    entry.run();
  };

  const limit = <T>(rank: number, task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push({
        rank,
        order: order++,
        run: () => {
          // The slot is free before the caller hears the outcome (the counts are then true),
          // and a task that throws synchronously frees it too.
          const done = (settle: () => void): void => {
            active--;
            settle();
            next();
          };
          (async () => task())().then(
            (value) => done(() => resolve(value)),
            (error: unknown) => done(() => reject(error)),
          );
        },
      });
      next();
    });

  return Object.defineProperties(limit, {
    activeCount: { get: () => active },
    pendingCount: { get: () => waiting.size },
  }) as RankedLimit;
}
