/**
 * An OpenAI-compatible HTTP API in front of one model of a ModelHub (so the cache, limits, budget and
 * usage accounting apply to every request):
 *
 *   POST /v1/chat/completions   chat, `stream: true` answers with server-sent events
 *   POST /v1/completions        raw-text completions, streaming too
 *   GET  /v1/models             the one model served
 *
 * Streaming uses the model's `generateStream` when it has one (tokens as they are decoded); otherwise
 * the whole completion is generated and sent as one chunk. Each chunk is `data: <json>\n\n` and the
 * stream ends with `data: [DONE]`. A request the model refuses before producing anything gets a JSON
 * error with its status even when it asked for a stream; a failure after the stream started ends it
 * with a `data: {"error": ...}` event. A client that disconnects aborts its generation.
 *
 * A served target can route requests (`route`): each generation request is rewritten before it reaches
 * the model (a grimoire set puts the chosen grimoire into the weak model's prompt), and what the router
 * reports goes into response headers (streamed responses too) and extra fields of the JSON body.
 *
 * Sampling follows the OpenAI API: temperature defaults to 1. Greedy or seeded requests are cached like
 * any call; a sampled request without a seed gets a fresh sample index, so it is a new sample, not a
 * cached one.
 */
import { randomInt, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ModelError } from '../models/errors.js';
import type {
  ChatMessage,
  Completion,
  GenerateRequest,
  GenerateResponse,
  GenerateStreamEvent,
  LanguageModel,
  TokenUsage,
} from '../models/types.js';
import { VERSION } from '../version.js';
import { addAccessControl, isLoopbackHost, LOOPBACK_HOSTS } from './access.js';
import { ApiError, toApiError } from './errors.js';
import { chatCompletionSchema, completionSchema, type ChatCompletionBody, type CompletionBody } from './schemas.js';
import type { RequestRouter, RoutedRequest } from './target.js';

export interface ApiServerOptions {
  /** The wrapped model every request goes to (from ModelHub.model). */
  model: LanguageModel;
  /** The model id clients use and /v1/models lists. */
  name: string;
  /** Largest request body in bytes. Default 16 MiB. */
  bodyLimit?: number;
  /** Rewrites each generation request before `model` sees it (default: as is). */
  route?: RequestRouter;
  /** Host names accepted in the Host header (default: loopback names); null accepts any. */
  allowedHosts?: readonly string[] | null;
  /** Bearer token every request must carry (`--server-key`). */
  serverKey?: string;
}

/** OpenAI's default max_tokens for /v1/completions. */
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new ApiError(400, 'the request body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.map(String).join('.');
  throw new ApiError(400, `${param ? `${param}: ` : ''}${issue.message}`, { param: param || null, code: 'invalid_value' });
}

function finishReason(reason: string): string {
  return reason === 'length' ? 'length' : 'stop';
}

