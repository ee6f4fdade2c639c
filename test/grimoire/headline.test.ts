/** The grimoire evaluation's headline is the method chosen on validation, never the highest on test (issue #19). */
import { describe, expect, it } from 'vitest';
import type { GrimoireEvalResult, MethodResult } from '../../src/grimoire/evalResult.js';
import { validationHeadline } from '../../src/grimoire/headline.js';

function row(method: MethodResult['method'], accuracy: number, grimoire?: string): MethodResult {
  return {
    method,
    grimoire,
    n: 100,
    scored: 100,
    correct: accuracy * 100,
    accuracy,
    ci95: [accuracy - 0.1, accuracy + 0.1],
    invalid: 0,
    errors: 0,
    errorsByKind: {},
    costUsd: 0,
    costPerQuestionUsd: 0,
    costPerCorrectUsd: 0,
    runDir: method,
  };
}

type Check = NonNullable<GrimoireEvalResult['ranker']>['validation'];
function result(check: Partial<Check> | null): Pick<GrimoireEvalResult, 'methods' | 'ranker' | 'bestSingle' | 'validation'> {
  return {
    // The single grimoire "b" is highest on test; validation preferred "a".
    methods: [
      row('zero-shot', 0.3),
      row('single', 0.5, 'a'),
      row('single', 0.8, 'b'),
      row('best-single', 0.5, 'a'),
      row('similarity', 0.6),
      row('ranker', 0.55),
    ],
    bestSingle: { grimoire: 'a', validationAccuracy: 0.7 },
    validation: { n: 40, source: 'manifest', grimoires: [] },
    ranker: check ? { file: 'ranker.json', validation: { checkQuestions: 10, mode: 'mlp', ...check } as Check } : null,
  };
}

describe('validationHeadline', () => {
  it('is the best single grimoire (chosen on validation), not the method highest on test', () => {
    const headline = validationHeadline(result(null));
    expect(headline?.method).toMatchObject({ method: 'best-single', grimoire: 'a', accuracy: 0.5 });
    expect(headline?.why).toBe('it had the highest validation accuracy of the grimoires, 70.0% on 40 validation examples');
  });

  it('is the ranker only when it routed better than the best single grimoire on held-back validation', () => {
    expect(validationHeadline(result({ checkRoutedAccuracy: 0.8, checkBestSingleAccuracy: 0.6 }))?.method.method).toBe('ranker');
    expect(validationHeadline(result({ checkRoutedAccuracy: 0.8, checkBestSingleAccuracy: 0.6 }))?.why).toContain(
      '10 held-back validation questions to 80.0% accuracy',
    );
    expect(validationHeadline(result({ checkRoutedAccuracy: 0.6, checkBestSingleAccuracy: 0.6 }))?.method.method).toBe('best-single');
    expect(validationHeadline(result({ checkRoutedAccuracy: 0.5, checkBestSingleAccuracy: 0.6, mode: 'prior' }))?.method.method).toBe('best-single');
  });

  it('is none when no method was chosen on validation', () => {
    const { methods } = result(null);
    expect(
      validationHeadline({
        methods: methods.filter((m) => m.method !== 'best-single' && m.method !== 'ranker'),
        bestSingle: null,
        ranker: null,
        validation: null,
      }),
    ).toBeNull();
  });
});
