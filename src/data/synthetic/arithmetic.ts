/**
 * The built-in task family: multi-step arithmetic word problems in templated English, each with a
 * gold step-by-step rationale, generated deterministically from a seed. Knobs: the number of
 * operations (steps), the size of the numbers (digits) and irrelevant sentences with numbers in
 * them (distractors). Answers are whole numbers, scored by the `number` answer type.
 *
 * Splits are generated test first, then validation, then train, each from its own seed stream, and
 * no problem text appears in two splits; so growing the train split never changes the test split.
 */
import type { Example } from '../types.js';
import { createRng, type Rng } from '../../util/random.js';
import type { SyntheticSpec } from './spec.js';

export type Operation = 'add' | 'subtract' | 'multiply' | 'divide';

export interface ProblemStep {
  op: Operation;
  operand: number;
  before: number;
  after: number;
}

export interface ArithmeticProblem {
  question: string;
  rationale: string;
  answer: number;
  start: number;
  steps: ProblemStep[];
  distractors: number;
}

interface Person {
  name: string;
  subject: string;
  object: string;
  possessive: string;
}

const PEOPLE: Person[] = [
  ['Ava', 'she'],
  ['Liam', 'he'],
  ['Maya', 'she'],
  ['Noah', 'he'],
  ['Zoe', 'she'],
  ['Omar', 'he'],
  ['Lena', 'she'],
  ['Ravi', 'he'],
  ['Iris', 'she'],
  ['Theo', 'he'],
  ['Nora', 'she'],
  ['Kenji', 'he'],
].map(([name, subject]) => ({
  name: name!,
  subject: subject!,
  object: subject === 'she' ? 'her' : 'him',
  possessive: subject === 'she' ? 'her' : 'his',
}));

const ITEMS: [singular: string, plural: string][] = [
  ['apple', 'apples'],
  ['marble', 'marbles'],
  ['sticker', 'stickers'],
  ['book', 'books'],
  ['coin', 'coins'],
  ['shell', 'shells'],
  ['pencil', 'pencils'],
  ['card', 'cards'],
  ['cookie', 'cookies'],
  ['stamp', 'stamps'],
  ['ribbon', 'ribbons'],
  ['toy car', 'toy cars'],
];

const RELATIVES = ['cousin', 'neighbour', 'brother', 'sister', 'teacher', 'uncle'];
const PLACES = ['library', 'park', 'bakery', 'station', 'school', 'market'];

const cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Story sentences name the person by pronoun ("{S}", "{P}") unless a distractor about someone else
 * comes right before, where a pronoun would be ambiguous; then the name is used.
 */
const SUBJECT = '{S}';
const POSSESSIVE = '{P}';

