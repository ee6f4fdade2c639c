/** Token and dollar totals over runs, stages or examples. */

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export function usageTotals(parts: ReadonlyArray<Partial<UsageTotals>>): UsageTotals {
  return parts.reduce<UsageTotals>(
    (sum, part) => ({
      promptTokens: sum.promptTokens + (part.promptTokens ?? 0),
      completionTokens: sum.completionTokens + (part.completionTokens ?? 0),
      costUsd: sum.costUsd + (part.costUsd ?? 0),
    }),
    { promptTokens: 0, completionTokens: 0, costUsd: 0 },
  );
}
