/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time: the request goes out in one write and
 * the response is read with http-parser-js (content-length, chunked and close-delimited bodies; 1xx answers
 * skipped). jsonHttp.ts keeps a pool of these per origin.
 *
 * Why not node:http: its client (agent, ClientRequest, IncomingMessage streams) costs about 0.36 ms of CPU per call
 * on this machine kind and this about 0.16 ms (bench/http-clients.ts), and an eval waits on that CPU once per
 * example (docs/performance.md).
 */
import type { Socket } from 'node:net';
import httpParser from 'http-parser-js';

const { HTTPParser } = httpParser;

export interface RawAnswer {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

interface Waiting {
  resolve: (answer: RawAnswer) => void;
  reject: (error: Error) => void;
}

interface HeaderInfo {
  statusCode: number;
  headers: string[];
  shouldKeepAlive: boolean;
}

const CLOSED_EARLY = 'the connection closed before the whole answer arrived';

export class HttpConnection {
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private waiting: Waiting | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  private keepAlive = true;
  /** When the server said (Keep-Alive: timeout=N) it drops an idle connection: ms since the epoch. */
  private idleUntil = Infinity;
  closed = false;

  constructor(
    /** A new connection to the server (net or tls; it may still be connecting). */
    private readonly socket: Socket,
    /** Called once the connection can take another request (its answer was read in full and the server keeps it open). */
    private readonly onIdle: (connection: HttpConnection) => void,
    /** Called once when the connection closes, whatever the reason. */
    private readonly onClose: (connection: HttpConnection) => void,
  ) {
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 1000);
    this.parser[HTTPParser.kOnHeadersComplete] = (info: HeaderInfo | number, ...positional: unknown[]) => {
      // http-parser-js passes one object unless something in the process switched it to Node's old positional form.
      const head =
        typeof info === 'number'
          ? { headers: positional[1] as string[], statusCode: positional[4] as number, shouldKeepAlive: positional[7] as boolean }
          : info;
      this.status = head.statusCode;
      this.headers = headerRecord(head.headers);
      this.keepAlive = head.shouldKeepAlive;
    };
    this.parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) => {
      this.chunks.push(offset === 0 && length === chunk.length ? chunk : chunk.subarray(offset, offset + length));
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => this.answered();
    this.socket.on('data', (data: Buffer) => this.received(data));
    this.socket.on('end', () => this.ended());
    this.socket.on('error', (error: Error) => this.fail(error));
    this.socket.on('close', () => {
      this.closed = true;
      this.fail(new Error(CLOSED_EARLY));
      this.onClose(this);
    });
  }

  /** Whether the connection can take a request now (open, and not past the idle time the server announced). */
  get usable(): boolean {
    return !this.closed && Date.now() < this.idleUntil;
  }

  /** Sends a whole request (head and body) and resolves with the whole answer, whatever its status. */
  exchange(request: string): Promise<RawAnswer> {
    if (this.waiting) return Promise.reject(new Error('a connection carries one request at a time'));
    if (this.closed) return Promise.reject(new Error(CLOSED_EARLY));
    this.socket.ref();
    return new Promise<RawAnswer>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  /** Closes the connection; a request in flight fails with `reason`. */
  destroy(reason?: Error): void {
    if (reason) this.fail(reason);
    this.socket.destroy();
  }

  private received(data: Buffer): void {
    if (!this.waiting) {
      this.destroy();
      return;
    }
    const result = this.parser.execute(data);
    if (result instanceof Error) this.destroy(new Error(`the server's answer is not valid HTTP (${result.message})`));
  }

  private ended(): void {
    // A body without a length ends with the connection.
    if (this.waiting) {
      const result = this.parser.finish();
      if (result instanceof Error) this.fail(new Error(CLOSED_EARLY));
    }
    this.socket.destroy();
  }

  private answered(): void {
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one on the same request.
    if (this.status >= 100 && this.status < 200) {
      this.chunks = [];
      return;
    }
    const waiting = this.waiting;
    const answer: RawAnswer = { status: this.status, headers: this.headers, body: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks) };
    this.waiting = undefined;
    this.chunks = [];
    if (this.keepAlive) {
      this.idleUntil = idleDeadline(this.headers['keep-alive']);
      this.socket.unref();
      this.onIdle(this);
    } else {
      this.socket.destroy();
    }
    waiting?.resolve(answer);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    this.chunks = [];
    waiting.reject(error);
  }
}

function headerRecord(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/** A second before the idle timeout the server announced (`Keep-Alive: timeout=5`), as node:http's agent does. */
function idleDeadline(keepAlive: string | undefined): number {
  const seconds = keepAlive ? /\btimeout=(\d+)/i.exec(keepAlive)?.[1] : undefined;
  return seconds === undefined ? Infinity : Date.now() + Number(seconds) * 1000 - 1000;
}
