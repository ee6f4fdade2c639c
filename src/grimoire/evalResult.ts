/**
 * The root folder `grimoire eval` writes, as its readers (report, dashboard) see it: config.json whose
 * identity kind is GRIMOIRE_EVAL_KIND, summary.json holding the GrimoireEvalResult (checked here before
 * use), and one ordinary run folder per method.
 */
import { isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { parseChecked, readChecked, type Checked } from '../util/checkedJson.js';
import type { GrimoireEvalResult, MethodResult } from './evaluate.js';

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
      grimoires: z.array(z.object({ id: z.string(), accuracy: z.number().nullable(), scored: z.number() })),
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

/** summary.json of a grimoire eval root, checked; an InputError names the file and what is wrong. */
export function readGrimoireEvalResult(file: string): GrimoireEvalResult {
  return readChecked(resultSchema, file, 'a grimoire evaluation result');
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
