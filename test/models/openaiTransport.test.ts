/**
 * The OpenAI provider's own HTTP transport (src/models/providers/jsonHttp.ts) against a bare node:http server:
 * what the openai SDK used to do for it and the fake server does not exercise — a base URL with a path prefix,
 * compressed answers, the organisation and project headers, the server's error message, a body cut short,
 * and connections reused across calls.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createOpenAIModel } from '../../src/models/providers/openai.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { modelErrorOf as failure } from '../support/modelError.js';

const defer = cleanupAfterEach();

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const chatAnswer = JSON.stringify({
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'yes' } }],
  usage: { prompt_tokens: 3, completion_tokens: 1 },
});

async function serve(answer: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      answer(request, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => connections };
}

const ask = { messages: [{ role: 'user' as const, content: 'ok?' }] };

describe('OpenAI provider transport', () => {
  it('posts JSON under a base URL with a path prefix (with or without a trailing slash), reusing connections', async () => {
    const { url, seen, connections } = await serve((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(chatAnswer);
    });
    for (const base of [`${url}/proxy/team-a/v1`, `${url}/proxy/team-a/v1/`]) {
      const model = createOpenAIModel({ spec: 'openai:m', model: 'm', baseURL: base, apiKey: 'sk-abcdefgh', env: {} });
      expect((await model.generate(ask)).completions[0]!.text).toBe('yes');
      expect((await model.generate(ask)).usage).toEqual({ promptTokens: 3, completionTokens: 1 });
    }
    expect(seen.map((s) => s.url)).toEqual(Array(4).fill('/proxy/team-a/v1/chat/completions'));
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-abcdefgh');
    expect(JSON.parse(seen[0]!.body)).toEqual({ model: 'm', messages: [{ role: 'user', content: 'ok?' }] });
    // Four sequential calls, one kept-alive connection.
    expect(connections()).toBe(1);
  });

  it('sends OPENAI_ORG_ID and OPENAI_PROJECT_ID as the SDK did', async () => {
    const { url, seen } = await serve((_seen, res) => res.end(chatAnswer));
    const model = createOpenAIModel({
      spec: 'openai:m',
      model: 'm',
      baseURL: `${url}/v1`,
      env: { OPENAI_API_KEY: 'sk-env-key', OPENAI_ORG_ID: 'org-1', OPENAI_PROJECT_ID: 'proj-2' },
    });
    await model.generate(ask);
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer sk-env-key', 'openai-organization': 'org-1', 'openai-project': 'proj-2' });
  });

  it('reads gzip and brotli answers', async () => {
    let turn = 0;
    const { url } = await serve((_seen, res) => {
      const gzip = turn++ % 2 === 0;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': gzip ? 'gzip' : 'br' });
      res.end(gzip ? gzipSync(chatAnswer) : brotliCompressSync(chatAnswer));
    });
    const model = createOpenAIModel({ spec: 'openai:m', model: 'm', baseURL: `${url}/v1`, env: {} });
    expect((await model.generate(ask)).completions[0]!.text).toBe('yes');
    expect((await model.generate(ask)).completions[0]!.text).toBe('yes');
  });

  it("words an error with the status and the server's message, or its body when it is not OpenAI's shape", async () => {
    const bodies = [
      { status: 400, body: JSON.stringify({ error: { message: 'max_tokens is too large', type: 'invalid_request_error' } }) },
      { status: 422, body: JSON.stringify({ error: 'bad field' }) },
      { status: 500, body: 'upstream exploded' },
      { status: 503, body: '' },
    ];
    let turn = 0;
    const { url } = await serve((_seen, res) => {
      const { status, body } = bodies[turn++]!;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    });
    const model = createOpenAIModel({ spec: 'openai:m', model: 'm', baseURL: `${url}/v1`, env: {} });
    const messages = [];
    for (let i = 0; i < bodies.length; i++) messages.push(await failure(model.generate(ask)));
    expect(messages.map((e) => [e.kind, e.status])).toEqual([
      ['bad_request', 400],
      ['bad_request', 422],
      ['server', 500],
      ['server', 503],
    ]);
    expect(messages[0]!.message).toBe('chat completion on openai:m: 400 max_tokens is too large');
    expect(messages[1]!.message).toBe('chat completion on openai:m: 422 "bad field"');
    expect(messages[2]!.message).toBe('chat completion on openai:m: 500 upstream exploded');
    expect(messages[3]!.message).toBe('chat completion on openai:m: 503 status code (no body)');
  });

  it('maps an answer cut off part-way through its body to network', async () => {
    const { url } = await serve((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(chatAnswer.length) });
      res.write(chatAnswer.slice(0, 20));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const model = createOpenAIModel({ spec: 'openai:m', model: 'm', baseURL: `${url}/v1`, env: {} });
    const error = await failure(model.generate(ask));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^chat completion on openai:m: connection error: /);
  });

  it('refuses a base URL that is not a URL, naming the spec', () => {
    expect(() => createOpenAIModel({ spec: 'openai:m@nowhere', model: 'm', baseURL: 'nowhere', env: {} })).toThrow(/openai:m@nowhere.*not a valid base URL/);
  });
});
