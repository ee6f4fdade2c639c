/**
 * No setting silently dropped, and typed finish reasons: a provider that cannot honour a request setting
 * answers with a warning naming it (reported once per model and setting), or, with the hub's
 * `unsupportedSettings: 'refuse'`, the call is refused before it is sent.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { finishReasonFrom, typedCompletions } from '../../src/models/core/finish.js';
import { UnsupportedSettingError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import { parseMessageResponse } from '../../src/models/providers/anthropic.js';
import { ggufDescriptor } from '../../src/models/providers/ggufDescriptor.js';
import { parseChatResponse } from '../../src/models/providers/openai.js';
import type { GenerateResponse } from '../../src/models/types.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { startFakeAnthropicServer } from '../support/fakeAnthropicServer.js';
import { FakeModel } from './fakes.js';

afterEach(() => {
  vi.unstubAllEnvs();
});
const defer = cleanupAfterEach();

async function anthropicHub(options: ConstructorParameters<typeof ModelHub>[0] = {}) {
  const server = await startFakeAnthropicServer();
  defer(() => server.close());
  vi.stubEnv('ANTHROPIC_BASE_URL', server.url);
  const warnings: string[] = [];
  const hub = new ModelHub({ cachePath: ':memory:', apiKey: 'sk-ant-test', warn: (message) => warnings.push(message), ...options });
  defer(() => hub.close());
  return { server, hub, warnings, model: await hub.model('anthropic:claude-test') };
}

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('settings a provider cannot honour', () => {
  it('Anthropic answers without seed and logprobs, with a warning naming each, reported once', async () => {
    const { server, model, warnings } = await anthropicHub();
    const first = await model.generate({ ...ask('one'), seed: 7, logprobs: true });
    expect(first.completions[0]!.text).toBe('echo: one');
    expect(first.warnings?.map((w) => w.setting)).toEqual(['seed', 'logprobs']);
    expect(first.warnings![0]!.message).toMatch(/anthropic:claude-test ignores seed/);
    expect(server.requests[0]!.body).not.toHaveProperty('seed');
    await model.generate({ ...ask('two'), seed: 7 });
    expect(warnings.filter((w) => /ignores seed/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /ignores logprobs/.test(w))).toHaveLength(1);
    // A cached answer says it too.
    const again = await model.generate({ ...ask('one'), seed: 7, logprobs: true });
    expect(again.meta?.cached).toBe(true);
    expect(again.warnings?.map((w) => w.setting)).toEqual(['seed', 'logprobs']);
    // And a request that sets nothing unsupported carries no warnings.
    expect((await model.generate(ask('three'))).warnings).toBeUndefined();
  });

  it('merges the warnings of fanned-out samples into one per setting', async () => {
    const { server, model } = await anthropicHub();
    const answer = await model.generate({ ...ask('hi'), n: 3, temperature: 1, seed: 1 });
    expect(server.requests).toHaveLength(3);
    expect(answer.warnings?.map((w) => w.setting)).toEqual(['seed']);
  });

  it("refuses before sending with unsupportedSettings: 'refuse', naming the setting", async () => {
    const { server, model } = await anthropicHub({ unsupportedSettings: 'refuse' });
    const error = await model.generate({ ...ask('one'), seed: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedSettingError);
    expect(error).toMatchObject({ kind: 'unsupported', setting: 'seed' });
    expect((error as Error).message).toMatch(/seed/);
    expect(server.requests).toHaveLength(0);
    expect((await model.generate(ask('fine'))).completions[0]!.text).toBe('echo: fine');
  });

  it('local models warn that logprobs come with greedy generation only', async () => {
    expect(ggufDescriptor.unsupportedSettings!({ prompt: 'x', logprobs: true, temperature: 0.7 })).toEqual([
      { setting: 'logprobs', reason: expect.stringMatching(/greedy/) },
    ]);
    expect(ggufDescriptor.unsupportedSettings!({ prompt: 'x', logprobs: true })).toEqual([]);
    const hub = new ModelHub({ cachePath: 'none', warn: () => {}, providers: { gguf: (spec) => new FakeModel({ spec: spec.spec, provider: 'gguf' }) } });
    defer(() => hub.close());
    const model = await hub.model('gguf:student.gguf');
    const answer = await model.generate({ prompt: 'x', logprobs: true, temperature: 0.7 });
    expect(answer.warnings).toEqual([expect.objectContaining({ setting: 'logprobs' })]);
  });

  it('an OpenAI-compatible server that returns no logprobs when asked is reported, not hidden', () => {
    const raw = { choices: [{ index: 0, message: { content: 'hi' }, finish_reason: 'stop' }] };
    const answer = parseChatResponse(raw, { prompt: 'x', logprobs: true }, 'openai:m');
    expect(answer.warnings).toEqual([expect.objectContaining({ setting: 'logprobs', message: expect.stringMatching(/no log-probabilities/) })]);
    expect(parseChatResponse(raw, { prompt: 'x' }, 'openai:m').warnings).toBeUndefined();
  });
});

describe('typed finish reasons', () => {
  it('maps each provider’s words, keeping the word when it has no typed equivalent', () => {
    const openai = (reason: string) =>
      parseChatResponse({ choices: [{ message: { content: '' }, finish_reason: reason }] }, { prompt: 'x' }, 'w').completions[0];
    expect(openai('length')).toEqual({ text: '', finishReason: 'length' });
    expect(openai('content_filter')).toMatchObject({ finishReason: 'content_filter' });
    expect(openai('function_call')).toMatchObject({ finishReason: 'tool_calls' });
    expect(openai('eos')).toEqual({ text: '', finishReason: 'other', rawFinishReason: 'eos' });
    const anthropic = (reason: string) => parseMessageResponse({ content: [{ type: 'text', text: 't' }], stop_reason: reason }, 'w').completions[0];
    expect(anthropic('end_turn')).toEqual({ text: 't', finishReason: 'stop' });
    expect(anthropic('max_tokens')).toMatchObject({ finishReason: 'length' });
    expect(anthropic('tool_use')).toMatchObject({ finishReason: 'tool_calls' });
    expect(anthropic('refusal')).toMatchObject({ finishReason: 'content_filter' });
    expect(anthropic('pause_turn')).toEqual({ text: 't', finishReason: 'other', rawFinishReason: 'pause_turn' });
    expect(finishReasonFrom(undefined)).toEqual({ finishReason: 'stop' });
  });

  it('reads answers stored before finish reasons were typed', () => {
    const stored = {
      completions: [
        { text: 'a', finishReason: 'stop' },
        { text: 'b', finishReason: 'end_of_text' },
      ],
      usage: { promptTokens: 1, completionTokens: 1 },
    } as unknown as GenerateResponse;
    expect(typedCompletions(stored).completions).toEqual([
      { text: 'a', finishReason: 'stop' },
      { text: 'b', finishReason: 'other', rawFinishReason: 'end_of_text' },
    ]);
  });
});
