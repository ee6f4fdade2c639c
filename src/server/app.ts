/**
 * An OpenAI-compatible HTTP API in front of one model of a ModelHub (so the cache, limits, budget and
 * usage accounting apply to every request):
 *
 *   POST /v1/chat/completions   chat, `stream: true` answers with server-sent events
 *   POST /v1/completions        raw-text completions, streaming too
 *   POST /v1/embeddings         embeddings of the served model
 *   GET  /v1/models             the one model served
 *
 * One module per route (routes/); the OpenAI wire shapes are in openaiShapes.ts, streaming in sse.ts.
 * Every field of a request is honoured or refused with a 400 naming it (schemas.ts): logprobs and
 * top_logprobs (both routes, streamed too: a choice's log-probabilities come with its last chunk),
 * response_format (JSON mode, JSON schema), stop, seed, n (streamed too), and the answer's finish reason
 * and usage as the model layer reports them; settings the model did not honour come back as `warnings`
 * (a field, and the x-apprentice-warnings header).
 *
 * Streaming uses the model's `generateStream` when it has one (tokens as they are decoded); otherwise
 * (or for n > 1, or an answerer) the whole completion is generated and each choice sent as one chunk. Each chunk is `data: <json>\n\n` and the
 * stream ends with `data: [DONE]`. A request the model refuses before producing anything gets a JSON
 * error with its status even when it asked for a stream; a failure after the stream started ends it
 * with a `data: {"error": ...}` event. A client that disconnects aborts its generation.
 *
 * A served target can route requests (`route`): each generation request is rewritten before it reaches
 * the model (a grimoire set puts the chosen grimoire into the weak model's prompt), and what the router
 * reports goes into response headers (streamed responses too) and extra fields of the JSON body.
 *
 * An `answerer` (the cascade) answers instead of the model and reports which model answered; a `capture`
 * sink (--store) receives every exchange: request body, whole response JSON, the client's metadata.
 *
 * Sampling follows the OpenAI API: temperature defaults to 1. Greedy or seeded requests are cached like
 * any call; a sampled request without a seed gets a fresh sample index, so it is a new sample, not a
 * cached one.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { LanguageModel } from '../models/types.js';
import { VERSION } from '../version.js';
import { addAccessControl, isLoopbackHost, LOOPBACK_HOSTS } from './access.js';
import type { Answerer } from './answer.js';
import { ApiError, toApiError } from './errors.js';
import { registerChatRoute } from './routes/chat.js';
import { registerCompletionsRoute } from './routes/completions.js';
import type { CaptureSink, RouteContext } from './routes/context.js';
import { registerEmbeddingsRoute } from './routes/embeddings.js';
import type { RequestRouter } from './target.js';

export type { Answerer, ServedAnswer } from './answer.js';
export type { CaptureSink, Exchange } from './routes/context.js';

/** More models a server answers by id beside its own (the fine-tuned students of `serve --fine-tuning`). */
export interface ModelCatalog {
  list(): Array<{ id: string; created: number; owned_by: string }>;
  /** The model, or undefined when the catalog does not serve this id. */
  resolve(id: string): Promise<LanguageModel> | undefined;
}

/** What {@link createApiServer} serves: a model (or a catalog of models) and the access rules. */
export interface ApiServerOptions {
  /** The wrapped model requests go to (from ModelHub.model); optional with a catalog. */
  model?: LanguageModel;
  /** The model id clients use and /v1/models lists. */
  name?: string;
  catalog?: ModelCatalog;
  /** Adds routes (the fine-tuning API) before the server listens. */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Largest request body in bytes. Default 16 MiB. */
  bodyLimit?: number;
  /** Rewrites each generation request before `model` sees it (default: as is). */
  route?: RequestRouter;
  /** Answers generation requests instead of `model` (the cascade: student first, then the teacher). */
  answerer?: Answerer;
  /** Receives every chat and completion exchange (`--store`). */
  capture?: CaptureSink;
  /** Host names accepted in the Host header (default: loopback names); null accepts any. */
  allowedHosts?: readonly string[] | null;
  /** Bearer token every request must carry (`--server-key`). */
  serverKey?: string;
}

/** Creates the OpenAI-compatible server (a Fastify app, not listening yet; see {@link startApiServer}). */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { model, name, catalog } = options;
  const created = Math.floor(Date.now() / 1000);
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

  const modelsJson = () => [
    ...(model && name ? [{ id: name, object: 'model', created, owned_by: 'apprentice' }] : []),
    ...(catalog?.list() ?? []).map((entry) => ({ ...entry, object: 'model' })),
  ];
  const notFound = (requested: string) => {
    const ids = modelsJson().map((m) => `\`${m.id}\``);
    return new ApiError(404, `The model \`${requested}\` does not exist. This server serves ${ids.length ? ids.join(', ') : 'no model yet'}.`, {
      param: 'model',
      code: 'model_not_found',
    });
  };
  app.get('/v1/models', async () => ({ object: 'list', data: modelsJson() }));
  app.get('/v1/models/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const requested = request.params.id;
    const found = modelsJson().find((m) => m.id === requested || (model && name && requested === model.spec && m.id === name));
    if (!found) throw notFound(requested);
    return found;
  });
  app.get('/health', async () => ({ status: 'ok', model: name ?? null, version: VERSION }));

  const identity: RequestRouter = async (request) => ({ request });
  const context: RouteContext = {
    // Without a served model (a fine-tuning server) these two are unset, and servedFor never returns this context.
    model: model!,
    name: name!,
    route: options.route ?? identity,
    routed: options.route !== undefined,
    answerer: options.answerer,
    capture: options.capture,
    async servedFor(requested) {
      if (model && name && (requested === name || requested === model.spec)) return context;
      const fromCatalog = catalog?.resolve(requested);
      if (!fromCatalog) throw notFound(requested);
      return { ...context, model: await fromCatalog, name: requested, route: identity, routed: false, answerer: undefined };
    },
  };
  registerChatRoute(app, context);
  registerCompletionsRoute(app, context);
  registerEmbeddingsRoute(app, context);
  await options.extend?.(app);
  return app;
}

/** A started server: its URL and port, and how to close it. */
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
