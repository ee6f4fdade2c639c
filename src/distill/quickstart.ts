/**
 * The offline main job (`apprentice quickstart`): distillation end to end on the built-in synthetic
 * task family and the built-in engine, nothing downloaded.
 *
 *   1. data      synthetic arithmetic word problems: a pool of training inputs, validation and a held-out
 *                test split (and, for a trained teacher, a small gold-rationale set)
 *   2. teacher   by default a simulated teacher: the family's own gold chains with a stated share made
 *                wrong ("simulated teacher (10% errors)"), as good as a real teacher LLM is; or a larger
 *                student trained on the gold rationales (zero-shot chain of thought)
 *   3. annotate  the teacher's rationale and label for every pool and validation input (a trained teacher
 *                writes them through the model layer, `builtin:`), into ordinary annotation records
 *   4. students  standard fine-tuning (gold labels of the pool), a CoT student (writes the chain, then the
 *                answer), distilling step-by-step in both settings (gold labels / teacher labels + teacher
 *                rationales), standard distillation (teacher labels), at several data fractions and seeds,
 *                each selected on validation, evaluated on test (the sweep of `distill run`); each method
 *                against its baseline by a paired bootstrap over seeds and examples
 *   5. generic   one model before and after specialization: a generalist trained on in-task and out-of-task
 *                problems, then the same checkpoint warm-started on the in-task data of fraction 1 (a short
 *                run), both on the in-task test and on out-of-task tests
 *   6. results   results.json with the verdict (the command then writes report.html, report.md and the plot)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Dataset, Example, TaskDefinition } from '../data/types.js';
import { weightsDigest } from '../engine/checkpointFiles.js';
import type { LlamaConfig, ModelSize } from '../engine/model.js';
import { train, type LossNormalization } from '../engine/train.js';
import { ModelHub } from '../models/hub.js';
import { openRunDir, SUMMARY_FILE } from '../runs/runDir.js';
import { treeCpuMark, treeCpuSecondsSince } from '../util/processTreeCpu.js';
import { VERSION } from '../version.js';
import { annotationFromOutputs, type AnnotationRecord } from './annotation.js';
import { buildTrainingData, trainingExamplesOf } from './builders.js';
import { chanceLevel } from './chance.js';
import { goldRecords } from './goldRecords.js';
import { annotationStats } from './stats.js';
import { writeManifest } from './store.js';
import { simulatedAnnotations, simulatedTeacherName } from './simulatedTeacher.js';
import { cotPrompt, STUDENT_STOPS } from './studentFormat.js';
import { genericAbility } from './generic.js';
import { StageClock, type StageTime } from './stageTimes.js';
import { accuracyOf, poolThreads, runSweep, type StudentSettings, type SweepMethod, type SweepResult } from './sweep.js';
import type { GenericSection, TeacherAccuracy } from './sweepResults.js';
import { concludeSweep } from './verdict.js';

/** The sizes of a quickstart run: dataset, teacher data, student sizes and training steps (see QUICKSTART_SCALES). */
export interface QuickstartScale {
  /** The in-task dataset spec (synthetic). */
  dataset: string;
  /** Gold-rationale examples the teacher learns from (taken from the start of train). */
  goldSize: number;
  /**
   * The teacher: `simulatedErrorRate` for a simulated one (simulatedTeacher.ts: every train example is pool, no
   * gold set), else a named size, optionally widened/deepened (engine architecture overrides), so it is larger than
   * the students, trained on the gold set.
   */
  teacher: {
    simulatedErrorRate?: number;
    size: ModelSize;
    model?: Partial<Omit<LlamaConfig, 'vocabSize'>>;
    steps: number;
    batchSize?: number;
    learningRate: number;
  };
  student: StudentSettings;
  fractions: number[];
  seeds: number[];
  methods: SweepMethod[];
  /** Out-of-task evaluation sets (synthetic specs), and the examples of each used to train the generalist. */
  generic: { name: string; dataset: string }[];
  genericTrainPerSet: number;
}

const EASY = 'steps=1-2,digits=1,distractors=0';

const QUICKSTART_METHODS: SweepMethod[] = ['standard-ft', 'cot-zero-shot-cot', 'step-by-step-gold', 'standard-distill', 'step-by-step'];

