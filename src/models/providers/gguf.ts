/**
 * The local GGUF provider (`gguf:<path>`): runs a GGUF model in-process through node-llama-cpp (CPU).
 *
 * - One Llama runtime per process (prebuilt binary only: never downloads or builds llama.cpp), one loaded
 *   model and one context with `parallel` sequences per provider. Each call runs on a sequence of its own
 *   (more wait for one, in order); calls running at once are decoded together in one batch by llama.cpp.
 *   A call takes the free sequence whose KV cache shares the longest prefix with its tokens, and keeps that
 *   prefix (few-shot prompts share most of theirs).
 * - generate: chat messages are rendered with the GGUF's chat template (tokenizer.chat_template) when it has
 *   one, otherwise as a plain "role: content" transcript ending with "assistant:"; a raw prompt is used as is.
 * - logprob: exact log P(continuation | context) from the model's own (untempered, unfiltered) distribution:
 *   context + continuation are tokenised together, and each continuation token's probability is read from
 *   the full softmax at the position before it.
 * - response format: JSON mode and JSON schemas become llama.cpp grammars (node-llama-cpp's JSON grammar and
 *   its schema-to-GBNF conversion), so the answer is JSON of that shape; top log-probabilities come from the
 *   full distribution at each position (greedy only, like the token log-probabilities).
 * - embed: an embedding context, pooled as the GGUF says (llama.pooling_type; the engine's exports say mean).
 * - generateStream: the same generation, passing text on as tokens are decoded; text that could still turn
 *   out to be the start of a stop string, or an incomplete UTF-8 character, is held back until it cannot.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { ChatHistoryItem, Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import { InputError } from '../../util/errors.js';
import { ModelError } from '../core/errors.js';
import { streamProduced } from '../core/stream.js';
import { plainTranscript } from '../core/transcript.js';
import { SequencePool } from './sequencePool.js';
import { StepGate } from './stepGate.js';
import type {
  CallOptions,
  ChatMessage,
  Completion,
  EmbedRequest,
  EmbedResponse,
  FinishReason,
  GenerateRequest,
  GenerateResponse,
  GenerateStreamEvent,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  ResponseFormat,
  TokenLogprob,
} from '../types.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type LlamaTextValue = ReturnType<NodeLlamaCpp['LlamaText']['fromJSON']>;

export interface GgufModelOptions {
  spec: string;
  path: string;
  /** Tokens the context holds (prompt + completion). Default: the model's training context, at most 4096. */
  contextSize?: number;
  /** KV cache precision. 'F16' (llama.cpp's default) or 'F32' (exact, twice the memory). Default 'F16'. */
  kvCacheType?: 'F16' | 'F32';
  /** llama.cpp flash attention (faster on some hardware, slightly less exact). Default false. */
  flashAttention?: boolean;
  /**
   * CPU threads. Default: 1 for models under 256 MB (thread hand-off costs more than it gains on tiny models,
   * and badly so on a busy machine), otherwise every core but one: llama.cpp's threads wait for each other at
   * every step, so one that shares its core with the event loop (the server answering, the caller's own work)
   * stalls them all (on 2 cores, SmolLM2-135M as F16 on 2 threads gave no token within 120 s; docs/serve.md).
   */
  threads?: number;
  /**
   * Sequences decoded together (batching); calls at once beyond it wait. Default: defaultParallel(the
   * model's size in bytes).
   */
  parallel?: number;
  /**
   * Renders a request's context instead of the default (used by `builtin:` to apply the prompt format its
   * student was trained with); undefined from it means the default rendering.
   */
  renderPrompt?: (request: { prompt?: string; messages?: ChatMessage[]; raw?: boolean }) => RenderedPrompt | undefined;
}

/** A context as text: special tokens in it parsed or not, BOS prepended or not. */
export interface RenderedPrompt {
  text: string;
  parseSpecial: boolean;
  addBos: boolean;
}

