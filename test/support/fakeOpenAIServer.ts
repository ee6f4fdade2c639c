/**
 * A real loopback HTTP server speaking the OpenAI protocol (chat completions, legacy completions
 * with echo + logprobs, embeddings), for tests and benchmarks of the model layer through the real
 * OpenAI SDK. Answers are deterministic functions of the request; faults (429 with Retry-After,
 * 5xx, hangs, malformed bodies, ...) are injected per request by a callback.
 *
 * The HTTP core (`startFakeHttpServer`) is shared with the fake Anthropic server.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** What a fault callback sees about each request. */
export interface FaultInfo {
  /** 0-based arrival order over all requests to this server. */
  index: number;
  /** The parsed JSON body (undefined if it was not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke into arbitrary request bodies
  body: any;
  path: string;
}

export type Fault =
  /** 429 with `Retry-After` (whole seconds, or `retryAfter` verbatim) and `retry-after-ms` when `retryAfterMs` is set. */
  | { kind: 'rate_limit'; retryAfterMs?: number; retryAfter?: string }
  /** 500, or another status (e.g. 502, 529). */
  | { kind: 'server'; status?: number }
  /** 503 with Retry-After like rate_limit. */
  | { kind: 'unavailable'; retryAfterMs?: number; retryAfter?: string }
  /** Never answers; the request ends when the client goes away (or the server closes). */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON (though labelled application/json). */
  | { kind: 'malformed' }
  /** 200 with JSON that lacks the expected fields (no choices / content). */
  | { kind: 'missing_fields' }
  /** The connection is destroyed without an answer. */
  | { kind: 'reset' }
  /** Any status with an error body (e.g. 400, 401, 403, 404). */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> };

export interface ReceivedRequest {
  /** performance.now() when the request arrived. */
  receivedAt: number;
  path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see FaultInfo.body
  body: any;
  headers: IncomingHttpHeaders;
}

export interface FakeServerOptions {
  /** Delay before every answer (and every fault except hang and reset). Default 0. */
  latencyMs?: number;
  fault?: (info: FaultInfo) => Fault | undefined;
}

