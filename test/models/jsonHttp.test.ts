/**
 * The OpenAI provider's HTTP/1.1 transport (src/models/providers/jsonHttp.ts, httpConnection.ts) at the wire:
 * servers written byte by byte over node:net send what real servers send (chunked bodies, 100 Continue, bodies
 * ended by closing, Connection: close, Keep-Alive timeouts, idle connections dropped), and a TLS server checks
 * that https verifies certificates and works end to end.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postJson } from '../../src/models/providers/jsonHttp.js';
import { cleanupAfterEach } from '../support/cleanup.js';

const defer = cleanupAfterEach();

interface RawServer {
  url: (path?: string) => URL;
  /** Requests received, as text (head and body). */
  requests: string[];
  connections: () => number;
}

/** A server that answers each complete request (head + content-length body) by calling `answer` with its socket. */
async function rawServer(answer: (socket: Socket, index: number, request: string) => void): Promise<RawServer> {
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        requests.push(request);
        answer(socket, requests.length - 1, request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: (path = '/v1/chat/completions') => new URL(`http://127.0.0.1:${port}${path}`), requests, connections: () => connections };
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('JSON over HTTP/1.1', () => {
  it('sends one well-formed request: method, path with query, host, JSON headers, the caller headers and the exact body', async () => {
    const server = await rawServer((socket) => socket.write(ok('{"a":1}')));
    const url = server.url('/v1/chat/completions?api-version=2');
    const body = JSON.stringify({ text: 'naïve — ünïcode' });
    const answer = await postJson(url, body, { authorization: 'Bearer k' });
    expect(answer).toEqual({ status: 200, headers: { 'content-type': 'application/json', 'content-length': '7' }, text: '{"a":1}' });
    const [head, sent] = server.requests[0]!.split('\r\n\r\n');
    const lines = head!.split('\r\n');
    expect(lines[0]).toBe('POST /v1/chat/completions?api-version=2 HTTP/1.1');
    expect(lines).toContain(`host: ${url.host}`);
    expect(lines).toContain('content-type: application/json');
    expect(lines).toContain('authorization: Bearer k');
    expect(lines).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(Buffer.from(sent!, 'latin1').toString('utf8')).toBe(body);
  });

  it('reads a chunked answer split across packets, with trailers', async () => {
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n4\r\n{"a"');
      setTimeout(() => socket.write('\r\n3\r\n:12\r\n1\r\n}\r\n0\r\nx-trailer: t\r\n\r\n'), 10);
    });
    expect((await postJson(server.url(), '{}', {})).text).toBe('{"a":12}');
    // The connection stays usable after a chunked answer.
    expect((await postJson(server.url(), '{}', {})).text).toBe('{"a":12}');
    expect(server.connections()).toBe(1);
  });

  it('skips 100 Continue and 103 Early Hints before the answer', async () => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${ok('{"b":2}')}`));
    const answer = await postJson(server.url(), '{}', {});
    expect([answer.status, answer.text]).toEqual([200, '{"b":2}']);
  });

  it('reads a body that ends with the connection (no length), then connects again', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"c":3}'));
    expect((await postJson(server.url(), '{}', {})).text).toBe('{"c":3}');
    expect((await postJson(server.url(), '{}', {})).text).toBe('{"c":3}');
    expect(server.connections()).toBe(2);
  });

  it('does not reuse a connection the server closes (Connection: close) or will drop (Keep-Alive: timeout)', async () => {
    const server = await rawServer((socket, index) => socket.write(ok('{}', index === 0 ? 'connection: close\r\n' : 'keep-alive: timeout=1\r\n')));
    await postJson(server.url(), '{}', {});
    await postJson(server.url(), '{}', {}); // a new connection: the first was closed
    await postJson(server.url(), '{}', {}); // a new one again: the second was announced to expire within 1 s, minus 1 s
    expect(server.connections()).toBe(3);
  });

  it('opens a new connection when the server dropped an idle one', async () => {
    const server = await rawServer((socket, index) => {
      socket.write(ok('{}'));
      if (index === 0) setTimeout(() => socket.destroy(), 5);
    });
    await postJson(server.url(), '{}', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await postJson(server.url(), '{}', {})).status).toBe(200);
    expect(server.connections()).toBe(2);
  });

  it('carries concurrent requests on separate connections and keeps them for later calls', async () => {
    const server = await rawServer((socket, index) => setTimeout(() => socket.write(ok(`{"i":${index}}`)), 20));
    const first = await Promise.all(Array.from({ length: 5 }, () => postJson(server.url(), '{}', {})));
    expect(first.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await Promise.all(Array.from({ length: 5 }, () => postJson(server.url(), '{}', {})));
    expect(server.connections()).toBe(5);
  });

  it('rejects with the abort reason, closes that connection, and the next call works', async () => {
    const server = await rawServer((socket, index) => {
      if (index > 0) socket.write(ok('{}'));
    });
    const controller = new AbortController();
    const pending = postJson(server.url(), '{}', {}, controller.signal);
    setTimeout(() => controller.abort(new Error('stop now')), 20);
    await expect(pending).rejects.toThrow('stop now');
    expect((await postJson(server.url(), '{}', {})).status).toBe(200);
    expect(server.connections()).toBe(2);
  });

  it('fails clearly on an answer that is not HTTP, on a connection reset mid-answer, and on a refused connection', async () => {
    const garbage = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    await expect(postJson(garbage.url(), '{}', {})).rejects.toThrow(/not valid HTTP/);
    const cut = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"partial');
      setTimeout(() => socket.destroy(), 10);
    });
    await expect(postJson(cut.url(), '{}', {})).rejects.toThrow(/closed before the whole answer/);
    const closed = await rawServer(() => undefined);
    const refused = closed.url();
    await new Promise<void>((resolve) => {
      // Take the port, then free it: nothing listens there.
      const probe = createServer().listen(0, '127.0.0.1', () => {
        refused.port = String((probe.address() as AddressInfo).port);
        probe.close(() => resolve());
      });
    });
    await expect(postJson(refused, '{}', {})).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a header value with a line break (no header injection)', async () => {
    const server = await rawServer((socket) => socket.write(ok('{}')));
    await expect(postJson(server.url('/v1/embeddings'), '{}', { authorization: 'Bearer k\r\nx-evil: 1' })).rejects.toThrow(
      /authorization header's value contains a line break/,
    );
    expect(server.requests).toEqual([]);
  });

  it('verifies the certificate over https, and talks JSON once the certificate is trusted', async () => {
    const tls = new URL('../support/tls/', import.meta.url);
    const server = createHttpsServer({ key: readFileSync(new URL('localhost.key', tls)), cert: readFileSync(new URL('localhost.crt', tls)) }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ secure: true, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = new URL(`https://localhost:${(server.address() as AddressInfo).port}/v1/embeddings`);
    await expect(postJson(url, '{}', {})).rejects.toThrow(/self-signed certificate/);
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      expect(JSON.parse((await postJson(url, '{}', {})).text)).toEqual({ secure: true, path: '/v1/embeddings' });
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
  });
});
