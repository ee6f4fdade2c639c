/**
 * The replay provider (`replay:<file.jsonl | dir>`): answers calls from recordings made with
 * `--record`, matching on the call kind and request only (not the model spec), so a recording of
 * `openai:gpt-4o` answers offline and for free. A request with no recording fails with
 * ModelError('replay_miss') naming it, never with an empty answer.
 */
import { ModelError } from '../core/errors.js';
import { typedCompletions } from '../core/finish.js';
import { recordingKey } from '../core/hash.js';
import { readRecordings } from '../core/recording.js';
import { mergeSamples, splitSamples } from '../core/samples.js';
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

export function createReplayModel(options: { spec: string; path: string }): LanguageModel {
  const recordings = readRecordings(options.path);

  const find = (kind: CallKind, request: ModelRequest): ModelResponse | undefined => {
    const entry = recordings.get(recordingKey(kind, request));
    if (!entry) return undefined;
    const response = structuredClone(entry.response);
    return kind === 'generate' ? typedCompletions(response as GenerateResponse) : response;
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
