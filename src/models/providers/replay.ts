/**
 * The replay provider (`replay:<file.jsonl | dir>`): answers calls from recordings made with
 * `--record`, matching on the call kind and request only (not the model spec), so a recording of
 * `openai:gpt-4o` answers offline and for free. A request with no recording fails with
 * ModelError('replay_miss') naming it, never with an empty answer.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { ModelError } from '../errors.js';
import { recordingKey } from '../hash.js';
import { mergeSamples, splitSamples } from '../middleware/fanOut.js';
import type {
  CallKind,
  ChatMessage,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  LanguageModel,
  LogprobResponse,
  ModelRequest,
  ModelResponse,
} from '../types.js';

export { recordingKey } from '../hash.js';

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
export function writeRecording(
  path: string,
  entries: Array<{ kind: CallKind; request: ModelRequest; response: ModelResponse; spec?: string }>,
): void {
  const lines = entries.map((entry) => {
    const { meta: _meta, ...response } = entry.response;
    const line: RecordingEntry = {
      key: recordingKey(entry.kind, entry.request),
      spec: entry.spec ?? 'programmatic',
      kind: entry.kind,
      request: entry.request,
      response,
    };
    return JSON.stringify(line) + '\n';
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

export function createReplayModel(options: { spec: string; path: string }): LanguageModel {
  const recordings = readRecordings(options.path);

  const find = (kind: CallKind, request: ModelRequest): ModelResponse | undefined => {
    const entry = recordings.get(recordingKey(kind, request));
    return entry ? structuredClone(entry.response) : undefined;
  };

  const answer = (kind: CallKind, request: ModelRequest): ModelResponse => {
    const found = find(kind, request);
    if (found) return found;
    // Recorded from a provider without native n: the samples were separate calls.
    const generate = request as GenerateRequest;
    if (kind === 'generate' && (generate.n ?? 1) > 1) {
      const samples = splitSamples(generate).map((part) => find(kind, part) as GenerateResponse | undefined);
      if (samples.every((sample) => sample !== undefined)) return mergeSamples(samples as GenerateResponse[]);
    }
    throw new ModelError(
      'replay_miss',
      `no recording in ${options.path} for this ${kind} request: ${excerpt(kind, request)} (key ${recordingKey(kind, request).slice(0, 16)})`,
    );
  };

  return {
    spec: options.spec,
    provider: 'replay',
    modelName: options.path,
    // nativeN: an n > 1 request is answered whole, or from its per-sample recordings.
    capabilities: { generate: true, logprob: true, embed: true, nativeN: true },
    generate: async (request) => answer('generate', request) as GenerateResponse,
    logprob: async (request) => answer('logprob', request) as LogprobResponse,
    embed: async (request) => answer('embed', request) as EmbedResponse,
  };
}

function excerpt(kind: CallKind, request: ModelRequest): string {
  const shorten = (text: string) => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat);
  };
  if (kind === 'embed') {
    const texts = (request as { texts: string[] }).texts;
    return `${texts.length} text(s), first ${shorten(texts[0] ?? '')}`;
  }
  const { prompt, messages } = request as { prompt?: string; messages?: ChatMessage[] };
  const last = messages?.[messages.length - 1];
  const context = last ? `last ${last.role} message ${shorten(last.content)}` : `prompt ${shorten(prompt ?? '')}`;
  if (kind === 'logprob') return `${context}, continuation ${shorten((request as { continuation: string }).continuation)}`;
  const sampleIndex = (request as GenerateRequest).sampleIndex ?? 0;
  return sampleIndex ? `${context}, sampleIndex ${sampleIndex}` : context;
}
