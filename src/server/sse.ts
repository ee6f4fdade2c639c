/**
 * Server-sent events of one streamed answer. Each chunk is `data: <json>\n\n` and the stream ends with
 * `data: [DONE]`. The first event is awaited before anything is sent, so a request the model refuses at
 * once still gets a JSON error with its status; a failure after the stream started ends it with a
 * `data: {"error": ...}` event.
 */
import type { FastifyReply } from 'fastify';
import type { Completion, TokenUsage } from '../models/types.js';
import type { AnswerEvent, ServedAnswer } from './answer.js';
import { firstEvent } from '../util/firstEvent.js';
import { toApiError } from './errors.js';

export interface ChunkShapes {
  /** The first chunk of a choice (e.g. the assistant role), sent before its first text. */
  start?: (index: number) => unknown;
  text: (index: number, text: string) => unknown;
  /** The last chunk of a choice: its finish reason (and log-probabilities, warnings). */
  finish: (index: number, completion: Completion, answer: ServedAnswer) => unknown;
  usage: (usage: TokenUsage) => unknown;
}

/** The chunks of an answer's events; `onDone` sees the whole answer (capture, headers). */
export async function* streamChunks(
  events: AsyncGenerator<AnswerEvent>,
  shapes: ChunkShapes,
  includeUsage: boolean,
  onDone?: (answer: ServedAnswer) => void,
): AsyncGenerator<unknown> {
  const started = new Set<number>();
  const start = function* (index: number) {
    if (started.has(index)) return;
    started.add(index);
    if (shapes.start) yield shapes.start(index);
  };
  try {
    let next = await events.next();
    while (!next.done) {
      const event = next.value;
      if (event.type === 'text') {
        yield* start(event.index);
        yield shapes.text(event.index, event.text);
      } else {
        onDone?.(event.answer);
        const completions = event.answer.response.completions;
        for (const [index, completion] of completions.entries()) {
          yield* start(index);
          yield shapes.finish(index, completion, event.answer);
        }
        if (includeUsage) yield shapes.usage(event.answer.response.usage);
      }
      next = await events.next();
    }
  } finally {
    await events.return(undefined);
  }
}

async function write(raw: FastifyReply['raw'], text: string): Promise<void> {
  if (raw.write(text) || raw.destroyed) return;
  await firstEvent(raw, ['drain', 'close']);
}

/** Sends the chunks as server-sent events, ending with `data: [DONE]`; `headers` is read once the first chunk is there. */
export async function sendEventStream(reply: FastifyReply, chunks: AsyncGenerator<unknown>, headers: () => Record<string, string> = () => ({})): Promise<void> {
  const first = await chunks.next(); // throws before any byte is sent: the error handler answers with JSON
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers(),
  });
  try {
    for (let item = first; !item.done && !raw.destroyed; item = await chunks.next()) {
      await write(raw, `data: ${JSON.stringify(item.value)}\n\n`);
    }
    if (!raw.destroyed) raw.end('data: [DONE]\n\n');
  } catch (error) {
    if (!raw.destroyed) raw.end(`data: ${JSON.stringify(toApiError(error).body())}\n\n`);
  } finally {
    await chunks.return(undefined);
  }
}
