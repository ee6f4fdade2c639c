/**
 * The one number a grimoire evaluation leads with: the method chosen on validation, reported with its
 * test accuracy. The highest of many methods' test accuracies is not used: picked on test, it is biased
 * upwards (issue #19). The ranker leads when it routed better than the best single grimoire on the
 * held-back part of validation; otherwise the best single grimoire (highest validation accuracy) does.
 */
import { formatPercent } from '../util/numberFormat.js';
import type { GrimoireEvalResult, MethodResult } from './evalResult.js';

export interface GrimoireHeadline {
  method: MethodResult;
  /** Why validation chose it, for people: a clause ("it had the highest validation accuracy..."). */
  why: string;
}

export function validationHeadline(result: Pick<GrimoireEvalResult, 'methods' | 'ranker' | 'bestSingle' | 'validation'>): GrimoireHeadline | null {
  const row = (kind: MethodResult['method']) => result.methods.find((m) => m.method === kind);
  const ranker = row('ranker');
  const check = result.ranker?.validation;
  if (
    ranker &&
    check &&
    check.mode !== 'prior' &&
    check.checkRoutedAccuracy != null &&
    check.checkBestSingleAccuracy != null &&
    check.checkRoutedAccuracy > check.checkBestSingleAccuracy
  ) {
    return {
      method: ranker,
      why: `it routed ${check.checkQuestions ?? '?'} held-back validation questions to ${formatPercent(check.checkRoutedAccuracy)} accuracy, above the best single grimoire's ${formatPercent(check.checkBestSingleAccuracy)}`,
    };
  }
  const bestSingle = row('best-single');
  if (bestSingle && result.bestSingle) {
    return {
      method: bestSingle,
      why: `it had the highest validation accuracy of the grimoires, ${formatPercent(result.bestSingle.validationAccuracy)} on ${result.validation?.n ?? '?'} validation examples`,
    };
  }
  return null;
}
