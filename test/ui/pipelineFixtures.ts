/**
 * Folders of the other pipelines for the dashboard tests, written by the real pipeline functions:
 * a `grimoire eval` root (evaluateGrimoires with a loopback weak model: the recorded GPT-4 grimoires
 * on SST5 with the cue-reading stand-in when ../shared/datasets is there, else the toy task) and a
 * distillation sweep (the quickstart at its tiny scale: teacher, annotation, students, report), and a cascade
 * calibration with its test evaluation (loopback student and teacher stand-ins).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { calibrateCascade, evaluateCascade } from '../../src/cascade/calibrate.js';
import type { CascadeEvaluation, CascadeRunConfig, Calibration } from '../../src/cascade/results.js';
import { QUICKSTART_SCALES, runQuickstart, type QuickstartResult } from '../../src/distill/quickstart.js';
import { evaluateGrimoires, type GrimoireEvalConfig, type GrimoireEvalResult } from '../../src/grimoire/evaluate.js';
import { importRecordedGrimoires } from '../../src/grimoire/import.js';
import { ModelHub } from '../../src/models/hub.js';
import { weakModel, writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { lexiconWeakModel } from '../grimoire/lexiconWeakModel.js';
import { startStandIns, writeSumsDataset } from '../cascade/standIns.js';
import { startFakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { PROJECT_ROOT } from '../support/runCli.js';

const SHARED = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'grimoire');
const SST5 = join(SHARED, 'tasks', 'SST5');
const SST5_LABELS = ['very positive', 'positive', 'neutral', 'negative', 'very negative'];

export interface GrimoireFixture {
  result: GrimoireEvalResult;
  /** Whether the real SST5 data and recorded grimoires were used (else the toy task). */
  real: boolean;
}

/** Every method of `grimoire eval` on 40 test questions, written under `runsRoot/<name>`. */
export async function makeGrimoireEval(runsRoot: string, name = 'grimoire-eval', options: { real?: boolean } = {}): Promise<GrimoireFixture> {
  const real = (options.real ?? true) && existsSync(SST5);
  const work = join(runsRoot, '..', `${name}-inputs`);
  mkdirSync(work, { recursive: true });
  let dataset: string;
  let set: string;
  let answer: (prompt: string) => string;
  if (real) {
    dataset = `grimoire:${SST5}`;
    set = join(work, 'grimoires');
    importRecordedGrimoires(join(SHARED, 'recorded', 'grimoires'), { task: 'SST5', hardFor: 'PHI2', out: set });
    answer = lexiconWeakModel(SST5_LABELS, 'neutral');
  } else {
    const toy = writeToyTask({ train: 160, test: 40 });
    dataset = toy.dataset;
    set = join(toy.root, 'set');
    writeToySet(set);
    answer = weakModel;
  }
  const server = await startFakeOpenAIServer({ thread: false, answer });
  const hub = new ModelHub({ cachePath: ':memory:', maxRetries: 0, warn: () => {}, prices: { weak: { input: 0.1, output: 0.4 } } });
  try {
    const config: GrimoireEvalConfig = {
      dataset,
      weak: `openai:weak@${server.url}`,
      grimoires: set,
      split: 'test',
      limit: 40,
      seed: 0,
      methods: ['zero-shot', 'few-shot', 'single', 'best-single', 'similarity', 'ranker'],
      shots: 4,
      fewShotDemos: ['random'],
      embedder: 'builtin',
      validationSize: 40,
      concurrency: 16,
      runsRoot,
      runDir: join(runsRoot, name),
    };
    return { result: await evaluateGrimoires(config, hub), real };
  } finally {
    await hub.close();
    await server.close();
  }
}

/** `apprentice quickstart --scale tiny` into `runsRoot/<name>` (about 10 s). */
export function makeDistillSweep(runsRoot: string, name = 'quickstart'): Promise<QuickstartResult> {
  return runQuickstart({ out: join(runsRoot, name), scale: QUICKSTART_SCALES.tiny, scaleName: 'tiny' });
}

/**
 * `cascade calibrate` on validation, then `cascade eval` on test, into `runsRoot/<name>`, with the loopback
 * stand-ins of the cascade tests (a student right on ~70% of sums whose log-probabilities are informative).
 */
export async function makeCascade(runsRoot: string, name = 'cascade'): Promise<{ calibration: Calibration; evaluation: CascadeEvaluation }> {
  const standIns = await startStandIns();
  const hub = new ModelHub({ cachePath: 'none', warn: () => {}, prices: { student: { input: 0.1, output: 0.4 }, teacher: { input: 5, output: 15 } } });
  try {
    const out = join(runsRoot, name);
    const config: CascadeRunConfig = {
      student: `openai:student@${standIns.student.url}`,
      teacher: `openai:teacher@${standIns.teacher.url}`,
      dataset: writeSumsDataset(join(runsRoot, '..', `${name}-inputs`), { train: 5, validation: 40, test: 40 }),
      datasetOptions: { inputField: 'question', labelField: 'answer', answerType: 'number' },
      style: 'zero-shot',
      maxTokens: 32,
      signal: 'logprob',
      samples: 5,
      seed: 0,
      validationFraction: 0.2,
    };
    const calibration = await calibrateCascade({ config, split: 'validation', target: { accuracy: 0.8 }, out, hub });
    const evaluation = await evaluateCascade({ calibrationDir: out, split: 'test', hub });
    return { calibration, evaluation };
  } finally {
    await hub.close();
    await standIns.close();
  }
}
