/**
 * The recording format (`--record <file>`, `replay:<file>`): one JSON line per call,
 * `{ key, spec, kind, request, response }`, the response without call metadata. The record
 * middleware appends to it, the replay provider reads it, and tests and tools write it.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { recordingKey } from './hash.js';
import { stripMeta } from './meta.js';
import type { CallKind, ModelRequest, ModelResponse } from '../types.js';
import { redactSecrets } from '../../util/redact.js';

/** One recorded call: a line of a recording JSONL file. */
export interface RecordingEntry {
  /** recordingKey(kind, request) at recording time (informational; replay recomputes it). */
  key: string;
  spec: string;
  kind: CallKind;
  request: ModelRequest;
  /** Without `meta`. */
  response: ModelResponse;
}

const KINDS: ReadonlySet<string> = new Set(['generate', 'logprob', 'embed']);

/** Writes recordings (replacing the file) in the format `--record` produces. */
export function writeRecording(path: string, entries: Array<{ kind: CallKind; request: ModelRequest; response: ModelResponse; spec?: string }>): void {
  const lines = entries.map((entry) => {
    return JSON.stringify(recordingEntry(entry.spec ?? 'programmatic', entry.kind, entry.request, entry.response)) + '\n';
  });
  writeFileSync(path, lines.join(''));
}

/** Reads a recording file, or every *.jsonl file in a directory, into a map by key (later lines win). */
export function readRecordings(path: string): Map<string, RecordingEntry> {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.jsonl'))
          .sort()
          .map((name) => join(path, name))
      : [path];
  } catch (error) {
    throw new InputError(`cannot read recordings: ${(error as Error).message}`, { file: path, field: 'model' });
  }
  const byKey = new Map<string, RecordingEntry>();
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      if (!text.trim()) return;
      const entry = parseEntry(text, file, index + 1);
      byKey.set(recordingKey(entry.kind, entry.request), entry);
    });
  }
  return byKey;
}

function parseEntry(text: string, file: string, line: number): RecordingEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`, { file, line });
  }
  const entry = value as Partial<RecordingEntry> | null;
  if (!entry || typeof entry !== 'object') throw new InputError('expected a JSON object', { file, line });
  if (typeof entry.kind !== 'string' || !KINDS.has(entry.kind)) {
    throw new InputError('expected "generate", "logprob" or "embed"', { file, line, field: 'kind' });
  }
  if (!entry.request || typeof entry.request !== 'object') {
    throw new InputError('expected the request object', { file, line, field: 'request' });
  }
  if (!entry.response || typeof entry.response !== 'object' || !entry.response.usage) {
    throw new InputError('expected the response object with usage', { file, line, field: 'response' });
  }
  return entry as RecordingEntry;
}

/** The line recorded for one call. */
export function recordingEntry(spec: string, kind: CallKind, request: ModelRequest, response: ModelResponse): RecordingEntry {
  return { key: recordingKey(kind, request), spec, kind, request, response: stripMeta(response) };
}

/** Appends recordings to a file, one line written per call so a crash loses nothing. */
export class RecordingWriter {
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  append(entry: RecordingEntry): void {
    if (this.fd === undefined) throw new Error(`recording ${this.path} is closed`);
    writeSync(this.fd, redactSecrets(JSON.stringify(entry)) + '\n');
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
