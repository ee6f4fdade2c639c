/**
 * The results contract of `grimoire eval`: the root folder it writes, config.json whose identity kind is
 * GRIMOIRE_EVAL_KIND, summary.json holding the GrimoireEvalResult (checked here before use), and one ordinary
 * evaluation run folder per method (named by `methodRunName`) and per grimoire answering validation. The
 * evaluation writes through it, the report and the dashboard read through it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import * as z from '../util/zod.js';
import { readConfig } from '../eval/runResult.js';
import type { RunSummary } from '../eval/summary.js';
import type { ResultContract } from '../runs/resultContract.js';
import { CONFIG_FILE, SUMMARY_FILE } from '../runs/runDir.js';
import { checkFile, parseChecked, type Checked } from '../util/checkedJson.js';
import { isObject } from '../util/isObject.js';
import type { GrimoireRanker } from './ranker.js';
import type { EvalMethod } from './types.js';

/** How few-shot demonstrations are picked for a baseline: at random or the nearest to the question. */
export type DemoKind = 'random' | 'nearest';

/** One method's numbers in a grimoire evaluation: accuracy with its interval, invalid answers and errors. */
export interface MethodResult extends Pick<RunSummary, 'n' | 'scored' | 'correct' | 'accuracy' | 'ci95' | 'invalid' | 'errors' | 'errorsByKind'> {
  method: EvalMethod;
  /** Outputs that ran on into an invented next example and were cut before reading (absent in folders written before it was counted). */
  cutOutputs?: number;
  grimoire?: string;
  demos?: DemoKind;
  /** Dollars the weak model's calls cost for these examples. */
  costUsd: number;
  costPerQuestionUsd: number | null;
  costPerCorrectUsd: number | null;
  /** best-single and ranker: dollars spent answering validation to choose/train. */
  selectionCostUsd?: number;
  /** similarity and ranker: how often each grimoire was chosen. */
  chosen?: Record<string, number>;
  runDir: string;
}

/** What {@link evaluateGrimoires} measured: each method's accuracy and the headline chosen on validation. */
export interface GrimoireEvalResult {
  task: string;
  split: string;
  weak: string;
  grimoireSet: string;
  n: number;
  validation: {
    n: number;
    source: 'manifest' | 'dataset' | 'held-out';
    grimoires: { id: string; accuracy: number | null; scored: number; cutOutputs?: number }[];
  } | null;
  bestSingle: { grimoire: string; validationAccuracy: number | null } | null;
  ranker: { file: string; validation: GrimoireRanker['saved']['validation'] } | null;
  methods: MethodResult[];
  runDir: string;
  /** Failed calls over all runs, validation included (a rerun retries only them). */
  errors: number;
  /** Of those, failed validation answers (best-single and ranker are skipped when none was scored). */
  validationErrors: number;
}

export const GRIMOIRE_EVAL_KIND = 'grimoire-eval';

const ci = z.tuple([z.number(), z.number()]).nullable();
const methodSchema = z.object({
  method: z.string(),
  grimoire: z.string().optional(),
  demos: z.string().optional(),
  n: z.number(),
  scored: z.number(),
  correct: z.number(),
  accuracy: z.number().nullable(),
  ci95: ci,
  invalid: z.number(),
  cutOutputs: z.number().optional(),
  errors: z.number(),
  costUsd: z.number(),
  costPerQuestionUsd: z.number().nullable().optional(),
  costPerCorrectUsd: z.number().nullable().optional(),
  selectionCostUsd: z.number().optional(),
  chosen: z.record(z.string(), z.number()).optional(),
  runDir: z.string(),
});
const resultSchema = z.object({
  task: z.string(),
  split: z.string(),
  weak: z.string(),
  grimoireSet: z.string(),
  n: z.number(),
  validation: z
    .object({
      n: z.number(),
      source: z.string(),
      grimoires: z.array(z.object({ id: z.string(), accuracy: z.number().nullable(), scored: z.number(), cutOutputs: z.number().optional() })),
    })
    .nullable(),
  bestSingle: z.object({ grimoire: z.string(), validationAccuracy: z.number().nullable() }).nullable(),
  ranker: z
    .object({
      file: z.string(),
      validation: z.object({
        fitQuestions: z.number().optional(),
        checkQuestions: z.number().optional(),
        checkRoutedAccuracy: z.number().nullable().optional(),
        checkBestSingleAccuracy: z.number().nullable().optional(),
        bestSingleOnFit: z.string().optional(),
        mode: z.string().optional(),
        bestEpoch: z.number().optional(),
      }),
    })
    .nullable(),
  methods: z.array(methodSchema),
  runDir: z.string(),
});

