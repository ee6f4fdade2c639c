/** Human-readable renderings of results for the terminal. */
import type { RunSummary } from '../eval/summary.js';
import { formatPercent as percent } from '../util/numberFormat.js';

export { percent };

export function formatSummaryTable(summary: RunSummary & { runDir: string; task?: string; split?: string; model?: string | null }): string {
  const rows: [string, string][] = [
    ['task', `${summary.task ?? '?'} (${summary.split ?? '?'})`],
    ['model', summary.model ?? 'predictions file'],
    [
      'examples',
      `${summary.n} (scored ${summary.scored}, invalid ${summary.invalid}, errors ${summary.errors}${summary.missing ? `, not run ${summary.missing}` : ''})`,
    ],
    ...(summary.cutOutputs
      ? [['run-on', `${summary.cutOutputs} output(s) ran on into an invented next example and were cut before reading`] as [string, string]]
      : []),
    ['accuracy', `${percent(summary.accuracy)}  95% CI [${percent(summary.ci95?.[0])}, ${percent(summary.ci95?.[1])}]  (${summary.correct}/${summary.scored})`],
    ...Object.entries(summary.metrics).map(([name, m]): [string, string] => [
      name,
      `${m.mean.toFixed(4)}  95% CI [${m.ci95[0].toFixed(4)}, ${m.ci95[1].toFixed(4)}]  (n=${m.n})`,
    ]),
    ['tokens', `${summary.usage.promptTokens} prompt + ${summary.usage.completionTokens} completion`],
    [
      'cost',
      `$${summary.usage.costUsd.toFixed(4)}${summary.costPerCorrectUsd !== null ? `  ($${summary.costPerCorrectUsd.toFixed(5)} per correct answer)` : ''}`,
    ],
    ...(summary.cachedCalls > 0
      ? [['cached', `${summary.cachedCalls} of ${summary.n - summary.missing} examples answered from the cache`] as [string, string]]
      : []),
    ['run', summary.runDir],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}
