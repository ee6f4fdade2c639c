/** The table and plot of accuracy against validation loss (src/scaling/lossAxis.ts) for `scale family`. */
import { writeFile } from 'node:fs/promises';
import { redactSecrets } from '../util/redact.js';
import { join } from 'node:path';
import type { LossPoint } from '../scaling/lossAxis.js';
import { renderChartSvg, seriesLinesSpec } from './charts.js';
import { formatDecimal, formatPercent } from './format.js';
import { tableMarkdown, type Table } from './table.js';

/** accuracy-vs-loss.svg and accuracy-vs-loss.md in `out`. */
export async function writeAccuracyByLoss(out: string, points: readonly LossPoint[]): Promise<{ svg: string; markdown: string }> {
  const svg = await renderChartSvg(
    seriesLinesSpec(
      points.map((p) => ({ series: `${p.task}: ${p.metric}`, x: p.validationLoss, y: p.score })),
      { xTitle: 'validation loss of the model (lower to the left)', yTitle: 'test accuracy', format: 'percent', width: 520, height: 300 },
    ),
  );
  const table: Table<LossPoint> = {
    caption:
      "Test accuracy against each model's validation loss (Du et al. 2024) as well as its parameters; losses compare only between sizes with the same tokenizer (custom <dim>x<layers> sizes share one).",
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
  await writeFile(files.svg, redactSecrets(svg));
  await writeFile(
    files.markdown,
    redactSecrets(`# Accuracy against validation loss\n\n${tableMarkdown(table)}\n\n![accuracy against validation loss](accuracy-vs-loss.svg)\n`),
  );
  return files;
}
