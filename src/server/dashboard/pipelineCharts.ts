/** Charts of the grimoire and distillation pages: the report's vega-lite spec builders, rendered to SVG on the server. */
import { estimateBarsSpec, renderChartSvg, seriesLinesSpec, type EstimateBar, type SeriesPoint } from '../../report/charts.js';
import type { Chart, DistillSweepDetail, GrimoireEvalDetail } from './api.js';

/** Test accuracy per method, validation accuracy per grimoire, and the share of questions routed to each grimoire. */
export async function grimoireCharts(detail: Omit<GrimoireEvalDetail, 'charts'>): Promise<Chart[]> {
  const charts: Chart[] = [];
  const methods: EstimateBar[] = detail.methods.flatMap((m) => (m.accuracy ? [{ label: m.label, value: m.accuracy.value, ci95: m.accuracy.ci95 }] : []));
  if (methods.length) {
    charts.push({ title: `Test accuracy per method (n = ${detail.eval.n}, 95% Wilson CI)`, svg: await renderChartSvg(estimateBarsSpec(methods)) });
  }
  const validation: EstimateBar[] = (detail.validation?.grimoires ?? []).flatMap((g) =>
    g.accuracy ? [{ label: g.id, value: g.accuracy.value, ci95: g.accuracy.ci95, group: g.id === detail.bestSingle?.grimoire ? 'chosen' : 'not chosen' }] : [],
  );
  if (validation.length) {
    const title = `Validation accuracy per grimoire (n = ${detail.validation?.n}, 95% Wilson CI): the best single grimoire is chosen here`;
    charts.push({ title, svg: await renderChartSvg(estimateBarsSpec(validation)) });
  }
  const routed: EstimateBar[] = detail.routing.methods.flatMap((m) =>
    detail.routing.grimoires.map((g) => ({ label: `${m.key} · ${g}`, value: m.total ? (m.counts[g] ?? 0) / m.total : 0, group: m.key })),
  );
  if (routed.length) {
    charts.push({
      title: 'Grimoire chosen per question (share of test questions)',
      svg: await renderChartSvg(estimateBarsSpec(routed, { valueTitle: 'share of questions' })),
    });
  }
  return charts;
}

/** Data efficiency (accuracy against the share of training data, one line per method, CI bands, the teacher), and generic ability. */
export async function distillCharts(detail: Omit<DistillSweepDetail, 'charts'>): Promise<Chart[]> {
  const charts: Chart[] = [];
  const points: SeriesPoint[] = [...detail.points]
    .sort((a, b) => a.method.localeCompare(b.method) || a.fraction - b.fraction)
    .map((p) => ({ series: p.label, x: p.fraction, y: p.accuracy.value, ci95: p.accuracy.ci95 }));
  const teacher = detail.teacher.find((t) => t.accuracy !== null);
  if (points.length && teacher?.accuracy) {
    for (const fraction of [...new Set(detail.points.map((p) => p.fraction))].sort((a, b) => a - b)) {
      points.push({ series: `teacher (${teacher.label})`, x: fraction, y: teacher.accuracy.value });
    }
  }
  if (points.length) {
    const spec = seriesLinesSpec(points, { xTitle: 'fraction of the training data', yTitle: 'test accuracy', format: 'percent', width: 560, height: 300 });
    charts.push({
      title: `Data efficiency: test accuracy (n = ${detail.sweep.testSize}) against the share of training data, 95% CI bands`,
      svg: await renderChartSvg(spec),
    });
  }
  if (detail.generic) {
    const bars: EstimateBar[] = detail.generic.rows.flatMap((row) =>
      detail.generic!.sets.flatMap((set) => {
        const score = row.scores[set.name];
        return score ? [{ label: `${set.name} · ${row.role}`, value: score.accuracy.value, ci95: score.accuracy.ci95, group: row.role }] : [];
      }),
    );
    if (bars.length) charts.push({ title: 'Generic ability before and after specialization (95% CI)', svg: await renderChartSvg(estimateBarsSpec(bars)) });
  }
  return charts;
}
