import { describe, expect, it } from 'vitest';
import { callKey, canonicalJson, recordingKey } from '../../src/models/core/hash.js';
import type { GenerateRequest } from '../../src/models/types.js';

const identity = { provider: 'openai', model: 'gpt-4o-mini', baseURL: 'https://api.openai.com/v1' };
const base: GenerateRequest = { messages: [{ role: 'user', content: 'What is 2+2?' }], maxTokens: 16 };

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: undefined } })).toBe('{"a":{"d":[1,{"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('refuses non-finite numbers instead of hashing them as null', () => {
    expect(() => canonicalJson({ temperature: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('callKey', () => {
  const key = (request: GenerateRequest, id = identity) => callKey(id, 'generate', request);

  it('is a stable sha256 hex digest', () => {
    expect(key(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(key({ ...base })).toBe(key(base));
  });

  it('treats omitted defaults like explicit ones', () => {
    expect(key({ ...base, temperature: 0, n: 1, sampleIndex: 0, logprobs: false, stop: [] })).toBe(key(base));
    expect(key({ ...base, temperature: undefined })).toBe(key(base));
  });

  it('differs for every field that changes the answer', () => {
    const variants: GenerateRequest[] = [
      { ...base, sampleIndex: 1 },
      { ...base, temperature: 0.7 },
      { ...base, stop: ['\n'] },
      { ...base, stop: ['.'] },
      { ...base, n: 2 },
      { ...base, seed: 7 },
      { ...base, logprobs: true },
      { ...base, topP: 0.9 },
      { ...base, maxTokens: 17 },
      { ...base, messages: [{ role: 'user', content: 'What is 2+3?' }] },
      { ...base, messages: [{ role: 'system', content: 'What is 2+2?' }] },
      { prompt: 'What is 2+2?', maxTokens: 16 },
    ];
    const keys = new Set([key(base), ...variants.map((v) => key(v))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('differs by backend (provider, model, base URL) and by call kind', () => {
    const keys = new Set([
      key(base),
      key(base, { ...identity, model: 'gpt-4o' }),
      key(base, { ...identity, baseURL: 'http://127.0.0.1:8000/v1' }),
      key(base, { ...identity, provider: 'anthropic' }),
      callKey(identity, 'logprob', base),
    ]);
    expect(keys.size).toBe(5);
  });
});

describe('recordingKey', () => {
  it('depends on kind and request only, with the same normalisation', () => {
    expect(recordingKey('generate', base)).toBe(recordingKey('generate', { ...base, n: 1, sampleIndex: 0 }));
    expect(recordingKey('generate', base)).not.toBe(recordingKey('generate', { ...base, sampleIndex: 2 }));
    expect(recordingKey('generate', base)).not.toBe(callKey(identity, 'generate', base));
  });
});
