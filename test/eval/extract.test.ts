import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnswerType, Example } from '../../src/data/types.js';
import { evaluateArithmetic } from '../../src/eval/extract/arithmetic.js';
import { cutInventedContinuation, extractAnswer, findNumbers, isCorrect, parseNumber } from '../../src/eval/extract/index.js';
import { findPhrases } from '../../src/eval/extract/text.js';

const example = (target: string, choices?: string[]): Example => ({
  index: 0,
  id: 'test-0',
  input: 'q',
  target,
  ...(choices ? { choices } : {}),
  raw: {},
});

function grade(output: string, answer: AnswerType, target: string, choices?: string[]) {
  const ex = example(target, choices);
  const extraction = extractAnswer(output, answer, ex);
  return { ...extraction, correct: isCorrect(extraction, target, answer, ex) };
}

const SST5: AnswerType = { kind: 'label', labels: ['very positive', 'positive', 'neutral', 'negative', 'very negative'] };
const NUMBER: AnswerType = { kind: 'number' };
const EXPRESSION: AnswerType = { kind: 'expression' };
const CHOICE: AnswerType = { kind: 'multiple_choice' };
const FREE: AnswerType = { kind: 'free_text' };

describe('labels', () => {
  it('normalise case, spacing, quotes and trailing punctuation', () => {
    expect(grade('  Positive. ', SST5, 'positive')).toMatchObject({ answer: 'positive', valid: true, correct: true });
    expect(grade('"NEUTRAL"', SST5, 'neutral').answer).toBe('neutral');
    expect(grade('**very  negative**!', SST5, 'very negative').answer).toBe('very negative');
  });

  it('take the text after the last "Answer:", as the Grimoire paper scores', () => {
    expect(grade('Answer: positive\nAnswer: Positive.', SST5, 'positive').answer).toBe('positive');
    // Two different final answers are no answer, not a guess.
    expect(grade('Answer: negative\nAnswer: positive', SST5, 'positive')).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/different final answers/),
    });
    expect(grade('The review is glowing.\nAnswer: Very Positive', SST5, 'very positive').correct).toBe(true);
  });

  it('let the longest label win: "very positive" is not also "positive"', () => {
    expect(grade('I would say it is very positive overall', SST5, 'very positive').answer).toBe('very positive');
    expect(grade('Sentiment: very negative', SST5, 'negative')).toMatchObject({ answer: 'very negative', correct: false });
  });

  it('prefer the label the answer starts with when several are named', () => {
    expect(grade('Positive, although parts read as negative.', SST5, 'positive').answer).toBe('positive');
  });

  it('are invalid when several labels appear and none starts the answer', () => {
    const result = grade('It could be positive or negative.', SST5, 'positive');
    expect(result).toMatchObject({ answer: null, valid: false, correct: false });
    expect(result.reason).toMatch(/several labels \(positive, negative\)/);
  });

  it('are invalid when no label appears, and say so', () => {
    const result = grade('I cannot tell.', SST5, 'neutral');
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/none of the labels/);
  });

  it('match whole words only and treat underscores as spaces', () => {
    const rte: AnswerType = { kind: 'label', labels: ['entailment', 'not_entailment'] };
    expect(grade('not entailment', rte, 'not_entailment').answer).toBe('not_entailment');
    expect(grade('The answer is entailment.', rte, 'entailment').answer).toBe('entailment');
    const agnews: AnswerType = { kind: 'label', labels: ['World', 'Sports', 'Business', 'Technology'] };
    expect(grade('Worldwide sportsmanship', agnews, 'World').valid).toBe(false);
  });

  it('read the answer after a zero-shot-CoT cue that lists every label', () => {
    const out = 'Therefore, among the labels very positive, positive, neutral, negative, very negative, the answer is neutral.';
    expect(grade(out, SST5, 'neutral').answer).toBe('neutral');
  });
});

