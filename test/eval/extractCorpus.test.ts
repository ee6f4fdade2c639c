/**
 * A hand-written corpus of output styles real models produce, read by the one extractor: chains of
 * thought that run on into an invented next example in the task's own layout (NLI, sentiment, QA,
 * multiple choice, chat turns), every final-answer marker, negations, hedges, conflicting answers,
 * empty outputs and a user's --answer-pattern. Written for these tests; none of it comes from
 * ../shared/datasets.
 */
import { describe, expect, it } from 'vitest';
import type { AnswerType, Example, TaskDefinition } from '../../src/data/types.js';
import { compileAnswerPattern, extractAnswer, promptLayout, type Extraction } from '../../src/eval/extract/index.js';
import { QUESTION_FIELDS } from '../../src/eval/prompts.js';

const NLI: TaskDefinition = {
  name: 'toy_nli',
  description: 'Does the premise entail the hypothesis?',
  inputTemplate: 'Premise: {premise}\nHypothesis: {hypothesis}',
  answer: { kind: 'label', labels: ['entailment', 'neutral', 'contradiction'] },
};
const SENTIMENT: TaskDefinition = {
  name: 'toy_reviews',
  description: 'Is the review positive or negative?',
  inputTemplate: 'Review: {text}',
  answer: { kind: 'label', labels: ['positive', 'negative'] },
};
const HATE: TaskDefinition = { name: 'hate_speech18', description: 'Is it hate speech?', answer: { kind: 'label', labels: ['noHate', 'hate'] } };
const QA: TaskDefinition = { name: 'toy_math', description: 'Solve the problem.', answer: { kind: 'number' } };
const CHOICE: TaskDefinition = { name: 'toy_mc', description: 'Pick the best option.', answer: { kind: 'multiple_choice' } };

const nliExample: Example = {
  index: 0,
  id: 'nli-0',
  input: 'Premise: A man is asleep on a park bench.\nHypothesis: The man is running a race.',
  target: 'contradiction',
  raw: {},
};
const reviewExample: Example = { index: 1, id: 'rev-1', input: 'Review: The soundtrack soars and the cast is superb.', target: 'positive', raw: {} };
const qaExample: Example = { index: 2, id: 'qa-2', input: 'Ann buys 3 packs of 6 pens. How many pens does she have?', target: '18', raw: {} };
const mcExample: Example = {
  index: 3,
  id: 'mc-3',
  input: 'Where does a beaver build its dam?',
  choices: ['desert', 'river', 'kitchen', 'library'],
  target: 'river',
  raw: {},
};
const hateExample: Example = { index: 4, id: 'h-4', input: 'I love how this city welcomes everyone.', target: 'noHate', raw: {} };

function read(task: TaskDefinition, example: Example, output: string, answerPattern?: string): Extraction {
  const layout = promptLayout(task, example, [], QUESTION_FIELDS);
  return extractAnswer(output, task.answer, example, { layout, ...(answerPattern ? { answerPattern: compileAnswerPattern(answerPattern) } : {}) });
}

