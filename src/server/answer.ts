/**
 * How a served request is answered: by the model (its own stream when it has one), or by an `Answerer`
 * that decides itself which model answers (the cascade), and what the answer reports in headers and
 * fields. The routes turn these events into OpenAI's JSON or server-sent events.
 */
import { ModelError } from '../models/errors.js';
import type { GenerateRequest, GenerateResponse, LanguageModel } from '../models/types.js';

/** An answer with what the server reports about it (response headers, extra top-level JSON fields). */
export interface ServedAnswer {
  response: GenerateResponse;
  headers?: Record<string, string>;
  fields?: Record<string, unknown>;
}

/** Answers a whole request (all n completions); used instead of the model when given. */
export type Answerer = (request: GenerateRequest, signal: AbortSignal) => Promise<ServedAnswer>;

/** One event of an answer being produced: text of choice `index`, then the whole answer. */
export type AnswerEvent = { type: 'text'; index: number; text: string } | { type: 'done'; answer: ServedAnswer };

/**
 * The answer as events: the model's token stream when it can stream this request (n = 1, no answerer);
 * otherwise the whole answer, each choice's text in one piece.
 */
export async function* answerEvents(
  model: LanguageModel,
  answerer: Answerer | undefined,
  request: GenerateRequest,
  signal: AbortSignal,
): AsyncGenerator<AnswerEvent> {
  if (!answerer && model.generateStream && (request.n ?? 1) === 1) {
    for await (const event of model.generateStream(request, { signal })) {
      if (event.type === 'text') yield { type: 'text', index: 0, text: event.text };
      else yield { type: 'done', answer: { response: event.response } };
    }
    return;
  }
  const answer = await (answerer ?? modelAnswerer(model))(request, signal);
  for (const [index, completion] of answer.response.completions.entries()) {
    if (completion.text) yield { type: 'text', index, text: completion.text };
  }
  yield { type: 'done', answer };
}

/** The whole answer, not streamed. */
export async function answerOf(model: LanguageModel, answerer: Answerer | undefined, request: GenerateRequest, signal: AbortSignal): Promise<ServedAnswer> {
  return (answerer ?? modelAnswerer(model))(request, signal);
}

function modelAnswerer(model: LanguageModel): Answerer {
  return async (request, signal) => ({ response: await model.generate(request, { signal }) });
}

/** Aborts when the client goes away before the response was completely sent. */
export function disconnectSignal(raw: { on(event: 'close', listener: () => void): unknown; writableFinished: boolean }): AbortSignal {
  const controller = new AbortController();
  raw.on('close', () => {
    if (!raw.writableFinished) controller.abort(new ModelError('aborted', 'the client closed the connection'));
  });
  return controller.signal;
}
