/**
 * Scaling results for the dashboard: the analysis.json of scaling folders (`scale run`, `scale analyze --out`),
 * checked through their results contract, and score-row files (analysed here with the same function), each
 * with its score-vs-size charts.
 */
import { relative, resolve, sep } from 'node:path';
import { analyzeScaling, type TaskAnalysis } from '../../scaling/analyzeScaling.js';
import { readScoreRows } from '../../scaling/readScoreRows.js';
import { checkAnalyses } from '../../scaling/scalingResults.js';
import type { ScalingSource, ScalingTaskView } from './api.js';
import { scalingCharts } from './charts.js';

export async function loadScalingSource(file: string, kind: ScalingSource['kind'], root: string): Promise<ScalingSource> {
  const rel = relative(resolve(root), resolve(file));
  const path = rel.startsWith('..') ? file : rel.split(sep).join('/');
  try {
    const analyses = kind === 'analysis' ? analysesIn(file) : analyzeScaling(await readScoreRows(file));
    const tasks = analyses.map(taskView);
    return { path, kind, tasks, charts: await scalingCharts(tasks), problem: null };
  } catch (error) {
    return { path, kind, tasks: [], charts: [], problem: (error as Error).message };
  }
}

function analysesIn(file: string): TaskAnalysis[] {
  const checked = checkAnalyses(file);
  if (!checked.ok) throw new Error(checked.problem);
  return checked.value;
}

function taskView(analysis: TaskAnalysis): ScalingTaskView {
  return {
    task: analysis.task,
    metric: analysis.metric,
    verdict: analysis.verdict,
    improvement: analysis.improvement,
    linearity: analysis.linearity,
    breakthroughness: analysis.breakthroughness,
    notes: analysis.notes ?? [],
    scores: analysis.scores
      .filter((score) => typeof score.params === 'number' && typeof score.score === 'number')
      .map((score) => ({
        model: score.model,
        params: score.params,
        paramsEstimated: score.paramsEstimated ?? false,
        score: score.score,
        normalized: score.normalized,
        ci95: score.ci95 ?? null,
      })),
  };
}
