/**
 * `apprentice grimoire build | eval | import` as a user runs them (the built CLI in a child process)
 * against a loopback OpenAI-compatible server playing both the strong and the weak model.
 * Run `npx tsc -p tsconfig.build.json` first: the CLI runs from dist.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';

const RECORDED = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire', 'recorded', 'grimoires');
const SST5 = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire', 'tasks', 'SST5');

interface MethodRow {
  method: string;
  grimoire?: string;
  demos?: string;
  n: number;
  accuracy: number | null;
  ci95: [number, number] | null;
  invalid: number;
  errors: number;
  costUsd: number;
}

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Strong model: a profound book that helps on film sentences, a simple one that helps on the rest. */
function answer(prompt: string): string {
  if (prompt.startsWith('You are an expert in')) return weakModel(prompt);
  if (prompt.includes('Restate this skill book')) return '1. RULES-B: read the adjectives about the cast.';
  return 'RULES-A: read the adjectives of sentences about a film.';
}

describe('apprentice grimoire', () => {
  it('build then eval: one JSON object each, every method row in the documented shape', async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer });
    servers.push(server);
    const toy = writeToyTask({ train: 160, test: 40 });
    const out = join(toy.root, 'set');
    const model = `openai:m@${server.url}`;
    const env = { APPRENTICE_CACHE: join(toy.root, 'cache.sqlite'), OPENAI_API_KEY: '' };

    const built = await runCli(
      [
        'grimoire',
        'build',
        '--dataset',
        toy.dataset,
        '--strong',
        model,
        '--weak',
        model,
        '--embedder',
        'builtin',
        '--samplers',
        'kmeans,hierarchical,hard,random,zero',
        '--k',
        '3',
        '--validation-size',
        '40',
        '--hard-pool',
        '60',
        '--out',
        out,
        '--json',
      ],
      { env },
    );
    expect(built.code, built.stderr).toBe(0);
    const summary = lastJson<{ grimoires: { id: string; samples: number }[]; failures: unknown[]; validation: number }>(built);
    expect(summary.grimoires).toHaveLength(12);
    expect(summary.failures).toEqual([]);
    expect(summary.validation).toBe(40);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);

    const evaluated = await runCli(
      [
        'grimoire',
        'eval',
        '--dataset',
        toy.dataset,
        '--weak',
        model,
        '--grimoires',
        out,
        '--split',
        'test',
        '--limit',
        '30',
        '--methods',
        'zero-shot,few-shot,single,best-single,similarity,ranker',
        '--json',
        '--runs',
        join(toy.root, 'runs'),
        '--save-ranker',
        '--name',
        'toy ranker',
      ],
      { env },
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = lastJson<{ methods: MethodRow[]; validation: { n: number; source: string }; bestSingle: { grimoire: string }; runDir: string }>(evaluated);
    expect(result.validation).toMatchObject({ n: 40, source: 'manifest' });
    expect(basename(result.runDir)).toMatch(/^toy-ranker-[0-9a-f]{12}$/);
    const kinds = result.methods.map((m) => m.method);
    expect(kinds.filter((k) => k === 'single')).toHaveLength(12);
    for (const method of ['zero-shot', 'few-shot', 'best-single', 'similarity', 'ranker']) expect(kinds).toContain(method);
    for (const row of result.methods) {
      expect(row).toEqual(expect.objectContaining({ n: 30, invalid: expect.any(Number), errors: 0, costUsd: expect.any(Number) }));
      expect(row.accuracy).toEqual(expect.any(Number));
      expect(row.ci95).toHaveLength(2);
      if (row.method === 'single' || row.method === 'best-single') expect(typeof row.grimoire).toBe('string');
    }
    const single = (id: string) => result.methods.find((m) => m.method === 'single' && m.grimoire === id)!;
    expect(result.methods.find((m) => m.method === 'best-single')!.accuracy).toBe(single(result.bestSingle.grimoire).accuracy);
    expect(existsSync(join(out, 'ranker.json'))).toBe(true);
    // The headline is chosen on validation (best single or ranker), not the highest on test.
    const { headline } = lastJson<{ headline: { method: string; accuracy: number; why: string } }>(evaluated);
    expect(['best-single', 'ranker']).toContain(headline.method);
    expect(headline.accuracy).toBe(result.methods.find((m) => m.method === headline.method)!.accuracy);
    expect(headline.why).toMatch(/validation/);

    // The table form, and a resumed rerun that asks the server nothing new.
    const before = server.requests.length;
    const table = await runCli(
      [
        'grimoire',
        'eval',
        '--dataset',
        toy.dataset,
        '--weak',
        model,
        '--grimoires',
        out,
        '--limit',
        '30',
        '--runs',
        join(toy.root, 'runs'),
        '--name',
        'toy ranker',
      ],
      { env: { ...env, APPRENTICE_CACHE: 'none' } },
    );
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/method\s+grimoire\s+n\s+accuracy\s+95% CI/);
    expect(table.stdout).toMatch(/best-single\s+\S+\s+30\s+/);
    expect(table.stdout).toMatch(/headline \(chosen on validation, never on test\): (best single grimoire|SLEICL, learned ranker)/);
    expect(server.requests.length).toBe(before);
  });

  it('build --hard-ratios picks the hard sample sets, and --templates replaces the packaged prompts', async () => {
    const server = await startFakeOpenAIServer({ thread: false, answer });
    servers.push(server);
    const toy = writeToyTask({ train: 120, test: 10 });
    const templates = join(toy.root, 'templates');
    cpSync(join(PROJECT_ROOT, 'templates', 'grimoire'), templates, { recursive: true });
    const profound = join(templates, 'profound.txt');
    writeFileSync(profound, `HOUSE STYLE: number every rule.\n${readFileSync(profound, 'utf8')}`);
    const model = `openai:m@${server.url}`;
    const built = await runCli(
      [
        'grimoire',
        'build',
        '--dataset',
        toy.dataset,
        '--strong',
        model,
        '--weak',
        model,
        '--embedder',
        'builtin',
        '--samplers',
        'hard',
        '--hard-ratios',
        '1',
        '--k',
        '2',
        '--validation-size',
        '20',
        '--hard-pool',
        '40',
        '--templates',
        templates,
        '--out',
        join(toy.root, 'set'),
        '--json',
      ],
      { env: { APPRENTICE_CACHE: 'none', OPENAI_API_KEY: '' } },
    );
    expect(built.code, built.stderr).toBe(0);
    const ids = lastJson<{ grimoires: { id: string }[] }>(built).grimoires.map((g) => g.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/hard/);
    const bookRequests = server.requests.filter((r) => JSON.stringify(r.body).includes('skill book for a smaller language model'));
    expect(bookRequests.length).toBeGreaterThan(0);
    for (const request of bookRequests) expect(JSON.stringify(request.body)).toContain('HOUSE STYLE: number every rule.');
  });

  it('every validation call failed: exit 3 with the summary (best-single skipped), not an input error', async () => {
    const server = await startFakeOpenAIServer({
      thread: false,
      answer: weakModel,
      fault: ({ body }) => (String(body?.messages?.[0]?.content ?? '').includes('RULES-') ? { kind: 'server', status: 500 } : undefined),
    });
    servers.push(server);
    const toy = writeToyTask({ train: 120, test: 20 });
    const set = join(toy.root, 'set');
    writeToySet(set);
    const result = await runCli(
      [
        'grimoire',
        'eval',
        '--dataset',
        toy.dataset,
        '--weak',
        `openai:w@${server.url}`,
        '--grimoires',
        set,
        '--limit',
        '10',
        '--methods',
        'zero-shot,best-single',
        '--validation-size',
        '20',
        '--json',
        '--runs',
        join(toy.root, 'runs'),
        '--retries',
        '0',
      ],
      { env: { APPRENTICE_CACHE: 'none', OPENAI_API_KEY: '' } },
    );
    expect(result.code, result.stderr).toBe(3);
    const json = lastJson<{ methods: MethodRow[]; errors: number; validationErrors: number; bestSingle: unknown }>(result);
    expect(json.methods.map((m) => m.method)).toEqual(['zero-shot']);
    expect(json.bestSingle).toBeNull();
    expect(json.validationErrors).toBeGreaterThan(0);
    expect(json.errors).toBe(json.validationErrors);
    expect(result.stderr).toMatch(/on validation\) and are not scored; run the same command again to retry only them/);
  });

  it('bad input exits 2 with a message naming the problem', async () => {
    const toy = writeToyTask();
    const result = await runCli([
      'grimoire',
      'eval',
      '--dataset',
      toy.dataset,
      '--weak',
      'openai:x@http://127.0.0.1:9/v1',
      '--grimoires',
      join(toy.root, 'nothing'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no manifest.json: not a grimoire set/);
    const badMethod = await runCli(['grimoire', 'eval', '--dataset', toy.dataset, '--weak', 'x', '--grimoires', 'y', '--methods', 'best']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/--methods/);
  });

  it.skipIf(!existsSync(RECORDED) || !existsSync(SST5))(
    'imports the recorded GPT-4 grimoires for SST5 and evaluates them (needs ../shared/datasets)',
    async () => {
      const server = await startFakeOpenAIServer({ thread: false, answer: () => 'Answer: positive' });
      servers.push(server);
      const toy = writeToyTask();
      const out = join(toy.root, 'sst5');
      const imported = await runCli(['grimoire', 'import', RECORDED, '--task', 'SST5', '--hard-for', 'PHI2', '--out', out, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(lastJson<{ grimoires: string[] }>(imported).grimoires).toHaveLength(12);

      const result = await runCli(
        [
          'grimoire',
          'eval',
          '--dataset',
          `grimoire:${SST5}`,
          '--weak',
          `openai:w@${server.url}`,
          '--grimoires',
          out,
          '--limit',
          '20',
          '--methods',
          'zero-shot,single,best-single',
          '--validation-size',
          '20',
          '--json',
          '--runs',
          join(toy.root, 'runs'),
        ],
        { env: { APPRENTICE_CACHE: 'none', OPENAI_API_KEY: '' } },
      );
      expect(result.code, result.stderr).toBe(0);
      const json = lastJson<{ methods: MethodRow[] }>(result);
      const positives = (JSON.parse(readFileSync(join(SST5, 'test.json'), 'utf8')) as { ans_text: string }[])
        .slice(0, 20)
        .filter((r) => r.ans_text === 'positive').length;
      expect(json.methods).toHaveLength(1 + 12 + 1);
      for (const row of json.methods) expect(row.accuracy).toBeCloseTo(positives / 20, 10);
    },
  );
});
