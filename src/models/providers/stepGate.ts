/**
 * Keeps the generations running on one llama.cpp context in step, so that each decode step batches all of
 * them. node-llama-cpp's batch loop decodes whatever is queued the moment a batch ends; a generation whose
 * promise chain is a few microtasks longer than the others' (it detokenized more, or it was resumed last)
 * misses that batch and is decoded in the next one, alone or with a few others — with 4 generations that
 * gave batches of 3 and one generation per step always left out, i.e. a third more decode steps.
 *
 * Each generation calls `arrive()` after a token and awaits it before asking for the next. Once every
 * member has arrived, all are let go together in the next macrotask (setImmediate): by then the batch loop
 * has found its queue empty and stopped, so their next tokens are queued together and node-llama-cpp
 * dispatches them as one batch. A generation joins at its first arrival (its prompt is batched with the
 * others' current step) and leaves with `leave()` (finished, stopped, aborted), which never blocks the rest.
 * With a single member nothing waits.
 */
export class StepGate {
  private readonly members = new Set<unknown>();
  private waiting = new Map<unknown, () => void>();
  private releaseScheduled = false;

  /** Waits until every member has arrived (or left), then resolves together with them. */
  arrive(member: unknown): Promise<void> {
    this.members.add(member);
    if (this.members.size === 1) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.set(member, resolve);
      this.releaseIfAllArrived();
    });
  }

  /** The member generates no more tokens: the others no longer wait for it. */
  leave(member: unknown): void {
    this.members.delete(member);
    const resolve = this.waiting.get(member);
    this.waiting.delete(member);
    resolve?.();
    this.releaseIfAllArrived();
  }

  private releaseIfAllArrived(): void {
    if (this.releaseScheduled || this.waiting.size === 0 || this.waiting.size < this.members.size) return;
    this.releaseScheduled = true;
    setImmediate(() => {
      this.releaseScheduled = false;
      const released = this.waiting;
      this.waiting = new Map();
      for (const resolve of released.values()) resolve();
    });
  }
}
