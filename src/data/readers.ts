/**
 * Reading record files: a JSON array, JSON lines, or CSV with a header row. Every record keeps
 * the 1-based line it starts on, so later errors (missing field, unknown label) can name it.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { parse as ParseCsvText } from 'csv-parse/sync';
import { InputError } from '../util/errors.js';
import { isObject } from '../util/isObject.js';
import { readLineBatches } from './lineStream.js';

export type RecordFormat = 'json' | 'jsonl' | 'csv';

export interface SourceRecord {
  /** 1-based line in the file where the record starts. */
  line: number;
  /** 0-based position among the file's records. */
  position: number;
  data: Record<string, unknown>;
}

const EXTENSION_FORMATS: Record<string, RecordFormat> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
};

export const RECORD_FILE_EXTENSIONS = Object.keys(EXTENSION_FORMATS);

export function formatFromExtension(path: string): RecordFormat | undefined {
  return EXTENSION_FORMATS[extname(path).toLowerCase()];
}

export async function readRecordFile(file: string, format: RecordFormat): Promise<SourceRecord[]> {
  const text = await readText(file);
  switch (format) {
    case 'json':
      return parseJsonRecords(text, file);
    case 'jsonl':
      return parseJsonLines(text, file);
    case 'csv':
      return parseCsv(text, file);
  }
}

export async function readText(file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new InputError('file not found', { file });
  }
  if (info.isDirectory()) throw new InputError('expected a file, found a directory', { file });
  const text = decodeUtf8(await readFile(file), file);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The parsed JSON of a text file (as readText reads it); an InputError names the file when it is not JSON. */
export async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file });
  }
}

/** UTF-8 text, refusing bytes that are not UTF-8 (instead of silently replacing them) with the line and byte they are at. */
export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    throw new InputError(`not valid UTF-8 at byte ${offset} (0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8`, { file, line });
  }
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (!length) return i;
    const sequence = bytes.subarray(i, i + length);
    if (sequence.length < length || !isValidSequence(sequence)) return i;
    i += length;
  }
  return bytes.length;
}

function isValidSequence(sequence: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sequence);
    return true;
  } catch {
    return false;
  }
}

/**
 * `.json` files in the wild hold either one array of objects or JSON lines (SVAMP and CQA ship
 * JSON lines under `.json`), so the first non-blank character decides.
 */
export function parseJsonRecords(text: string, file: string): SourceRecord[] {
  const first = text.trimStart()[0];
  if (first === '[') return parseJsonArray(text, file);
  if (first === undefined) return [];
  try {
    return parseJsonLines(text, file);
  } catch (error) {
    if (isWholeJsonValue(text)) {
      throw new InputError('expected a JSON array of objects or one object per line, got a single JSON value', { file });
    }
    throw error;
  }
}

function isWholeJsonValue(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function parseJsonArray(text: string, file: string): SourceRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const offset = findJsonErrorOffset(text);
    const where = offset === undefined ? { file } : { file, line: lineAtOffset(text, offset) };
    throw new InputError(`invalid JSON: ${(error as Error).message}`, where);
  }
  if (!Array.isArray(value)) {
    throw new InputError(`expected a JSON array of objects, got ${describeJson(value)}`, { file });
  }
  const lines = topLevelElementLines(text);
  return value.map((element, position) => {
    const line = lines[position] ?? 1;
    if (!isObject(element)) {
      throw new InputError(`array element ${position + 1} is ${describeJson(element)}, expected an object`, {
        file,
        line,
      });
    }
    return { line, position, data: element };
  });
}

/** One JSON object per line; blank lines are skipped (they still count for line numbers). */
export function parseJsonLines(text: string, file: string): SourceRecord[] {
  const records: SourceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const data = parseJsonLine(lines[i] as string, file, i + 1);
    if (data) records.push({ line: i + 1, position: records.length, data });
  }
  return records;
}

/** The same records as `parseJsonLines`, read from the file as a stream (the file is never held whole). */
export async function* streamJsonLines(file: string): AsyncGenerator<SourceRecord> {
  for await (const batch of jsonLineBatches(file)) yield* batch;
}

/** The first record of a JSON-lines file (parsing no line after it), or undefined when it has none. */
export async function firstJsonLine(file: string): Promise<SourceRecord | undefined> {
  for await (const lines of readLineBatches(file)) {
    for (const { line, text } of lines) {
      const data = parseJsonLine(text, file, line);
      if (data) return { line, position: 0, data };
    }
  }
  return undefined;
}

