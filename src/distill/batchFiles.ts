/**
 * The files of a Batch API job, written and read without holding them whole: request lines split into
 * files that each fit the provider's limits on one batch, the example indices a submitted requests file
 * covers (read back on resume), and a downloaded output file saved and read line by line.
 */
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { readLines } from '../data/lineStream.js';
import { InputError } from '../util/errors.js';

export interface BatchFileLimits {
  /** Requests in one batch's input file. */
  maxRequests: number;
  /** Bytes of one batch's input file. */
  maxBytes: number;
}

/**
 * OpenAI's limits on one batch's input file: 50,000 requests and 200 MB. The bytes are counted as
 * 200,000,000 (the smaller reading of "MB"), so a file is never refused for the difference.
 */
export const OPENAI_BATCH_LIMITS: Readonly<BatchFileLimits> = { maxRequests: 50_000, maxBytes: 200_000_000 };

export interface RequestsFile {
  path: string;
  requests: number;
  bytes: number;
}

/** Flush to disk every this many bytes of pending lines: few system calls, bounded memory. */
const WRITE_CHUNK_BYTES = 1 << 20;

/**
 * Writes `lines` (one JSON object each) to files named by `pathOf(0)`, `pathOf(1)`, ..., starting the next
 * file before a line would take the current one past either limit. Lines are consumed one at a time, so a
 * million inputs never exist as one array or one string.
 */
export function writeRequestFiles(lines: Iterable<{ custom_id: string }>, pathOf: (n: number) => string, limits: BatchFileLimits): RequestsFile[] {
  const written: RequestsFile[] = [];
  let current: { fd: number; file: RequestsFile; pending: string[]; pendingBytes: number } | undefined;
  const flush = () => {
    if (!current || !current.pending.length) return;
    writeSync(current.fd, current.pending.join(''));
    current.pending = [];
    current.pendingBytes = 0;
  };
  const close = () => {
    if (!current) return;
    flush();
    closeSync(current.fd);
    written.push(current.file);
    current = undefined;
  };
  try {
    for (const line of lines) {
      const text = JSON.stringify(line) + '\n';
      const bytes = Buffer.byteLength(text);
      if (bytes > limits.maxBytes) {
        throw new InputError(`the batch request for ${line.custom_id} is ${bytes} bytes, more than a batch file may hold (${limits.maxBytes})`, {
          field: 'input',
        });
      }
      if (current && (current.file.requests >= limits.maxRequests || current.file.bytes + bytes > limits.maxBytes)) close();
      if (!current) {
        const path = pathOf(written.length);
        current = { fd: openSync(path, 'w'), file: { path, requests: 0, bytes: 0 }, pending: [], pendingBytes: 0 };
      }
      current.pending.push(text);
      current.pendingBytes += bytes;
      current.file.requests++;
      current.file.bytes += bytes;
      if (current.pendingBytes >= WRITE_CHUNK_BYTES) flush();
    }
    close();
  } catch (error) {
    if (current) closeSync(current.fd);
    throw error;
  }
  return written;
}

/** The `custom_id` of every line of a requests file, read as a stream. */
export async function* requestIds(file: string): AsyncGenerator<string> {
  for await (const { line, text } of readLines(file)) {
    if (!text.trim()) continue;
    let id: unknown;
    try {
      id = (JSON.parse(text) as { custom_id?: unknown }).custom_id;
    } catch (error) {
      throw new InputError(`not JSON: ${(error as Error).message}`, { file, line });
    }
    if (typeof id !== 'string') throw new InputError('a request line has no custom_id string', { file, line, field: 'custom_id' });
    yield id;
  }
}

/**
 * Lines of a downloaded file as they arrive, each also written (through `redact`) to `saveTo`, so a
 * batch output of any size is ingested without holding it. The saved copy is complete when the
 * iteration ends.
 */
export async function* saveAndReadLines(
  body: WebReadableStream<Uint8Array> | ReadableStream<Uint8Array> | null,
  saveTo: string,
  redact: (line: string) => string,
): AsyncGenerator<string> {
  const out = createWriteStream(saveTo);
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  try {
    if (body) {
      const lines = createInterface({ input: Readable.fromWeb(body as WebReadableStream<Uint8Array>), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!out.write(redact(line) + '\n')) await new Promise<void>((resolve) => out.once('drain', resolve));
        yield line;
      }
    }
  } finally {
    out.end();
    await finished;
  }
}
