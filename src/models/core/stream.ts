/**
 * Streaming on the model layer's floor: a stream of generation events made from a producer that pushes
 * text as it comes. Providers stream with it (gguf) and the middleware runs streamed calls through it.
 */
import { ModelError } from './errors.js';
import type { GenerateResponse, GenerateStreamEvent } from '../types.js';

/**
 * A stream from a producer: `produce` runs under a signal linked to the caller's and pushes text as
 * it comes; its final response ends the stream. A consumer that stops early aborts the production.
 */
export async function* streamProduced(
  outer: AbortSignal | undefined,
  produce: (signal: AbortSignal, push: (text: string) => void) => Promise<GenerateResponse>,
): AsyncGenerator<GenerateStreamEvent> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const events = new EventQueue<GenerateStreamEvent>();
  void produce(controller.signal, (text) => events.push({ type: 'text', text })).then(
    (response) => {
      events.push({ type: 'done', response });
      events.end();
    },
    (error: unknown) => events.fail(error),
  );
  try {
    yield* events;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    if (!events.finished) controller.abort(new ModelError('aborted', 'the stream was closed by its consumer'));
  }
}

/**
 * An unbounded queue read as an async iterable: producers push, end or fail it; the one consumer
 * gets the items in order, then the end or the error. Used to turn callbacks into a stream.
 */
class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private error: { value: unknown } | undefined;

  /** True once ended or failed. */
  get finished(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = { value: error };
    this.done = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.error) throw this.error.value;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
