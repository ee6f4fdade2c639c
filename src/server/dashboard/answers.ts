/**
 * What each dashboard route answers, computed from the runs folder: plain functions of a request that names the
 * route and its folders, so that they run where the server sends them (a worker thread: answerWorkers.ts) and
 * return plain data. Nothing here writes to the runs folder.
 */
import { compareRuns } from '../../eval/compare.js';
import type {
  CascadeDetail,
  CompareResponse,
  DistillCellDetail,
  DistillSweepDetail,
  ExamplesPage,
  GrimoireEvalDetail,
  PairedComparisonView,
  RunDetail,
  RunListing,
  RunsResponse,
  ScalingResponse,
} from './api.js';
import { cascadeDetail, loadCascade } from './cascade.js';
import { compareCharts, runCharts } from './charts.js';
import { cellDetail, loadSweepListing, sweepDetail } from './distillSweep.js';
import { grimoireEvalDetail, loadGrimoireEval } from './grimoireEval.js';
import { withGroups } from './groups.js';
import { distillCharts, grimoireCharts } from './pipelineCharts.js';
import { byRecency, findRunFiles, RunStore, summaryView, type FoundFiles } from './runs.js';
import { EXAMPLES_PAGE, INLINE_EXAMPLES, type ExampleQuery } from './exampleQuery.js';
import { loadScalingSource } from './scaling.js';

export type AnswerRequest =
  | { route: 'find' }
  /** The runs list; `listings` are the runs' listings when already read (answerWorkers.ts reads them in the workers holding the runs). */
  | { route: 'runs'; found: FoundFiles; listings?: RunListing[] }
  /** The listings of these run folders (read and kept here), in no particular order. */
  | { route: 'listings'; dirs: string[] }
  | { route: 'run'; id: string }
  | { route: 'run/examples'; id: string; query: ExampleQuery }
  | { route: 'compare'; ids: string[] }
  | { route: 'grimoire'; id: string }
  | { route: 'distill'; id: string }
  | { route: 'distill/cell'; id: string }
  | { route: 'cascade'; id: string }
  | { route: 'scaling'; found: FoundFiles; scoreFiles: string[] };

const FIRST_PAGE: ExampleQuery = { filter: 'all', words: [], sort: 'index', descending: false, offset: 0, limit: EXAMPLES_PAGE };

/** The runs folder answers are computed over; `store` keeps loaded runs until their files change. */
export interface AnswerContext {
  root: string;
  seed: number;
  store: RunStore;
}

export function answerContext(root: string, seed: number): AnswerContext {
  return { root, seed, store: new RunStore(root, seed) };
}

export async function computeAnswer(context: AnswerContext, request: AnswerRequest): Promise<unknown> {
  const { root, store } = context;
  switch (request.route) {
    case 'find': {
      // The walk of the runs folder: its time grows with the folder, so it is done here, off the server's thread.
      const response: FoundFiles = findRunFiles(root);
      return response;
    }
    case 'runs': {
      const { found } = request;
      const grimoireEvals = found.grimoireEvals.map((dir) => loadGrimoireEval(root, dir).listing);
      const distillSweeps = found.sweeps.flatMap((dir) => loadSweepListing(root, dir) ?? []);
      const cascades = found.cascades.map((dir) => loadCascade(root, dir).listing);
      const response: RunsResponse = {
        root,
        runs: withGroups(request.listings ? byRecency(request.listings) : await store.list(found.runs), grimoireEvals, distillSweeps, cascades),
        grimoireEvals,
        distillSweeps,
        cascades,
      };
      return response;
    }
    case 'listings': {
      const response: RunListing[] = await store.list(request.dirs);
      return response;
    }
    case 'run': {
      const run = await store.load(request.id);
      const examplesTotal = run.examples.count;
      const first = await run.examples.page({ ...FIRST_PAGE, limit: examplesTotal <= INLINE_EXAMPLES ? INLINE_EXAMPLES : EXAMPLES_PAGE });
      const response: RunDetail = {
        run: run.listing,
        summary: summaryView(run.summary),
        config: run.config,
        charts: await runCharts(run),
        examples: first.rows,
        examplesTotal,
      };
      return response;
    }
    case 'run/examples': {
      const response: ExamplesPage = await (await store.load(request.id)).examples.page(request.query);
      return response;
    }
    case 'compare':
      return compare(context, request.ids);
    case 'grimoire': {
      const detail = grimoireEvalDetail(root, request.id);
      const response: GrimoireEvalDetail = { ...detail, charts: await grimoireCharts(detail) };
      return response;
    }
    case 'distill': {
      const detail = sweepDetail(root, request.id);
      const response: DistillSweepDetail = { ...detail, charts: await distillCharts(detail) };
      return response;
    }
    case 'distill/cell': {
      const response: DistillCellDetail = cellDetail(root, request.id);
      return response;
    }
    case 'cascade': {
      const response: CascadeDetail = await cascadeDetail(root, request.id);
      return response;
    }
    case 'scaling': {
      const { found, scoreFiles } = request;
      const sources = await Promise.all([
        ...found.analyses.map((file) => loadScalingSource(file, 'analysis', root)),
        ...found.scoreRows.map((file) => loadScalingSource(file, 'scores', root)),
        ...scoreFiles.map((file) => loadScalingSource(file, 'scores', root)),
      ]);
      const response: ScalingResponse = { sources };
      return response;
    }
  }
}

/** Every run after the first compared with the first, paired by example. */
async function compare({ store, seed }: AnswerContext, ids: readonly string[]): Promise<CompareResponse> {
  const runs = await Promise.all(ids.map((id) => store.load(id)));
  const [first, ...others] = runs;
  const comparisons: PairedComparisonView[] = await Promise.all(
    others.map(async (other) => {
      const base = { a: first!.listing.id, b: other.listing.id };
      try {
        const result = await compareRuns(first!.dir, other.dir, seed);
        return {
          ...base,
          paired: result.paired,
          unpaired: result.unpaired,
          accuracyA: result.accuracyA,
          accuracyB: result.accuracyB,
          difference: result.difference,
          mcnemar: result.mcnemar,
          problem: null,
        };
      } catch (error) {
        return { ...base, paired: 0, unpaired: 0, accuracyA: null, accuracyB: null, difference: null, mcnemar: null, problem: (error as Error).message };
      }
    }),
  );
  const listings = runs.map((run) => run.listing);
  return { runs: listings, comparisons, charts: await compareCharts(listings, comparisons) };
}
