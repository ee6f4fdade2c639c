/**
 * Item 1 of issue 16: a run is identified by the content of its inputs, not their path. Editing the
 * dataset or the predictions file and rerunning the same command must not reuse the old records.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareAnnotation } from '../../src/distill/annotate.js';
import { importTeacherOutputs } from '../../src/distill/importTeacher.js';
import { runEvalJob } from '../../src/eval/job.js';
import { identityChanges } from '../../src/runs/runDir.js';
import { ModelHub } from '../../src/models/hub.js';
import { evalConfig, tempDirs, writeReviews } from './helpers.js';

const newDir = tempDirs();

async function evalPredictions(dir: string, overrides: Parameters<typeof evalConfig>[1] = {}) {
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    return (await runEvalJob(evalConfig(dir, { predictions: join(dir, 'predictions.jsonl'), ...overrides }), hub)).summary;
  } finally {
    await hub.close();
  }
}

describe("eval identity follows the inputs' content", () => {
  it('an edited dataset is scored afresh: 0/2 after the gold flips, not the old 2/2', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    const first = await evalPredictions(dir);
    expect(first).toMatchObject({ n: 2, correct: 2 });

    writeReviews(join(dir, 'reviews.jsonl'), true);
    const second = await evalPredictions(dir);
    expect(second).toMatchObject({ n: 2, correct: 0, resumed: false });
    expect(second.runDir).not.toBe(first.runDir);
  });

  it('an edited predictions file is scored afresh', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    expect(await evalPredictions(dir)).toMatchObject({ correct: 2 });
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"negative"}\n{"index":1,"output":"positive"}\n');
    expect(await evalPredictions(dir)).toMatchObject({ correct: 0, resumed: false });
  });

  it('the same inputs resume the same folder', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    const first = await evalPredictions(dir);
    const second = await evalPredictions(dir);
    expect(second).toMatchObject({ resumed: true, runDir: first.runDir, correct: 2 });
  });

  it('an explicit --run-dir holding another content is refused, saying what changed', async () => {
    const dir = newDir();
    const runDir = join(dir, 'fixed');
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    await evalPredictions(dir, { runDir });
    writeReviews(join(dir, 'reviews.jsonl'), true);
    await expect(evalPredictions(dir, { runDir })).rejects.toThrow(/dataset content changed/);
  });
});

describe('distill annotate and import identity follows the dataset content', () => {
  it('annotating an edited dataset into the same folder is refused, saying the dataset content changed', async () => {
    const dir = newDir();
    const file = join(dir, 'math.jsonl');
    writeFileSync(file, '{"q":"What is 2 + 2?","a":"4"}\n{"q":"What is 3 + 3?","a":"6"}\n');
    const config = {
      dataset: `jsonl:${file}`,
      datasetOptions: { inputField: 'q', labelField: 'a', answerType: 'number' as const },
      splits: ['test'],
      seed: 0,
      teacher: 'openai:teacher',
      samples: 1,
      maxTokens: 64,
      concurrency: 1,
      validationFraction: 0.1,
      out: join(dir, 'annotations'),
      showProgress: false,
    };
    await prepareAnnotation(config, 'live');
    await prepareAnnotation(config, 'live'); // unchanged: resumes
    writeFileSync(file, '{"q":"What is 2 + 2?","a":"5"}\n{"q":"What is 3 + 3?","a":"6"}\n');
    await expect(prepareAnnotation(config, 'live')).rejects.toThrow(/dataset content changed/);
  });
});

describe('identityChanges', () => {
  it('names changed fields, changed content, and content an older folder did not record', () => {
    expect(identityChanges({ model: 'a', datasetContent: '1' }, { model: 'b', datasetContent: '2' })).toBe('model changed, dataset content changed');
    expect(identityChanges({ model: 'a' }, { model: 'a', datasetContent: '2' })).toBe('dataset content not recorded (a folder from an older version)');
  });
});

describe('distill import identity follows the teacher outputs', () => {
  it('re-importing edited teacher outputs into the same folder is refused, saying the outputs changed', async () => {
    const dir = newDir();
    mkdirSync(join(dir, 'data'));
    mkdirSync(join(dir, 'teacher'));
    writeFileSync(join(dir, 'data', 'svamp_train.json'), '{"input":"Tom has 3 apples and buys 4. How many?","label":"( 3.0 + 4.0 )"}\n');
    writeFileSync(join(dir, 'teacher', 'train_CoT_0.json'), JSON.stringify(['3 + 4 = 7. The answer is (3 + 4).']));
    const config = { dataset: `svamp:${join(dir, 'data')}`, teacherOutputs: join(dir, 'teacher'), out: join(dir, 'ann') };
    expect((await importTeacherOutputs(config)).splits.train).toMatchObject({ correct: 1 });
    writeFileSync(join(dir, 'teacher', 'train_CoT_0.json'), JSON.stringify(['3 + 4 = 8. The answer is (4 + 4).']));
    await expect(importTeacherOutputs(config)).rejects.toThrow(/outputs content changed/);
  });
});
