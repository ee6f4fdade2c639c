/**
 * Options several commands share, declared once. A command that needs other help text or another
 * default spreads the spec and changes only that: `seed: { ...common.seed, help: 'bootstrap seed' }`.
 * `to` is the pipeline config field most pipelines take the value as; a command whose pipeline calls
 * it otherwise (or takes it elsewhere) changes `to` the same way.
 */
import { resolve } from 'node:path';
import * as z from '../util/zod.js';
import { option } from './options.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt } from './validate.js';

/** How a command prints its result. */
export const outputOptions = {
  json: option('--json', 'print one JSON object instead of a table', z.boolean().optional()),
  progress: option('--no-progress', 'no progress output', z.boolean()),
};

/** Where an evaluation's run folder goes. */
export const runFolderOptions = {
  runDir: option('--run-dir <dir>', 'run folder (default: runs/<id derived from the arguments>)', z.string().optional(), { to: 'runDir' }),
  runs: option(
    '--runs <dir>',
    'parent folder for run folders',
    z.string().transform((path) => resolve(path)),
    { default: 'runs', to: 'runsRoot' },
  ),
  name: option('--name <name>', 'a human name for the run folder: <runs>/<name>-<id> (what identifies the run is unchanged)', z.string().min(1).optional(), {
    to: 'name',
  }),
};

/** Which examples of a split are used. */
export const subsetOptions = {
  limit: option('--limit <n>', 'the first N examples of the split', positiveInt.optional(), { to: 'limit' }),
  sample: option('--sample <n>', 'a seeded random subset of N examples', positiveInt.optional(), { to: 'sample' }),
};

/** Single options shared by several commands, each with its most common help text and default. */
export const common = {
  answerPattern: option(
    '--answer-pattern <regex>',
    'final-answer statement the built-in markers miss (case-insensitive; group "answer" or 1 is the answer, else the text after it)',
    z.string().optional(),
    { to: 'answerPattern' },
  ),
  seed: option('--seed <n>', 'seed for sampling, demos and bootstrap', nonNegativeInt, { default: '0', to: 'seed' }),
  split: option('--split <name>', 'split to evaluate', z.string(), { default: 'test', to: 'split' }),
  out: option('--out <dir>', 'output folder', z.string().min(1), { required: true, to: 'out' }),
  maxTokens: option('--max-tokens <n>', 'maximum tokens per completion', positiveInt, { default: '256', to: 'maxTokens' }),
  temperature: option('--temperature <t>', 'sampling temperature (0 = greedy)', nonNegativeNumber, { default: '0', to: 'temperature' }),
  shots: option('--shots <k>', 'demonstrations for few-shot and cot', nonNegativeInt, { default: '4', to: 'shots' }),
  demoSplit: option('--demo-split <name>', 'split the demonstrations come from', z.string(), { default: 'train', to: 'demoSplit' }),
  embedder: option('--embedder <spec>', 'embedder for nearest demos: builtin or a model spec', z.string(), { default: 'builtin', to: 'embedder' }),
  validationFraction: option('--validation-fraction <f>', 'fraction of train held out as validation when needed', z.coerce.number().gt(0).lt(1), {
    default: '0.1',
    to: 'validationFraction',
  }),
  port: option('--port <n>', 'port to listen on (0 picks a free one)', z.coerce.number().int().min(0).max(65535)),
  host: option('--host <address>', 'address to bind; the default serves this machine only (any other needs --server-key)', z.string().min(1), {
    default: '127.0.0.1',
  }),
  serverKey: option(
    '--server-key <token>',
    'key clients must send as "Authorization: Bearer <token>" (a browser: ?key=<token> once); default $APPRENTICE_SERVER_KEY; required off loopback',
    z.string().min(1).optional(),
  ),
};
