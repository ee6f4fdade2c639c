/** POST /v1/completions: raw-text completions (one or several prompts), streamed with `stream: true`. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GenerateRequest } from '../../models/types.js';
import { answerEvents, answerOf, disconnectSignal, type Answerer, type ServedAnswer } from '../answer.js';
import { ApiError } from '../errors.js';
import { completionLogprobsJson, finishReasonJson, nowSeconds, parseBody, samplingOf, usageJson, warningsHeader, warningsJson } from '../openaiShapes.js';
import { completionSchema, type CompletionBody } from '../schemas.js';
import { sendEventStream, streamChunks } from '../sse.js';
import { mergeWarnings } from '../../models/core/samples.js';
import type { RoutedRequest } from '../target.js';
import type { RouteContext } from './context.js';

/** OpenAI's default max_tokens for /v1/completions. */
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

export function registerCompletionsRoute(app: FastifyInstance, shared: RouteContext): void {
  app.post('/v1/completions', async (request, reply) => {
    const body = parseBody(completionSchema, request.body);
    const context = await shared.servedFor(body.model);
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    if (body.stream && prompts.length > 1) throw new ApiError(400, 'only one prompt can be streamed by this server', { param: 'prompt' });
    if (context.routed && prompts.length > 1) throw new ApiError(400, 'this server answers one prompt per request', { param: 'prompt' });
    const withLogprobs = body.logprobs !== null && body.logprobs !== undefined;
    if (withLogprobs && body.echo) {
      throw new ApiError(400, 'echo with logprobs (log-probabilities of the prompt) is not supported by this server', { param: 'echo' });
    }
    const sampling: GenerateRequest = {
      ...samplingOf(body, body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS),
      ...(withLogprobs ? { logprobs: true, ...(body.logprobs ? { topLogprobs: body.logprobs } : {}) } : {}),
    };
    const routes: RoutedRequest[] = await Promise.all(prompts.map((prompt) => context.route({ ...sampling, prompt })));
    const signal = disconnectSignal(reply.raw);
    const id = `cmpl-${randomUUID().replace(/-/g, '')}`;
    const created = nowSeconds();
    const base = { id, object: 'text_completion', created, model: context.name, system_fingerprint: null };
    const capture = (answers: ServedAnswer[], streamed: boolean) =>
      context.capture?.({
        endpoint: 'completions',
        request: body as Record<string, unknown>,
        response: completionResponseJson(context, body, prompts, base, answers, routes[0]!.fields),
        metadata: body.metadata ?? null,
        streamed,
      });

    if (body.stream) {
      const prompt = prompts[0]!;
      let answered: ServedAnswer | undefined;
      const answerer: Answerer | undefined = context.answerer && (async (r, s) => (answered = await context.answerer!(r, s)));
      const chunks = streamChunks(
        answerEvents(context.model, answerer, routes[0]!.request, signal),
        {
          start: body.echo ? (index) => ({ ...base, choices: [{ index, text: prompt, logprobs: null, finish_reason: null }] }) : undefined,
          text: (index, text) => ({ ...base, choices: [{ index, text, logprobs: null, finish_reason: null }] }),
          finish: (index, completion, answer) => ({
            ...base,
            ...(index === 0 ? warningsJson(answer.response.warnings) : {}),
            choices: [
              {
                index,
                text: '',
                logprobs: withLogprobs && completion.logprobs ? completionLogprobsJson(completion, 0) : null,
                finish_reason: finishReasonJson(completion.finishReason),
              },
            ],
          }),
          usage: (usage) => ({ ...base, choices: [], usage: usageJson(usage) }),
        },
        body.stream_options?.include_usage === true,
        (answer) => capture([answer], true),
      );
      await sendEventStream(reply, chunks, () => ({ ...routes[0]!.headers, ...answered?.headers }));
      return reply;
    }
    const answers = await Promise.all(routes.map((routed) => answerOf(context.model, context.answerer, routed.request, signal)));
    const json = completionResponseJson(context, body, prompts, base, answers, routes[0]!.fields);
    capture(answers, false);
    const warnings = mergeWarnings(answers.map((answer) => answer.response.warnings));
    if (context.routed || context.answerer) void reply.headers({ ...routes[0]!.headers, ...answers[0]!.headers });
    void reply.headers(warningsHeader(warnings));
    return json;
  });
}

function completionResponseJson(
  context: RouteContext,
  body: CompletionBody,
  prompts: string[],
  base: { id: string; created: number },
  answers: ServedAnswer[],
  routedFields: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const n = body.n ?? 1;
  const withLogprobs = body.logprobs !== null && body.logprobs !== undefined;
  const usage = answers.reduce(
    (sum, { response }) => ({
      promptTokens: sum.promptTokens + response.usage.promptTokens,
      completionTokens: sum.completionTokens + response.usage.completionTokens,
    }),
    { promptTokens: 0, completionTokens: 0 },
  );
  return {
    ...(context.routed ? routedFields : {}),
    ...(answers.length === 1 ? answers[0]!.fields : {}),
    id: base.id,
    object: 'text_completion',
    created: base.created,
    model: context.name,
    system_fingerprint: null,
    choices: answers.flatMap(({ response }, p) =>
      response.completions.map((completion, j) => ({
        index: p * n + j,
        text: body.echo ? prompts[p] + completion.text : completion.text,
        logprobs: withLogprobs && completion.logprobs ? completionLogprobsJson(completion, 0) : null,
        finish_reason: finishReasonJson(completion.finishReason),
      })),
    ),
    usage: usageJson(usage),
    ...warningsJson(mergeWarnings(answers.map((answer) => answer.response.warnings))),
  };
}
