/**
 * `grimoire eval` roots for the dashboard, recognised and read through their results contract
 * (grimoire/evalResult.ts); each method is an ordinary run folder below it. A missing summary.json (the
 * evaluation has not finished) or another shape is reported, never a crash.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { readConfig, text } from '../../eval/runResult.js';
import { wilsonInterval } from '../../eval/stats.js';
import { GRIMOIRE_EVAL, methodLabel, methodRunName, type GrimoireEvalFolder, type MethodResult } from '../../grimoire/evalResult.js';
import { CONFIG_FILE, SUMMARY_FILE } from '../../runs/runDir.js';
import { isObject } from '../../util/isObject.js';
import type { GrimoireEvalDetail, GrimoireEvalListing, GrimoireMethodView } from './api.js';
import { validationHeadline } from '../../grimoire/headline.js';
import { HttpError } from './httpError.js';
import { folderOf, isRunDir, runIdOf } from './runs.js';

export interface LoadedGrimoireEval {
  listing: GrimoireEvalListing;
  detail: Omit<GrimoireEvalDetail, 'charts'> | null;
}

/** Reads a root: the listing always (with the problem when summary.json is missing or malformed), the detail when readable. */
export function loadGrimoireEval(root: string, dir: string): LoadedGrimoireEval {
  const id = runIdOf(root, dir);
  const config = readConfig(dir);
  const identity: Record<string, unknown> = isObject(config.identity) ? config.identity : {};
  const file = join(dir, SUMMARY_FILE);
  const base: GrimoireEvalListing = {
    id,
    task: text(identity.dataset),
    split: text(identity.split),
    weak: text(identity.weak),
    n: Array.isArray(identity.examples) ? identity.examples.length : 0,
    methods: 0,
    headline: null,
    invalid: 0,
    errors: 0,
    costUsd: 0,
    modifiedAt: statSync(join(dir, CONFIG_FILE)).mtime.toISOString(),
    problem: null,
  };
  const unfinished = GRIMOIRE_EVAL.detect(dir)?.unfinished;
  if (unfinished) return { listing: { ...base, problem: unfinished }, detail: null };
  const checked = GRIMOIRE_EVAL.check(dir);
  if (!checked.ok) return { listing: { ...base, problem: checked.problem }, detail: null };
  const folder = checked.value;
  const summary = folder.result;
  const methods = folder.methods.map((method) => methodView(root, folder, method));
  const chosen = validationHeadline(summary);
  const headlineView = chosen ? methods[summary.methods.indexOf(chosen.method)] : undefined;
  const listing: GrimoireEvalListing = {
    ...base,
    task: summary.task,
    split: summary.split,
    weak: summary.weak,
    n: summary.n,
    methods: methods.length,
    headline: chosen && headlineView?.accuracy ? { label: headlineView.label, accuracy: headlineView.accuracy, why: chosen.why } : null,
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
      runId: methodRunId(root, dir, folder.validation.find((v) => v.id === g.id)?.dir ?? null),
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
  const dir = folderOf(root, id, 2); // the root and its method runs (single/<grimoire>)
  if (!dir || !GRIMOIRE_EVAL.detect(dir)) throw new HttpError(404, `no grimoire evaluation "${id}" under ${root}`);
  const loaded = loadGrimoireEval(root, dir);
  if (!loaded.detail) throw new HttpError(existsSync(join(dir, SUMMARY_FILE)) ? 422 : 404, `grimoire evaluation "${id}": ${loaded.listing.problem}`);
  return loaded.detail;
}

function methodView(root: string, folder: GrimoireEvalFolder, method: GrimoireEvalFolder['methods'][number]): GrimoireMethodView {
  const row: MethodResult = method.row;
  return {
    key: methodRunName(row),
    label: methodLabel(row),
    method: row.method,
    grimoire: row.grimoire ?? null,
    demos: row.demos ?? null,
    runId: methodRunId(root, folder.dir, method.dir),
    n: row.n,
    scored: row.scored,
    correct: row.correct,
    accuracy: row.accuracy === null ? null : { value: row.accuracy, ci95: row.ci95 },
    invalid: row.invalid,
    errors: row.errors,
    costUsd: row.costUsd,
    costPerCorrectUsd: row.costPerCorrectUsd ?? null,
    selectionCostUsd: row.selectionCostUsd ?? null,
  };
}

function methodRunId(root: string, evalDir: string, dir: string | null): string | null {
  if (!dir) return null;
  const rel = relative(evalDir, dir);
  if (rel.startsWith('..') || isAbsolute(rel) || !isRunDir(dir)) return null;
  return runIdOf(root, dir);
}
