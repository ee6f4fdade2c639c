/** The package entry: an application uses the model layer, datasets and evaluation through it alone. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as apprentice from '../src/index.js';
import { writeRecording } from '../src/models/core/recording.js';

describe('the library entry', () => {
  it('calls a model through the hub, loads a dataset and extracts answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-lib-'));
    const recording = join(dir, 'calls.jsonl');
    const request = { messages: [{ role: 'user' as const, content: 'What is 6 * 7?' }], maxTokens: 8 };
    writeRecording(recording, [
      {
        kind: 'generate',
        request,
        response: { completions: [{ text: 'The answer is 42.', finishReason: 'stop' }], usage: { promptTokens: 7, completionTokens: 5 } },
      },
    ]);
    const hub = new apprentice.ModelHub({ cachePath: 'none' });
    const model = await hub.model(`replay:${recording}`);
    const answer = await model.generate(request);
    await hub.close();

    const data = join(dir, 'math.jsonl');
    writeFileSync(data, JSON.stringify({ q: 'What is 6 * 7?', a: '42' }) + '\n');
    const dataset = await apprentice.loadDataset(`jsonl:${data}`, { inputField: 'q', labelField: 'a', answerType: 'number' });
    const example = dataset.splits.test![0]!;
    const extraction = apprentice.extractAnswer(answer.completions[0]!.text, dataset.task.answer, example);
    expect(extraction).toMatchObject({ answer: '42', valid: true });
    expect(apprentice.isCorrect(extraction, example.target, dataset.task.answer, example)).toBe(true);
  });

  it('exposes the pipelines and the version', () => {
    expect(typeof apprentice.grimoire.GrimoireSet.load).toBe('function');
    expect(typeof apprentice.scaling.analyzeScaling).toBe('function');
    expect(apprentice.VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
