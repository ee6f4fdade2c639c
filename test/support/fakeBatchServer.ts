/**
 * A real loopback HTTP server speaking the parts of the OpenAI API that the Batch API path uses —
 * `POST /v1/files` (multipart upload), `GET /v1/files/{id}/content`, `POST /v1/batches`,
 * `GET /v1/batches/{id}` — so tests drive the real OpenAI SDK. A batch moves validating ->
 * in_progress -> completed over a few status checks; on completion every request line is answered
 * like a chat completion (stop strings, max_tokens and n applied) into the output file, and lines
 * chosen to fail go to the error file. A batch can also expire part-way.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeGenerate, fakeTokenize } from './fakeOpenAIServer.js';

export interface FakeBatchServerOptions {
  /** What the fake model says to a request, by its last user message and the sample index. Default: an echo. */
  answer?: (lastUserMessage: string, sampleIndex: number) => string;
  /** Make a request line fail (it goes to the error file with this status). */
  failLine?: (customId: string) => { status: number; message: string } | undefined;
  /** Status checks before a batch finishes. Default 2. */
  pollsToComplete?: number;
  /** The batch expires after answering only this many lines (the rest get no answer). */
  expireAfter?: number;
  /** Reject batch creation as a failed batch with this message (validation failure). */
  failBatch?: string;
  /** Refuse the nth batch creation (1-based) with a 400 and this message, as if the run stopped there. */
  refuseCreate?: (nth: number) => string | undefined;
}

export interface FakeFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
}

export interface FakeBatch {
  id: string;
  input_file_id: string;
  status: string;
  polls: number;
  output_file_id: string | null;
  error_file_id: string | null;
  metadata: Record<string, string> | null;
  created_at: number;
  total: number;
  completed: number;
  failed: number;
  errors: { data: { code: string; message: string }[] } | null;
}

export interface FakeBatchServer {
  /** Base URL for the OpenAI SDK, ending in /v1. */
  readonly url: string;
  /** Every request as "METHOD /path", in arrival order. */
  readonly log: string[];
  readonly files: Map<string, FakeFile>;
  readonly batches: Map<string, FakeBatch>;
  close(): Promise<void>;
}