/** One problem from a random stream. */
export function generateProblem(rng: Rng, knobs: Pick<SyntheticSpec, 'steps' | 'digits' | 'distractors'>): ArithmeticProblem {
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)] as T;
  const between = (low: number, high: number) => low + rng.int(high - low + 1);
  const low = knobs.digits === 1 ? 2 : 10 ** (knobs.digits - 1);
  const high = 10 ** knobs.digits - 1;
  const ceiling = 10 ** (knobs.digits + 2);

  const who = pick(PEOPLE);
  const [item, items] = pick(ITEMS);
  const count = (n: number) => `${n} ${n === 1 ? item : items}`;
  const stepCount = between(knobs.steps[0], knobs.steps[1]);
  const distractorCount = between(knobs.distractors[0], knobs.distractors[1]);
  const start = between(low, high);

  const story: { text: string; distractor: boolean }[] = [
    {
      text: pick([
        `${who.name} has ${count(start)}.`,
        `${who.name} owns a box with ${count(start)} in it.`,
        `At the start of the week, ${who.name} has ${count(start)}.`,
      ]),
      distractor: false,
    },
  ];
  const tell = (text: string) => story.push({ text, distractor: false });
  const reasoning: string[] = [`${who.name} starts with ${count(start)}.`];
  const steps: ProblemStep[] = [];
  const S = cap(who.subject);
  let value = start;

  for (let i = 0; i < stepCount; i++) {
    const divisors = [2, 3, 4, 5, 6, 7, 8, 9].filter((k) => value % k === 0);
    const allowed: Operation[] = ['add'];
    if (value >= 2) allowed.push('subtract');
    if (value * 2 <= ceiling) allowed.push('multiply');
    if (divisors.length) allowed.push('divide');
    const op = pick(allowed);
    const before = value;
    let operand: number;
    switch (op) {
      case 'add': {
        operand = between(low, high);
        value = before + operand;
        tell(
          pick([
            `${SUBJECT} then buys ${operand} more ${items}.`,
            `Later, ${POSSESSIVE} ${pick(RELATIVES)} gives ${who.object} ${operand} more ${items}.`,
            `${SUBJECT} finds ${operand} more ${items} on the way home.`,
          ]),
        );
        reasoning.push(`${S} gets ${operand} more, so ${who.subject} has ${before} + ${operand} = ${count(value)}.`);
        break;
      }
      case 'subtract': {
        operand = between(1, Math.min(before - 1, high));
        value = before - operand;
        const [told, done] = pick([
          [`${SUBJECT} then gives ${operand} of the ${items} to a friend.`, 'giving away'],
          [`${SUBJECT} sells ${operand} of ${who.possessive} ${items} at the market.`, 'selling'],
          [`${SUBJECT} loses ${count(operand)}.`, 'losing'],
        ] as const);
        tell(told);
        reasoning.push(`After ${done} ${operand}, ${who.subject} has ${before} - ${operand} = ${count(value)}.`);
        break;
      }
      case 'multiply': {
        const maxFactor = Math.max(2, Math.min(5, Math.floor(ceiling / before)));
        operand = between(2, maxFactor);
        value = before * operand;
        tell(`${SUBJECT} then trades each ${item} for ${operand} new ones.`);
        reasoning.push(`Each ${item} becomes ${operand}, so ${who.subject} has ${before} * ${operand} = ${count(value)}.`);
        break;
      }
      case 'divide': {
        operand = pick(divisors);
        value = before / operand;
        tell(`${SUBJECT} splits all of ${who.possessive} ${items} into ${operand} equal piles and keeps only one pile.`);
        reasoning.push(`One of ${operand} equal piles holds ${before} / ${operand} = ${count(value)}.`);
        break;
      }
    }
    steps.push({ op, operand, before, after: value });
  }

  for (let i = 0; i < distractorCount; i++) {
    const other = pick(PEOPLE.filter((person) => person.name !== who.name));
    const [, otherItems] = pick(ITEMS.filter(([, plural]) => plural !== items));
    const m = between(low, high);
    const text = pick([
      `${other.name} has ${m} ${otherItems}.`,
      `${who.name}'s ${pick(RELATIVES)} is ${m} years old.`,
      `The ${pick(PLACES)} is ${m} meters from ${who.name}'s house.`,
    ]);
    // After the opening sentence, anywhere before the question.
    story.splice(1 + rng.int(story.length), 0, { text, distractor: true });
  }
  if (distractorCount > 0) reasoning.push(`The other numbers in the problem do not change how many ${items} ${who.name} has.`);

  const sentences = story.map(({ text }, i) => {
    const afterDistractor = story[i - 1]?.distractor ?? false;
    return text.replaceAll(SUBJECT, afterDistractor ? who.name : S).replaceAll(POSSESSIVE, afterDistractor ? `${who.name}'s` : who.possessive);
  });
  sentences.push(`How many ${items} does ${who.name} have now?`);
  return {
    question: sentences.join(' '),
    rationale: reasoning.join(' '),
    answer: value,
    start,
    steps,
    distractors: distractorCount,
  };
}

const SPLIT_ORDER = ['test', 'validation', 'train'] as const;

/** All three splits of a synthetic dataset; problem texts are unique across splits. */
export function generateSplits(spec: SyntheticSpec): Record<'train' | 'validation' | 'test', Example[]> {
  const seen = new Set<string>();
  const splits = {} as Record<'train' | 'validation' | 'test', Example[]>;
  for (const split of SPLIT_ORDER) {
    const rng = createRng(`synthetic-arithmetic:${spec.seed}:${split}`);
    const examples: Example[] = [];
    let misses = 0;
    while (examples.length < spec[split]) {
      const problem = generateProblem(rng, spec);
      if (seen.has(problem.question)) {
        // 5,000 repeats in a row: the space of distinct problems is (nearly) used up; say so instead of looping.
        if (++misses > 5000) {
          throw new RangeError(
            `synthetic: only ${seen.size} distinct problems found for steps/digits/distractors as given; ask for fewer examples or more steps or digits`,
          );
        }
        continue;
      }
      misses = 0;
      seen.add(problem.question);
      const index = examples.length;
      examples.push({
        index,
        id: `${split}-${index}`,
        input: problem.question,
        target: String(problem.answer),
        rationale: problem.rationale,
        raw: {
          question: problem.question,
          answer: problem.answer,
          rationale: problem.rationale,
          start: problem.start,
          steps: problem.steps,
          distractors: problem.distractors,
        },
      });
    }
    splits[split] = examples;
  }
  return splits;
}
