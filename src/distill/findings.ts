/**
 * The first lines of a distillation report, in plain words: each method against its own baseline with the
 * interval of the difference (bootstrap over seeds and examples, paired), the chance level, and which results
 * do not beat it.
 */
import { type ChanceLevel } from './chance.js';
import { formatPoints, type MethodComparison } from './comparisons.js';
import { formatEstimate, formatPercent } from '../util/numberFormat.js';
import { methodLabel } from './methods.js';
import type { SweepPoint } from './sweepResults.js';

const VERDICT_WORDS: Record<MethodComparison['verdict'], string> = {
  better: 'better, the 95% interval excludes zero',
  worse: 'worse, the 95% interval excludes zero',
  unclear: 'no clear difference, the 95% interval includes zero',
  'one seed': "one seed only, so the seeds' variation is not measured and this is no verdict (run 3 or more seeds)",
};

export function comparisonSentence(c: MethodComparison): string {
  return (
    `${capitalize(methodLabel(c.method))} against its baseline ${methodLabel(c.baseline)}, at fraction ${c.fraction}: ` +
    `${formatPoints(c.difference, c.ci95)} (${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'} × ${c.n} test examples, paired bootstrap over seeds and examples): ${VERDICT_WORDS[c.verdict]}.`
  );
}

/** Whether a result's 95% interval lies above the chance level. */
export function aboveChance(point: Pick<SweepPoint, 'ci95'>, chance: ChanceLevel | null | undefined): boolean | null {
  if (!chance || !Number.isFinite(point.ci95[0])) return null;
  return point.ci95[0] > chance.accuracy;
}

export function findings(comparisons: readonly MethodComparison[], points: readonly SweepPoint[], chance: ChanceLevel | null | undefined): string[] {
  const lines = comparisons.map(comparisonSentence);
  if (chance) {
    lines.push(
      `Chance level: always answering "${chance.answer}" (the most common answer of the ${chance.chosenOn} training inputs) scores ${formatPercent(chance.accuracy)} on the ${chance.n} test examples.`,
    );
    const below = points.filter((p) => aboveChance(p, chance) === false);
    if (below.length) {
      lines.push(
        `Not above chance (the 95% interval reaches ${formatPercent(chance.accuracy)}): ` +
          below.map((p) => `${methodLabel(p.method)} at fraction ${p.fraction}, ${formatEstimate(p.accuracy, p.ci95)}`).join('; ') +
          '.',
      );
    } else if (points.length) lines.push('Every result is above chance (its 95% interval lies above it).');
  }
  return lines;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