export async function startFakeBatchServer(options: FakeBatchServerOptions = {}): Promise<FakeBatchServer> {
  const log: string[] = [];
  const files = new Map<string, FakeFile>();
  const batches = new Map<string, FakeBatch>();
  const counters = new Map<string, number>();
  const nextId = (prefix: string) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}-${n}`;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      log.push(`${req.method} ${path}`);
      void handle(req, path, Buffer.concat(chunks)).then(
        ({ status, body, raw }) => {
          const text = raw ?? JSON.stringify(body);
          res.writeHead(status, {
            'content-type': raw === undefined ? 'application/json' : 'application/octet-stream',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
        },
        (error: Error) => {
          const text = JSON.stringify({ error: { message: error.message, type: 'invalid_request_error' } });
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(text);
        },
      );
    });
  });

  async function handle(req: IncomingMessage, path: string, body: Buffer): Promise<{ status: number; body?: unknown; raw?: string }> {
    if (req.method === 'POST' && path === '/v1/files') {
      const form = await new Request('http://fake/v1/files', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body,
      }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) return error(400, 'no file in the upload');
      const stored: FakeFile = {
        id: nextId('file'),
        filename: (file as File).name ?? 'upload.jsonl',
        purpose: String(form.get('purpose')),
        content: await file.text(),
      };
      files.set(stored.id, stored);
      return { status: 200, body: fileObject(stored) };
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (req.method === 'GET' && content) {
      const file = files.get(content[1]!);
      return file ? { status: 200, raw: file.content } : error(404, `no file ${content[1]}`);
    }
    if (req.method === 'POST' && path === '/v1/batches') {
      const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const input = files.get(String(request.input_file_id));
      if (!input) return error(400, `no file ${String(request.input_file_id)}`);
      if (request.endpoint !== '/v1/chat/completions') return error(400, `unsupported endpoint ${String(request.endpoint)}`);
      if (request.completion_window !== '24h') return error(400, 'completion_window must be 24h');
      const refused = options.refuseCreate?.(batches.size + 1);
      if (refused) return error(400, refused);
      const lines = input.content.split('\n').filter((line) => line.trim());
      const batch: FakeBatch = {
        id: nextId('batch'),
        input_file_id: input.id,
        status: 'validating',
        polls: 0,
        output_file_id: null,
        error_file_id: null,
        metadata: (request.metadata as Record<string, string>) ?? null,
        created_at: Math.floor(Date.now() / 1000),
        total: lines.length,
        completed: 0,
        failed: 0,
        errors: null,
      };
      batches.set(batch.id, batch);
      return { status: 200, body: batchObject(batch) };
    }
    const retrieve = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && retrieve) {
      const batch = batches.get(retrieve[1]!);
      if (!batch) return error(404, `no batch ${retrieve[1]}`);
      advance(batch);
      return { status: 200, body: batchObject(batch) };
    }
    return error(404, `no route for ${req.method} ${path}`);
  }

  function advance(batch: FakeBatch): void {
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return;
    batch.polls += 1;
    if (options.failBatch) {
      batch.status = 'failed';
      batch.errors = { data: [{ code: 'invalid_request', message: options.failBatch }] };
      return;
    }
    if (batch.polls < (options.pollsToComplete ?? 2)) {
      batch.status = 'in_progress';
      return;
    }
    const lines = files
      .get(batch.input_file_id)!
      .content.split('\n')
      .filter((line) => line.trim());
    const answered = options.expireAfter === undefined ? lines : lines.slice(0, options.expireAfter);
    const outputs: string[] = [];
    const errors: string[] = [];
    for (const line of answered) {
      const request = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
      const failure = options.failLine?.(request.custom_id);
      if (failure) {
        batch.failed += 1;
        errors.push(
          JSON.stringify({
            id: nextId('batch_req'),
            custom_id: request.custom_id,
            response: { status_code: failure.status, request_id: nextId('req'), body: { error: { message: failure.message, type: 'server_error' } } },
            error: null,
          }),
        );
        continue;
      }
      batch.completed += 1;
      outputs.push(
        JSON.stringify({
          id: nextId('batch_req'),
          custom_id: request.custom_id,
          response: { status_code: 200, request_id: nextId('req'), body: chatCompletion(request.body, options.answer) },
          error: null,
        }),
      );
    }
    const store = (text: string[]): string | null => {
      if (!text.length) return null;
      const file: FakeFile = { id: nextId('file'), filename: 'batch_output.jsonl', purpose: 'batch_output', content: text.join('\n') + '\n' };
      files.set(file.id, file);
      return file.id;
    };
    batch.output_file_id = store(outputs);
    batch.error_file_id = store(errors);
    batch.status = options.expireAfter === undefined ? 'completed' : 'expired';
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    files,
    batches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function error(status: number, message: string) {
  return { status, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } };
}

function fileObject(file: FakeFile) {
  return {
    id: file.id,
    object: 'file',
    bytes: Buffer.byteLength(file.content),
    created_at: 0,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
  };
}

function batchObject(batch: FakeBatch) {
  return {
    id: batch.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: batch.errors,
    input_file_id: batch.input_file_id,
    completion_window: '24h',
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: batch.created_at,
    request_counts: { total: batch.total, completed: batch.completed, failed: batch.failed },
    metadata: batch.metadata,
  };
}

function chatCompletion(body: Record<string, unknown>, answer: FakeBatchServerOptions['answer']) {
  const messages = (body.messages ?? []) as { role: string; content: string }[];
  const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const n = typeof body.n === 'number' ? body.n : 1;
  const stop = Array.isArray(body.stop) ? (body.stop as string[]) : typeof body.stop === 'string' ? [body.stop] : [];
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  let completionTokens = 0;
  const choices = Array.from({ length: n }, (_, index) => {
    const generated = fakeGenerate(answer ? answer(last, index) : `echo: ${last}`, stop, maxTokens);
    completionTokens += generated.tokens.length;
    return { index, message: { role: 'assistant', content: generated.text }, finish_reason: generated.finishReason };
  });
  const promptTokens = messages.reduce((sum, m) => sum + fakeTokenize(m.content).length, 0);
  return {
    id: 'chatcmpl-batch',
    object: 'chat.completion',
    created: 0,
    model: body.model,
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
