/**
 * Accuracy against validation loss, beside accuracy against parameters (Du et al. 2024, "Understanding Emergent
 * Abilities of Language Models from the Loss Perspective"): models of different sizes that reach the same loss
 * tend to score alike, and an ability that appears at a loss threshold shows as a step in this plot whatever the
 * parameter count. For a `scale family` every size is trained on the same data, so their validation losses (on
 * the same held-out problems, in the same formats) are comparable.
 */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { renderChartSvg, seriesLinesSpec } from '../report/charts.js';
import { formatDecimal, formatPercent } from '../report/format.js';
import { tableMarkdown, type Table } from '../report/table.js';
import type { ScoreRow } from './scoreRow.js';

export interface LossPoint {
  model: string;
  params: number;
  validationLoss: number;
  task: string;
  metric: string;
  score: number;
}

interface StudentLoss {
  dir: string;
  parameters: number;
  result: { validationLoss: number | null };
}

/** The accuracy rows of the family's students, each with the student's validation loss. */
export function accuracyByLoss(students: readonly StudentLoss[], rows: readonly ScoreRow[]): LossPoint[] {
  const loss = new Map(students.filter((s) => s.result.validationLoss !== null).map((s) => [basename(s.dir), s.result.validationLoss!]));
  return rows
    .filter((row) => row.metric.startsWith('accuracy') && loss.has(row.model))
    .map((row) => ({ model: row.model, params: row.params, validationLoss: loss.get(row.model)!, task: row.task, metric: row.metric, score: row.score }))
    .sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric) || b.validationLoss - a.validationLoss);
}

/** accuracy-vs-loss.svg and accuracy-vs-loss.md in `out`. */
export async function writeAccuracyByLoss(out: string, points: readonly LossPoint[]): Promise<{ svg: string; markdown: string }> {
  const svg = await renderChartSvg(
    seriesLinesSpec(
      points.map((p) => ({ series: `${p.task}: ${p.metric}`, x: p.validationLoss, y: p.score })),
      { xTitle: 'validation loss of the model (lower to the left)', yTitle: 'test accuracy', format: 'percent', width: 520, height: 300 },
    ),
  );
  const table: Table<LossPoint> = {
    caption: 'Test accuracy against each model\'s validation loss (Du et al. 2024) as well as its parameters; losses compare only between sizes with the same tokenizer (custom <dim>x<layers> sizes share one).',
    columns: [
      { header: 'task', cell: (p) => p.task },
      { header: 'metric', cell: (p) => p.metric },
      { header: 'model', cell: (p) => p.model },
      { header: 'parameters', align: 'right', cell: (p) => p.params.toLocaleString('en-US') },
      { header: 'validation loss', align: 'right', cell: (p) => formatDecimal(p.validationLoss, 3) },
      { header: 'accuracy', align: 'right', cell: (p) => formatPercent(p.score) },
    ],
    rows: [...points],
  };
  const files = { svg: join(out, 'accuracy-vs-loss.svg'), markdown: join(out, 'accuracy-vs-loss.md') };
  await writeFile(files.svg, svg);
  await writeFile(files.markdown, `# Accuracy against validation loss\n\n${tableMarkdown(table)}\n\n![accuracy against validation loss](accuracy-vs-loss.svg)\n`);
  return files;
}
