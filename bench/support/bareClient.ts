/**
 * The floor of bench/cli-vs-promptfoo.sh: the same chat-completion calls against the same server from a client
 * that does nothing else (one keep-alive socket per concurrent call, the request written as one string, the
 * answer read by its content-length). Prints the wall time of the calls alone, in seconds: what the server and
 * the loopback cost above the ideal, which no client can go below.
 *
 *   node --import tsx bench/support/bareClient.ts <base URL ending in /v1> <calls> <concurrency>
 */
import { connect, type Socket } from 'node:net';

const [base, callsArg, concurrencyArg] = process.argv.slice(2);
if (!base || !callsArg || !concurrencyArg) throw new Error('usage: bareClient.ts <base URL> <calls> <concurrency>');
const url = new URL(`${base.replace(/\/+$/, '')}/chat/completions`);
const calls = Number(callsArg);

function requestText(i: number): string {
  const body = JSON.stringify({
    model: 'm',
    messages: [
      { role: 'user', content: `Classify the sentiment of the review as negative or positive.\n\nReview: review ${i}: the service was fine\nAnswer:` },
    ],
    max_tokens: 16,
    temperature: 0,
  });
  return `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** One connection: sends a request, resolves when its whole answer (by content-length) has arrived. */
function connection(): { post: (request: string) => Promise<void>; socket: Socket } {
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  let received = '';
  let done: (() => void) | undefined;
  socket.on('data', (data: Buffer) => {
    received += data.toString('latin1');
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/content-length: *(\d+)/i.exec(received.slice(0, end))?.[1] ?? NaN);
    if (!(received.length >= end + 4 + length)) return;
    if (!received.startsWith('HTTP/1.1 200')) throw new Error(`unexpected answer: ${received.slice(0, 200)}`);
    received = received.slice(end + 4 + length);
    done?.();
  });
  return {
    socket,
    post: (request) =>
      new Promise<void>((resolve) => {
        done = resolve;
        socket.write(request);
      }),
  };
}

let next = 0;
const start = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    const { post, socket } = connection();
    while (next < calls) await post(requestText(next++));
    socket.end();
  }),
);
console.log(((performance.now() - start) / 1000).toFixed(3));
