/**
 * A file read line by line without holding it: chunks are split on newlines and each line is decoded as
 * strict UTF-8 (a bad byte is an error naming the line, never a silent replacement). A leading BOM is dropped.
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../util/errors.js';

export interface FileLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** False only for a last line with no newline after it (e.g. cut short by a kill mid-write). */
  terminated: boolean;
  /** Where the line starts in the file, in bytes, and its length in bytes (without the newline): to read it again alone. */
  offset: number;
  bytes: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function* readLines(file: string): AsyncGenerator<FileLine> {
  for await (const batch of readLineBatches(file)) yield* batch;
}

/**
 * The lines of each chunk read (up to 1 MB), as one array: a caller that handles lines synchronously pays one
 * await per chunk instead of one per line (a 2,000-line file is one chunk).
 */
export async function* readLineBatches(file: string): AsyncGenerator<FileLine[]> {
  let pending: Buffer = Buffer.alloc(0);
  let line = 0;
  /** File offset of `pending`'s first byte. */
  let position = 0;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const batch: FileLine[] = [];
      let start = 0;
      for (let end = buffer.indexOf(0x0a, start); end >= 0; end = buffer.indexOf(0x0a, start)) {
        line++;
        batch.push({ line, text: decodeLine(buffer.subarray(start, end), file, line), terminated: true, offset: position + start, bytes: end - start });
        start = end + 1;
      }
      position += start;
      pending = Buffer.from(buffer.subarray(start));
      if (batch.length) yield batch;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('file not found', { file });
    throw error;
  } finally {
    stream.destroy();
  }
  if (pending.length) yield [{ line: line + 1, text: decodeLine(pending, file, line + 1), terminated: false, offset: position, bytes: pending.length }];
}

function decodeLine(bytes: Buffer, file: string, line: number): string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new InputError('not valid UTF-8; save the file as UTF-8', { file, line });
  }
  return line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