/** The records of a JSON-lines file, one array per chunk read (see readLineBatches). */
export async function* jsonLineBatches(file: string): AsyncGenerator<SourceRecord[]> {
  let position = 0;
  for await (const lines of readLineBatches(file)) {
    const batch: SourceRecord[] = [];
    for (const { line, text } of lines) {
      const data = parseJsonLine(text, file, line);
      if (data) batch.push({ line, position: position++, data });
    }
    if (batch.length) yield batch;
  }
}

/** One line of a JSON-lines file: its object, or undefined when the line is blank. */
function parseJsonLine(text: string, file: string, line: number): Record<string, unknown> | undefined {
  const content = text.trim();
  if (!content) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new InputError(`invalid JSON: ${(error as Error).message}`, { file, line });
  }
  if (!isObject(value)) throw new InputError(`expected a JSON object, got ${describeJson(value)}`, { file, line });
  return value;
}

/** CSV with a header row naming the fields; quoted fields may hold commas, quotes and newlines. */
export function parseCsv(text: string, file: string): SourceRecord[] {
  // Loaded on first use (its one-file CommonJS build): most commands, `eval` of a JSONL file among them, read no CSV.
  const { parse: parseCsvText } = createRequire(import.meta.url)('csv-parse/sync') as { parse: typeof ParseCsvText };
  const buffer = Buffer.from(text, 'utf8');
  let rows: { record: Record<string, string>; info: { bytes: number }; raw: string }[];
  try {
    rows = parseCsvText(buffer, {
      columns: (header: string[]) => checkHeader(header, file),
      skip_empty_lines: true,
      info: true,
      raw: true,
      bom: true,
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    const lines = (error as { lines?: unknown }).lines;
    const message = (error as Error).message;
    throw new InputError(`invalid CSV: ${message}`, typeof lines === 'number' ? { file, line: lines } : { file });
  }

  // csv-parse reports where a record ends; its start is the end minus the raw text it consumed
  // (which may begin with skipped blank lines). Line numbers are counted incrementally.
  const records: SourceRecord[] = [];
  let countedTo = 0;
  let line = 1;
  for (const [position, row] of rows.entries()) {
    let start = row.info.bytes - Buffer.byteLength(row.raw);
    while (buffer[start] === 0x0a || buffer[start] === 0x0d) start++;
    for (; countedTo < start; countedTo++) if (buffer[countedTo] === 0x0a) line++;
    records.push({ line, position, data: row.record });
  }
  return records;
}

function checkHeader(header: string[], file: string): string[] {
  const names = header.map((name) => name.trim());
  const seen = new Set<string>();
  names.forEach((name, column) => {
    if (!name) throw new InputError(`CSV header: column ${column + 1} has no name`, { file, line: 1 });
    if (seen.has(name)) throw new InputError(`CSV header: column name "${name}" appears twice`, { file, line: 1 });
    seen.add(name);
  });
  return names;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line each element of a top-level JSON array starts on. The text is known to be valid JSON
 * (JSON.parse succeeded), so tracking strings and nesting depth is enough.
 */
function topLevelElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectingElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') continue;
    if (depth === 1 && expectingElement && ch !== ']') {
      lines.push(line);
      expectingElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectingElement = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectingElement = true;
  }
  return lines;
}

/**
 * Where a JSON text first breaks the grammar (offset into `text`), or undefined if it does not.
 * Only used after JSON.parse failed: V8's "Unexpected token" messages carry no position, and a
 * line number is what the user needs.
 */
export function findJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const skipWhitespace = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return;
      }
      if (code < 0x20) fail();
      if (code === 0x5c) {
        i++;
        const escape = text[i];
        if (escape === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i++;
        else fail();
      } else i++;
    }
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail();
    i += (match as RegExpExecArray)[0].length;
  };
  /** `{...}` or `[...]`: `member`s separated by commas up to `close`, or none at all. */
  const container = (close: string, member: () => void): void => {
    i++;
    skipWhitespace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipWhitespace();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  const property = (): void => {
    skipWhitespace();
    if (text[i] !== '"') fail();
    string();
    skipWhitespace();
    if (text[i] !== ':') fail();
    i++;
    value();
  };
  const value = (): void => {
    skipWhitespace();
    const ch = text[i];
    if (ch === '{') container('}', property);
    else if (ch === '[') container(']', value);
    else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };
  try {
    value();
    skipWhitespace();
    if (i < text.length) fail();
    return undefined;
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
}