function usageJson(usage: TokenUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Sampling parameters of a request, without undefined fields (they would change the cache key). */
function samplingOf(body: ChatCompletionBody | CompletionBody, maxTokens: number | undefined): GenerateRequest {
  const temperature = body.temperature ?? 1;
  const request: GenerateRequest = { temperature };
  if (body.top_p !== null && body.top_p !== undefined) request.topP = body.top_p;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (body.stop !== null && body.stop !== undefined) {
    const stops = (typeof body.stop === 'string' ? [body.stop] : body.stop).filter((s) => s !== '');
    if (stops.length) request.stop = stops;
  }
  if (body.seed !== null && body.seed !== undefined) request.seed = body.seed;
  // A sampled request without a seed asks for a new sample: give it a sample index no earlier call has.
  if (temperature > 0 && request.seed === undefined) request.sampleIndex = randomInt(1, 2 ** 47);
  return request;
}

function chatMessages(body: ChatCompletionBody): ChatMessage[] {
  return body.messages.map((message) => ({
    role: message.role === 'developer' ? 'system' : message.role,
    content: typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
  }));
}

/** Aborts when the client goes away before the response was completely sent. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new ModelError('aborted', 'the client closed the connection'));
  });
  return controller.signal;
}

/** The model's stream, or its whole answer as one piece when it cannot stream. */
async function* generationEvents(model: LanguageModel, request: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateStreamEvent> {
  if (model.generateStream) {
    yield* model.generateStream(request, { signal });
    return;
  }
  const response = await model.generate(request, { signal });
  const text = response.completions[0]?.text ?? '';
  if (text) yield { type: 'text', text };
  yield { type: 'done', response };
}

interface ChunkShapes {
  /** The first chunk (e.g. the assistant role), sent once the model has produced something. */
  start?: () => unknown;
  text: (text: string) => unknown;
  finish: (completion: Completion) => unknown;
  usage: (usage: TokenUsage) => unknown;
}

/**
 * SSE chunks of one streamed generation. The first model event is awaited before anything is yielded,
 * so an immediate refusal (bad request, budget, ...) still becomes a JSON error with its status.
 */
async function* streamChunks(events: AsyncGenerator<GenerateStreamEvent>, shapes: ChunkShapes, includeUsage: boolean): AsyncGenerator<unknown> {
  try {
    let next = await events.next();
    if (shapes.start) yield shapes.start();
    while (!next.done) {
      const event = next.value;
      if (event.type === 'text') yield shapes.text(event.text);
      else {
        const completion = event.response.completions[0] ?? { text: '', finishReason: 'stop' };
        yield shapes.finish(completion);
        if (includeUsage) yield shapes.usage(event.response.usage);
      }
      next = await events.next();
    }
  } finally {
    await events.return(undefined);
  }
}

async function write(raw: FastifyReply['raw'], text: string): Promise<void> {
  if (raw.write(text) || raw.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/** Sends the chunks as server-sent events, ending with `data: [DONE]`. */
async function sendEventStream(reply: FastifyReply, chunks: AsyncGenerator<unknown>, headers: Record<string, string> = {}): Promise<void> {
  const first = await chunks.next(); // throws before any byte is sent: the error handler answers with JSON
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
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

export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { model, name } = options;
  const route: RequestRouter = options.route ?? (async (request) => ({ request }));
  const created = nowSeconds();
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });
  addAccessControl(app, {
    allowedHosts: options.allowedHosts === undefined ? LOOPBACK_HOSTS : options.allowedHosts,
    serverKey: options.serverKey,
    errorBody: (message, code) => new ApiError(code === 'invalid_api_key' ? 401 : 403, message, { code }).body(),
  });

  app.setErrorHandler((error, _request, reply) => {
    const apiError = toApiError(error);
    if (apiError.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(apiError.retryAfterSeconds)));
    void reply.status(apiError.status).send(apiError.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(404, `no route ${request.method} ${request.url.split('?')[0]}`, { code: 'not_found' });
    void reply.status(404).send(error.body());
  });

  const checkModel = (requested: string) => {
    if (requested !== name && requested !== model.spec) {
      throw new ApiError(404, `The model \`${requested}\` does not exist. This server serves \`${name}\`.`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
  };

  const modelJson = () => ({ id: name, object: 'model', created, owned_by: 'apprentice' });
  app.get('/v1/models', async () => ({ object: 'list', data: [modelJson()] }));
  app.get('/v1/models/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    checkModel(request.params.id);
    return modelJson();
  });
  app.get('/health', async () => ({ status: 'ok', model: name, version: VERSION }));

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody(chatCompletionSchema, request.body);
    checkModel(body.model);
    const n = body.n ?? 1;
    if (body.stream && n > 1) throw new ApiError(400, 'n > 1 cannot be streamed by this server', { param: 'n' });
    const routed = await route({
      ...samplingOf(body, body.max_completion_tokens ?? body.max_tokens ?? undefined),
      messages: chatMessages(body),
      ...(n > 1 ? { n } : {}),
      ...(body.logprobs ? { logprobs: true } : {}),
    });
    const generateRequest = routed.request;
    const signal = disconnectSignal(reply);
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const base = { id, object: 'chat.completion.chunk', created: nowSeconds(), model: name, system_fingerprint: null };
    if (body.stream) {
      const chunks = streamChunks(
        generationEvents(model, generateRequest, signal),
        {
          start: () => ({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }),
          text: (text) => ({ ...base, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] }),
          finish: (completion) => ({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(completion.finishReason) }] }),
          usage: (usage) => ({ ...base, choices: [], usage: usageJson(usage) }),
        },
        body.stream_options?.include_usage === true,
      );
      await sendEventStream(reply, chunks, routed.headers);
      return reply;
    }
    const response = await model.generate(generateRequest, { signal });
    void reply.headers(routed.headers ?? {});
    return {
      ...routed.fields,
      id,
      object: 'chat.completion',
      created: base.created,
      model: name,
      system_fingerprint: null,
      choices: response.completions.map((completion, index) => ({
        index,
        message: { role: 'assistant', content: completion.text, refusal: null },
        logprobs: body.logprobs && completion.logprobs ? { content: logprobsJson(completion), refusal: null } : null,
        finish_reason: finishReason(completion.finishReason),
      })),
      usage: usageJson(response.usage),
    };
  });

  app.post('/v1/completions', async (request, reply) => {
    const body = parseBody(completionSchema, request.body);
    checkModel(body.model);
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    const n = body.n ?? 1;
    if (body.stream && (n > 1 || prompts.length > 1)) {
      throw new ApiError(400, 'only one prompt with n = 1 can be streamed by this server', { param: n > 1 ? 'n' : 'prompt' });
    }
    if (options.route && prompts.length > 1) {
      throw new ApiError(400, 'this server answers one prompt per request', { param: 'prompt' });
    }
    const sampling = samplingOf(body, body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS);
    const routes: RoutedRequest[] = await Promise.all(prompts.map((prompt) => route({ ...sampling, prompt })));
    const signal = disconnectSignal(reply);
    const id = `cmpl-${randomUUID().replace(/-/g, '')}`;
    const base = { id, object: 'text_completion', created: nowSeconds(), model: name, system_fingerprint: null };
    if (body.stream) {
      const prompt = prompts[0]!;
      const chunks = streamChunks(
        generationEvents(model, routes[0]!.request, signal),
        {
          start: body.echo ? () => ({ ...base, choices: [{ index: 0, text: prompt, logprobs: null, finish_reason: null }] }) : undefined,
          text: (text) => ({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: null }] }),
          finish: (completion) => ({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: finishReason(completion.finishReason) }] }),
          usage: (usage) => ({ ...base, choices: [], usage: usageJson(usage) }),
        },
        body.stream_options?.include_usage === true,
      );
      await sendEventStream(reply, chunks, routes[0]!.headers);
      return reply;
    }
    const responses: GenerateResponse[] = await Promise.all(
      routes.map((routed) => model.generate({ ...routed.request, ...(n > 1 ? { n } : {}) }, { signal })),
    );
    if (options.route) void reply.headers(routes[0]!.headers ?? {});
    const usage = responses.reduce(
      (sum, r) => ({ promptTokens: sum.promptTokens + r.usage.promptTokens, completionTokens: sum.completionTokens + r.usage.completionTokens }),
      { promptTokens: 0, completionTokens: 0 },
    );
    return {
      ...(options.route ? routes[0]!.fields : {}),
      id,
      object: 'text_completion',
      created: base.created,
      model: name,
      system_fingerprint: null,
      choices: responses.flatMap((response, p) =>
        response.completions.map((completion, j) => ({
          index: p * n + j,
          text: body.echo ? prompts[p] + completion.text : completion.text,
          logprobs: null,
          finish_reason: finishReason(completion.finishReason),
        })),
      ),
      usage: usageJson(usage),
    };
  });

  return app;
}

function logprobsJson(completion: Completion) {
  return (completion.logprobs ?? []).map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: [...Buffer.from(entry.token, 'utf8')],
    top_logprobs: [],
  }));
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 (append /v1 for OpenAI clients). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts listening; host defaults to 127.0.0.1 (loopback only: only loopback Host names are then
 * accepted), port 0 picks a free one.
 */
export async function startApiServer(options: ApiServerOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const allowedHosts = options.allowedHosts !== undefined ? options.allowedHosts : isLoopbackHost(host) ? LOOPBACK_HOSTS : null;
  const app = await createApiServer({ ...options, allowedHosts });
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}`, port, close: () => app.close() };
}
