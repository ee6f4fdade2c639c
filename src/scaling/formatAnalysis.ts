/** Renders scaling analyses for people: a terminal table and a Markdown report. */
import type { TaskAnalysis } from './analyzeScaling.js';

export function formatParams(params: number, estimated = false): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  const [size, unit] = units.find(([size]) => params >= size) ?? [1, ''];
  const digits = params / size >= 100 || Number.isInteger(params / size) ? 0 : 1;
  return `${estimated ? '~' : ''}${(params / size).toFixed(digits)}${unit}`;
}

const fixed = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));
const withInterval = (value: number | null, ci: [number, number] | undefined) => fixed(value) + (ci ? ` [${fixed(ci[0])}, ${fixed(ci[1])}]` : '');

/** One line per model: model, size, raw score (CI), normalized; then the statistics and verdict. */
export function formatAnalysisTable(analyses: readonly TaskAnalysis[]): string {
  const blocks = analyses.map((analysis) => {
    const header = `${analysis.task} · ${analysis.metric}   (random ${fixed(analysis.baseline.random, 3)}, max ${fixed(analysis.baseline.max, 3)}, ${analysis.baseline.source})`;
    const cells = analysis.scores.map((s) => [
      s.model,
      formatParams(s.params, s.paramsEstimated),
      fixed(s.score, 3) + (s.ci95 ? ` [${fixed(s.ci95[0], 3)}, ${fixed(s.ci95[1], 3)}]` : ''),
      fixed(s.normalized, 1),
    ]);
    const table = alignColumns([['model', 'params', 'score [95% CI]', 'normalized'], ...cells]);
    const summary =
      `linearity ${withInterval(analysis.linearity, analysis.intervals?.linearity.ci95)}   ` +
      `breakthroughness ${withInterval(analysis.breakthroughness, analysis.intervals?.breakthroughness.ci95)}   ` +
      `verdict ${analysis.verdict ?? '—'}`;
    return [header, ...table.map((line) => `  ${line}`), `  ${summary}`, ...analysis.notes.map((note) => `  note: ${note}`)].join('\n');
  });
  return blocks.join('\n\n');
}

/** A summary table across tasks, then one table per task. */
export function formatAnalysisMarkdown(analyses: readonly TaskAnalysis[], source: string): string {
  const lines = [
    '# Scaling analysis',
    '',
    `Source: \`${source}\`. Normalized score = 100 × (score − random) / (max − random); linearity and`,
    'breakthroughness as in BIG-bench (Srivastava et al. 2022, Appendix B; the linearity formula is unverified, see',
    "docs/scaling.md, which also gives the verdict rules). Intervals: 95%, a bootstrap over each model's stated",
    'uncertainty (its 95% interval or n); a verdict the intervals do not support is `inconclusive`.',
    '',
    '| task | metric | models | linearity | breakthroughness | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...analyses.map(
      (a) =>
        `| ${a.task} | ${a.metric} | ${a.scores.length} | ${withInterval(a.linearity, a.intervals?.linearity.ci95)} | ` +
        `${withInterval(a.breakthroughness, a.intervals?.breakthroughness.ci95)} | ${a.verdict ?? '—'} |`,
    ),
  ];
  for (const a of analyses) {
    lines.push('', `## ${a.task} · ${a.metric}`, '', `random ${fixed(a.baseline.random, 3)}, max ${fixed(a.baseline.max, 3)} (${a.baseline.source})`, '');
    lines.push('| model | params | score | 95% CI | normalized |', '| --- | --- | --- | --- | --- |');
    for (const s of a.scores) {
      const ci = s.ci95 ? `[${fixed(s.ci95[0], 3)}, ${fixed(s.ci95[1], 3)}]` : '—';
      lines.push(`| ${s.model} | ${formatParams(s.params, s.paramsEstimated)} | ${fixed(s.score, 3)} | ${ci} | ${fixed(s.normalized, 1)} |`);
    }
    for (const note of a.notes) lines.push('', `- ${note}`);
  }
  return lines.join('\n') + '\n';
}

function alignColumns(rows: string[][]): string[] {
  const widths = (rows[0] as string[]).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd(),
  );
}