describe('numbers', () => {
  it('parse separators, signs, decimals, fractions, currency and percent', () => {
    expect(parseNumber('1,234')).toBe(1234);
    expect(parseNumber('-5')).toBe(-5);
    expect(parseNumber('\u22127')).toBe(-7);
    expect(parseNumber('$12.50')).toBe(12.5);
    expect(parseNumber('-$3')).toBe(-3);
    expect(parseNumber('3/4')).toBe(0.75);
    expect(parseNumber('50%')).toBe(50);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('no digits')).toBeNull();
  });

  it('read a minus between numbers as an operator, not a sign', () => {
    expect(findNumbers('10-5')).toEqual([10, 5]);
    expect(findNumbers('21 - 15 = 6')).toEqual([21, 15, 6]);
  });

  it('prefer "#### n", then the last "The answer is n", then the last number', () => {
    const gsm8k = 'It takes 2/2=<<2/2=1>>1 bolt of white fiber\nSo the total amount of fabric is 2+1=<<2+1=3>>3 bolts of fabric\n#### 3';
    expect(grade(gsm8k, NUMBER, '3')).toMatchObject({ answer: '3', correct: true });
    expect(grade('The answer is $1,250.00. Check: 5 items at $250 each. So the answer is 1250.', NUMBER, '1250').answer).toBe('1250');
    expect(grade('The answer is 4. No wait, the answer is $1,250.00.', NUMBER, '1250').valid).toBe(false);
    expect(grade('She has 3 apples and buys 4 more, so 7 apples in all.', NUMBER, '7').answer).toBe('7');
  });

  it('are invalid without any number', () => {
    expect(grade('I do not know.', NUMBER, '7')).toMatchObject({ valid: false, reason: 'no number in the output' });
  });

  it('compare with a tolerance, default 1e-6', () => {
    expect(grade('0.333333333', NUMBER, '1/3').correct).toBe(true);
    expect(grade('0.3333', NUMBER, '1/3').correct).toBe(false);
    expect(grade('0.3333', { kind: 'number', tolerance: 1e-3 }, '1/3').correct).toBe(true);
    expect(grade('1000000.5', NUMBER, '1000000').correct).toBe(true); // relative for large values
  });
});

describe('safe arithmetic', () => {
  it('evaluates + - * / with precedence, parentheses, unary minus and decimals', () => {
    expect(evaluateArithmetic('( 84.0 / 2.0 )')).toBe(42);
    expect(evaluateArithmetic('2 + 3 * 4')).toBe(14);
    expect(evaluateArithmetic('(2 + 3) * 4')).toBe(20);
    expect(evaluateArithmetic('10 - 4 - 3')).toBe(3);
    expect(evaluateArithmetic('8 / 4 / 2')).toBe(1);
    expect(evaluateArithmetic('-(3 - 5)')).toBe(2);
    expect(evaluateArithmetic('45 - (-1)')).toBe(46);
    expect(evaluateArithmetic('1,000 \u00d7 2.5')).toBe(2500);
  });

  it('rejects anything that is not arithmetic, and division by zero', () => {
    for (const text of ['', '2 +', '(1 + 2', '1 + 2)', '2 ** 3', 'process.exit(1)', 'Math.max(1)', '1 / 0', '3 4']) {
      expect(evaluateArithmetic(text), text).toBeNull();
    }
    expect(evaluateArithmetic('('.repeat(5000) + '1' + ')'.repeat(5000))).toBeNull();
  });
});

describe('expressions', () => {
  it('compare by value with an expression gold', () => {
    expect(grade('The answer is (84 / 2).', EXPRESSION, '( 84.0 / 2.0 )')).toMatchObject({ answer: '42', correct: true });
    expect(grade('The answer is 42 seeds.', EXPRESSION, '( 84.0 / 2.0 )').correct).toBe(true);
    expect(grade('84 / 2', EXPRESSION, '( 84.0 / 2.0 )').correct).toBe(true);
    expect(grade('So she has 41 left.', EXPRESSION, '( 84.0 / 2.0 )')).toMatchObject({ answer: '41', correct: false });
  });

  it('show values without float noise', () => {
    expect(grade('The answer is 0.1 + 0.2.', EXPRESSION, '0.3').answer).toBe('0.3');
  });
});

describe('multiple choice', () => {
  const choices = ['british columbia', 'body of water', 'wooded area', 'pay debts', 'zoo'];

  it('map letters in their usual forms to the option text', () => {
    for (const output of ['(c)', 'C)', 'c', 'C.', 'So the answer is (c) wooded area.', 'Answer: (C)', 'C. wooded area']) {
      expect(grade(output, CHOICE, 'wooded area', choices), output).toMatchObject({ answer: 'wooded area', correct: true });
    }
  });

  it('accept the option text itself', () => {
    expect(grade('Wooded area.', CHOICE, 'wooded area', choices).answer).toBe('wooded area');
    expect(grade('Beavers get wood from a wooded area, of course.', CHOICE, 'wooded area', choices).answer).toBe('wooded area');
  });

  it('do not take the article "a" for option (a)', () => {
    expect(grade('The answer is a zoo.', CHOICE, 'zoo', choices).answer).toBe('zoo');
  });

  it('are invalid when ambiguous, absent or out of range', () => {
    expect(grade('So the answer is either (c) wooded area or (b) body of water.', CHOICE, 'wooded area', choices).reason).toMatch(/several options/);
    expect(grade('No idea.', CHOICE, 'zoo', choices).valid).toBe(false);
    expect(grade('(g)', CHOICE, 'zoo', choices).reason).toMatch(/\(g\) does not exist/);
    expect(grade('(a)', CHOICE, 'zoo', []).reason).toMatch(/no answer options/);
  });
});