/** The default run (2 min 50 s wall, 308 s CPU on 2 nearly idle cores, two students at once; docs/distill.md) and a smoke test (seconds; its numbers mean nothing). */
export const QUICKSTART_SCALES: Record<'default' | 'tiny', QuickstartScale> = {
  default: {
    dataset: `synthetic:${EASY},seed=0,train=460,validation=60,test=400`,
    goldSize: 0,
    teacher: { simulatedErrorRate: 0.1, size: 'tiny', steps: 0, learningRate: 0 },
    // The budget (<= 5 minutes on 2 idle cores) is spent on three seeds of five methods at one fraction
    // (docs/distill.md, the budget). The learning rate was chosen on a tuning set of another data seed, never on
    // this test set: at 6e-3 the CoT student learns in 450 steps what it did not at 3e-3. Its chain keeps its
    // validation loss falling to the last step, so it trains 450 steps; the answer-only and step-by-step
    // students train 300: their validation-selected checkpoints stop gaining before that (standard fine-tuning
    // given 450 steps chose steps 240-315 and scored the same). The report names the steps of every method.
    // 400 test problems: answering is cheap next to training, and it halves the test set's share of the variance.
    // A step runs in passes of 8 rows grouped by length (the same gradient as one pass, less padding).
    student: {
      size: 'tiny',
      steps: 300,
      stepsByMethod: { 'cot-zero-shot-cot': 450 },
      batchSize: 16,
      microBatch: 8,
      learningRate: 6e-3,
      contextLength: 160,
      maxTokens: { answer: 6, cot: 80 },
    },
    fractions: [1],
    seeds: [0, 1, 2],
    methods: QUICKSTART_METHODS,
    // The generic-ability check is `distill run --generic`; the default quickstart leaves it out for time.
    generic: [],
    genericTrainPerSet: 0,
  },
  tiny: {
    dataset: `synthetic:${EASY},seed=0,train=40,validation=8,test=16`,
    goldSize: 0,
    teacher: { simulatedErrorRate: 0.1, size: 'tiny', steps: 0, learningRate: 0 },
    student: { size: 'tiny', steps: 6, batchSize: 8, learningRate: 3e-3, contextLength: 160, maxTokens: { answer: 6, cot: 32 } },
    fractions: [0.5, 1],
    seeds: [0],
    methods: QUICKSTART_METHODS,
    generic: [{ name: 'three steps', dataset: 'synthetic:steps=3,digits=1,distractors=0,seed=11,train=8,validation=0,test=8' }],
    genericTrainPerSet: 8,
  },
};

/** Options of {@link runQuickstart}: output folder, scale and loss normalisation. */
export interface QuickstartOptions {
  out: string;
  scale: QuickstartScale;
  scaleName: string;
  /** Step-by-step students' loss normalisation (default 'task', the paper's). */
  lossNormalization?: LossNormalization;
  /** Students trained and answered at once, each in its own process on its share of the cores (default: min(2, cores)). */
  pool?: number;
  log?: (line: string) => void;
}

/** What {@link runQuickstart} did: the output folder, times per stage and the results. */
export interface QuickstartResult {
  out: string;
  wallSeconds: number;
  /** CPU seconds of the process and its student processes over the run (every thread): what the run costs, whatever else the machine runs. */
  cpuSeconds: number;
  /** The same per stage (data and teacher, students, generic ability, report). */
  stages: StageTime[];
  /** dir: the trained teacher's checkpoint, null for a simulated teacher. */
  teacher: { name: string; dir: string | null; test: TeacherAccuracy; pool: TeacherAccuracy; trainSeconds: number };
  sweep: SweepResult;
  /** Null when the scale has no out-of-task sets. */
  generic: GenericSection | null;
  /** results.json (the report is rendered from it by report/sweepReport.ts) and the verdict it holds. */
  report: { results: string; verdict: string[] };
}

/** The teacher's annotations and how good it is, simulated or trained. */
interface TeacherRun {
  poolRecords: AnnotationRecord[];
  validationRecords: AnnotationRecord[];
  teacherDir: string | null;
  teacherSeconds: number;
  teacherName: string;
  teacherOnTest: TeacherAccuracy;
  teacherOnPool: TeacherAccuracy;
}