export interface FakeServer {
  /** Origin without a trailing slash, e.g. http://127.0.0.1:4321. */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Most requests ever being handled at once. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  close(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakeHttpServerOptions extends FakeServerOptions {
  /** Answers a well-formed request; `undefined` for an unknown path (404). */
  handle: (path: string, body: unknown, request: ReceivedRequest) => HttpAnswer | undefined;
  /** The error body in the protocol's format. */
  errorBody: (status: number, message: string) => unknown;
  /** A 200 JSON body lacking the fields clients need. */
  missingFieldsBody: (path: string) => unknown;
  /** Waited for (with the latency) before answering a request; used to report requests across threads. */
  admit?: (request: ReceivedRequest, index: number) => Promise<void>;
  /** Called when a request is no longer in flight. */
  onDone?: (inFlight: number) => void;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startFakeHttpServer(options: FakeHttpServerOptions): Promise<FakeServer> {
  const latencyMs = options.latencyMs ?? 0;
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;

  const later = (fn: () => void) => {
    if (latencyMs <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, latencyMs);
    timers.add(timer);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      inFlight -= 1;
      options.onDone?.(inFlight);
    };
    res.on('close', finish);

    const send = (answer: HttpAnswer) => {
      if (res.destroyed || res.writableEnded) return finish();
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      // Counted out before the bytes leave, so a client reusing the slot never sees an overlap.
      finish();
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...answer.headers,
      });
      res.end(text);
    };

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      let body: unknown;
      let parsed = true;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        parsed = false;
      }
      const received: ReceivedRequest = { receivedAt: performance.now(), path, body, headers: req.headers };
      const index = requests.length;
      requests.push(received);
      if (options.admit) {
        const admitted = options.admit(received, index);
        const proceed = () => respond(index, path, body, parsed, received);
        if (latencyMs <= 0) void admitted.then(proceed);
        else {
          let waiting = 2;
          const step = () => {
            if (--waiting === 0) proceed();
          };
          void admitted.then(step);
          later(step);
        }
        return;
      }
      respond(index, path, body, parsed, received, true);
    });

    function respond(index: number, path: string, body: unknown, parsed: boolean, received: ReceivedRequest, delay = false) {
      if (size > MAX_BODY_BYTES) return send({ status: 413, body: options.errorBody(413, 'request body too large') });
      if (!parsed || req.method !== 'POST') {
        return send({ status: 400, body: options.errorBody(400, 'expected a POST with a JSON body') });
      }

      const fault = options.fault?.({ index, body, path });
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'reset') {
        finish();
        req.socket.destroy();
        return;
      }
      (delay ? later : (fn: () => void) => fn())(() => {
        if (fault) return send(faultAnswer(fault, path, options));
        let answer: HttpAnswer | undefined;
        try {
          answer = options.handle(path, body, received);
        } catch (error) {
          answer = { status: 400, body: options.errorBody(400, (error as Error).message) };
        }
        send(answer ?? { status: 404, body: options.errorBody(404, `no route for POST ${path}`) });
      });
    }
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function faultAnswer(fault: Exclude<Fault, { kind: 'hang' | 'reset' }>, path: string, options: FakeHttpServerOptions): HttpAnswer {
  const retryHeaders = (f: { retryAfterMs?: number; retryAfter?: string }): Record<string, string> => {
    const headers: Record<string, string> = {
      'retry-after': f.retryAfter ?? String(Math.max(0, Math.ceil((f.retryAfterMs ?? 1000) / 1000))),
    };
    if (f.retryAfterMs !== undefined) headers['retry-after-ms'] = String(f.retryAfterMs);
    return headers;
  };
  switch (fault.kind) {
    case 'rate_limit':
      return { status: 429, body: options.errorBody(429, 'rate limit reached, slow down'), headers: retryHeaders(fault) };
    case 'unavailable':
      return { status: 503, body: options.errorBody(503, 'service unavailable'), headers: retryHeaders(fault) };
    case 'server': {
      const status = fault.status ?? 500;
      return { status, body: options.errorBody(status, 'internal server error') };
    }
    case 'malformed':
      return { status: 200, body: '{"choices": [ this is not JSON' };
    case 'missing_fields':
      return { status: 200, body: options.missingFieldsBody(path) };
    case 'status':
      return {
        status: fault.status,
        body: options.errorBody(fault.status, fault.message ?? `error ${fault.status}`),
        headers: fault.headers,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// The OpenAI protocol

export type FakeOpenAIServerOptions = FakeServerOptions & {
  /** Serve /v1/completions (echo + logprobs). Default true; false answers 404 like a chat-only API. */
  completions?: boolean;
  /** false: never run in a worker thread (see startFakeOpenAIServer). */
  thread?: boolean;
  /** What the fake model says to a chat request, by its last user message (default: an echo). */
  answer?: (lastUserMessage: string) => string;
};

export interface FakeOpenAIServer extends FakeServer {
  /** Base URL for the OpenAI SDK, ending in /v1. */
  readonly url: string;
}

/** The fake's tokenizer: words with their leading whitespace (concatenation gives the text back). */
export function fakeTokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** The fake's log-probability of a token: a deterministic function of the token. */
export function fakeLogprob(token: string): number {
  return -Math.round((0.05 + (token.trim().length % 7) * 0.1) * 1000) / 1000;
}

/** The fake model's greedy choice disagrees with tokens containing an upper-case letter. */
export function fakeIsTop(token: string): boolean {
  return !/[A-Z]/.test(token);
}

/** The text the fake answers before stop strings and max_tokens apply. */
export function fakeAnswerText(lastMessage: string, options: { index?: number; temperature?: number; seed?: number } = {}): string {
  const base = `echo: ${lastMessage}`;
  if (!options.temperature || options.temperature <= 0) return base;
  return `${base} (sample ${options.index ?? 0}${options.seed !== undefined ? `, seed ${options.seed}` : ''})`;
}

interface Generated {
  text: string;
  tokens: string[];
  finishReason: 'stop' | 'length';
}

/** Cuts `full` at the first stop string, then at `maxTokens` tokens. */
export function fakeGenerate(full: string, stop: string[], maxTokens: number | undefined): Generated {
  let text = full;
  let cut = text.length;
  for (const s of stop) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0 && at < cut) cut = at;
  }
  text = text.slice(0, cut);
  let tokens = fakeTokenize(text);
  if (maxTokens !== undefined && tokens.length > maxTokens) {
    tokens = tokens.slice(0, Math.max(0, maxTokens));
    return { text: tokens.join(''), tokens, finishReason: 'length' };
  }
  return { text, tokens, finishReason: 'stop' };
}

const stopList = (stop: unknown): string[] =>
  typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string') : [];

function openAIError(status: number, message: string): unknown {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: null } };
}

