/**
 * Properties of the one extractor:
 * - for every prompt layout the product ships (the eval styles, the teacher's chain-of-thought
 *   prompt, the Grimoire weak-model prompt, input templates with their own field prefixes), a
 *   correct answer followed by an invented demonstration-style continuation — rendered by the
 *   product's own prompt builders, with another answer — is read as the correct answer;
 * - every answer type reads a 1 MB output in bounded time (no quadratic parsing).
 */
import { describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { teacherPrompt } from '../../src/distill/teacherPrompt.js';
import { extractAnswer, isCorrect, promptLayout } from '../../src/eval/extract/index.js';
import { optionLetter } from '../../src/eval/extract/choices.js';
import { buildPrompt, PROMPT_STYLES, QUESTION_FIELDS, type PromptStyle } from '../../src/eval/prompts.js';
import { buildWeakPrompt, formatExamples } from '../../src/grimoire/prompt.js';
import { createRng, type Rng } from '../../src/util/random.js';

const WORDS = 'river stone quiet market lamp orange violin cloud harbor pencil garden winter copper meadow ladder candle'.split(' ');
const TEMPLATES: (string | undefined)[] = [
  undefined,
  'Premise: {a}\nHypothesis: {b}',
  'Review: {a}',
  'Q: {a}',
  'Input: {a}\nContext: {b}',
  'Sentence 1: {a}\nSentence 2: {b}',
];

const sentence = (rng: Rng, n = 6) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]).join(' ');
const render = (template: string | undefined, rng: Rng) =>
  template === undefined ? `${sentence(rng)}?` : template.replace('{a}', `${sentence(rng)}.`).replace('{b}', `${sentence(rng)}.`);

interface Case {
  task: TaskDefinition;
  example: Example;
  /** The correct answer as the model writes it, and as it is extracted. */
  written: string;
  canonical: string;
  /** Another example with a different answer, for the invented continuation. */
  invented: Example;
}

function makeCase(rng: Rng, kind: 'label' | 'number' | 'expression' | 'multiple_choice' | 'free_text', template: string | undefined): Case {
  const input = render(template, rng);
  const otherInput = render(template, rng);
  const base = { name: `toy_${kind}`, description: 'A toy task.', ...(template ? { inputTemplate: template } : {}) };
  switch (kind) {
    case 'label': {
      const labels = ['entailment', 'neutral', 'contradiction', 'not_entailment'].slice(0, 2 + rng.int(3));
      const right = rng.int(labels.length);
      const wrong = (right + 1 + rng.int(labels.length - 1)) % labels.length;
      const task: TaskDefinition = { ...base, answer: { kind: 'label', labels } };
      return { task, example: ex(input, labels[right]!), written: labels[right]!, canonical: labels[right]!, invented: ex(otherInput, labels[wrong]!) };
    }
    case 'number':
    case 'expression': {
      const value = 10 + rng.int(900);
      const other = value + 1 + rng.int(50);
      const task: TaskDefinition = { ...base, answer: { kind } };
      const written = kind === 'expression' ? `(${value - 7} + 7)` : String(value);
      return { task, example: ex(input, String(value)), written, canonical: String(value), invented: ex(otherInput, String(other)) };
    }
    case 'multiple_choice': {
      const choices = Array.from({ length: 4 }, (_, i) => `${WORDS[(i * 3 + rng.int(3)) % WORDS.length]} ${i}`);
      const right = rng.int(4);
      const wrong = (right + 1 + rng.int(3)) % 4;
      const task: TaskDefinition = { ...base, answer: { kind: 'multiple_choice' } };
      return {
        task,
        example: { ...ex(input, choices[right]!), choices },
        written: `(${optionLetter(right)}) ${choices[right]}`,
        canonical: choices[right]!,
        invented: { ...ex(otherInput, choices[wrong]!), choices },
      };
    }
    case 'free_text': {
      const task: TaskDefinition = { ...base, answer: { kind: 'free_text' } };
      const answer = sentence(rng, 3);
      return { task, example: ex(input, answer), written: answer, canonical: answer, invented: ex(otherInput, sentence(rng, 3)) };
    }
  }
}

const ex = (input: string, target: string): Example => ({ index: 0, id: 'e', input, target, rationale: `Because ${target} fits here.`, raw: {} });

/** The demonstration block the product's builder renders for `demo`: everything before the question itself. */
function renderedDemoBlock(style: PromptStyle, c: Case): string {
  const shownStyle = style === 'zero-shot' || style === 'zero-shot-cot' ? 'few-shot' : style;
  const user = buildPrompt(shownStyle, c.task, c.example, [c.invented]).messages[1]!.content;
  const at = user.indexOf(`\n\nQuestion: ${c.example.input}`);
  expect(at).toBeGreaterThan(0);
  return user.slice(0, at);
}

function teacherDemoBlock(c: Case): string {
  const demo = {
    input: c.invented.input,
    rationale: c.invented.rationale!,
    answer: c.invented.target,
    ...(c.invented.choices ? { choices: c.invented.choices } : {}),
  };
  const user = teacherPrompt(c.task, c.example, [demo]).messages[1]!.content;
  return user.slice(0, user.indexOf(`\n\nQuestion: ${c.example.input}`));
}

