/**
 * The generic-ability trade-off (Fu et al. 2023): specializing a small model on one task can cost it
 * ability elsewhere. We evaluate ONE model before and after specialization on the in-task test and on
 * out-of-task test sets, side by side:
 *
 *   before  a generalist: a student of the sweep's size and steps whose data mixes the in-task pool with
 *           out-of-task problems (gold answers, answer-only) — it stands in for a pretrained model;
 *   after   that same checkpoint, warm-started (engine `initFrom`: its weights and tokenizer, a fresh
 *           optimizer) and trained a short while (`specializeSteps`, default a quarter of the students' steps)
 *           on the in-task training data of the sweep's largest fraction for one method (`specializeMethod`;
 *           default the data the sweep is about: its first chain-of-thought method when it has one — a CoT sweep
 *           specializes on CoT rows —, else its first method trained there), selected on that method's in-task
 *           validation, and asked as that method's students are (its student card: prompt, demonstrations).
 *
 *   <out>/generalist/               the before checkpoint (generalist.json once finished)
 *   <out>/generalist-specialized/   the after checkpoint (specialized.json once finished)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Example, TaskDefinition } from '../data/types.js';
import { train, type LossNormalization } from '../engine/train.js';
import type { TrainingExample } from '../engine/trainingData.js';
import type { ModelHub } from '../models/hub.js';
import { buildTrainingData, trainingExamplesOf, type TrainingRow } from './builders.js';
import { goldRecords } from './goldRecords.js';
import { accuracyOf, evaluateStudent, lossNormalizationOf, methodLabel, type CellResult, type StudentSettings, type SweepMethod } from './sweep.js';
import { readStudentCard, studentCard, writesChain, type StudentCard } from './studentCard.js';
import type { GenericRow, GenericSection } from './sweepResults.js';
import { formatPercent } from '../util/numberFormat.js';
import type { ExampleRecord } from '../eval/records.js';
import { openRunDir, runIdFor } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';

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
  /** The sweep's students: the data of the largest fraction at `seed` is what the generalist is specialised on. */
  cells: readonly CellResult[];
  /** The method whose training data specialises the generalist (default: `specializationCell`'s choice). */
  specializeMethod?: SweepMethod;
  /** Optimizer steps of the specialisation (default max(1, round(student steps / 4))). */
  specializeSteps?: number;
  /** Step-by-step loss normalisation, as in the sweep (default 'task'). */
  lossNormalization?: LossNormalization;
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
  const trainRows = buildTrainingData(config.task, goldRecords([...config.trainPool, ...sets.flatMap((s) => s.train)], 'train'), {
    method: 'standard-ft',
  }).rows;
  const validationRows = buildTrainingData(config.task, goldRecords([...config.validation], 'validation'), { method: 'standard-ft' }).rows;
  const s = config.student;
  const finished = join(generalistDir, 'generalist.json');
  if (!existsSync(finished)) {
    log(
      `  generalist: ${trainRows.length} training inputs (${config.trainPool.length} in-task, ${trainRows.length - config.trainPool.length} out-of-task), ${s.steps} steps`,
    );
    await train({
      train: trainingExamplesOf(trainRows, 'generalist', 'label'),
      validation: trainingExamplesOf(validationRows, 'validation', 'label'),
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
  const score = async (dir: string, card: StudentCard): Promise<GenericRow['scores']> => {
    const scores: GenericRow['scores'] = {};
    for (const set of sets) {
      // Resumable like a cell's test answers: generic-answers/<model>/<set>-<hash of what was asked>/.
      const identity = {
        model: basename(dir),
        method: card.method,
        dataset: set.dataset,
        examples: set.test.map((e) => [e.index, e.input, e.target]),
        ...(card.demos ? { demos: card.demos } : {}),
      };
      const answers = openRunDir<ExampleRecord>(join(config.out, 'generic-answers', basename(dir), runIdFor(set.name, identity)), {
        identity,
        resolved: { command: 'distill generic ability', set: set.name },
      });
      const records = await evaluateStudent(hub, dir, card, config.task, set.test, answers);
      const flags: number[] = records.map((r) => (r.correct ? 1 : 0));
      scores[set.name] = { n: flags.length, ...accuracyOf(flags) };
    }
    return scores;
  };
  const rows: GenericRow[] = [
    {
      model: 'generalist (standard fine-tuning on in-task + out-of-task problems)',
      role: 'before',
      scores: await score(generalistDir, studentCard('standard-ft', s.maxTokens)),
    },
  ];
  const cell = specializationCell(config.cells, config.seed, config.specializeMethod);
  const full = cell?.fraction;
  let specialized: string | undefined;
  if (cell) {
    const specializedDir = join(config.out, 'generalist-specialized');
    const steps = config.specializeSteps ?? Math.max(1, Math.round(s.steps / 4));
    const trainData = readRows(join(cell.dir, 'train.jsonl'));
    const label = methodLabel(cell.method);
    const done = join(specializedDir, 'specialized.json');
    if (existsSync(done)) {
      const previous = JSON.parse(readFileSync(done, 'utf8')) as { method?: string; fraction?: number };
      if (previous.method !== cell.method || previous.fraction !== full) {
        throw new InputError(
          `the generalist was specialised on ${previous.method ?? 'other'} data of fraction ${previous.fraction ?? '?'} here, this run specialises it on ${cell.method} data of fraction ${full}; use another --out or delete the folder`,
          { file: done },
        );
      }
    } else {
      log(`  specialising the generalist: ${trainData.length} ${label} rows of fraction ${full} (in-task only), ${steps} steps`);
      await train({
        train: trainData,
        validation: readRows(join(cell.dir, 'validation.jsonl')),
        outDir: specializedDir,
        initFrom: generalistDir,
        steps,
        batchSize: s.batchSize,
        learningRate: s.learningRate,
        seed: config.seed,
        resume: true,
        lossNormalization: lossNormalizationOf(config, cell.method),
        info: { role: 'generalist after specialization', method: cell.method, fraction: full, data: join(cell.dir, 'train.jsonl') },
      });
      writeFileSync(done, JSON.stringify({ method: cell.method, fraction: full, rows: trainData.length, steps }) + '\n');
    }
    specialized = `${label} data of fraction ${full} (${cell.inputs} in-task inputs, ${trainData.length} rows), ${steps} steps`;
    // Asked as the sweep's students of that method are (an in-context student with the same demonstrations).
    const card = readStudentCard(join(cell.dir, 'student')) ?? studentCard(cell.method, s.maxTokens);
    rows.push({
      model: `the same generalist, specialised on ${specialized}`,
      role: 'after',
      scores: await score(specializedDir, card),
    });
  }
  const pct = (v: number) => formatPercent(v, 0);
  for (const row of rows)
    log(
      `  ${row.model}: ${Object.entries(row.scores)
        .map(([name, v]) => `${name} ${pct(v.accuracy)}`)
        .join(', ')}`,
    );
  const outOfTask = sets.filter((set) => !set.inTask);
  return {
    sets: sets.map(({ name, dataset, inTask }) => ({ name, dataset, inTask })),
    rows,
    note:
      `Out-of-task sets: ${outOfTask.map((set) => `${set.name} (${set.dataset}; ${set.test.length} test problems, ${set.train.length} in the generalist's training)`).join('; ')}. ` +
      "One model before and after specialization. Before: a generalist of the students' size and training steps whose data mixes " +
      'the in-task pool with out-of-task problems (gold answers) — it stands in for a pretrained model. After: that same checkpoint ' +
      (specialized
        ? `warm-started (its weights and tokenizer, a fresh optimizer) and trained on the in-task ${specialized}. `
        : `specialised on the in-task data — not done here: no ${config.specializeMethod ?? ''} student was trained at the largest fraction. `.replace(
            '  ',
            ' ',
          )) +
      'Each answers with the prompt it was trained on.',
  };
}

/**
 * The student whose training data specialises the generalist: at the largest fraction trained at `seed`, the
 * named method's, else the sweep's first chain-of-thought method's (a CoT sweep is about CoT rows), else the
 * first method's.
 */
export function specializationCell(cells: readonly CellResult[], seed: number, method?: string): CellResult | undefined {
  const trained = cells.filter((c) => !c.skipped && c.seed === seed);
  if (trained.length === 0) return undefined;
  const full = Math.max(...trained.map((c) => c.fraction));
  const atFull = trained.filter((c) => c.fraction === full);
  if (method) return atFull.find((c) => c.method === method);
  return atFull.find((c) => c.method.startsWith('cot') && writesChain(c.method)) ?? atFull.find((c) => c.method.startsWith('cot')) ?? atFull[0];
}

/** A cell's train.jsonl / validation.jsonl (builder rows) as engine examples. */
function readRows(file: string): TrainingExample[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return trainingExamplesOf(
    lines.map((line) => JSON.parse(line) as TrainingRow),
    file,
  );
}