/** Teacher chains for examples through the model layer, appended to an annotations split folder (resumable). */
async function annotateWithStudentTeacher(
  hub: ModelHub,
  teacherDir: string,
  task: TaskDefinition,
  dataset: string,
  split: string,
  examples: readonly Example[],
  out: string,
  maxTokens: number,
  teacherName: string,
): Promise<AnnotationRecord[]> {
  const runDir = openRunDir<AnnotationRecord>(join(out, split), {
    // The teacher by its weights, not its path: a moved quickstart folder resumes, a retrained teacher starts over.
    identity: { dataset, split, examples: examples.map((e) => e.index), teacher: weightsDigest(teacherDir), prompt: 'zero-shot-cot', maxTokens },
    // modelName: what reports and the dashboard call the teacher (the identity holds a 64-hex weights digest).
    resolved: { command: 'quickstart (teacher annotation)', version: VERSION, modelName: teacherName, task },
  });
  const model = await hub.model(`builtin:${teacherDir}`);
  const done = new Map(runDir.existing);
  for (const example of examples) {
    if (done.has(example.index)) continue;
    const prompt = cotPrompt(task.answer, { input: example.input });
    const started = performance.now();
    const response = await model.generate({ prompt, maxTokens, temperature: 0, stop: STUDENT_STOPS });
    const text = response.completions[0]?.text ?? '';
    const record = annotationFromOutputs(task, example, split, [text], {
      prompt: [{ role: 'user', content: prompt }],
      usage: response.usage,
      costUsd: 0,
      latencyMs: performance.now() - started,
      cached: response.meta?.cached ?? false,
    });
    runDir.append(record);
    done.set(example.index, record);
  }
  const records = examples.map((example) => done.get(example.index)!);
  runDir.writeJson(SUMMARY_FILE, annotationStats(records, examples.length, task));
  return records;
}

function teacherAccuracy(labelText: string, records: readonly AnnotationRecord[]): TeacherAccuracy {
  const flags = records.map((r) => (r.correct ? 1 : 0));
  const { accuracy, ci95 } = accuracyOf(flags);
  return { label: labelText, n: records.length, accuracy: records.length ? accuracy : null, ci95: records.length ? ci95 : null };
}

/** The simulated teacher's records for pool, validation and test, and its accuracy as the report shows it. */
function simulatedTeacher(
  task: TaskDefinition,
  source: string,
  pool: readonly Example[],
  validation: readonly Example[],
  test: readonly Example[],
  errorRate: number,
  out: string,
  log: (line: string) => void,
) {
  const teacherName = simulatedTeacherName(errorRate);
  log(`teacher: ${teacherName}, the synthetic family's own chains with ${Math.round(100 * errorRate)}% of them made wrong (${source})`);
  const poolRecords = simulatedAnnotations(task, pool, 'train', errorRate, 0);
  const validationRecords = simulatedAnnotations(task, validation, 'validation', errorRate, 0);
  const testRecords = simulatedAnnotations(task, test, 'test', errorRate, 0);
  // An ordinary annotations folder, as a live teacher leaves one: usable with `distill run --annotations`.
  const annotations = join(out, 'annotations');
  for (const [split, records] of [
    ['train', poolRecords],
    ['validation', validationRecords],
  ] as const) {
    const runDir = openRunDir<AnnotationRecord>(join(annotations, split), {
      identity: { dataset: source, split, teacher: teacherName },
      resolved: { command: 'quickstart (simulated teacher)', version: VERSION, task },
    });
    for (const record of records) if (!runDir.existing.has(record.index)) runDir.append(record);
    runDir.writeJson(SUMMARY_FILE, annotationStats(records, records.length, task));
  }
  writeManifest(annotations, {
    task,
    dataset: source,
    method: 'import',
    teacher: teacherName,
    settings: { prompt: "none: the dataset's gold chains, a stated share made wrong", maxTokens: 0, temperature: 0, samples: 1 },
    splits: { train: annotationStats(poolRecords, pool.length, task), validation: annotationStats(validationRecords, validation.length, task) },
  });
  return {
    poolRecords,
    validationRecords,
    teacherDir: null,
    teacherSeconds: 0,
    teacherName,
    teacherOnTest: teacherAccuracy(`${teacherName} on test`, testRecords),
    teacherOnPool: teacherAccuracy(`${teacherName}: labels on the pool`, poolRecords),
  };
}