function chatCompletion(body: Record<string, unknown>, answer: FakeOpenAIServerOptions['answer']): HttpAnswer {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { status: 400, body: openAIError(400, "'messages' must be a non-empty array") };
  }
  const contents = messages.map((m) => (typeof m?.content === 'string' ? m.content : ''));
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const last = typeof lastUser?.content === 'string' ? lastUser.content : contents[contents.length - 1]!;
  const n = typeof body.n === 'number' ? body.n : 1;
  const temperature = typeof body.temperature === 'number' ? body.temperature : undefined;
  const seed = typeof body.seed === 'number' ? body.seed : undefined;
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const stop = stopList(body.stop);
  let completionTokens = 0;
  const choices = Array.from({ length: n }, (_, index) => {
    const full = answer ? answer(last) : fakeAnswerText(last, { index, temperature, seed });
    const generated = fakeGenerate(full, stop, maxTokens);
    completionTokens += generated.tokens.length;
    return {
      index,
      message: { role: 'assistant', content: generated.text, refusal: null },
      logprobs: body.logprobs
        ? {
            content: generated.tokens.map((token) => ({
              token,
              logprob: fakeLogprob(token),
              bytes: null,
              top_logprobs: [],
            })),
          }
        : null,
      finish_reason: generated.finishReason,
    };
  });
  let promptTokens = 0;
  for (const content of contents) promptTokens += fakeTokenize(content).length;
  return {
    status: 200,
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    },
  };
}

function completion(body: Record<string, unknown>): HttpAnswer {
  const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  if (typeof prompt !== 'string') return { status: 400, body: openAIError(400, "'prompt' must be a string") };
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
  const generated = maxTokens > 0 ? fakeGenerate(fakeAnswerText(prompt), stopList(body.stop), maxTokens) : undefined;
  const echo = body.echo === true;
  const promptTokens = fakeTokenize(prompt);
  const tokens = [...(echo ? promptTokens : []), ...(generated?.tokens ?? [])];
  let logprobs: unknown = null;
  if (typeof body.logprobs === 'number') {
    const offsets: number[] = [];
    let offset = 0;
    for (const token of tokens) {
      offsets.push(offset);
      offset += token.length;
    }
    logprobs = {
      tokens,
      token_logprobs: tokens.map((token, i) => (echo && i === 0 ? null : fakeLogprob(token))),
      top_logprobs: tokens.map((token, i) => (echo && i === 0 ? null : fakeIsTop(token) ? { [token]: fakeLogprob(token) } : { ' the': -0.01 })),
      text_offset: offsets,
    };
  }
  const completionTokens = generated?.tokens.length ?? 0;
  return {
    status: 200,
    body: {
      id: 'cmpl-fake',
      object: 'text_completion',
      created: 0,
      model: body.model,
      choices: [
        {
          index: 0,
          text: (echo ? prompt : '') + (generated?.text ?? ''),
          logprobs,
          finish_reason: generated?.finishReason ?? 'length',
        },
      ],
      usage: {
        prompt_tokens: promptTokens.length,
        completion_tokens: completionTokens,
        total_tokens: promptTokens.length + completionTokens,
      },
    },
  };
}

/** The fake's embedding of a text: 8 deterministic numbers. */
export function fakeEmbedding(text: string): number[] {
  let hash = 2166136261;
  const vector: number[] = [];
  for (let d = 0; d < 8; d++) {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i) + d;
      hash = Math.imul(hash, 16777619) >>> 0;
    }
    vector.push(Math.round(((hash % 2001) / 1000 - 1) * 1000) / 1000);
  }
  return vector;
}

function embeddings(body: Record<string, unknown>): HttpAnswer {
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || !input.every((t) => typeof t === 'string')) {
    return { status: 400, body: openAIError(400, "'input' must be a string or an array of strings") };
  }
  if (body.encoding_format !== undefined && body.encoding_format !== 'float') {
    return { status: 400, body: openAIError(400, 'this server only supports encoding_format "float"') };
  }
  let tokens = 0;
  for (const text of input) tokens += fakeTokenize(text).length;
  // In reverse order, with indices, to check that clients put vectors back in input order.
  const data = input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })).reverse();
  return { status: 200, body: { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } } };
}

/**
 * Starts the fake OpenAI server. Without fault or answer callbacks (which cannot cross threads) it runs in
 * a worker thread when the runtime can load this module there (tsx can; vitest cannot), so its
 * CPU time does not compete with the client under test, as with a real server; otherwise, or
 * with `thread: false`, it runs in this thread. Either way `requests` is complete before each
 * answer is sent.
 */
export async function startFakeOpenAIServer(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
  if (!options.fault && !options.answer && options.thread !== false) {
    const threaded = await startInWorker(options);
    if (threaded) return threaded;
  }
  return startInProcess(options);
}

async function startInProcess(options: FakeOpenAIServerOptions, hooks: Pick<FakeHttpServerOptions, 'admit' | 'onDone'> = {}): Promise<FakeOpenAIServer> {
  const serveCompletions = options.completions ?? true;
  const server = await startFakeHttpServer({
    latencyMs: options.latencyMs,
    fault: options.fault,
    ...hooks,
    errorBody: openAIError,
    missingFieldsBody: (path) => (path.endsWith('/embeddings') ? { object: 'list', model: 'fake' } : { id: 'fake', object: 'chat.completion', created: 0 }),
    handle: (path, body) => {
      const request = (body ?? {}) as Record<string, unknown>;
      if (path === '/v1/chat/completions') return chatCompletion(request, options.answer);
      if (path === '/v1/completions' && serveCompletions) return completion(request);
      if (path === '/v1/embeddings') return embeddings(request);
      return undefined;
    },
  });
  return Object.assign(server, { url: `${server.origin}/v1` }) as FakeOpenAIServer;
}

