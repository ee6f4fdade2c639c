/**
 * `apprentice scale run` end to end through the CLI against real loopback OpenAI-compatible servers:
 * three "models" of different sizes, each a server whose skill grows with size (better with chain of
 * thought), on two arithmetic tasks under direct, few-shot CoT and zero-shot CoT prompting.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { lastJson, runCli } from '../support/runCli.js';

interface Row {
  model: string;
  params: number;
  task: string;
  metric: string;
  score: number;
  random?: number;
  max?: number;
}
interface Output {
  rows: Row[];
  analysis: { task: string; metric: string; scores: { model: string; score: number }[]; verdict: string | null; notes: string[] }[];
  evaluations: { model: string; prompting: string; errors: number; invalid: number; runDir: string }[];
  files: { html: string; markdown: string; svg: string; scores: { csv: string; json: string } };
  notes: string[];
}

/** Problems "a + b" and "a + b - c" with gold answers and rationales. */
function writeTask(dir: string, kind: 'add' | 'mixed'): Map<string, number> {
  const gold = new Map<string, number>();
  mkdirSync(dir, { recursive: true });
  for (const [split, count, offset] of [
    ['train', 6, 0],
    ['test', 20, 100],
  ] as const) {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const a = 3 + ((i * 7 + offset) % 40);
      const b = 2 + ((i * 5 + offset) % 30);
      const c = 1 + (i % 3);
      const question =
        kind === 'add'
          ? `Tom has ${a} apples and buys ${b} more. How many apples does Tom have?`
          : `Ann has ${a} pens, gets ${b} more and loses ${c}. How many pens does Ann have?`;
      const answer = kind === 'add' ? a + b : a + b - c;
      const rationale = kind === 'add' ? `${a} + ${b} = ${answer}.` : `${a} + ${b} = ${a + b}. ${a + b} - ${c} = ${answer}.`;
      gold.set(question, answer);
      lines.push(JSON.stringify({ question, answer: String(answer), rationale }));
    }
    // The most common training answer (for the constant-guess chance level): that of test problems 1 and 16.
    if (split === 'train') {
      const common = kind === 'add' ? 35 : 34;
      for (const name of ['Sam', 'Kim']) {
        const question = `${name} has ${common} marbles. How many marbles does ${name} have?`;
        gold.set(question, common);
        lines.push(JSON.stringify({ question, answer: String(common), rationale: `${name} has ${common}.` }));
      }
    }
    writeFileSync(join(dir, `${split}.jsonl`), lines.join('\n') + '\n');
  }
  return gold;
}

/** A deterministic "coin" per question in [0, 1). */
function coin(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h / 2 ** 32;
}

/**
 * A model of some skill: right on a question when its coin is below the skill for the prompting.
 * Zero-shot CoT's second stage does not repeat the question: it is remembered from the first stage
 * (the test runs with --concurrency 1, so stages of one example follow each other).
 */
function skilledAnswer(gold: Map<string, number>, skill: { direct: number; cot: number }) {
  let lastQuestion = '';
  return (message: string): string => {
    const questions = [...message.matchAll(/Question: (.*)/g)].map((match) => match[1] as string);
    const question = questions.at(-1) ?? lastQuestion;
    lastQuestion = question;
    const answer = gold.get(question);
    if (answer === undefined) return 'I do not know.';
    const reasoning = /step by step/i.test(message);
    const right = coin(question) < (reasoning || message.startsWith('Now give only') ? skill.cot : skill.direct);
    const value = right ? answer : answer + 1 + Math.floor(coin(question + 'x') * 5);
    if (reasoning) return `Adding and subtracting in order gives ${value}. The answer is ${value}.`;
    return String(value);
  };
}

const SKILLS = [
  { name: 'small', params: '1e8', skill: { direct: 0, cot: 0 } },
  { name: 'medium', params: '1B', skill: { direct: 0.3, cot: 0.4 } },
  { name: 'large', params: '1e10', skill: { direct: 0.6, cot: 1 } },
];

