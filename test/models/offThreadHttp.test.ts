/**
 * The OpenAI provider's HTTP worker thread (src/models/providers/offThreadHttp.ts), started from the sources
 * through tsx when a second request is in flight: requests made while it starts run in this thread, later
 * ones in it, with the same answers (status, headers, decompressed body), failures (a refused connection
 * keeps its code) and aborts (at once, and the server sees the request dropped).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { httpWorkerState, postJsonOffThread, useHttpWorker } from '../../src/models/providers/offThreadHttp.js';
import { cleanupAfterEach } from '../support/cleanup.js';

const defer = cleanupAfterEach();

async function serve(answer: (path: string, body: string, res: ServerResponse) => void): Promise<{ url: string; closed: () => number }> {
  let closed = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req.url ?? '', Buffer.concat(chunks).toString('utf8'), res));
    res.on('close', () => {
      if (!res.writableFinished) closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed: () => closed };
}

async function untilReady(): Promise<void> {
  for (let i = 0; i < 600 && httpWorkerState() !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(httpWorkerState()).toBe('ready');
}

describe('HTTP worker thread', () => {
  useHttpWorker(true);
  afterAll(() => useHttpWorker(false));

  it('answers in this thread while the worker starts, then in the worker, with the same status, headers and body', async () => {
    const { url } = await serve((path, body, res) => {
      res.writeHead(path === '/gzip' ? 200 : 429, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'retry-after': '2' });
      res.end(gzipSync(JSON.stringify({ path, echo: JSON.parse(body) })));
    });
    // One call at a time needs no thread; a second call in flight starts it.
    const first = await postJsonOffThread(new URL(`${url}/gzip`), '{"n":1}', { authorization: 'Bearer k' });
    expect(httpWorkerState()).toBe('off');
    await Promise.all([1, 2].map(() => postJsonOffThread(new URL(`${url}/gzip`), '{"n":1}', {})));
    expect(httpWorkerState()).not.toBe('off');
    await untilReady();
    const answers = await Promise.all([1, 2, 3].map((n) => postJsonOffThread(new URL(`${url}/${n === 3 ? 'limited' : 'gzip'}`), `{"n":${n}}`, {})));
    expect(JSON.parse(first.text)).toEqual({ path: '/gzip', echo: { n: 1 } });
    expect(answers.map((a) => [a.status, JSON.parse(a.text)])).toEqual([
      [200, { path: '/gzip', echo: { n: 1 } }],
      [200, { path: '/gzip', echo: { n: 2 } }],
      [429, { path: '/limited', echo: { n: 3 } }],
    ]);
    expect(answers[2]!.headers['retry-after']).toBe('2');
  });

  it('keeps the code of a refused connection, and aborts a request at once, dropping it', async () => {
    await untilReady();
    const refused = await postJsonOffThread(new URL('http://127.0.0.1:1/v1'), '{}', {}).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });

    const { url, closed } = await serve(() => {}); // never answers
    const controller = new AbortController();
    const call = postJsonOffThread(new URL(url), '{}', {}, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const abortedAt = performance.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(100);
    for (let i = 0; i < 100 && closed() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed()).toBe(1);
  });
});
