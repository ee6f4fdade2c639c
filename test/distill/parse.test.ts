import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { annotationFromOutputs, goodChains } from '../../src/distill/annotation.js';
import { parseChain, tidyExpression, writtenLabel } from '../../src/distill/parse.js';
import { annotationStats } from '../../src/distill/stats.js';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets', import.meta.url));
const haveShared = existsSync(`${DATASETS}/svamp/teacher-palm-540b/test_CoT_0.json`);

const SVAMP: TaskDefinition = { name: 'svamp', description: '', answer: { kind: 'expression' } };
const CQA: TaskDefinition = { name: 'cqa', description: '', answer: { kind: 'multiple_choice' } };
const GSM: TaskDefinition = { name: 'gsm8k', description: '', answer: { kind: 'number' } };
const LABELS: TaskDefinition = { name: 'mood', description: '', answer: { kind: 'label', labels: ['happy', 'sad'] } };

const example = (target: string, choices?: string[]): Example => ({ index: 0, id: 'x', input: 'q', target, raw: {}, ...(choices ? { choices } : {}) });

describe('parseChain: answer forms', () => {
  it('SVAMP: the equation after "The answer is" is evaluated by the safe parser; the invented next question is cut', () => {
    const output =
      'They put 10 seeds in each flower bed. There are 45 flower beds. So they planted 10 * 45 seeds. 10 * 45 is 450. The answer is (10 * 45).\n\n' +
      'Q: There are 15 trees in the grove. ... The answer is (21 - 15).';
    const parsed = parseChain(output, SVAMP, example('( 10.0 * 45.0 )'));
    expect(parsed).toMatchObject({
      cut: true,
      rationale: 'They put 10 seeds in each flower bed. There are 45 flower beds. So they planted 10 * 45 seeds. 10 * 45 is 450.',
      answerText: '(10 * 45)',
      extraction: { answer: '450', valid: true },
    });
    expect(parseChain('So 2.5 + 1.25 = 3.75. The answer is (2.5 + 1.25).', SVAMP, example('3.75')).answerText).toBe('(2.5 + 1.25)');
  });

  it('CQA: "So the answer is (c) wooded area." gives the option text; a letter alone and a text alone work too', () => {
    const choices = ['british columbia', 'body of water', 'wooded area', 'pay debts', 'zoo'];
    const parsed = parseChain(
      'The answer must be the place where beavers get their supplies. Of the above choices, only wooded areas have them. So the answer is (c) wooded area.\n\nQ: What is',
      CQA,
      example('wooded area', choices),
    );
    expect(parsed.rationale).toBe('The answer must be the place where beavers get their supplies. Of the above choices, only wooded areas have them.');
    expect(parsed.answerText).toBe('(c) wooded area');
    expect(parsed.extraction.answer).toBe('wooded area');
    expect(parseChain('Beavers use wood. So the answer is (c).', CQA, example('wooded area', choices)).extraction.answer).toBe('wooded area');
    expect(parseChain('Beavers use wood. The answer is zoo.', CQA, example('wooded area', choices)).extraction.answer).toBe('zoo');
    // A hedge between two options is no answer.
    expect(parseChain('So the answer is either (b) body of water or (c) wooded area.', CQA, example('x', choices)).extraction.valid).toBe(false);
  });

  it('GSM8K: the number after #### with the reasoning before it', () => {
    const parsed = parseChain('Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nIn all 48+24 = <<48+24=72>>72.\n#### 72', GSM, example('72'));
    expect(parsed.rationale).toBe('Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nIn all 48+24 = <<48+24=72>>72.');
    expect(parsed.answerText).toBe('72');
    expect(parsed.extraction.answer).toBe('72');
  });

  it('labels: "Answer: happy"', () => {
    expect(parseChain('The tone is upbeat.\nAnswer: happy', LABELS, example('happy'))).toMatchObject({
      rationale: 'The tone is upbeat.',
      answerText: 'happy',
      extraction: { answer: 'happy' },
    });
  });

  it('written labels: tidy expressions, lettered options', () => {
    expect(tidyExpression('( 10.0 - ( 6.0 + 3.0 ) )')).toBe('(10 - (6 + 3))');
    expect(tidyExpression('( 2.50 * 4.0 )')).toBe('(2.50 * 4)');
    expect(writtenLabel(SVAMP, example('450'), '450', '(10 * 45)')).toBe('(10 * 45)');
    // The written expression disagrees with the extracted value: the value is used.
    expect(writtenLabel(SVAMP, example('450'), '450', '(10 * 4)')).toBe('450');
    expect(writtenLabel(CQA, example('zoo', ['park', 'zoo']), 'zoo')).toBe('(b) zoo');
  });
});