describe('run-on invented examples in the task layout are cut before reading', () => {
  it('NLI: a chain of thought that runs on into "Premise:" keeps its own answer, and says what cut it', () => {
    const output =
      'Someone asleep on a bench cannot at the same time be running a race.\nSo the answer is contradiction.\n\n' +
      'Premise: Two dogs play in the snow.\nHypothesis: Animals are outdoors.\nThe dogs are outside, so the answer is entailment.';
    expect(read(NLI, nliExample, output)).toMatchObject({ answer: 'contradiction', valid: true, pattern: 'the answer is', cutAt: 'Premise:' });
  });

  it('NLI: restating the premise and hypothesis before answering is not a run-on', () => {
    const output =
      'Premise: A man is asleep on a park bench.\nHypothesis: The man is running a race.\nA sleeping man is not running, so these contradict.\nAnswer: contradiction';
    const result = read(NLI, nliExample, output);
    expect(result).toMatchObject({ answer: 'contradiction', pattern: 'Answer:' });
    expect(result.cutAt).toBeUndefined();
  });

  it("a field opening the output is the model's own layout, not a run-on", () => {
    const output = 'Problem: pens in 3 packs of 6.\nSolution: 3 * 6 = 18.\nAnswer: 18\n\nProblem: 2 packs of 5.\nAnswer: 10';
    expect(read(QA, qaExample, output)).toMatchObject({ answer: '18', cutAt: 'Problem:' });
  });

  it('sentiment: "Review:" ends the answer', () => {
    const output = 'The reviewer praises the music and the cast.\nAnswer: positive\n\nReview: Dull, slow and far too long.\nAnswer: negative';
    expect(read(SENTIMENT, reviewExample, output)).toMatchObject({ answer: 'positive', cutAt: 'Review:' });
    // A bare label and a run-on with the same field in markdown bold.
    expect(read(SENTIMENT, reviewExample, 'Positive\n\n**Review:** Awful.\nNegative')).toMatchObject({ answer: 'positive', cutAt: 'Review:' });
  });

  it('QA: "A: 18" is the answer and an invented "Q:" is cut', () => {
    const output = 'Three packs of six pens is 3 * 6 = 18 pens.\nA: 18\n\nQ: Tom has 4 apples and eats 1. How many are left?\nA: 3';
    expect(read(QA, qaExample, output)).toMatchObject({ answer: '18', pattern: 'A:', cutAt: 'Q:' });
  });

  it('multiple choice: an invented "Question:" with its answer choices is cut', () => {
    const output =
      'Beavers build dams across flowing water to make ponds. So the answer is (b) river.\n\n' +
      'Question: Where do you keep milk cold?\nAnswer choices:\n(a) oven\n(b) fridge\nSo the answer is (b) fridge.';
    expect(read(CHOICE, mcExample, output)).toMatchObject({ answer: 'river', cutAt: 'Question:' });
  });

  it('chat role markers end the turn', () => {
    expect(read(SENTIMENT, reviewExample, 'positive<|im_end|>\n<|im_start|>user\nReview: bad\n<|im_start|>assistant\nnegative')).toMatchObject({
      answer: 'positive',
      cutAt: '<|im_end|>',
    });
    expect(read(SENTIMENT, reviewExample, 'Answer: positive\nUser: and this one? Terrible film.\nAssistant: negative')).toMatchObject({
      answer: 'positive',
      cutAt: 'User:',
    });
    expect(read(SENTIMENT, reviewExample, 'negative</s>positive')).toMatchObject({ answer: 'negative', cutAt: '</s>' });
  });
});

