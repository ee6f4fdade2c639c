/**
 * Budget middleware: before a call is sent, its worst-case cost (upper-bound prompt tokens at the
 * input price + maxTokens x n at the output price) is reserved; if what was spent plus what is
 * reserved plus this call would pass the budget, the call is refused with ModelError('budget')
 * without being sent. After the call the reservation is replaced by the real cost, so concurrent
 * calls can never together spend more than the budget.
 */
import { ModelError } from '../core/errors.js';
import { costOf, type Pricer } from '../pricing.js';
import type { CallKind, LanguageModel, ModelRequest } from '../types.js';
import { maxInputTokens, maxOutputTokens } from './tokens.js';
import { wrapModel } from './wrap.js';

/** One budget shared by every model of a hub. */
export class BudgetLedger {
  readonly limitUsd: number;
  private spent = 0;
  private reserved = 0;
  private outstanding = 0;

  constructor(limitUsd: number) {
    if (!(limitUsd >= 0)) throw new RangeError(`budget must be a non-negative number of dollars, got ${limitUsd}`);
    this.limitUsd = limitUsd;
  }

  get spentUsd(): number {
    return this.spent;
  }

  get reservedUsd(): number {
    return this.reserved;
  }

  /** Reserves `amountUsd` if it fits; false (and nothing reserved) if it would pass the limit. */
  tryReserve(amountUsd: number): boolean {
    if (this.spent + this.reserved + amountUsd > this.limitUsd) return false;
    this.reserved += amountUsd;
    this.outstanding += 1;
    return true;
  }

  /** Releases a reservation and books what the call really cost (0 for a failed call). */
  settle(reservedUsd: number, actualUsd: number): void {
    this.outstanding -= 1;
    // Without calls in flight nothing is reserved; avoids floating-point residue.
    this.reserved = this.outstanding > 0 ? Math.max(0, this.reserved - reservedUsd) : 0;
    this.spent += actualUsd;
  }
}

export function estimateMaxCostUsd(pricer: Pricer, model: LanguageModel, kind: CallKind, request: ModelRequest): number {
  const price = pricer.priceOrWarn(model.provider, model.modelName);
  return costOf(price, maxInputTokens(kind, request), maxOutputTokens(kind, request));
}

export function withBudget(model: LanguageModel, options: { ledger: BudgetLedger; pricer: Pricer }): LanguageModel {
  const { ledger, pricer } = options;
  return wrapModel(model, async (kind, request, callOptions, next) => {
    const estimate = estimateMaxCostUsd(pricer, model, kind, request);
    if (!ledger.tryReserve(estimate)) {
      throw new ModelError(
        'budget',
        `budget of $${ledger.limitUsd.toFixed(4)} would be exceeded: spent $${ledger.spentUsd.toFixed(4)}, ` +
          `reserved for calls in flight $${ledger.reservedUsd.toFixed(4)}, this ${kind} call may cost up to $${estimate.toFixed(4)}`,
      );
    }
    let actual = 0;
    try {
      const response = await next(request, callOptions);
      actual = response.meta?.costUsd ?? 0;
      return response;
    } finally {
      ledger.settle(estimate, actual);
    }
  });
}
