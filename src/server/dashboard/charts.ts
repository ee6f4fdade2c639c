/** The dashboard's charts: the report's vega-lite spec builders, rendered to SVG on the server. */
import { estimateBarsSpec, renderChartSvg, seriesLinesSpec, type EstimateBar, type SeriesPoint } from '../../report/charts.js';
import { wilsonInterval } from '../../eval/stats.js';
import type { Chart, ExampleStatus, PairedComparisonView, RunListing, ScalingTaskView } from './api.js';
import type { LoadedRun } from './runs.js';

const STATUSES: ExampleStatus[] = ['correct', 'wrong', 'invalid', 'error', 'unscored'];

/** Accuracy with its CI, the share of each outcome, smooth metrics, and accuracy per grimoire used. */
export async function runCharts(run: LoadedRun): Promise<Chart[]> {
  const charts: Chart[] = [];
  const { summary, examples } = run;
  if (summary.accuracy !== null) {
    const bars = [{ label: run.listing.label, value: summary.accuracy, ci95: summary.ci95 }];
    charts.push({ title: 'Accuracy (95% Wilson CI)', svg: await renderChartSvg(estimateBarsSpec(bars)) });
  }
  const counts = examples.statusCounts();
  const present = Object.values(counts).reduce((sum, count) => sum + count, 0);
  if (present) {
    const bars = STATUSES.map((status) => ({ label: status, value: (counts[status] ?? 0) / present })).filter((bar) => bar.value > 0);
    charts.push({ title: 'Outcomes (share of examples run)', svg: await renderChartSvg(estimateBarsSpec(bars, { valueTitle: 'share of examples' })) });
  }
  const metrics = Object.entries(summary.metrics);
  if (metrics.length) {
    const bars = metrics.map(([name, metric]) => ({ label: name, value: metric.mean, ci95: metric.ci95 }));
    charts.push({ title: 'Metrics (mean, 95% CI)', svg: await renderChartSvg(estimateBarsSpec(bars, { valueTitle: 'mean', format: 'decimal' })) });
  }
  const byGrimoire = examples.grimoireScores();
  if (byGrimoire.size) {
    const bars = [...byGrimoire].map(([label, { correct, scored }]) => ({
      label: `${label} (${scored})`,
      value: correct / scored,
      ci95: wilsonInterval(correct, scored),
    }));
    charts.push({ title: 'Accuracy by grimoire used (95% Wilson CI)', svg: await renderChartSvg(estimateBarsSpec(bars)) });
  }
  return charts;
}

export async function compareCharts(runs: readonly RunListing[], comparisons: readonly PairedComparisonView[]): Promise<Chart[]> {
  const charts: Chart[] = [];
  const bars: EstimateBar[] = runs
    .filter((run) => run.accuracy !== null)
    .map((run, i) => ({ label: `${i + 1}. ${run.label}`, value: run.accuracy?.value ?? 0, ci95: run.accuracy?.ci95 ?? null }));
  if (bars.length) charts.push({ title: 'Accuracy per run (95% Wilson CI)', svg: await renderChartSvg(estimateBarsSpec(bars)) });
  const differences: EstimateBar[] = [];
  comparisons.forEach((comparison, i) => {
    if (comparison.difference) differences.push({ label: `run ${i + 2} − run 1`, value: comparison.difference.mean, ci95: comparison.difference.ci95 });
  });
  if (differences.length) {
    const spec = estimateBarsSpec(differences, { valueTitle: 'accuracy difference (paired)', format: 'decimal' });
    charts.push({ title: 'Paired difference against run 1 (95% bootstrap CI)', svg: await renderChartSvg(spec) });
  }
  return charts;
}

/** Normalized score of every task against parameters, then each task's raw score with its CI. */
export async function scalingCharts(tasks: readonly ScalingTaskView[]): Promise<Chart[]> {
  const charts: Chart[] = [];
  const valid = tasks.filter((task) => task.scores.some((score) => score.params > 0));
  if (!valid.length) return charts;
  const normalized: SeriesPoint[] = valid.flatMap((task) =>
    task.scores.filter((score) => score.params > 0).map((score) => ({ series: `${task.task} · ${task.metric}`, x: score.params, y: score.normalized / 100 })),
  );
  const options = { xTitle: 'parameters', xScale: 'log' as const };
  charts.push({
    title: 'Normalized score vs model size',
    svg: await renderChartSvg(seriesLinesSpec(normalized, { ...options, yTitle: 'normalized score (0% = random, 100% = max)', format: 'percent' })),
  });
  for (const task of valid) {
    const points = task.scores.filter((score) => score.params > 0).map((score) => ({ series: task.metric, x: score.params, y: score.score, ci95: score.ci95 }));
    charts.push({
      title: `${task.task}: ${task.metric} vs model size`,
      svg: await renderChartSvg(seriesLinesSpec(points, { ...options, yTitle: task.metric, height: 220 })),
    });
  }
  return charts;
}