describe('final-answer markers', () => {
  const cases: [string, string, string][] = [
    ['The answer is', 'Three packs of six is 18. The answer is 18.', 'the answer is'],
    ['So the answer is', '3 * 6 = 18. So the answer is $18.', 'the answer is'],
    ['Answer:', 'Three sixes make eighteen.\nAnswer: 18', 'Answer:'],
    ['A:', 'Each pack has 6.\nA: 18 pens', 'A:'],
    ['####', 'She buys 3 * 6 = <<3*6=18>>18 pens.\n#### 18', '####'],
    ['Final answer:', 'Step 1: 3 packs. Step 2: 6 each.\nFinal answer: 18', 'final answer'],
    ['\\boxed{}', 'Multiplying gives $3 \\times 6 = 18$, so the result is $\\boxed{18}$.', '\\boxed{}'],
    ['bold', 'Three packs of six pens each come to **18** pens in total, which is what she has', 'emphasis'],
    ['number on its own line', 'She has three packs with six pens in each pack\n18', 'last line'],
  ];
  for (const [name, output, pattern] of cases) {
    it(`${name}`, () => {
      expect(read(QA, qaExample, output)).toMatchObject({ answer: '18', valid: true, pattern });
    });
  }

  it('a trailing label on its own line, and a bold label', () => {
    expect(read(SENTIMENT, reviewExample, 'The cast and the music are both praised.\n\nPositive')).toMatchObject({ answer: 'positive', pattern: 'last line' });
    expect(read(SENTIMENT, reviewExample, 'Overall the tone is **Positive**, with no complaints')).toMatchObject({ answer: 'positive', pattern: 'emphasis' });
  });

  it('\\boxed{} holds fractions and text', () => {
    expect(read(QA, qaExample, 'So $\\boxed{\\frac{3}{4}}$')).toMatchObject({ answer: '0.75' });
    expect(read(SENTIMENT, reviewExample, 'Therefore \\boxed{\\text{positive}}')).toMatchObject({ answer: 'positive' });
  });

  it('the last stated answer wins over numbers and labels in the reasoning', () => {
    expect(read(QA, qaExample, 'She first had 2 pens, then bought 3 packs of 6, 18 in all. With the 2 she had, 20.\nThe answer is 20.')).toMatchObject({
      answer: '20',
    });
    expect(read(SENTIMENT, reviewExample, 'Some might call the plot negative, but the review praises everything.\nAnswer: positive')).toMatchObject({
      answer: 'positive',
    });
    // Statements that agree are one answer.
    expect(read(QA, qaExample, 'The answer is 18.\n#### 18')).toMatchObject({ answer: '18', pattern: '####' });
  });

  it('a chain that states two different final answers is invalid, not a guess', () => {
    const result = read(QA, qaExample, '3 + 6 = 9. The answer is 9.\nWait, packs multiply: 3 * 6 = 18. So the answer is 18.');
    expect(result).toMatchObject({ valid: false, answer: null });
    expect(result.reason).toMatch(/different final answers \(9 .* then 18/);
    expect(read(SENTIMENT, reviewExample, 'Answer: negative\n...on reflection, Answer: positive')).toMatchObject({ valid: false });
  });

  it('--answer-pattern reads formats nothing else covers, and is recorded as "custom"', () => {
    const output = 'RESULT[18] after checking 3 cases';
    expect(read(QA, qaExample, output)).toMatchObject({ answer: '3' });
    expect(read(QA, qaExample, output, String.raw`RESULT\[(\d+)\]`)).toMatchObject({ answer: '18', pattern: 'custom' });
    expect(read(SENTIMENT, reviewExample, 'Mood of the text -> positive.', 'mood of the text ->')).toMatchObject({ answer: 'positive', pattern: 'custom' });
    expect(() => compileAnswerPattern('(unclosed')).toThrow(/not a valid regular expression/);
    expect(() => compileAnswerPattern('x*')).toThrow(/matches the empty string/);
  });
});

describe('labels that respect negation and pick the asserted label', () => {
  it('"This is not hate speech." is not `hate`', () => {
    const result = read(HATE, hateExample, 'This is not hate speech.');
    expect(result.answer).not.toBe('hate');
    expect(result).toMatchObject({ valid: false, reason: expect.stringMatching(/only denies hate/) });
    expect(read(HATE, hateExample, 'noHate')).toMatchObject({ answer: 'noHate' });
    expect(read(HATE, hateExample, 'No hate here: the text welcomes everyone, so no hate.')).toMatchObject({ answer: 'noHate' });
  });

  it('the asserted label wins over a denied one', () => {
    expect(read(SENTIMENT, reviewExample, 'It is not negative; it is positive.')).toMatchObject({ answer: 'positive' });
    expect(read(SENTIMENT, reviewExample, 'The answer is not negative, it is positive.')).toMatchObject({ answer: 'positive' });
    expect(read(NLI, nliExample, 'Neither entailment nor neutral fits: this is a contradiction.')).toMatchObject({ answer: 'contradiction' });
    expect(read(SENTIMENT, reviewExample, 'I would call it positive rather than negative.')).toMatchObject({ answer: 'positive' });
  });

  it('hedges between two labels or options are invalid with the reason', () => {
    expect(read(SENTIMENT, reviewExample, 'It could be positive or negative.')).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/several labels \(positive, negative\)/),
    });
    expect(read(NLI, nliExample, 'The answer is either neutral or contradiction.')).toMatchObject({ valid: false });
    expect(read(CHOICE, mcExample, 'So the answer is either (a) desert or (b) river.')).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/several options/),
    });
  });

  it('options: a ruled-out letter is not chosen', () => {
    expect(read(CHOICE, mcExample, 'The answer is not (a), it is (b).')).toMatchObject({ answer: 'river' });
    expect(read(CHOICE, mcExample, 'B')).toMatchObject({ answer: 'river' });
  });

  it('unknown outputs are invalid with a reason, never mapped to a label', () => {
    expect(read(SENTIMENT, reviewExample, 'I am not able to judge this text.')).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/none of the labels/),
    });
    expect(read(SENTIMENT, reviewExample, 'mixed')).toMatchObject({ valid: false });
    expect(read(CHOICE, mcExample, 'The answer is (f) ocean.')).toMatchObject({ valid: false, reason: expect.stringMatching(/\(f\) does not exist/) });
  });
});

describe('empty and unfinished outputs', () => {
  it('are invalid with the reason', () => {
    for (const task of [NLI, SENTIMENT, QA, CHOICE]) {
      const example = task === QA ? qaExample : task === CHOICE ? mcExample : task === NLI ? nliExample : reviewExample;
      expect(read(task, example, ''), task.name).toMatchObject({ valid: false, reason: 'empty output' });
      expect(read(task, example, '  \n\n '), task.name).toMatchObject({ valid: false, reason: 'empty output' });
    }
    const unfinished = 'Ann has 3 packs.\nEach pack holds 6 pens, so she multiplies 3 by';
    expect(read(QA, qaExample, unfinished)).toMatchObject({ valid: false, reason: expect.stringMatching(/ends mid-sentence/) });
  });
});

describe('answer types dispatch', () => {
  it('the same text reads the same through every answer type that applies', () => {
    const answer: AnswerType = { kind: 'expression' };
    expect(extractAnswer('The answer is (3 * 6).\n\nQ: next', answer, qaExample)).toMatchObject({ answer: '18', cutAt: 'Q:' });
  });
});