describe('free text', () => {
  it('is the trimmed output after a final "Answer:", compared after normalisation', () => {
    expect(grade('  Paris is the capital.  ', FREE, 'paris is the capital')).toMatchObject({ answer: 'Paris is the capital.', correct: true });
    expect(grade('Let me think.\nAnswer: "Paris"', FREE, 'Paris')).toMatchObject({ answer: '"Paris"', correct: true });
    expect(grade('   ', FREE, 'x').valid).toBe(false);
  });
});

describe('invented continuations', () => {
  it('are cut at a made-up next question', () => {
    expect(cutInventedContinuation('The answer is (2).\n\nQ: There are 15 trees. A: The answer is (6).')).toBe('The answer is (2).');
    expect(cutInventedContinuation('positive\nQuestion: another one')).toBe('positive');
  });

  it('keep the longest phrase when phrases overlap', () => {
    expect(findPhrases('very positive', ['very positive', 'positive'])).toEqual([{ phrase: 0, start: 0, end: 13 }]);
  });
});

// Real PaLM 540B few-shot CoT completions (distilling-step-by-step teacher outputs); see ../shared/datasets/README.md.
const shared = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets');
const haveShared = existsSync(resolve(shared, 'svamp/teacher-palm-540b/test_CoT_0.json'));
const readJsonLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!haveShared)('real PaLM completions (skipped: ../shared/datasets is absent)', () => {
  it('SVAMP: the answer comes from the completion, not from the invented next question', () => {
    const outputs = JSON.parse(readFileSync(resolve(shared, 'svamp/teacher-palm-540b/test_CoT_0.json'), 'utf8')) as string[];
    const gold = readJsonLines(resolve(shared, 'svamp/svamp_test.json'));
    const graded = outputs.slice(0, 3).map((output, i) => grade(output, EXPRESSION, String(gold[i]!.label)));
    // 0: "The answer is (10 * 45)." gold ( 10.0 * 45.0 ); 1: "(10 - (3 + 6))" gold ( 10.0 - ( 6.0 + 3.0 ) );
    // 2: PaLM answered "(2)" for ( 11.0 * 2.0 ), and its invented next question ends "The answer is (2".
    expect(graded.map((g) => [g.answer, g.correct])).toEqual([
      ['450', true],
      ['1', true],
      ['2', false],
    ]);
    const all = outputs.map((output, i) => grade(output, EXPRESSION, String(gold[i]!.label)));
    expect(all.every((g) => g.valid)).toBe(true);
    expect(all.filter((g) => g.correct).length).toBe(156);
  });

  it('CommonsenseQA: "So the answer is (c) wooded area." maps to the option text', () => {
    const outputs = JSON.parse(readFileSync(resolve(shared, 'cqa/teacher-palm-540b/test_CoT_0.json'), 'utf8')) as string[];
    const gold = readJsonLines(resolve(shared, 'cqa/cqa_test.json'));
    const graded = outputs.map((output, i) => grade(output, CHOICE, String(gold[i]!.answer), gold[i]!.choices as string[]));
    expect(graded.slice(0, 4).map((g) => g.answer)).toEqual(['wooded area', 'go downtown', 'play tag', 'great outdoors']);
    // Output 35 hedges: "So the answer is either (c) country club or (d) fitness center."
    expect(graded[35]).toMatchObject({ valid: false, correct: false });
    expect(graded.filter((g) => !g.valid).length).toBe(13);
    expect(graded.filter((g) => g.correct).length).toBe(797);
  });

  it('GSM8K: every human solution yields the number after its "####"', () => {
    const rows = readJsonLines(resolve(shared, 'gsm8k/test.jsonl'));
    const wrong = rows.filter((row) => {
      const solution = String(row.answer);
      const final = String(Number(solution.split('####').pop()!.trim().replace(/,/g, '')));
      return grade(solution, NUMBER, final).answer !== final;
    });
    expect(rows.length).toBe(1319);
    expect(wrong).toEqual([]);
  });
});