/** Runs the offline end-to-end quickstart: data and teacher, students by each method, and the report. */
export async function runQuickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const started = performance.now();
  const cpuStarted = treeCpuMark();
  const log = options.log ?? (() => {});
  const studentPool = options.pool ?? Math.min(2, availableParallelism());
  const threads = poolThreads(studentPool);
  const scale = options.scale;
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const clock = new StageClock();

  // 1. Data.
  const dataset: Dataset = await clock.measure('data', () => loadDataset(scale.dataset, {}));
  const task = dataset.task;
  const trainSplit = dataset.splits.train ?? [];
  const gold = trainSplit.slice(0, scale.goldSize);
  const pool = trainSplit.slice(scale.goldSize);
  const validation = dataset.splits.validation ?? [];
  const test = dataset.splits.test ?? [];
  log(
    `quickstart: ${task.name} (${dataset.source}): ${gold.length} gold-rationale examples, ${pool.length} unlabelled pool, ${validation.length} validation, ${test.length} test`,
  );

  const hub = new ModelHub({ cachePath: 'none' });
  try {
    const trainedTeacher = async () => {
      // 2. Teacher: trained on the gold rationales (zero-shot CoT format), selected on validation.
      const teacherDir = join(out, 'teacher');
      const studentTeacherName = `quickstart teacher (${scale.teacher.size}, ${scale.teacher.steps} steps on gold rationales)`;
      const cot = (records: AnnotationRecord[]) => buildTrainingData(task, records, { method: 'cot', mix: { 'zero-shot-cot': 1 }, chains: 'one' }).rows;
      const teacherTrain = cot(goldRecords(gold, 'train'));
      const teacherValidation = cot(goldRecords(validation, 'validation'));
      const teacherInfo = join(teacherDir, 'quickstart-teacher.json');
      let teacherSeconds = 0;
      if (existsSync(teacherInfo)) {
        teacherSeconds = (JSON.parse(readFileSync(teacherInfo, 'utf8')) as { trainSeconds: number }).trainSeconds;
        log(`teacher: trained earlier, kept (${teacherDir})`);
      } else {
        log(
          `teacher: ${scale.teacher.size}${scale.teacher.model ? ` ${JSON.stringify(scale.teacher.model)}` : ''} model, ${scale.teacher.steps} steps on ${teacherTrain.length} gold rationales [${elapsed()}]`,
        );
        const t0 = performance.now();
        let last = 0;
        await train({
          train: trainingExamplesOf(teacherTrain, 'gold', 'cot'),
          validation: trainingExamplesOf(teacherValidation, 'validation', 'cot'),
          outDir: teacherDir,
          size: scale.teacher.size,
          ...(scale.teacher.model ? { model: scale.teacher.model } : {}),
          steps: scale.teacher.steps,
          batchSize: scale.teacher.batchSize ?? 16,
          learningRate: scale.teacher.learningRate,
          contextLength: 192,
          seed: 0,
          resume: true,
          info: { role: 'quickstart teacher', dataset: dataset.source },
          onEvent: (event) => {
            if (event.type !== 'step' || (Date.now() - last < 10_000 && event.step !== event.steps)) return;
            last = Date.now();
            log(`  teacher: step ${event.step}/${event.steps}, loss ${event.loss.toFixed(3)}, ${Math.round(event.tokensPerSecond)} tokens/s`);
          },
        });
        teacherSeconds = (performance.now() - t0) / 1000;
        writeFileSync(teacherInfo, JSON.stringify({ trainSeconds: teacherSeconds }) + '\n');
      }

      // 3. Annotation of the pool and validation by the teacher; its own test accuracy, the same way.
      const annotations = join(out, 'annotations');
      log(`teacher annotates ${pool.length} pool and ${validation.length} validation inputs, and answers ${test.length} test questions [${elapsed()}]`);
      const maxTokens = scale.student.maxTokens.cot;
      const poolRecords = await annotateWithStudentTeacher(hub, teacherDir, task, dataset.source, 'train', pool, annotations, maxTokens, studentTeacherName);
      const validationRecords = await annotateWithStudentTeacher(
        hub,
        teacherDir,
        task,
        dataset.source,
        'validation',
        validation,
        annotations,
        maxTokens,
        studentTeacherName,
      );
      const teacherTest = await annotateWithStudentTeacher(
        hub,
        teacherDir,
        task,
        dataset.source,
        'test',
        test,
        join(out, 'teacher-test'),
        maxTokens,
        studentTeacherName,
      );
      writeManifest(annotations, {
        task,
        dataset: dataset.source,
        method: 'live',
        teacher: `builtin:${teacherDir}`,
        settings: { prompt: 'zero-shot-cot (raw)', maxTokens, temperature: 0, samples: 1 },
        splits: {
          train: annotationStats(poolRecords, pool.length, task),
          validation: annotationStats(validationRecords, validation.length, task),
        },
      });
      return {
        poolRecords,
        validationRecords,
        teacherDir,
        teacherSeconds,
        teacherName: `builtin:${teacherDir}`,
        teacherOnTest: teacherAccuracy('teacher on test (chain of thought)', teacherTest),
        teacherOnPool: teacherAccuracy('teacher labels on the pool', poolRecords),
      };
    };

    // 2-3. Teacher and annotation: simulated (the gold chains with a stated error rate), or trained on the gold set.
    const simulated = scale.teacher.simulatedErrorRate;
    const teacherRun = await clock.measure(simulated !== undefined ? 'simulated teacher annotations' : 'teacher training and annotations', () =>
      simulated !== undefined
        ? Promise.resolve<TeacherRun>(simulatedTeacher(task, dataset.source, pool, validation, test, simulated, out, log))
        : trainedTeacher(),
    );
    const { poolRecords, validationRecords, teacherOnTest, teacherOnPool, teacherDir, teacherName, teacherSeconds } = teacherRun;
    log(
      `  ${teacherName}: test ${(100 * (teacherOnTest.accuracy ?? 0)).toFixed(1)}%, pool labels ${(100 * (teacherOnPool.accuracy ?? 0)).toFixed(1)}% correct [${elapsed()}]`,
    );

    // 4. Students.
    const sweep = await clock.measure(`students (${scale.methods.length} methods × ${scale.seeds.length} seeds × ${scale.fractions.length} fractions)`, () =>
      runSweep(
        {
          task,
          train: poolRecords,
          validation: validationRecords,
          test,
          methods: scale.methods,
          fractions: scale.fractions,
          seeds: scale.seeds,
          alpha: 0.5,
          filter: 'none',
          student: scale.student,
          out,
          identity: { dataset: dataset.source, teacher: 'quickstart', scale: options.scaleName },
          ...(options.lossNormalization ? { lossNormalization: options.lossNormalization } : {}),
          pool: studentPool,
          threads,
          log,
        },
        hub,
      ),
    );

    // 5. Generic ability: a generalist (in-task + out-of-task problems, gold answers), before and after specialising it
    //    (warm start) on the in-task data of fraction 1.
    // No out-of-task sets: no generic-ability section (a reduced run).
    const generic =
      scale.generic.length === 0
        ? null
        : await clock.measure('generic-ability check', () =>
            genericAbility(hub, {
              task,
              out,
              inTask: { dataset: dataset.source, test },
              trainPool: pool,
              validation,
              sets: scale.generic,
              trainPerSet: scale.genericTrainPerSet,
              student: scale.student,
              seed: scale.seeds[0] ?? 0,
              cells: sweep.cells,
              ...(options.lossNormalization ? { lossNormalization: options.lossNormalization } : {}),
              log,
            }),
          );
    if (generic) log(`generic ability: a generalist before and after specialization, on ${scale.generic.length} out-of-task test set(s) [${elapsed()}]`);

    // 6. Report.
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = treeCpuSecondsSince(cpuStarted);
    const report = concludeSweep(out, {
      title: 'Apprentice quickstart: distillation on synthetic arithmetic',
      dataset: dataset.source,
      teacherName,
      teacher: [teacherOnTest, teacherOnPool],
      points: sweep.points,
      cells: sweep.cells,
      testSize: test.length,
      chance: chanceLevel(task, poolRecords, test),
      ...(generic ? { generic } : {}),
      wallSeconds,
      settings: {
        scale: options.scaleName,
        dataset: dataset.source,
        gold: gold.length,
        pool: pool.length,
        validation: validation.length,
        test: test.length,
        teacher: simulated !== undefined ? { simulated: teacherName, errorRate: simulated } : { ...scale.teacher, trainSeconds: teacherSeconds },
        student: scale.student,
        fractions: scale.fractions,
        seeds: scale.seeds,
        methods: scale.methods,
        alpha: 0.5,
        stepByStepLossNormalization: options.lossNormalization ?? 'task',
        generic: scale.generic,
        studentsAtOnce: studentPool,
        threadsPerStudent: threads,
        cpuSeconds,
        cpuStages: clock.stages(),
      },
    });
    log(`results: ${report.results} [${elapsed()}]`);
    return {
      out,
      wallSeconds,
      cpuSeconds,
      stages: clock.stages(),
      teacher: { name: teacherName, dir: teacherDir, test: teacherOnTest, pool: teacherOnPool, trainSeconds: teacherSeconds },
      sweep,
      generic,
      report,
    };
  } finally {
    await hub.close();
  }
}
