/** Next-token log-probabilities from llama.cpp (node-llama-cpp) and their comparison, for the LoRA GGUF tests. */
import type { LlamaContext, Token } from 'node-llama-cpp';

/** Log-probabilities [position][token] of `ids` from a context (-Infinity where llama.cpp gives none). */
export async function logProbabilities(context: LlamaContext, ids: number[], V: number): Promise<Float64Array[]> {
  const ask = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;
  const outputs = await context.getSequence().controlledEvaluate(ids.map((t) => [t as Token, ask] as const) as never);
  return outputs.map((output) => {
    const row = new Float64Array(V).fill(-Infinity);
    for (const [token, p] of output?.next.probabilities ?? []) row[token] = Math.log(p);
    return row;
  });
}

/** The largest |a - b| over the entries finite in both. */
export function maxDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let d = 0;
  a.forEach((row, pos) => {
    for (let v = 0; v < row.length; v++) if (Number.isFinite(row[v]) && Number.isFinite(b[pos]![v])) d = Math.max(d, Math.abs(row[v]! - b[pos]![v]!));
  });
  return d;
}
