/**
 * Test doubles for the middleware tests: an in-memory LanguageModel whose answers are computed
 * from the request (so wrong routing shows up as a wrong answer), and a manual clock.
 */
import type { Clock } from '../../src/models/middleware/clock.js';
import type {
  CallKind,
  CallOptions,
  EmbedRequest,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  LanguageModel,
  LogprobRequest,
  LogprobResponse,
  ModelCapabilities,
  ModelRequest,
  ModelResponse,
} from '../../src/models/types.js';

export interface FakeCall {
  kind: CallKind;
  request: ModelRequest;
  options?: CallOptions;
}

export type FakeBehaviour = (call: FakeCall, index: number) => Promise<ModelResponse> | ModelResponse;

export function echoText(request: GenerateRequest): string {
  const last = request.messages?.[request.messages.length - 1]?.content ?? request.prompt ?? '';
  return `echo(${last})#${request.sampleIndex ?? 0}`;
}

/** Answers generate with an echo of the last message and sampleIndex, n completions if nativeN. */
export function defaultAnswer(call: FakeCall): ModelResponse {
  if (call.kind === 'generate') {
    const request = call.request as GenerateRequest;
    const n = request.n ?? 1;
    return {
      completions: Array.from({ length: n }, (_, i) => ({ text: `${echoText(request)}.${i}`, finishReason: 'stop' })),
      usage: { promptTokens: 10, completionTokens: 5 * n },
    } satisfies GenerateResponse;
  }
  if (call.kind === 'logprob') {
    const request = call.request as LogprobRequest;
    return {
      logprob: -request.continuation.length,
      tokenCount: request.continuation.length,
      usage: { promptTokens: 3, completionTokens: 0 },
    } satisfies LogprobResponse;
  }
  const request = call.request as EmbedRequest;
  return { vectors: request.texts.map((t) => [t.length, 1]), usage: { promptTokens: request.texts.length, completionTokens: 0 } } satisfies EmbedResponse;
}

export class FakeModel implements LanguageModel {
  readonly spec: string;
  readonly provider: string;
  readonly modelName: string;
  readonly capabilities: ModelCapabilities;
  readonly calls: FakeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  behaviour: FakeBehaviour;

  constructor(
    options: {
      spec?: string;
      provider?: string;
      modelName?: string;
      nativeN?: boolean;
      behaviour?: FakeBehaviour;
    } = {},
  ) {
    this.provider = options.provider ?? 'openai';
    this.modelName = options.modelName ?? 'gpt-4o-mini';
    this.spec = options.spec ?? `${this.provider}:${this.modelName}`;
    this.capabilities = { generate: true, logprob: true, embed: true, nativeN: options.nativeN ?? false };
    this.behaviour = options.behaviour ?? defaultAnswer;
  }

  generate(request: GenerateRequest, options?: CallOptions): Promise<GenerateResponse> {
    return this.run({ kind: 'generate', request, options }) as Promise<GenerateResponse>;
  }

  logprob(request: LogprobRequest, options?: CallOptions): Promise<LogprobResponse> {
    return this.run({ kind: 'logprob', request, options }) as Promise<LogprobResponse>;
  }

  embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResponse> {
    return this.run({ kind: 'embed', request, options }) as Promise<EmbedResponse>;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async run(call: FakeCall): Promise<ModelResponse> {
    const index = this.calls.length;
    this.calls.push(call);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.behaviour(call, index);
    } finally {
      this.inFlight -= 1;
    }
  }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets every pending promise continuation run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock that only moves when told to; sleepers wake in time order. */
export class ManualClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  private timers: { at: number; resolve: () => void }[] = [];

  now = (): number => this.time;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer = { at: this.time + Math.max(0, ms), resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal.reason);
      });
    });
  };

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in order and letting them run between wakes. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.time = next.at;
      next.resolve();
      await settle();
    }
    this.time = target;
    await settle();
  }
}
