/**
 * `apprentice report <dir>` on the folders every pipeline writes, made here with small real runs
 * (built CLI; run `npx tsc -p tsconfig.build.json` first): a grimoire eval root, a distillation sweep
 * and a scale run. The reports' numbers must be the ones in the pipelines' own summaries, every
 * in-page link must land, and the version must be there.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { formatEstimate, formatInt } from '../../src/report/format.js';
import { readRecords } from '../../src/runs/runDir.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { danglingLinks, duplicateIds } from '../report/links.js';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-cli-report-kinds-'));
const env = { APPRENTICE_CACHE: 'none', OPENAI_API_KEY: '' };

interface Estimate {
  accuracy: number | null;
  ci95: [number, number] | null;
}

async function report(dir: string, out: string): Promise<{ kind: string; html: string; markdown: string }> {
  const result = await runCli(['report', dir, '--out', out, '--json']);
  expect(result.code, result.stderr).toBe(0);
  const written = lastJson<{ kind: string; html: string; markdown: string }>(result);
  return { kind: written.kind, html: readFileSync(written.html, 'utf8'), markdown: readFileSync(written.markdown, 'utf8') };
}

const servers: FakeOpenAIServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('apprentice report <dir> for every kind of run folder', () => {
  let weakUrl = '';
  beforeAll(async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer: weakModel });
    servers.push(server);
    weakUrl = server.url;
  });

  it('grimoire eval writes its report; report <root> renders it again with the summary numbers, choice, routing and drill-down', async () => {
    const toy = writeToyTask({ train: 80, test: 20 });
    const set = join(toy.root, 'set');
    writeToySet(set);
    const evaluated = await runCli(
      [
        'grimoire',
        'eval',
        '--dataset',
        toy.dataset,
        '--weak',
        `openai:weak@${weakUrl}`,
        '--grimoires',
        set,
        '--limit',
        '16',
        '--methods',
        'zero-shot,single,best-single,similarity,ranker',
        '--validation-size',
        '30',
        '--runs',
        join(toy.root, 'runs'),
        '--json',
      ],
      { env },
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = lastJson<{
      runDir: string;
      methods: (Estimate & { method: string; chosen?: Record<string, number> })[];
      bestSingle: { grimoire: string };
      report: { html: string };
    }>(evaluated);
    expect(result.report.html).toBe(join(result.runDir, 'report.html'));
    expect(existsSync(join(result.runDir, 'report.md'))).toBe(true);

    const { kind, html, markdown } = await report(result.runDir, join(temp(), 'grimoire-report'));
    expect(kind).toBe('grimoire');
    const summary = JSON.parse(readFileSync(join(result.runDir, 'summary.json'), 'utf8')) as typeof result;
    for (const method of summary.methods) expect(html).toContain(formatEstimate(method.accuracy, method.ci95));
    expect(html).toContain(`Best single grimoire on validation: ${summary.bestSingle.grimoire}`);
    expect(html).toContain('Checked: 0 of the 16 evaluated test examples are among the validation examples.');
    expect(html).toContain('id="routing-table"');
    expect(html.match(/<details class="example/g)).toHaveLength(16 * summary.methods.length);
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    expect(html).toContain(`apprentice ${VERSION}`);
    expect(markdown).toContain('## Against the zero-shot baseline');
    // A method's folder is an ordinary evaluation run.
    expect((await report(join(result.runDir, 'zero-shot'), join(temp(), 'zero-shot'))).kind).toBe('eval');
  });

  it("distill run: report <sweep> shows the results.json CIs, links to each student's answers and the teacher token totals", async () => {
    const SYNTHETIC = 'synthetic:easy,seed=2,train=6,validation=0,test=3';
    const dataset = await loadDataset(SYNTHETIC);
    const gold = new Map(
      Object.values(dataset.splits)
        .flat()
        .map((example) => [example.input, example.target]),
    );
    const teacher = await startFakeOpenAIServer({
      thread: false,
      answer: (prompt) => `Step by step. The answer is ${gold.get(prompt.split('Question: ').pop()!.split('\n')[0]!)}.`,
    });
    servers.push(teacher);
    const root = temp();
    const ann = join(root, 'ann');
    const annotated = await runCli(
      [
        'distill',
        'annotate',
        '--dataset',
        SYNTHETIC,
        '--teacher',
        `openai:t@${teacher.url}`,
        '--out',
        ann,
        '--splits',
        'train,test',
        '--json',
        '--no-progress',
      ],
      { env },
    );
    expect(annotated.code, annotated.stderr).toBe(0);
    const out = join(root, 'sweep');
    const ran = await runCli(
      [
        'distill',
        'run',
        '--dataset',
        SYNTHETIC,
        '--annotations',
        ann,
        '--methods',
        'standard-ft,step-by-step',
        '--fractions',
        '1',
        '--seeds',
        '1',
        '--student',
        'tiny',
        '--steps',
        '2',
        '--batch-size',
        '2',
        '--context',
        '192',
        '--validation-fraction',
        '0.34',
        '--out',
        out,
        '--json',
        '--no-progress',
      ],
      { env },
    );
    expect(ran.code, ran.stderr).toBe(0);

    const { kind, html, markdown } = await report(out, join(root, 'again'));
    expect(kind).toBe('distill');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      points: Estimate[];
      cells: (Estimate & { method: string; n: number })[];
      version: string;
    };
    for (const entry of [...results.points, ...results.cells]) expect(html).toContain(formatEstimate(entry.accuracy, entry.ci95));
    for (const cell of results.cells) {
      expect(html).toContain(`href="#cell-${cell.method}-f1-s0"`);
      const answers = html.split(`data-examples="cell-${cell.method}-f1-s0-examples">`)[1]!.split('</div></details>')[0]!;
      expect(answers.match(/<details class="example/g)).toHaveLength(cell.n);
    }
    const calls = readdirSync(ann)
      .filter((split) => existsSync(join(ann, split, 'records.jsonl')))
      .flatMap((split) => [
        ...readRecords<{ index: number; usage: { promptTokens: number; completionTokens: number } }>(join(ann, split, 'records.jsonl')).values(),
      ]);
    const prompt = calls.reduce((sum, r) => sum + r.usage.promptTokens, 0);
    expect(prompt).toBeGreaterThan(0);
    expect(html).toContain(`${formatInt(calls.length)} examples (0 from the cache), ${formatInt(prompt)} prompt + `);
    expect(html).toContain(`written by Apprentice ${results.version}`);
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    expect(markdown).toContain('](report.html#cell-step-by-step-f1-s0)');
  });

  it('scale run: report <out> shows every evaluation with its CI, its examples, tokens and the version', async () => {
    const root = temp();
    const task = join(root, 'add');
    mkdirSync(task);
    for (const [split, count] of [
      ['train', 2],
      ['test', 6],
    ] as const) {
      const lines = Array.from({ length: count }, (_, i) =>
        JSON.stringify({ question: `What is ${i} plus ${split.length}?`, answer: String(i + split.length) }),
      );
      writeFileSync(join(task, `${split}.jsonl`), lines.join('\n') + '\n');
    }
    // Right on even numbers only.
    const server = await startFakeOpenAIServer({
      thread: false,
      answer: (prompt) => {
        const m = /What is (\d+) plus (\d+)\?/.exec(prompt.split('Question:').pop() ?? '');
        return m ? String(Number(m[1]) % 2 ? 0 : Number(m[1]) + Number(m[2])) : '0';
      },
    });
    servers.push(server);
    const out = join(root, 'out');
    const ran = await runCli(
      [
        'scale',
        'run',
        '--models',
        `openai:small@${server.origin}/v1=1e8,openai:large@${server.origin}/v1=1e9`,
        '--dataset',
        `jsonl:${task}`,
        '--input-field',
        'question',
        '--label-field',
        'answer',
        '--answer-type',
        'number',
        '--prompting',
        'direct',
        '--no-logprob-metrics',
        '--out',
        out,
        '--json',
        '--no-progress',
      ],
      { env },
    );
    expect(ran.code, ran.stderr).toBe(0);

    const { kind, html, markdown } = await report(out, join(root, 'again'));
    expect(kind).toBe('scale');
    const { evaluations } = JSON.parse(readFileSync(join(out, 'evaluations.json'), 'utf8')) as { evaluations: (Estimate & { n: number })[] };
    expect(evaluations).toHaveLength(2);
    evaluations.forEach((evaluation, i) => {
      expect(evaluation.accuracy).toBe(0.5);
      expect(html).toContain(formatEstimate(evaluation.accuracy, evaluation.ci95));
      expect(html).toContain(`href="#eval${i + 1}"`);
      expect(html).toContain(`id="eval${i + 1}-ex-5"`);
    });
    expect(html).toMatch(/Total over 2 evaluations: [1-9][\d,]* prompt \+ [1-9][\d,]* completion tokens/);
    expect(html).toContain(`written by apprentice ${VERSION}`);
    expect(danglingLinks(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
    expect(markdown).toContain('](report.html#eval2)');
  });
});