// What evaluateGrimoires writes is what this schema reads.
const _writtenIsRead = (written: GrimoireEvalResult): z.infer<typeof resultSchema> => written;
void _writtenIsRead;

/** The text of a summary.json checked: the result, or what is wrong (`split: expected string, ...`). */
export function parseGrimoireEvalResult(text: string): Checked<GrimoireEvalResult> {
  return parseChecked(resultSchema, text);
}

/** A method's name for people: `best single grimoire (kmeans-4-profound, chosen on validation)`. */
export function methodLabel(method: Pick<MethodResult, 'method' | 'grimoire' | 'demos'>): string {
  switch (method.method) {
    case 'few-shot':
      return `few-shot (${method.demos ?? '?'} demos)`;
    case 'single':
      return `single grimoire: ${method.grimoire ?? '?'}`;
    case 'best-single':
      return `best single grimoire (${method.grimoire ?? '?'}, chosen on validation)`;
    case 'similarity':
      return 'SLEICL, similarity routing';
    case 'ranker':
      return 'SLEICL, learned ranker';
    default:
      return method.method;
  }
}

/**
 * A method's run folder now: the result records absolute folders, so under a root that has moved since,
 * the recorded folder's place relative to the recorded root.
 */
export function methodRunDir(root: string, result: Pick<GrimoireEvalResult, 'runDir'>, method: Pick<MethodResult, 'runDir'>): string {
  const inside = relative(result.runDir, method.runDir);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? join(root, inside) : method.runDir;
}

/** The run folder name of a method under the root: zero-shot, few-shot-random, single/<grimoire>, best-single... */
export function methodRunName(method: Pick<MethodResult, 'method' | 'grimoire' | 'demos'>): string {
  if (method.method === 'few-shot') return `few-shot-${method.demos ?? 'random'}`;
  if (method.method === 'single') return `single/${method.grimoire ?? ''}`;
  return method.method;
}

/** The run folder of a grimoire's answers on validation (used to choose the best single and train the ranker). */
export function validationRunName(grimoire: string): string {
  return `validation/${grimoire}`;
}

/** The root config.json as written: identity (kind, seed, validation ids...), command, version, configuration. */
export interface GrimoireEvalConfig {
  identity?: { kind?: string; seed?: number; validation?: string[]; dataset?: string; split?: string; weak?: string; examples?: number[] };
  command?: string;
  version?: string;
  config?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface GrimoireEvalFolder {
  dir: string;
  config: GrimoireEvalConfig;
  result: GrimoireEvalResult;
  /** Each method's row of the result with its run folder as it is now. */
  methods: { row: MethodResult; name: string; dir: string }[];
  /** Each grimoire's answers on validation: its run folder, when it exists. */
  validation: { id: string; dir: string | null }[];
}

function detect(dir: string): { unfinished: string | null } | null {
  if (!existsSync(join(dir, CONFIG_FILE))) return null;
  let config: GrimoireEvalConfig;
  try {
    config = readConfig(dir) as GrimoireEvalConfig;
  } catch {
    return null;
  }
  if (!isObject(config.identity) || config.identity.kind !== GRIMOIRE_EVAL_KIND) return null;
  return { unfinished: existsSync(join(dir, SUMMARY_FILE)) ? null : `no ${SUMMARY_FILE} yet: the evaluation has not finished` };
}

function check(dir: string): Checked<GrimoireEvalFolder> {
  const checked = checkFile<GrimoireEvalResult>(resultSchema, join(dir, SUMMARY_FILE), 'a grimoire evaluation result');
  if (!checked.ok) return checked;
  const result = checked.value;
  const validationDir = (id: string) => {
    const folder = join(dir, validationRunName(id));
    return existsSync(join(folder, CONFIG_FILE)) ? folder : null;
  };
  return {
    ok: true,
    value: {
      dir,
      config: readConfig(dir) as GrimoireEvalConfig,
      result,
      methods: result.methods.map((row) => ({ row, name: methodRunName(row), dir: methodRunDir(dir, result, row) })),
      validation: (result.validation?.grimoires ?? []).map((g) => ({ id: g.id, dir: validationDir(g.id) })),
    },
  };
}

export const GRIMOIRE_EVAL: ResultContract<'grimoire', GrimoireEvalFolder> = {
  kind: 'grimoire',
  label: 'grimoire eval root',
  expected: `${CONFIG_FILE} + ${SUMMARY_FILE} from \`apprentice grimoire eval\``,
  detect,
  check,
};