/**
 * Sequences a model gets when none are asked for: 4 from 100 MB of weights, else 1. Decoding one token reads
 * every weight; from about a hundred MB that read, not the arithmetic, bounds a step on a CPU, so 4 sequences
 * decode close to 4 tokens for the price of one (SmolLM2-135M's shapes: 1.9x the tokens/s with 4 clients
 * through `serve`). The engine's built-in sizes (under 20 MB) gained nothing (bench/batching.ts,
 * bench/serve-batching.ts), and each sequence holds its own KV cache. See docs/serve.md, "Batching".
 */
export function defaultParallel(modelBytes: number): number {
  return modelBytes >= AUTO_PARALLEL_MIN_BYTES ? 4 : 1;
}
const AUTO_PARALLEL_MIN_BYTES = 100 * 1024 * 1024;

/** Completion length when the request gives no maxTokens. */
export const DEFAULT_MAX_TOKENS = 512;
const MAX_DEFAULT_CONTEXT = 4096;
const SMALL_MODEL_BYTES = 256 * 1024 * 1024;
/** log of the smallest positive float32: the floor for a probability that underflowed to 0. */
const MIN_LOGPROB = Math.log(1.401298464324817e-45);

let runtime: Promise<{ lib: NodeLlamaCpp; llama: Llama }> | undefined;

/** The process-wide Llama runtime (CPU, prebuilt binary, no downloads), created on first use. */
function getRuntime(): Promise<{ lib: NodeLlamaCpp; llama: Llama }> {
  runtime ??= (async () => {
    process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';
    const lib = await import('node-llama-cpp');
    const llama = await lib.getLlama({
      build: 'never',
      gpu: false,
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      logLevel: lib.LlamaLogLevel.error,
    });
    return { lib, llama };
  })();
  runtime.catch(() => (runtime = undefined));
  return runtime;
}

/** Checks the file is there and starts with the GGUF magic, so a bad path fails with a clear message. */
async function checkGgufFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? (error as Error).message})`;
    throw new InputError(`${why} (model spec gguf:${path})`, { file: path });
  }
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString('latin1') !== 'GGUF') {
      throw new InputError('not a GGUF file (it does not start with "GGUF")', { file: path });
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the file (${(error as Error).message})`, { file: path });
  } finally {
    await handle.close();
  }
}

