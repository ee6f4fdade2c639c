import { describe, expect, it } from 'vitest';
import { parseModelSpec } from '../../src/models/spec.js';
import { InputError } from '../../src/util/errors.js';

describe('parseModelSpec', () => {
  it('parses every provider form', () => {
    expect(parseModelSpec('openai:gpt-4o-mini')).toEqual({ provider: 'openai', spec: 'openai:gpt-4o-mini', model: 'gpt-4o-mini' });
    expect(parseModelSpec('anthropic:claude-3-5-haiku-latest')).toMatchObject({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' });
    expect(parseModelSpec('gguf:models/a:b.gguf')).toMatchObject({ provider: 'gguf', path: 'models/a:b.gguf' });
    expect(parseModelSpec('replay:calls.jsonl')).toMatchObject({ provider: 'replay', path: 'calls.jsonl' });
    expect(parseModelSpec('builtin:runs/tiny')).toMatchObject({ provider: 'builtin', path: 'runs/tiny' });
  });

  it('splits an OpenAI base URL at the first "@" after the model name', () => {
    expect(parseModelSpec('openai:qwen2.5:0.5b@http://127.0.0.1:8000/v1')).toMatchObject({
      model: 'qwen2.5:0.5b',
      baseURL: 'http://127.0.0.1:8000/v1',
    });
    expect(parseModelSpec('openai:m@https://user:p@ss@host.example/v1')).toMatchObject({
      model: 'm',
      baseURL: 'https://user:p@ss@host.example/v1',
    });
  });

  it.each([
    ['gpt-4o', /expected <provider>:<target>/],
    ['openai:', /nothing after/],
    ['openai:@http://x', /missing model name/],
    ['openai:m@not a url', /not an http\(s\) URL/],
    ['ollama:llama3', /unknown provider "ollama"/],
    ['anthropic:claude@http://x', /no "@<baseURL>"/],
  ])('rejects %s with an InputError naming it and listing the valid forms', (spec, why) => {
    let error: unknown;
    try {
      parseModelSpec(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toMatch(why);
    expect(message).toContain(`"${spec}"`);
    expect(message).toContain('openai:<model>[@<baseURL>]');
    expect(message).toContain('replay:<file.jsonl or dir>');
    expect((error as InputError).field).toBe('model');
  });
});