/** The correct answer as each layout asks for it. */
function answerIn(style: PromptStyle | 'grimoire' | 'teacher', c: Case, rng: Rng): string {
  if (style === 'cot' || style === 'teacher') return `${c.example.rationale} The answer is ${c.written}.`;
  if (style === 'grimoire') return rng.int(2) ? `Answer: ${c.written}` : c.written;
  return c.written;
}

const KINDS = ['label', 'number', 'expression', 'multiple_choice', 'free_text'] as const;

describe('a correct answer followed by an invented demonstration in the layout is read as the correct answer', () => {
  it('for every shipped layout, answer type and input template (seeded, 600 cases)', () => {
    const rng = createRng('extract-layout-property');
    const failures: string[] = [];
    let cases = 0;
    for (let round = 0; round < 4; round++) {
      for (const kind of KINDS) {
        for (const template of TEMPLATES) {
          for (const style of [...PROMPT_STYLES, 'teacher', 'grimoire', 'template-only'] as const) {
            const c = makeCase(rng, kind, template);
            let continuation: string;
            let layoutFields = QUESTION_FIELDS;
            let demos: Example[] = [c.invented];
            if (style === 'teacher') continuation = teacherDemoBlock(c);
            else if (style === 'grimoire') {
              layoutFields = ['Question', 'Please answer'];
              const block = rng.int(2) ? formatExamples([c.invented]) : `Please answer:\n${c.invented.input}\n${c.invented.target}`;
              continuation = block;
              // The prompt the weak model saw holds the same layout.
              expect(buildWeakPrompt(c.task, c.example.input, { kind: 'examples', examples: [c.invented] })[0]!.content).toContain('Please answer:');
            } else if (style === 'template-only') {
              // A user's own layout: only the input template's fields, then an answer line.
              if (!template) continue;
              continuation = `${c.invented.input}\nAnswer: ${c.invented.target}`;
              demos = [];
            } else continuation = renderedDemoBlock(style, c);
            const separator = ['\n\n', '\n', '\n\n\n'][rng.int(3)]!;
            const output = `${answerIn(style === 'template-only' ? 'few-shot' : style, c, rng)}${separator}${continuation}`;
            const layout = promptLayout(c.task, c.example, demos, layoutFields);
            const result = extractAnswer(output, c.task.answer, c.example, { layout });
            cases++;
            const ok = result.valid && isCorrect(result, c.canonical, c.task.answer, c.example);
            if (!ok || result.cutAt === undefined)
              failures.push(
                `${kind}/${style}/${template}: ${JSON.stringify(output)} -> ${JSON.stringify(result.answer)} (${result.reason ?? ''}, cut ${result.cutAt})`,
              );
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(600);
    expect(failures).toEqual([]);
  });
});

describe('every answer type reads a 1 MB output in bounded time', () => {
  const MB = 1024 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
  const hostile = [
    fill('('),
    `${fill('(')}1`,
    fill('1+'),
    fill('positive '),
    fill(' '),
    `${fill(' ')}x`,
    fill('\n'),
    fill('**'),
    fill('\\boxed{'),
    fill('the answer is '),
    fill('A:\n'),
    fill('Premise: river stone.\n'),
    fill('9'),
    fill('1,000,'),
    fill('(a) '),
    fill('not '),
    `Thinking... ${fill('x ')}\nThe answer is 42.`,
  ];
  const tasks: { task: TaskDefinition; example: Example }[] = [
    {
      task: { name: 'l', description: '', answer: { kind: 'label', labels: ['positive', 'negative', 'very positive'] } },
      example: ex('Premise: river stone.', 'positive'),
    },
    { task: { name: 'n', description: '', answer: { kind: 'number' } }, example: ex('q', '42') },
    { task: { name: 'e', description: '', answer: { kind: 'expression' } }, example: ex('q', '42') },
    { task: { name: 'm', description: '', answer: { kind: 'multiple_choice' } }, example: { ...ex('q', 'b'), choices: ['a', 'b', 'c'] } },
    { task: { name: 'f', description: '', answer: { kind: 'free_text' } }, example: ex('q', 'x') },
  ];

  it('each extraction of a 1 MB output takes well under a second; the answer at the end of a long output is still found', () => {
    let slowest = 0;
    for (const output of hostile) {
      expect(output.length).toBeGreaterThanOrEqual(MB);
      for (const { task, example } of tasks) {
        const start = performance.now();
        extractAnswer(output, task.answer, example);
        slowest = Math.max(slowest, performance.now() - start);
      }
    }
    // Measured 100-330 ms on a shared 2-core machine; the bound leaves room for a loaded CI runner.
    expect(slowest).toBeLessThan(1500);
    const long = hostile[hostile.length - 1]!;
    expect(extractAnswer(long, { kind: 'number' }, ex('q', '42'))).toMatchObject({ answer: '42', valid: true });
  });

  it('8 KB and 40 KB of nested parentheses (2.4 s and 56 s before) take milliseconds', () => {
    for (const size of [8 * 1024, 40 * 1024]) {
      const output = `The answer is ${'('.repeat(size / 2)}1${')'.repeat(size / 2)}.`;
      const start = performance.now();
      extractAnswer(output, { kind: 'expression' }, ex('q', '1'));
      expect(performance.now() - start).toBeLessThan(100);
    }
  });
});