// ---------------------------------------------------------------------------------------------
// Worker-thread mode

const WORKER_FLAG = 'apprentice-fake-openai-server';
const WORKER_START_TIMEOUT_MS = 10_000;

type WorkerMessage =
  | { type: 'ready'; origin: string }
  | { type: 'request'; id: number; receivedAt: number; path: string; body: unknown; headers: IncomingHttpHeaders; inFlight: number; maxInFlight: number }
  | { type: 'done'; inFlight: number }
  | { type: 'closed' };

function startInWorker(options: FakeOpenAIServerOptions): Promise<FakeOpenAIServer | undefined> {
  let worker: Worker;
  try {
    // A .ts module needs tsx's loader registered in the worker thread too.
    const self = import.meta.url;
    const source = self.endsWith('.ts')
      ? `import(${JSON.stringify(
          pathToFileURL(
            createRequire(self)
              .resolve('tsx/esm/api')
              .replace(/\.cjs$/, '.mjs'),
          ).href,
        )})` + `.then((api) => { api.register(); return import(${JSON.stringify(self)}); })`
      : `import(${JSON.stringify(self)})`;
    worker = new Worker(source, {
      eval: true,
      workerData: { flag: WORKER_FLAG, options: { latencyMs: options.latencyMs, completions: options.completions } },
      stdout: false,
      stderr: true,
    });
  } catch {
    return Promise.resolve(undefined);
  }
  worker.stderr.resume();
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  return new Promise((resolve) => {
    const giveUp = () => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(undefined);
    };
    const timer = setTimeout(giveUp, WORKER_START_TIMEOUT_MS);
    worker.once('error', giveUp);
    worker.once('exit', giveUp);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'request':
          requests.push({
            receivedAt: message.receivedAt - performance.timeOrigin,
            path: message.path,
            body: message.body,
            headers: message.headers,
          });
          inFlight = message.inFlight;
          if (message.maxInFlight > maxInFlight) maxInFlight = message.maxInFlight;
          worker.postMessage({ type: 'ack', id: message.id });
          break;
        case 'done':
          inFlight = message.inFlight;
          break;
        case 'ready': {
          clearTimeout(timer);
          worker.off('error', giveUp);
          worker.off('exit', giveUp);
          worker.on('error', () => {});
          worker.unref();
          const server: FakeOpenAIServer = {
            origin: message.origin,
            url: `${message.origin}/v1`,
            requests,
            get maxInFlight() {
              return maxInFlight;
            },
            get inFlight() {
              return inFlight;
            },
            close() {
              closing ??= (async () => {
                worker.postMessage({ type: 'close' });
                await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
                await worker.terminate();
              })();
              return closing;
            },
          };
          resolve(server);
          break;
        }
        case 'closed':
          break;
      }
    });
  });
}

async function runWorker(options: FakeOpenAIServerOptions): Promise<void> {
  const port = parentPort!;
  const waiting = new Map<number, () => void>();
  const state: { server?: FakeOpenAIServer } = {};
  port.on('message', (message: { type: 'ack'; id: number } | { type: 'close' }) => {
    if (message.type === 'ack') {
      waiting.get(message.id)?.();
      waiting.delete(message.id);
    } else {
      void (state.server?.close() ?? Promise.resolve()).then(() => {
        port.postMessage({ type: 'closed' });
        port.close();
      });
    }
  });
  const server = await startInProcess(options, {
    admit: (request, index) =>
      new Promise<void>((resolve) => {
        waiting.set(index, resolve);
        port.postMessage({
          type: 'request',
          id: index,
          receivedAt: performance.timeOrigin + request.receivedAt,
          path: request.path,
          body: request.body,
          headers: request.headers,
          inFlight: state.server?.inFlight ?? 1,
          maxInFlight: state.server?.maxInFlight ?? 1,
        } satisfies WorkerMessage);
      }),
    onDone: (inFlight) => port.postMessage({ type: 'done', inFlight } satisfies WorkerMessage),
  });
  state.server = server;
  port.postMessage({ type: 'ready', origin: server.origin } satisfies WorkerMessage);
}

if (!isMainThread && (workerData as { flag?: string } | null)?.flag === WORKER_FLAG) {
  void runWorker((workerData as { options: FakeOpenAIServerOptions }).options);
}
