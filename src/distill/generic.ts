/**
 * The generic-ability trade-off (Fu et al. 2023): specializing a small model on one task can cost it
 * ability elsewhere. We evaluate models before and after specialization on the in-task test and on
 * out-of-task test sets, side by side. The built-in engine trains from scratch (it has no warm start),
 * so "before" is a generalist of the same size and training steps whose data mixes the in-task pool
 * with out-of-task problems (gold answers), and "after" are the sweep's specialists.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Example, TaskDefinition } from '../data/types.js';
import { train } from '../engine/train.js';
import type { ModelHub } from '../models/hub.js';
import { buildTrainingData } from './builders.js';
import { goldRecords } from './goldRecords.js';
import { accuracyOf, evaluateStudent, type CellResult, type StudentSettings, type SweepMethod } from './sweep.js';
import type { GenericRow, GenericSection } from './sweepReport.js';

export interface GenericConfig {
  task: TaskDefinition;
  out: string;
  inTask: { dataset: string; test: readonly Example[] };
  /** In-task training inputs with gold answers (the generalist's in-task share). */
  trainPool: readonly Example[];
  validation: readonly Example[];
  /** Out-of-task datasets (any dataset spec with the same answer type), by display name. */
  sets: { name: string; dataset: string }[];
  /** Out-of-task training examples per set for the generalist. */
  trainPerSet: number;
  /** At most this many test examples per out-of-task set. */
  testLimit?: number;
  student: StudentSettings;
  seed: number;
  /** The sweep's students; the largest fraction at `seed` are the specialists compared. */
  cells: readonly CellResult[];
  log?: (line: string) => void;
}

export async function genericAbility(hub: ModelHub, config: GenericConfig): Promise<GenericSection> {
  const log = config.log ?? (() => {});
  const sets: { name: string; dataset: string; inTask: boolean; test: Example[]; train: Example[] }[] = [
    { name: 'in-task test', dataset: config.inTask.dataset, inTask: true, test: [...config.inTask.test], train: [] },
  ];
  for (const set of config.sets) {
    const loaded = await loadDataset(set.dataset, {});
    const test = loaded.splits.test ?? [];
    sets.push({
      name: set.name,
      dataset: loaded.source,
      inTask: false,
      test: config.testLimit ? test.slice(0, config.testLimit) : test,
      train: (loaded.splits.train ?? []).slice(0, config.trainPerSet),
    });
  }
  const generalistDir = join(config.out, 'generalist');
  const trainRows = buildTrainingData(config.task, goldRecords([...config.trainPool, ...sets.flatMap((s) => s.train)], 'train'), { method: 'standard-ft' }).rows;
  const validationRows = buildTrainingData(config.task, goldRecords([...config.validation], 'validation'), { method: 'standard-ft' }).rows;
  const s = config.student;
  const finished = join(generalistDir, 'generalist.json');
  if (!existsSync(finished)) {
    log(`  generalist: ${trainRows.length} training inputs (${config.trainPool.length} in-task, ${trainRows.length - config.trainPool.length} out-of-task), ${s.steps} steps`);
    await train({
      train: trainRows.map((row, i) => ({ prompt: row.prompt, completion: row.completion, weight: 1, task: 'label', source: { file: 'generalist', line: i + 1 } })),
      validation: validationRows.map((row, i) => ({ prompt: row.prompt, completion: row.completion, weight: 1, task: 'label', source: { file: 'validation', line: i + 1 } })),
      outDir: generalistDir,
      size: s.size,
      steps: s.steps,
      batchSize: s.batchSize,
      learningRate: s.learningRate,
      contextLength: s.contextLength,
      seed: config.seed,
      resume: true,
      info: { role: 'generalist (before specialization)' },
    });
    writeFileSync(finished, JSON.stringify({ trainExamples: trainRows.length, sets: sets.map((set) => set.dataset) }) + '\n');
  }
  const score = async (dir: string, method: SweepMethod): Promise<GenericRow['scores']> => {
    const scores: GenericRow['scores'] = {};
    for (const set of sets) {
      const records = await evaluateStudent(hub, dir, method, config.task, set.test, s.maxTokens);
      const flags: number[] = records.map((r) => (r.correct ? 1 : 0));
      scores[set.name] = { n: flags.length, ...accuracyOf(flags, `generic:${set.name}`) };
    }
    return scores;
  };
  const rows: GenericRow[] = [
    { model: 'generalist (standard fine-tuning on in-task + out-of-task problems)', role: 'before', scores: await score(generalistDir, 'standard-ft') },
  ];
  const trained = config.cells.filter((c) => !c.skipped && c.seed === config.seed);
  const full = Math.max(...trained.map((c) => c.fraction));
  for (const cell of trained.filter((c) => c.fraction === full)) {
    rows.push({ model: `${cell.method} specialist (fraction ${cell.fraction})`, role: 'after', scores: await score(join(cell.dir, 'student'), cell.method) });
  }
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  for (const row of rows) log(`  ${row.model}: ${Object.entries(row.scores).map(([name, v]) => `${name} ${pct(v.accuracy)}`).join(', ')}`);
  return {
    sets: sets.map(({ name, dataset, inTask }) => ({ name, dataset, inTask })),
    rows,
    note:
      'Before specialization: a generalist of the same size and training steps whose data mixes the in-task pool with out-of-task ' +
      'problems (gold answers) — the built-in engine trains from scratch, so this stands in for a pretrained model. After: the ' +
      'specialists trained on the in-task task only. Each answers with the prompt it was trained on.',
  };
}
