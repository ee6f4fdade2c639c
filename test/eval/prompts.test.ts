import { describe, expect, it } from 'vitest';
import type { Example, TaskDefinition } from '../../src/data/types.js';
import { extractAnswer } from '../../src/eval/extract/index.js';
import { answerCue, buildAnswerExtractionPrompt, buildPrompt } from '../../src/eval/prompts.js';

const SST5: TaskDefinition = {
  name: 'SST5',
  taskType: 'sentiment analysis',
  description: 'Please classify the sentiment of the sentence into very positive / positive / neutral / negative / very negative.',
  answer: { kind: 'label', labels: ['very positive', 'positive', 'neutral', 'negative', 'very negative'] },
};
const SVAMP: TaskDefinition = { name: 'svamp', description: 'Solve the math word problem.', answer: { kind: 'expression' } };
const CQA: TaskDefinition = { name: 'cqa', description: 'Answer the commonsense question.', answer: { kind: 'multiple_choice' } };

const ex = (id: string, input: string, target: string, extra: Partial<Example> = {}): Example => ({
  index: 0,
  id,
  input,
  target,
  raw: {},
  ...extra,
});

const query = ex('test-0', 'a gorgeous, witty film', 'very positive');
const demos = [ex('train-1', 'dull and lifeless', 'negative'), ex('train-2', 'an ok time', 'neutral')];

const userText = (messages: { role: string; content: string }[]) => messages.find((m) => m.role === 'user')!.content;

describe('zero-shot and few-shot prompts', () => {
  it('state the task, its type and the labels in the system message', () => {
    const { messages, stop } = buildPrompt('zero-shot', SST5, query, demos);
    expect(messages[0]).toEqual({
      role: 'system',
      content:
        'You are an expert in sentiment analysis. Please classify the sentiment of the sentence into very positive / positive / neutral / negative / very negative.\nThe possible labels are: very positive, positive, neutral, negative, very negative.',
    });
    expect(stop).toContain('\n\nQuestion:');
  });

  it('zero-shot ignores demos and asks for the answer only', () => {
    const user = userText(buildPrompt('zero-shot', SST5, query, demos).messages);
    expect(user).toBe('Question: a gorgeous, witty film\n\nReply with one of the labels only, exactly as written, and nothing else.');
  });

  it('few-shot lists demos as Question/Answer pairs before the question', () => {
    const user = userText(buildPrompt('few-shot', SST5, query, demos).messages);
    expect(user).toBe(
      [
        'Question: dull and lifeless\nAnswer: negative',
        'Question: an ok time\nAnswer: neutral',
        'Question: a gorgeous, witty film',
        'Reply with one of the labels only, exactly as written, and nothing else.',
      ].join('\n\n'),
    );
  });

  it('uses only the task description when there is no task type', () => {
    expect(buildPrompt('zero-shot', SVAMP, ex('t', 'q', '( 1.0 + 1.0 )'), []).messages[0]!.content).toBe('Solve the math word problem.');
  });
});

describe('multiple-choice prompts', () => {
  const choices = ['british columbia', 'body of water', 'wooded area', 'pay debts', 'zoo'];
  const q = ex('t', 'A beaver is know for building prowess, their supplies come from where?', 'wooded area', { choices });
  const demo = ex('d', 'Where do fish live?', 'water', { choices: ['tree', 'water', 'sky'] });

  it('list the choices as (a) ... (e) and show demo answers with their letter', () => {
    const user = userText(buildPrompt('few-shot', CQA, q, [demo]).messages);
    expect(user).toContain('Question: Where do fish live?\nAnswer choices:\n(a) tree\n(b) water\n(c) sky\nAnswer: (b) water');
    expect(user).toContain('(a) british columbia\n(b) body of water\n(c) wooded area\n(d) pay debts\n(e) zoo');
  });

  it('fail clearly when an example has no choices', () => {
    expect(() => buildPrompt('zero-shot', CQA, ex('t', 'q', 'x'), [])).toThrow(/has no choices/);
  });
});

describe('chain-of-thought prompts', () => {
  const rationaleDemo = ex('train-3', 'Tom had 3 apples and got 4 more. How many now?', '( 3.0 + 4.0 )', {
    rationale: 'Tom starts with 3 apples and gets 4 more, so 3 + 4 = 7.',
  });

  it('give demo answers as the rationale followed by "The answer is <target>."', () => {
    const user = userText(buildPrompt('cot', SVAMP, ex('t', 'q', '1'), [rationaleDemo]).messages);
    expect(user).toContain('Answer: Tom starts with 3 apples and gets 4 more, so 3 + 4 = 7. The answer is ( 3.0 + 4.0 ).');
    expect(user.endsWith('Reason step by step, then finish with "The answer is <number>."')).toBe(true);
  });

  it('refuse demos without a rationale, naming the demo', () => {
    expect(() => buildPrompt('cot', SST5, query, demos)).toThrow(/demo train-1 of task SST5 has none/);
  });
});

describe('zero-shot chain of thought (two stages)', () => {
  it('stage 1 ends with "Let\'s think step by step." and shows no demos', () => {
    const { messages } = buildPrompt('zero-shot-cot', SVAMP, ex('t', 'Tom has 3 apples and gets 4. How many?', '7'), demos);
    expect(userText(messages)).toBe("Question: Tom has 3 apples and gets 4. How many?\nAnswer: Let's think step by step.");
  });

  it('stage 2 appends the reasoning and an answer-type cue', () => {
    const q = ex('t', 'Tom has 3 apples and gets 4. How many?', '7');
    const first = buildPrompt('zero-shot-cot', SVAMP, q, []).messages;
    const { messages, stop } = buildAnswerExtractionPrompt(SVAMP, q, first, ' He has 3 + 4 = 7 apples. ');
    expect(messages.slice(0, first.length)).toEqual(first);
    expect(messages[first.length]).toEqual({ role: 'assistant', content: 'He has 3 + 4 = 7 apples.' });
    expect(messages[first.length + 1]!.content).toContain('"Therefore, the answer (arabic numerals) is"');
    expect(stop).toContain('\nQuestion:');
  });

  it('uses Kojima-style cues per answer type', () => {
    expect(answerCue(SST5.answer, query)).toBe('Therefore, among the labels very positive, positive, neutral, negative, very negative, the answer is');
    expect(answerCue(CQA.answer, ex('t', 'q', 'x', { choices: ['a', 'b', 'c', 'd', 'e'] }))).toBe('Therefore, among (a) through (e), the answer is');
    expect(answerCue({ kind: 'number' }, query)).toBe('Therefore, the answer (arabic numerals) is');
    expect(answerCue({ kind: 'free_text' }, query)).toBe('Therefore, the answer is');
  });

  it('a model that echoes the label cue still yields the label it chose', () => {
    const echoed = `${answerCue(SST5.answer, query)} very positive.`;
    expect(extractAnswer(echoed, SST5.answer, query).answer).toBe('very positive');
  });
});
