/**
 * A fixed set of interchangeable resources (llama.cpp context sequences), each lent to one caller at a
 * time. A caller takes the free item it scores highest (e.g. the sequence whose KV cache shares the
 * longest prefix with its prompt); when none is free it waits, and waiting callers are served in order.
 */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiting: Array<(item: T) => void> = [];
  private readonly count: number;

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new RangeError('a pool needs at least one item');
    this.free = [...items];
    this.count = items.length;
  }

  /** Runs `task` with an item, lent for the task's duration. */
  async use<R>(task: (item: T) => Promise<R>, score?: (item: T) => number): Promise<R> {
    const item = await this.acquire(score);
    try {
      return await task(item);
    } finally {
      this.release(item);
    }
  }

  /** Waits until every item is back and keeps them all: the pool lends nothing afterwards. */
  async drain(): Promise<void> {
    for (let i = 0; i < this.count; i++) await this.acquire();
  }

  private acquire(score?: (item: T) => number): Promise<T> {
    if (this.free.length === 0) return new Promise((resolve) => this.waiting.push(resolve));
    let best = 0;
    if (score) {
      let bestScore = -Infinity;
      this.free.forEach((item, i) => {
        const value = score(item);
        if (value > bestScore) [best, bestScore] = [i, value];
      });
    }
    return Promise.resolve(this.free.splice(best, 1)[0] as T);
  }

  private release(item: T): void {
    const next = this.waiting.shift();
    if (next) next(item);
    else this.free.push(item);
  }
}
