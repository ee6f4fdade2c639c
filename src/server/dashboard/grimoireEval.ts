/**
 * `grimoire eval` roots for the dashboard: a folder whose config.json says `grimoire eval` (identity
 * kind "grimoire-eval") and whose summary.json is the GrimoireEvalResult; each method is an ordinary
 * run folder below it. summary.json is checked before use: a missing one (the evaluation has not
 * finished) or another shape is reported, never a crash.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { wilsonInterval } from '../../eval/stats.js';
import type { GrimoireEvalResult, MethodResult } from '../../grimoire/evaluate.js';
import { GRIMOIRE_EVAL_KIND, methodLabel, methodRunDir, parseGrimoireEvalResult } from '../../grimoire/evalResult.js';
import { CONFIG_FILE, SUMMARY_FILE } from '../../runs/runDir.js';
import type { GrimoireEvalDetail, GrimoireEvalListing, GrimoireMethodView } from './api.js';
import { HttpError } from './httpError.js';
import { folderOf, isObject, isRunDir, runIdOf, text } from './runs.js';

type Method = MethodResult;

/** True for a `grimoire eval` root folder, whether or not its summary.json is there yet. */
export function isGrimoireEvalRoot(dir: string): boolean {
  try {
    const config: unknown = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'));
    return isObject(config) && config.command === 'grimoire eval' && isObject(config.identity) && config.identity.kind === GRIMOIRE_EVAL_KIND;
  } catch {
    return false;
  }
}

export interface LoadedGrimoireEval {
  listing: GrimoireEvalListing;
  detail: Omit<GrimoireEvalDetail, 'charts'> | null;
}

/** Reads a root: the listing always (with the problem when summary.json is missing or malformed), the detail when readable. */
export function loadGrimoireEval(root: string, dir: string): LoadedGrimoireEval {
  const id = runIdOf(root, dir);
  const config = readConfig(dir);
  const identity = isObject(config.identity) ? config.identity : {};
  const file = join(dir, SUMMARY_FILE);
  const base: GrimoireEvalListing = {
    id,
    task: text(identity.dataset),
    split: text(identity.split),
    weak: text(identity.weak),
    n: Array.isArray(identity.examples) ? identity.examples.length : 0,
    methods: 0,
    highest: null,
    invalid: 0,
    errors: 0,
    costUsd: 0,
    modifiedAt: statSync(join(dir, CONFIG_FILE)).mtime.toISOString(),
    problem: null,
  };
  if (!existsSync(file)) {
    return { listing: { ...base, problem: 'no summary.json yet: the evaluation has not finished' }, detail: null };
  }
  const checked = parseGrimoireEvalResult(readFileSync(file, 'utf8'));
  if (!checked.ok) return { listing: { ...base, problem: `summary.json is not a grimoire evaluation result (${checked.problem})` }, detail: null };
  const summary = checked.value;
  const methods = summary.methods.map((method) => methodView(root, dir, summary, method));
  const scored = methods.filter((method) => method.accuracy !== null);
  const highest = scored.reduce<GrimoireMethodView | null>((best, m) => (best && (best.accuracy?.value ?? 0) >= (m.accuracy?.value ?? 0) ? best : m), null);
  const listing: GrimoireEvalListing = {
    ...base,
    task: summary.task,
    split: summary.split,
    weak: summary.weak,
    n: summary.n,
    methods: methods.length,
    highest: highest?.accuracy ? { label: highest.label, accuracy: highest.accuracy } : null,
    invalid: methods.reduce((sum, m) => sum + m.invalid, 0),
    errors: methods.reduce((sum, m) => sum + m.errors, 0),
    // best-single and the ranker share one set of validation answers: its cost counts once.
    costUsd: methods.reduce((sum, m) => sum + m.costUsd, 0) + Math.max(0, ...methods.map((m) => m.selectionCostUsd ?? 0)),
    modifiedAt: statSync(file).mtime.toISOString(),
  };
  const validation = summary.validation && {
    n: summary.validation.n,
    source: summary.validation.source,
    grimoires: summary.validation.grimoires.map((g) => ({
      id: g.id,
      accuracy: g.accuracy === null ? null : { value: g.accuracy, ci95: wilsonInterval(Math.round(g.accuracy * g.scored), g.scored) },
      scored: g.scored,
      runId: methodRunId(root, dir, join(dir, 'validation', g.id)),
    })),
  };
  const v = summary.ranker?.validation ?? null;
  const routing = {
    grimoires: [...new Set(summary.methods.flatMap((method) => Object.keys(method.chosen ?? {})))].sort(),
    methods: summary.methods.flatMap((method, i) => {
      if (!method.chosen) return [];
      const view = methods[i]!;
      return [{ key: view.key, label: view.label, counts: method.chosen, total: Object.values(method.chosen).reduce((a, b) => a + b, 0) }];
    }),
  };
  return {
    listing,
    detail: {
      eval: listing,
      grimoireSet: summary.grimoireSet,
      methods,
      validation,
      bestSingle: summary.bestSingle,
      ranker: v && {
        fitQuestions: v.fitQuestions ?? null,
        checkQuestions: v.checkQuestions ?? null,
        checkRoutedAccuracy: v.checkRoutedAccuracy ?? null,
        checkBestSingleAccuracy: v.checkBestSingleAccuracy ?? null,
        bestSingleOnFit: v.bestSingleOnFit ?? null,
        mode: v.mode ?? null,
        bestEpoch: v.bestEpoch ?? null,
      },
      routing,
      config,
    },
  };
}

/** The detail of the root with this id: 404 when there is none, 404/422 when summary.json is missing or malformed. */
export function grimoireEvalDetail(root: string, id: string): Omit<GrimoireEvalDetail, 'charts'> {
  const dir = folderOf(root, id);
  if (!dir || !isGrimoireEvalRoot(dir)) throw new HttpError(404, `no grimoire evaluation "${id}" under ${root}`);
  const loaded = loadGrimoireEval(root, dir);
  if (!loaded.detail) throw new HttpError(existsSync(join(dir, SUMMARY_FILE)) ? 422 : 404, `grimoire evaluation "${id}": ${loaded.listing.problem}`);
  return loaded.detail;
}

function methodView(root: string, dir: string, result: GrimoireEvalResult, method: Method): GrimoireMethodView {
  const key = methodKey(method);
  const methodDir = methodRunDir(dir, result, method);
  return {
    key,
    label: methodLabel(method),
    method: method.method,
    grimoire: method.grimoire ?? null,
    demos: method.demos ?? null,
    runId: methodRunId(root, dir, methodDir),
    n: method.n,
    scored: method.scored,
    correct: method.correct,
    accuracy: method.accuracy === null ? null : { value: method.accuracy, ci95: method.ci95 },
    invalid: method.invalid,
    errors: method.errors,
    costUsd: method.costUsd,
    costPerCorrectUsd: method.costPerCorrectUsd ?? null,
    selectionCostUsd: method.selectionCostUsd ?? null,
  };
}

/** The run folder names evaluateGrimoires gives each method. */
function methodKey(method: Method): string {
  if (method.method === 'few-shot') return `few-shot-${method.demos ?? 'random'}`;
  if (method.method === 'single') return `single/${method.grimoire ?? ''}`;
  return method.method;
}

function methodRunId(root: string, evalDir: string, dir: string): string | null {
  const rel = relative(evalDir, dir);
  if (rel.startsWith('..') || isAbsolute(rel) || !isRunDir(dir)) return null;
  return runIdOf(root, dir);
}

function readConfig(dir: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