describe('annotations from outputs', () => {
  it('self-consistency: majority vote, ties to the answer reached first, chains reaching gold kept', () => {
    const outputs = [
      'Half of 10 is 4. The answer is 4.',
      '10 / 2 = 5. The answer is 5.',
      'Ten split in two is 5. The answer is 5.',
      'I am not sure.',
      '2 * 2 = 4. The answer is 4.',
      '10 - 5 = 5. So the answer is 5.',
    ];
    const record = annotationFromOutputs(GSM, example('5'), 'train', outputs);
    expect(record.votes).toEqual({ '4': 2, '5': 3 });
    expect(record).toMatchObject({ extracted: '5', correct: true, valid: true, rationale: '10 / 2 = 5.', answerText: '5' });
    expect(goodChains(record, GSM).map((chain) => chain.rationale)).toEqual(['10 / 2 = 5.', 'Ten split in two is 5.', '10 - 5 = 5.']);

    const tie = annotationFromOutputs(GSM, example('5'), 'train', outputs.slice(0, 2));
    expect(tie).toMatchObject({ extracted: '4', correct: false });
    expect(goodChains(tie, GSM)).toHaveLength(1);

    // Without gold, the chains that agree with the majority are the good ones.
    const unlabelled = annotationFromOutputs(GSM, example(''), 'train', outputs);
    expect(unlabelled.correct).toBeNull();
    expect(goodChains(unlabelled, GSM)).toHaveLength(3);
  });

  it('a chain cut off mid-sentence without a final answer statement is not a label, even if it has numbers', () => {
    const record = annotationFromOutputs(GSM, example('19'), 'train', ['Ed had 19 more marbles than Doug.\nSo if Ed lost 4 of them, he would have']);
    expect(record).toMatchObject({
      valid: false,
      correct: false,
      extracted: null,
      invalidReason: expect.stringMatching(/no stated final answer, and it ends mid-sentence/),
    });
    const stats = annotationStats([record], 1, GSM);
    expect(stats).toMatchObject({ n: 1, answered: 1, parsed: 0, parseRate: 0, teacherAccuracy: 0 });
  });
});

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!haveShared)('real answer forms in ../shared/datasets (skipped when it is absent)', () => {
  it('GSM8K: every human solution parses to its #### answer with a rationale', () => {
    const rows = readLines(`${DATASETS}/gsm8k/test.jsonl`);
    const records = rows.map((row, index) =>
      annotationFromOutputs(
        GSM,
        {
          index,
          id: String(index),
          input: String(row.question),
          target: String(Number(String(row.answer).split('####').pop()!.trim().replace(/,/g, ''))),
          raw: {},
        },
        'test',
        [String(row.answer)],
      ),
    );
    const stats = annotationStats(records, rows.length, GSM);
    expect(stats).toMatchObject({ n: 1319, parsed: 1319, correct: 1319, teacherAccuracy: 1 });
    expect(records.every((record) => record.rationale && !record.rationale.includes('####'))).toBe(true);
  });

  it('SVAMP gold equations all evaluate with the safe parser', () => {
    const rows = readLines(`${DATASETS}/svamp/svamp_train.json`);
    const bad = rows.filter((row) => {
      const label = String(row.label);
      return annotationFromOutputs(SVAMP, example(label), 'train', [`The answer is ${tidyExpression(label)}.`]).correct !== true;
    });
    expect(rows).toHaveLength(800);
    expect(bad).toEqual([]);
  });

  it('CQA: every gold option parses from "So the answer is (<letter>) <text>." and from the text alone', () => {
    const rows = readLines(`${DATASETS}/cqa/cqa_test.json`);
    const wrong = rows.filter((row) => {
      const choices = row.choices as string[];
      const gold = String(row.answer);
      const ex = example(gold, choices);
      const letter = String.fromCharCode(97 + choices.indexOf(gold));
      return (
        annotationFromOutputs(CQA, ex, 'test', [`Because. So the answer is (${letter}) ${gold}.`]).correct !== true ||
        annotationFromOutputs(CQA, ex, 'test', [`Because. So the answer is ${gold}.`]).correct !== true
      );
    });
    expect(wrong.map((row) => row.id)).toEqual([]);
  });
});