describe('apprentice scale run against loopback OpenAI-compatible servers', () => {
  const servers: FakeOpenAIServer[] = [];
  let root = '';
  let models = '';
  let requestCount = () => 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-scale-run-'));
    const gold = new Map([...writeTask(join(root, 'add'), 'add'), ...writeTask(join(root, 'mixed'), 'mixed')]);
    for (const { skill } of SKILLS) servers.push(await startFakeOpenAIServer({ thread: false, answer: skilledAnswer(gold, skill) }));
    models = SKILLS.map(({ name, params }, i) => `openai:${name}@${servers[i]!.origin}/v1=${params}`).join(',');
    requestCount = () => servers.reduce((sum, server) => sum + server.requests.length, 0);
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  const args = (out: string) => [
    'scale',
    'run',
    '--models',
    models,
    '--dataset',
    `jsonl:${join(root, 'add')}`,
    '--dataset',
    `jsonl:${join(root, 'mixed')}`,
    '--input-field',
    'question',
    '--label-field',
    'answer',
    '--rationale-field',
    'rationale',
    '--answer-type',
    'number',
    '--prompting',
    'direct,cot,zero-shot-cot',
    '--shots',
    '2',
    '--concurrency',
    '1',
    '--out',
    out,
    '--json',
  ];

  it('evaluates every (model, task, prompting), writes score rows with baselines, the analysis and the report; a rerun resumes', async () => {
    const out = join(root, 'out');
    const result = await runCli(args(out), { env: { OPENAI_API_KEY: '' } });
    expect(result.code, result.stderr).toBe(0);
    const output = lastJson<Output>(result);

    // 3 models x 2 tasks x 3 promptings generation runs; no label task, so no log-prob ranking runs.
    expect(output.evaluations).toHaveLength(18);
    expect(output.evaluations.every((e) => e.errors === 0)).toBe(true);
    const accuracy = (task: string, metric: string) =>
      SKILLS.map(({ name }) => output.rows.find((r) => r.task === task && r.metric === metric && r.model === name)?.score);
    for (const task of ['add', 'mixed']) {
      const direct = accuracy(task, 'accuracy (direct)') as number[];
      const cot = accuracy(task, 'accuracy (cot)') as number[];
      const zeroShotCot = accuracy(task, 'accuracy (zero-shot-cot)') as number[];
      expect(direct[0]).toBe(0);
      expect(cot[0]).toBe(0);
      expect(cot[2]).toBe(1);
      expect(zeroShotCot[2]).toBe(1);
      expect(direct[2]!).toBeGreaterThan(direct[0]!);
      expect(direct[2]!).toBeLessThan(1);
    }
    // Baselines: exact numbers have as chance the accuracy of always giving the most common training answer
    // (35 for add, 34 for mixed: the answer of test problems 1 and 16); log P(target) is bounded by 0 with
    // the family's worst as floor.
    for (const task of ['add', 'mixed']) {
      expect(output.rows.find((r) => r.task === task && r.metric === 'accuracy (direct)')).toMatchObject({ random: 2 / 20, max: 1 });
      expect(output.notes).toContainEqual(
        expect.stringContaining(`${task}: exact-match chance 0.100, the accuracy of always answering "${task === 'add' ? 35 : 34}"`),
      );
    }
    const logp = output.rows.filter((r) => r.metric === 'logP(target) (direct)');
    expect(logp).toHaveLength(6);
    for (const row of logp) expect(row.max).toBe(0);
    expect(output.rows.some((r) => r.metric.startsWith('logP(target) (cot'))).toBe(false);

    // The analysis covers every task x metric, each with the three sizes.
    const cotAnalysis = output.analysis.find((a) => a.task === 'add' && a.metric === 'accuracy (cot)')!;
    expect(cotAnalysis.scores.map((s) => s.model)).toEqual(['small', 'medium', 'large']);
    // Three sizes cannot tell an emergent curve from a smooth one: no shape verdict, and the note says why.
    expect(cotAnalysis.verdict).toBeNull();
    expect(cotAnalysis.notes.join('\n')).toMatch(/breakthroughness cannot exceed 2/);

    // Files: rows readable by `scale analyze`, the report and the plot with one line per series.
    for (const file of [output.files.html, output.files.markdown, output.files.svg, output.files.scores.csv, output.files.scores.json]) {
      expect(existsSync(file), file).toBe(true);
    }
    const svg = readFileSync(output.files.svg, 'utf8');
    const lines = svg.match(/<path[^>]*class="[^"]*"|<g class="mark-line[^"]*"/g) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    // Per panel and series one line path: 2 tasks x (3 accuracy + 1 logP + 3 edit similarity) series.
    expect(countLinePaths(svg)).toBe(14);
    const html = readFileSync(output.files.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('accuracy (zero-shot-cot)');

    const analyzed = await runCli(['scale', 'analyze', output.files.scores.csv, '--json', '--out', join(root, 'analyzed')]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    expect(lastJson<unknown[]>(analyzed)).toHaveLength(output.analysis.length);
    expect(countLinePaths(readFileSync(join(root, 'analyzed', 'scaling.svg'), 'utf8'))).toBe(14);
    expect(existsSync(join(root, 'analyzed', 'report.html'))).toBe(true);

    // Rerun: every run folder is complete, so no model is asked anything (apart from the log-prob probes).
    const before = requestCount();
    const again = await runCli(args(out), { env: { OPENAI_API_KEY: '' } });
    expect(again.code, again.stderr).toBe(0);
    expect(requestCount() - before).toBeLessThanOrEqual(SKILLS.length);
    expect(lastJson<Output>(again).rows).toEqual(output.rows);
  }, 60_000);

  it('counts failed calls as errors, not as wrong answers, and exits 3', async () => {
    const broken = await startFakeOpenAIServer({ thread: false, fault: () => ({ kind: 'status', status: 400, message: 'no' }) });
    try {
      const out = join(root, 'broken');
      const result = await runCli(
        [
          'scale',
          'run',
          '--models',
          `${models},openai:broken@${broken.origin}/v1=1e11`,
          '--dataset',
          `jsonl:${join(root, 'add')}`,
          '--input-field',
          'question',
          '--label-field',
          'answer',
          '--answer-type',
          'number',
          '--prompting',
          'direct',
          '--retries',
          '0',
          '--concurrency',
          '1',
          '--out',
          out,
          '--json',
        ],
        { env: { OPENAI_API_KEY: '' } },
      );
      expect(result.code, result.stderr).toBe(3);
      const output = lastJson<Output>(result);
      const evaluation = output.evaluations.find((e) => e.model === 'broken')!;
      expect(evaluation.errors).toBe(20);
      expect(output.rows.some((r) => r.model === 'broken')).toBe(false);
    } finally {
      await broken.close();
    }
  }, 30_000);

  it('rejects a model without a size that cannot be counted', async () => {
    const result = await runCli(['scale', 'run', '--models', 'openai:x@http://127.0.0.1:9/v1', '--dataset', 'synthetic:easy', '--out', join(root, 'bad')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/parameter count/);
  });
});

/** Line marks in a vega SVG: one <path> per line inside the mark-line groups. */
export function countLinePaths(svg: string): number {
  let count = 0;
  for (const group of svg.split('<g class="mark-line').slice(1)) {
    const body = group.slice(0, group.indexOf('</g>'));
    count += (body.match(/<path /g) ?? []).length;
  }
  return count;
}
