/**
 * The cheapest OpenAI-compatible chat endpoint: it answers every chat completion at once with the gold-free
 * text "positive", and keeps nothing per request, so a million calls cost the server no memory. For scale
 * tests and benchmarks where the model must not be what is measured (the fake in test/support logs requests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InstantServer {
  /** Base URL for an `openai:<model>@<url>` spec, ending in /v1. */
  url: string;
  /** Requests answered so far. */
  answered(): number;
  close(): Promise<void>;
}

export async function startInstantOpenAIServer(answer = 'positive'): Promise<InstantServer> {
  let answered = 0;
  const body = JSON.stringify({
    id: 'instant',
    object: 'chat.completion',
    created: 0,
    model: 'instant',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
    usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
  });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answered++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
