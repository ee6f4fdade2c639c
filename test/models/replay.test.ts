import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/models/errors.js';
import { ModelHub } from '../../src/models/hub.js';
import { recordingKey } from '../../src/models/core/hash.js';
import { RecordingWriter, writeRecording, type RecordingEntry } from '../../src/models/core/recording.js';
import { withRecording } from '../../src/models/middleware/record.js';
import { createReplayModel } from '../../src/models/providers/replay.js';
import type { GenerateRequest } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { defaultAnswer, FakeModel } from './fakes.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-replay-'));
const ask = (content: string): GenerateRequest => ({ messages: [{ role: 'user', content }], maxTokens: 8 });

describe('record middleware', () => {
  it('appends one JSONL line per successful call, without meta, and nothing for failures', async () => {
    const path = join(tempDir(), 'sub', 'calls.jsonl');
    const inner = new FakeModel({
      behaviour: (call, index) => {
        if (index === 1) throw new ModelError('server', 'HTTP 500');
        return { ...defaultAnswer(call), meta: { cached: false, costUsd: 1, latencyMs: 1, attempts: 1 } };
      },
    });
    const writer = new RecordingWriter(path);
    const model = withRecording(inner, { writer });
    await model.generate(ask('one'));
    // Written per line, before close.
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
    await expect(model.generate(ask('two'))).rejects.toThrow('HTTP 500');
    await model.embed({ texts: ['a', 'bb'] });
    writer.close();

    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RecordingEntry);
    expect(lines.map((l) => l.kind)).toEqual(['generate', 'embed']);
    expect(lines[0]).toEqual({
      key: recordingKey('generate', ask('one')),
      spec: 'openai:gpt-4o-mini',
      kind: 'generate',
      request: ask('one'),
      response: { completions: [{ text: 'echo(one)#0.0', finishReason: 'stop' }], usage: { promptTokens: 10, completionTokens: 5 } },
    });
  });
});

describe('replay provider', () => {
  it('answers from recordings regardless of the recorded spec, and misses name the request', async () => {
    const dir = tempDir();
    const file = join(dir, 'calls.jsonl');
    writeRecording(file, [
      {
        kind: 'generate',
        request: ask('hello'),
        response: { completions: [{ text: 'hi', finishReason: 'stop' }], usage: { promptTokens: 1, completionTokens: 1 } },
        spec: 'openai:gpt-4o',
      },
      {
        kind: 'logprob',
        request: { prompt: 'The sky is', continuation: ' blue' },
        response: { logprob: -0.5, tokenCount: 1, usage: { promptTokens: 4, completionTokens: 0 } },
      },
    ]);
    const model = createReplayModel({ spec: `replay:${file}`, path: file });
    expect((await model.generate({ ...ask('hello'), n: 1, temperature: 0 })).completions[0]!.text).toBe('hi');
    expect((await model.logprob({ prompt: 'The sky is', continuation: ' blue' })).logprob).toBe(-0.5);

    const miss = await model.generate({ messages: [{ role: 'user', content: 'What is the capital of France?\nAnswer briefly.' }] }).catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(ModelError);
    expect(miss).toMatchObject({ kind: 'replay_miss' });
    const message = (miss as ModelError).message;
    expect(message).toContain('generate request');
    expect(message).toContain('last user message "What is the capital of France? Answer briefly."');
    expect(message).toMatch(/key [0-9a-f]{16}/);
    expect(message).toContain(file);
    await expect(model.generate({ ...ask('hello'), sampleIndex: 1 })).rejects.toThrow(/sampleIndex 1/);
  });

  it('reads every *.jsonl file of a directory, later lines winning', () => {
    const dir = join(tempDir(), 'recordings');
    mkdirSync(dir);
    const response = (text: string) => ({ completions: [{ text, finishReason: 'stop' as const }], usage: { promptTokens: 1, completionTokens: 1 } });
    writeRecording(join(dir, 'a.jsonl'), [{ kind: 'generate', request: ask('x'), response: response('old') }]);
    writeRecording(join(dir, 'b.jsonl'), [
      { kind: 'generate', request: ask('x'), response: response('new') },
      { kind: 'generate', request: ask('y'), response: response('why') },
    ]);
    writeFileSync(join(dir, 'notes.txt'), 'not a recording');
    const model = createReplayModel({ spec: `replay:${dir}`, path: dir });
    return Promise.all([
      expect(model.generate(ask('x'))).resolves.toMatchObject({ completions: [{ text: 'new' }] }),
      expect(model.generate(ask('y'))).resolves.toMatchObject({ completions: [{ text: 'why' }] }),
    ]);
  });

  it('reports a malformed recording line with file and line number', () => {
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ kind: 'generate', request: {}, response: { completions: [], usage: { promptTokens: 0, completionTokens: 0 } } })}\n{oops\n`,
    );
    expect(() => createReplayModel({ spec: 'replay:x', path: file })).toThrow(InputError);
    expect(() => createReplayModel({ spec: 'replay:x', path: file })).toThrow(/bad\.jsonl:2/);
    expect(() => createReplayModel({ spec: 'replay:x', path: join(tempDir(), 'missing.jsonl') })).toThrow(/cannot read recordings/);
  });
});

describe('record then replay through the hub', () => {
  it('replays a recorded run offline, at no cost, including fanned-out samples', async () => {
    const dir = tempDir();
    const recordPath = join(dir, 'run.jsonl');
    const provider = new FakeModel({ spec: 'openai:gpt-4o-mini', nativeN: false });
    const recorder = new ModelHub({ cachePath: 'none', recordPath, providers: { openai: () => provider }, warn: () => {} });
    const live = await recorder.model('openai:gpt-4o-mini');
    const greedy = await live.generate(ask('2+2?'));
    const samples = await live.generate({ ...ask('pick'), temperature: 0.9, n: 3 });
    const scored = await live.logprob({ prompt: 'a', continuation: 'b' });
    await recorder.close();
    expect(provider.calls).toHaveLength(5);
    expect(greedy.meta!.costUsd).toBeGreaterThan(0);

    const replayer = new ModelHub({ cachePath: 'none', warn: () => {} });
    const replay = await replayer.model(`replay:${recordPath}`);
    const again = await replay.generate(ask('2+2?'));
    expect(again.completions).toEqual(greedy.completions);
    expect(again.meta).toMatchObject({ cached: false, costUsd: 0 });
    expect((await replay.generate({ ...ask('pick'), temperature: 0.9, n: 3 })).completions).toEqual(samples.completions);
    expect((await replay.logprob({ prompt: 'a', continuation: 'b' })).logprob).toBe(scored.logprob);
    await expect(replay.generate(ask('never asked'))).rejects.toMatchObject({ kind: 'replay_miss' });
    const usage = replayer.usage.snapshot().overall;
    expect(usage).toMatchObject({ calls: 4, errors: 1, errorsByKind: { replay_miss: 1 }, costUsd: 0, retries: 0 });
    await replayer.close();
  });
});
