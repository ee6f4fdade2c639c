/**
 * Issue 16's bad-input corpus through the built `apprentice` command (needs `npm run build`): each case is the
 * files a user might give, the command, the exit code expected (2: bad input) and what the message must name
 * (file, line, field), with no stack trace. No case reaches a model: predictions files or no model at all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli.js';
import { jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();

interface Case {
  name: string;
  /** Writes the case's files into `dir` and returns the command's arguments. */
  setup: (dir: string) => string[];
  code: number;
  /** What stderr must contain, with `DIR` standing for the case's folder. */
  message: (dir: string) => RegExp;
}

const GOOD = [
  { text: 'great film', label: 1 },
  { text: 'dull and long', label: 0 },
];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function dataset(dir: string, body: string | Buffer = jsonLines(GOOD), name = 'reviews.jsonl'): string {
  writeFileSync(join(dir, name), body);
  return join(dir, name);
}

function predictions(dir: string, body = '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n'): string {
  writeFileSync(join(dir, 'predictions.jsonl'), body);
  return join(dir, 'predictions.jsonl');
}

/** `eval` scoring a predictions file (no model call), with the dataset's fields given as flags. */
const evalArgs = (dir: string, file: string, extra: string[] = []) => [
  'eval',
  '--dataset',
  `jsonl:${file}`,
  '--input-field',
  'text',
  '--label-field',
  'label',
  '--labels',
  'negative,positive',
  '--predictions',
  predictions(dir),
  '--runs',
  join(dir, 'runs'),
  '--no-progress',
  ...extra,
];

const CASES: Case[] = [
  {
    name: 'a dataset line without the input field',
    setup: (dir) => evalArgs(dir, dataset(dir, jsonLines([GOOD[0], { label: 0 }]))),
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'reviews.jsonl'))}:2, field "text"`),
  },
  {
    name: 'a dataset line that is not JSON',
    setup: (dir) => evalArgs(dir, dataset(dir, '{"text":"great film","label":1}\n{"text": "dull", label: 0}\n')),
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'reviews.jsonl'))}:2`),
  },
  {
    name: 'a label outside the label list',
    setup: (dir) => evalArgs(dir, dataset(dir, jsonLines([GOOD[0], { text: 'meh', label: 7 }]))),
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'reviews.jsonl'))}:2, field "label"`),
  },
  {
    name: 'a label of the wrong type',
    setup: (dir) => evalArgs(dir, dataset(dir, jsonLines([GOOD[0], { text: 'meh', label: { value: 0 } }]))),
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'reviews.jsonl'))}:2, field "label"`),
  },
  {
    name: 'an empty dataset file',
    setup: (dir) => evalArgs(dir, dataset(dir, '')),
    code: 2,
    message: (dir) => new RegExp(escape(join(dir, 'reviews.jsonl'))),
  },
  {
    name: 'invalid UTF-8 in the dataset',
    setup: (dir) =>
      evalArgs(dir, dataset(dir, Buffer.concat([Buffer.from('{"text":"fine","label":1}\n{"text":"caf'), Buffer.from([0xe9]), Buffer.from('","label":0}\n')]))),
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'reviews.jsonl'))}:2: not valid UTF-8`),
  },
  {
    name: 'a duplicate prediction index',
    setup: (dir) => {
      const args = evalArgs(dir, dataset(dir));
      predictions(dir, '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n{"index":0,"output":"negative"}\n');
      return args;
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'predictions.jsonl'))}:3, field "index": index 0 appears twice`),
  },
  {
    name: 'a prediction line without its output',
    setup: (dir) => {
      const args = evalArgs(dir, dataset(dir));
      predictions(dir, '{"index":0,"output":"positive"}\n{"index":1}\n');
      return args;
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'predictions.jsonl'))}:2, field "output"`),
  },
  {
    name: '--labels ""',
    setup: (dir) => evalArgs(dir, dataset(dir)).map((arg) => (arg === 'negative,positive' ? '' : arg)),
    code: 2,
    message: () => /field "labels": the label list is empty/,
  },
  {
    name: '--runs naming a file',
    setup: (dir) => {
      writeFileSync(join(dir, 'runs'), '');
      return evalArgs(dir, dataset(dir));
    },
    code: 2,
    message: (dir) => new RegExp(`error: ${escape(join(dir, 'runs'))}: `),
  },
  {
    name: 'a --config file that is not YAML',
    setup: (dir) => {
      writeFileSync(join(dir, 'run.yaml'), 'dataset: jsonl:x\nlabels: [a, b\nconcurrency: 2\n');
      return ['eval', '--config', join(dir, 'run.yaml')];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'run.yaml'))}: invalid YAML: .* at line \\d+, column \\d+`),
  },
  {
    name: 'a --config value of the wrong type',
    setup: (dir) => {
      writeFileSync(join(dir, 'run.yaml'), `dataset: jsonl:${dataset(dir)}\nconcurrency: many\n`);
      return ['eval', '--config', join(dir, 'run.yaml')];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'run.yaml'))}:2, field "concurrency": .*number`),
  },
  {
    name: 'an unknown --config key (a typo)',
    setup: (dir) => {
      writeFileSync(join(dir, 'run.yaml'), `dataset: jsonl:${dataset(dir)}\nconcurency: 4\n`);
      return ['eval', '--config', join(dir, 'run.yaml')];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'run.yaml'))}:2, field "concurency": unknown option`),
  },
  {
    name: 'a score-row file with a parameter count that is not a number',
    setup: (dir) => {
      writeFileSync(join(dir, 'rows.csv'), 'model,params,task,metric,score\ns,1e8,t,acc,0.1\nm,lots,t,acc,0.3\nl,1e10,t,acc,0.6\n');
      return ['scale', 'analyze', join(dir, 'rows.csv')];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'rows.csv'))}:3, field "params"`),
  },
  {
    name: 'training data with a line missing its completion',
    setup: (dir) => {
      writeFileSync(join(dir, 'train.jsonl'), jsonLines([{ prompt: 'a', completion: ' b' }, { prompt: 'c' }]));
      return ['train', '--data', join(dir, 'train.jsonl'), '--steps', '1', '--out', join(dir, 'model')];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'train.jsonl'))}:2, field "completion"`),
  },
  {
    name: 'garbage training/state.json in the run to resume',
    setup: (dir) => {
      writeFileSync(join(dir, 'train.jsonl'), jsonLines(Array.from({ length: 8 }, (_, i) => ({ prompt: `q${i}`, completion: ` a${i}` }))));
      mkdirSync(join(dir, 'model', 'training'), { recursive: true });
      writeFileSync(join(dir, 'model', 'training', 'state.json'), '{ not json');
      return ['train', '--data', join(dir, 'train.jsonl'), '--steps', '2', '--size', 'tiny', '--out', join(dir, 'model'), '--resume'];
    },
    code: 2,
    message: (dir) => new RegExp(`${escape(join(dir, 'model', 'training', 'state.json'))}: the training state is not valid JSON`),
  },
];

describe('the bad-input corpus through the command line', () => {
  for (const testCase of CASES) {
    it(
      testCase.name,
      async () => {
        const dir = newDir();
        const result = await runCli(testCase.setup(dir));
        expect(result.code, result.stderr).toBe(testCase.code);
        expect(result.stderr).toMatch(testCase.message(dir));
        expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      },
      60_000,
    );
  }
});
