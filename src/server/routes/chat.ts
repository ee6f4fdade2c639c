/** POST /v1/chat/completions: chat, streamed as server-sent events with `stream: true`. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { answerEvents, answerOf, disconnectSignal, type Answerer, type ServedAnswer } from '../answer.js';
import { ApiError } from '../errors.js';
import {
  chatExtras,
  chatLogprobsJson,
  chatMessages,
  finishReasonJson,
  nowSeconds,
  parseBody,
  samplingOf,
  usageJson,
  warningsHeader,
  warningsJson,
} from '../openaiShapes.js';
import { chatCompletionSchema, type ChatCompletionBody } from '../schemas.js';
import { sendEventStream, streamChunks } from '../sse.js';
import type { RouteContext } from './context.js';

export function registerChatRoute(app: FastifyInstance, shared: RouteContext): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody(chatCompletionSchema, request.body);
    const context = await shared.servedFor(body.model);
    if (body.store && !context.capture) {
      throw new ApiError(400, 'store: true, but this server stores nothing (start it with --store <dir>)', { param: 'store' });
    }
    const routed = await context.route({
      ...samplingOf(body, body.max_completion_tokens ?? body.max_tokens ?? undefined),
      messages: chatMessages(body),
      ...chatExtras(body),
    });
    const signal = disconnectSignal(reply.raw);
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = nowSeconds();
    const base = { id, object: 'chat.completion.chunk', created, model: context.name, system_fingerprint: null };
    const whole = (answer: ServedAnswer) => chatResponseJson(context, body, id, created, answer, routed.fields);
    const capture = (answer: ServedAnswer, streamed: boolean) =>
      context.capture?.({
        endpoint: 'chat.completions',
        request: body as Record<string, unknown>,
        response: whole(answer),
        metadata: body.metadata ?? null,
        streamed,
      });

    if (body.stream) {
      let answered: ServedAnswer | undefined;
      const answerer: Answerer | undefined = context.answerer && (async (r, s) => (answered = await context.answerer!(r, s)));
      const chunks = streamChunks(
        answerEvents(context.model, answerer, routed.request, signal),
        {
          start: (index) => ({ ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }),
          text: (index, text) => ({ ...base, choices: [{ index, delta: { content: text }, logprobs: null, finish_reason: null }] }),
          finish: (index, completion, answer) => ({
            ...base,
            ...(index === 0 ? warningsJson(answer.response.warnings) : {}),
            choices: [
              {
                index,
                delta: {},
                // The whole choice's log-probabilities arrive with its last chunk (clients concatenate them).
                logprobs: body.logprobs && completion.logprobs ? { content: chatLogprobsJson(completion), refusal: null } : null,
                finish_reason: finishReasonJson(completion.finishReason),
              },
            ],
          }),
          usage: (usage) => ({ ...base, choices: [], usage: usageJson(usage) }),
        },
        body.stream_options?.include_usage === true,
        (answer) => capture(answer, true),
      );
      await sendEventStream(reply, chunks, () => ({ ...routed.headers, ...answered?.headers }));
      return reply;
    }
    const answer = await answerOf(context.model, context.answerer, routed.request, signal);
    const json = whole(answer);
    capture(answer, false);
    void reply.headers({ ...routed.headers, ...answer.headers, ...warningsHeader(answer.response.warnings) });
    return json;
  });
}

function chatResponseJson(
  context: RouteContext,
  body: ChatCompletionBody,
  id: string,
  created: number,
  answer: ServedAnswer,
  routedFields: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const { response } = answer;
  return {
    ...routedFields,
    ...answer.fields,
    id,
    object: 'chat.completion',
    created,
    model: context.name,
    system_fingerprint: null,
    choices: response.completions.map((completion, index) => ({
      index,
      message: { role: 'assistant', content: completion.text, refusal: null },
      logprobs: body.logprobs && completion.logprobs ? { content: chatLogprobsJson(completion), refusal: null } : null,
      finish_reason: finishReasonJson(completion.finishReason),
    })),
    usage: usageJson(response.usage),
    ...warningsJson(response.warnings),
  };
}
