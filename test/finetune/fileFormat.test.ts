/** Fine-tuning files validated as OpenAI validates them, their rows for the engine, and "auto" hyperparameters. */
import { describe, expect, it } from 'vitest';
import { parseFineTuneFile } from '../../src/finetune/fileFormat.js';
import { autoBatchSize, autoEpochs, resolveHyperparameters } from '../../src/finetune/hyperparameters.js';
import { trainingRows } from '../../src/finetune/trainingRows.js';

const line = (value: unknown) => JSON.stringify(value);

describe('parseFineTuneFile', () => {
  it('reads chat and prompt/completion files, skipping blank lines', () => {
    const chat = parseFineTuneFile(
      `${line({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b', weight: 0 },
          { role: 'user', content: 'c' },
          { role: 'assistant', content: 'd' },
        ],
      })}\n\n`,
    );
    expect(chat).toEqual([
      {
        kind: 'chat',
        line: 1,
        messages: [
          { role: 'user', content: 'a', weight: 1 },
          { role: 'assistant', content: 'b', weight: 0 },
          { role: 'user', content: 'c', weight: 1 },
          { role: 'assistant', content: 'd', weight: 1 },
        ],
      },
    ]);
    expect(parseFineTuneFile(line({ prompt: 'p', completion: 'c' }))).toEqual([{ kind: 'completion', line: 1, prompt: 'p', completion: 'c' }]);
  });

  it.each([
    ['{"messages": [', /line 1, field "line": is not valid JSON/],
    [line({ messages: [] }), /line 1, field "messages": must be a non-empty array/],
    [line({ messages: [{ role: 'tool', content: 'x' }] }), /field "messages\[0\]\.role": must be one of system, user, assistant/],
    [line({ messages: [{ role: 'user' }] }), /field "messages\[0\]\.content": must be a string, got nothing/],
    [line({ messages: [{ role: 'user', content: 'x', weight: 1 }] }), /field "messages\[0\]\.weight": is only allowed on assistant messages/],
    [
      line({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'y', weight: 0 },
        ],
      }),
      /field "messages": has no assistant message to train on/,
    ],
    [line({ prompt: 'x' }), /field "completion": is missing/],
    [line({ prompt: 'x', completion: '' }), /field "completion": is empty/],
    [
      `${line({ prompt: 'x', completion: 'y' })}\n${line({ messages: [{ role: 'assistant', content: 'y' }] })}`,
      /line 2, field "messages": is a chat .* line 1 is a prompt\/completion one/,
    ],
    ['\n\n', /field "file": the file has no examples/],
  ])('refuses %s naming the line and field', (text, message) => {
    expect(() => parseFineTuneFile(text)).toThrow(message);
  });
});

describe('trainingRows', () => {
  const lines = parseFineTuneFile(
    line({
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1', weight: 0 },
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: 'a2' },
      ],
    }),
  );

  it('gives a raw student one row per trained assistant turn, prompted with the plain transcript', () => {
    const { examples, promptFormat } = trainingRows(lines, 'f', false);
    expect(promptFormat).toBeUndefined();
    expect(examples.map(({ prompt, completion }) => ({ prompt, completion }))).toEqual([
      { prompt: 'system: s\nuser: q1\nassistant: a1\nuser: q2\nassistant:', completion: ' a2' },
    ]);
  });

  it('gives a chat-template base single-turn rows with the shared system prompt, and refuses multi-turn lines', () => {
    const single = parseFineTuneFile(
      [
        line({
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'a' },
          ],
        }),
        line({
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'q2' },
            { role: 'assistant', content: 'a2' },
          ],
        }),
      ].join('\n'),
    );
    const { examples, promptFormat } = trainingRows(single, 'f', true);
    expect(promptFormat).toEqual({ type: 'chat', system: 's' });
    expect(examples.map((e) => [e.prompt, e.completion])).toEqual([
      ['q', 'a'],
      ['q2', 'a2'],
    ]);
    expect(() => trainingRows(lines, 'f', true)).toThrow(/line 1, field "messages": a base with a chat template trains on single-turn examples/);
  });
});

describe('auto hyperparameters', () => {
  it('follows OpenAI: epochs reach 100 examples (at most 25) and stay under 25,000; batch about 0.2% of examples', () => {
    expect(autoEpochs(10)).toBe(10);
    expect(autoEpochs(2)).toBe(25);
    expect(autoEpochs(1000)).toBe(3);
    expect(autoEpochs(20_000)).toBe(1);
    expect(autoBatchSize(10)).toBe(1);
    expect(autoBatchSize(5000)).toBe(10);
    expect(autoBatchSize(1_000_000)).toBe(256);
    expect(resolveHyperparameters({ n_epochs: 'auto', batch_size: 4, learning_rate_multiplier: 'auto' }, 10)).toEqual({
      nEpochs: 10,
      batchSize: 4,
      learningRateMultiplier: 1,
      steps: 25,
    });
  });
});