/** Runs tasks one at a time, in order. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function toModelError(error: unknown, what: string): ModelError | InputError {
  if (error instanceof ModelError || error instanceof InputError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/abort/i.test(message)) return new ModelError('aborted', `${what} was aborted`, { cause: error });
  // A local model failing is not a transient condition worth retrying.
  return new ModelError('bad_request', `${what} failed: ${message}`, { cause: error });
}

function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ModelError('aborted', `${what} was aborted`);
}

export async function createGgufModel(options: GgufModelOptions): Promise<LanguageModel> {
  const path = resolve(options.path);
  await checkGgufFile(path);
  const { lib, llama } = await getRuntime();

  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: path });
  } catch (error) {
    throw new InputError(`llama.cpp could not load this GGUF model: ${(error as Error).message}`, { file: path });
  }

  const threads = options.threads ?? (model.size < SMALL_MODEL_BYTES ? 1 : Math.max(1, availableParallelism() - 1));
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, MAX_DEFAULT_CONTEXT);
  const kvType = options.kvCacheType ?? 'F16';
  const parallel = options.parallel ?? defaultParallel(model.size);
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new InputError(`parallel must be a positive integer, got ${parallel}`, { field: 'parallel' });
  let context: LlamaContext | undefined;
  let sequences: Promise<SequencePool<LlamaContextSequence>> | undefined;
  let embeddingContext: LlamaEmbeddingContext | undefined;
  const embedQueue = new SerialQueue();
  /** The generations decoding at once, kept in step so that each decode step batches them all. */
  const inStep = new StepGate();
  let closed = false;

  const sequencePool = (): Promise<SequencePool<LlamaContextSequence>> => {
    sequences ??= (async () => {
      context = await model.createContext({
        contextSize,
        sequences: parallel,
        flashAttention: options.flashAttention ?? false,
        experimentalKvCacheKeyType: kvType,
        experimentalKvCacheValueType: kvType,
        threads,
      });
      const created = context;
      return new SequencePool(Array.from({ length: parallel }, () => created.getSequence()));
    })();
    sequences.catch(() => (sequences = undefined));
    return sequences;
  };

  /** Runs `task` on a free sequence, preferring the one whose cache shares the longest prefix with `tokens`. */
  const withSequence = async <T>(tokens: Token[], task: (seq: LlamaContextSequence) => Promise<T>): Promise<T> =>
    (await sequencePool()).use(task, (seq) => seq.compareContextTokens(tokens).firstDifferentIndex);

  // ---- prompt rendering -------------------------------------------------------------------------------

  const chatTemplate = model.fileInfo.metadata.tokenizer?.chat_template;
  let chatWrapper: InstanceType<NodeLlamaCpp['JinjaTemplateChatWrapper']> | undefined;
  if (typeof chatTemplate === 'string' && chatTemplate.trim() !== '') {
    try {
      chatWrapper = new lib.JinjaTemplateChatWrapper({ template: chatTemplate });
    } catch {
      chatWrapper = undefined; // a template node-llama-cpp cannot use: fall back to the plain transcript
    }
  }

  const bosPrefix = (): Array<InstanceType<NodeLlamaCpp['SpecialToken']>> =>
    model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [new lib.SpecialToken('BOS')] : [];

  /** The context as LlamaText: chat template, plain transcript, or raw prompt (plain text, no specials). */
  const renderContext = (request: { prompt?: string; messages?: ChatMessage[]; raw?: boolean }): LlamaTextValue => {
    const custom = options.renderPrompt?.(request);
    if (custom) {
      const bos = custom.addBos && model.tokens.bos !== null ? [new lib.SpecialToken('BOS')] : [];
      return lib.LlamaText([...bos, custom.parseSpecial ? new lib.SpecialTokensText(custom.text) : custom.text]) as LlamaTextValue;
    }
    if (request.messages !== undefined && request.messages.length > 0) {
      if (chatWrapper) {
        const history: ChatHistoryItem[] = request.messages.map((m): ChatHistoryItem => {
          if (m.role === 'system') return { type: 'system', text: m.content };
          if (m.role === 'user') return { type: 'user', text: m.content };
          return { type: 'model', response: [m.content] };
        });
        const last = request.messages[request.messages.length - 1];
        if (last?.role !== 'assistant') history.push({ type: 'model', response: [] });
        return chatWrapper.generateContextState({ chatHistory: history }).contextText as LlamaTextValue;
      }
      return lib.LlamaText([...bosPrefix(), plainTranscript(request.messages)]) as LlamaTextValue;
    }
    if (request.prompt === undefined) {
      throw new ModelError('bad_request', 'the request has neither messages nor a prompt');
    }
    return lib.LlamaText([...bosPrefix(), request.prompt]) as LlamaTextValue;
  };

  const tokenize = (text: LlamaTextValue): Token[] => text.tokenize(model.tokenizer);

  /** Erases the KV cache after the longest prefix shared with `tokens`, keeping at most `keep` tokens. */
  const alignCache = async (seq: LlamaContextSequence, tokens: Token[], keep: number): Promise<number> => {
    const shared = Math.min(seq.compareContextTokens(tokens).firstDifferentIndex, keep);
    if (shared < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: shared, end: seq.nextTokenIndex }]);
    return shared;
  };

  // ---- generate -----------------------------------------------------------------------------------------

  const generateOne = async (
    seq: LlamaContextSequence,
    promptTokens: Token[],
    request: GenerateRequest,
    seed: number | undefined,
    signal: AbortSignal | undefined,
    onText?: (text: string) => void,
  ): Promise<{ completion: Completion; completionTokens: number }> => {
    const room = contextSize - promptTokens.length;
    if (room < 1) {
      throw new ModelError('bad_request', `the prompt is ${promptTokens.length} tokens, more than the context of ${contextSize} allows`);
    }
    const maxTokens = Math.min(request.maxTokens ?? DEFAULT_MAX_TOKENS, room);
    const grammar = request.responseFormat ? await grammarFor(request.responseFormat) : undefined;
    // A JSON grammar allows whitespace after the value; node-llama-cpp ends it at its trigger (four newlines)
    // and trims it, as its own chat loop does, so a finished answer is 'stop' and does not run on to max tokens.
    const grammarStops = (grammar?.stopGenerationTriggers ?? []).flatMap((trigger) => (Array.isArray(trigger) ? [] : [String(trigger)]));
    const stops = [...(request.stop ?? []), ...grammarStops].filter((s) => s !== '');
    const temperature = request.temperature ?? 0;
    const greedy = temperature <= 0;

    const shared = await alignCache(seq, promptTokens, promptTokens.length - 1);
    const generated: Token[] = [];
    const probs: number[] = [];
    let text = '';
    let finishReason: FinishReason = 'length';
    let cut = -1;
    let sent = '';
    const send = (upTo: number) => {
      const ready = text.slice(0, upTo);
      if (onText && ready.length > sent.length && ready.startsWith(sent)) {
        onText(ready.slice(sent.length));
        sent = ready;
      }
    };
    const wantLogprobs = greedy && request.logprobs === true;
    const topCount = wantLogprobs ? (request.topLogprobs ?? 0) : 0;
    const tops: Array<Array<{ token: string; logprob: number }>> = [];
    if (maxTokens > 0) {
      const iterator = seq.evaluateWithMetadata(
        promptTokens.slice(shared),
        { confidence: wantLogprobs, probabilities: topCount > 0 },
        {
          temperature: greedy ? 0 : temperature,
          topP: request.topP ?? 1,
          topK: 0,
          minP: 0,
          ...(seed !== undefined ? { seed } : {}),
          ...(grammar ? { grammarEvaluationState: new lib.LlamaGrammarEvaluationState({ model, grammar }) } : {}),
        },
      );
      // Leaving the loop (break or throw) closes the iterator.
      try {
        for await (const output of iterator) {
          checkAborted(signal, 'generation');
          if (model.isEogToken(output.token)) {
            finishReason = 'stop';
            inStep.leave(seq); // before closing the iterator, which may take a while: the others go on
            break;
          }
          generated.push(output.token);
          if ('confidence' in output) probs.push(output.confidence as number);
          if (topCount > 0 && 'probabilities' in output) tops.push(topEntries(output.probabilities as Map<Token, number>, topCount));
          text = model.detokenize(generated);
          cut = firstStop(text, stops);
          if (cut >= 0) {
            finishReason = 'stop';
            inStep.leave(seq);
            break;
          }
          if (onText) send(settledLength(text, stops));
          if (generated.length >= maxTokens) {
            inStep.leave(seq);
            break;
          }
          await inStep.arrive(seq);
        }
      } finally {
        inStep.leave(seq);
      }
      // The evaluation ended by itself (a grammar that allows nothing more ends at end of sequence): not max tokens.
      if (finishReason === 'length' && generated.length < maxTokens) finishReason = 'stop';
    }
    const kept = cut >= 0 ? text.slice(0, cut) : text;
    const completion: Completion = { text: grammar?.trimWhitespaceSuffix ? kept.trimEnd() : kept, finishReason };
    if (onText) {
      text = completion.text;
      send(text.length);
    }
    if (wantLogprobs) completion.logprobs = tokenLogprobs(generated, probs, completion.text, topCount > 0 ? tops : undefined);
    return { completion, completionTokens: generated.length };
  };

  const tokenLogprobs = (tokens: Token[], probs: number[], text: string, tops?: Array<Array<{ token: string; logprob: number }>>): TokenLogprob[] => {
    const out: TokenLogprob[] = [];
    let length = 0;
    for (let i = 0; i < tokens.length && length < text.length; i++) {
      const token = model.detokenize([tokens[i] as Token]);
      const entry: TokenLogprob = { token, logprob: Math.max(Math.log(probs[i] ?? 0), MIN_LOGPROB) };
      if (tops) entry.top = tops[i] ?? [];
      out.push(entry);
      length += token.length;
    }
    return out;
  };

  /** The k most likely tokens of a position (node-llama-cpp lists probabilities most likely first). */
  const topEntries = (probabilities: Map<Token, number>, k: number): Array<{ token: string; logprob: number }> => {
    const out: Array<{ token: string; logprob: number }> = [];
    for (const [token, p] of probabilities) {
      if (out.length >= k) break;
      out.push({ token: model.detokenize([token]), logprob: Math.max(Math.log(p), MIN_LOGPROB) });
    }
    return out;
  };

  // ---- JSON grammars (response_format) ------------------------------------------------------------------

  const grammars = new Map<string, Promise<LlamaGrammar>>();
  /** llama.cpp's JSON grammar, or one generated from the JSON schema; made once per format. */
  const grammarFor = (format: ResponseFormat): Promise<LlamaGrammar> => {
    const key = JSON.stringify(format);
    let grammar = grammars.get(key);
    if (!grammar) {
      grammar =
        format.type === 'json_object'
          ? llama.getGrammarFor('json')
          : (async () => {
              try {
                return await llama.createGrammarForJsonSchema(format.schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
              } catch (error) {
                throw new ModelError(
                  'bad_request',
                  `response_format.json_schema: llama.cpp cannot turn this schema into a grammar (${(error as Error).message})`,
                );
              }
            })();
      grammars.set(key, grammar);
      grammar.catch(() => grammars.delete(key));
    }
    return grammar;
  };

  const generate = async (request: GenerateRequest, signal?: AbortSignal, onText?: (text: string) => void): Promise<GenerateResponse> => {
    const promptTokens = tokenize(renderContext(request));
    const n = request.n ?? 1;
    const completions: Completion[] = [];
    let completionTokens = 0;
    await withSequence(promptTokens, async (seq) => {
      checkAborted(signal, 'generation');
      for (let i = 0; i < n; i++) {
        const seed = request.seed !== undefined ? request.seed + i : undefined;
        const one = await generateOne(seq, promptTokens, request, seed, signal, onText);
        completions.push(one.completion);
        completionTokens += one.completionTokens;
      }
    });
    return { completions, usage: { promptTokens: promptTokens.length * n, completionTokens } };
  };

  // ---- logprob ------------------------------------------------------------------------------------------

  const logprob = async (request: LogprobRequest, signal?: AbortSignal): Promise<LogprobResponse> => {
    const contextText = renderContext(request);
    const contextTokens = tokenize(contextText);
    // Tokenise context + continuation together; the continuation's tokens are those after the longest
    // prefix the joint tokenisation shares with the context's own (a token straddling the boundary, if
    // the tokenizer merges across it, is counted as part of the continuation).
    const jointTokens = tokenize(lib.LlamaText([contextText, request.continuation]) as LlamaTextValue);
    let start = 0;
    while (start < contextTokens.length && start < jointTokens.length && contextTokens[start] === jointTokens[start]) {
      start++;
    }
    if (start === 0) {
      const bos = model.tokens.bos;
      if (bos === null) {
        throw new ModelError('bad_request', 'cannot score a continuation with an empty context: the model has no BOS');
      }
      jointTokens.unshift(bos);
      start = 1;
    }
    const tokenCount = jointTokens.length - start;
    if (jointTokens.length > contextSize) {
      throw new ModelError('bad_request', `context + continuation is ${jointTokens.length} tokens, more than the context of ${contextSize} allows`);
    }
    if (tokenCount === 0) {
      return { logprob: 0, tokenCount: 0, isGreedy: true, usage: { promptTokens: jointTokens.length, completionTokens: 0 } };
    }

    const { total, isGreedy } = await withSequence(jointTokens, async (seq) => {
      const shared = await alignCache(seq, jointTokens, start - 1);
      checkAborted(signal, 'logprob');
      const input = jointTokens
        .slice(shared, jointTokens.length - 1)
        .map((token, i) => (shared + i >= start - 1 ? ([token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) : token));
      const outputs = await seq.controlledEvaluate(input as Parameters<LlamaContextSequence['controlledEvaluate']>[0]);
      let sum = 0;
      let greedy = true;
      for (let pos = start - 1; pos < jointTokens.length - 1; pos++) {
        const probabilities = outputs[pos - shared]?.next.probabilities;
        if (!probabilities) throw new ModelError('bad_response', `llama.cpp returned no probabilities at token ${pos}`);
        const target = jointTokens[pos + 1] as Token;
        const p = probabilities.get(target) ?? 0;
        sum += Math.max(Math.log(p), MIN_LOGPROB);
        const top = probabilities.entries().next().value as [Token, number] | undefined;
        if (top === undefined || (top[0] !== target && top[1] > p)) greedy = false;
      }
      return { total: sum, isGreedy: greedy };
    });
    return {
      logprob: total,
      tokenCount,
      isGreedy,
      usage: { promptTokens: jointTokens.length, completionTokens: 0 },
    };
  };

  // ---- embed --------------------------------------------------------------------------------------------

  const embed = async (request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResponse> => {
    embeddingContext ??= await model.createEmbeddingContext({
      contextSize,
      threads,
    });
    const vectors: number[][] = [];
    let promptTokens = 0;
    for (const text of request.texts) {
      checkAborted(signal, 'embedding');
      const tokens = model.tokenize(text);
      if (tokens.length === 0) {
        vectors.push(new Array<number>(model.embeddingVectorSize).fill(0));
        continue;
      }
      const embedding = await embeddingContext.getEmbeddingFor(tokens);
      vectors.push([...embedding.vector]);
      promptTokens += tokens.length;
    }
    return { vectors, usage: { promptTokens, completionTokens: 0 } };
  };

  /** A provider method: refused once closed, aborted before it starts if its signal is, errors as ModelErrors. */
  const guarded =
    <R, T>(what: string, fn: (request: R, signal?: AbortSignal) => Promise<T>) =>
    async (request: R, callOptions?: CallOptions): Promise<T> => {
      if (closed) throw new ModelError('bad_request', `${options.spec} is closed`);
      checkAborted(callOptions?.signal, what);
      try {
        return await fn(request, callOptions?.signal);
      } catch (error) {
        throw toModelError(error, `${what} with ${options.spec}`);
      }
    };

  const guardedGenerate = guarded('generation', (request: GenerateRequest, signal?: AbortSignal) => generate(request, signal));

  /** Text events from the decoding loop, then the whole response; leaving early aborts the generation. */
  async function* generateStream(request: GenerateRequest, callOptions?: CallOptions): AsyncGenerator<GenerateStreamEvent> {
    if ((request.n ?? 1) > 1) throw new ModelError('bad_request', 'a streamed generation returns one completion (n = 1)');
    yield* streamProduced(callOptions?.signal, (signal, push) =>
      guarded('generation', (r: GenerateRequest, s?: AbortSignal) => generate(r, s, push))(request, { signal }),
    );
  }

  return {
    spec: options.spec,
    provider: 'gguf',
    modelName: path,
    capabilities: { generate: true, logprob: true, embed: true, nativeN: false },
    parallel,
    generate: guardedGenerate,
    generateStream,
    logprob: guarded('logprob', logprob),
    embed: guarded('embedding', (request: EmbedRequest, signal?: AbortSignal) => embedQueue.run(() => embed(request, signal))),
    close: async () => {
      if (closed) return;
      closed = true;
      // Calls already running finish first.
      await (await sequences?.catch(() => undefined))?.drain();
      await embedQueue.run(async () => {
        await embeddingContext?.dispose();
        await context?.dispose();
        await model.dispose();
      });
    },
  };
}

/**
 * How much of `text` can be passed on now: all of it but a trailing incomplete character (U+FFFD while
 * a multi-byte character is half decoded) and the longest ending that is the start of a stop string.
 */
function settledLength(text: string, stops: readonly string[]): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0xfffd) end--;
  let hold = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, end); k > hold; k--) {
      if (text.endsWith(stop.slice(0, k), end)) {
        hold = k;
        break;
      }
    }
  }
  return end - hold;
}

/** Index of the earliest stop string in text, or -1. */
function firstStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}
