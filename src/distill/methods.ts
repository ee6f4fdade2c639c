/** The methods a distillation sweep trains students with: plain values, cheap to import (the CLI lists them). */
import { COT_FORMATS } from './builders.js';

/** The builders' methods, and `cot-<format>` for one CoT specialization format alone. */
export const SWEEP_METHODS = ['standard-ft', 'standard-distill', 'step-by-step', 'cot', ...COT_FORMATS.map((f) => `cot-${f}` as const)] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

export function isSweepMethod(name: string): name is SweepMethod {
  return (SWEEP_METHODS as readonly string[]).includes(name);
}

const METHOD_LABELS: Record<string, string> = {
  'standard-ft': 'standard fine-tuning',
  'standard-distill': 'standard distillation',
  'step-by-step': 'distilling step-by-step',
  cot: 'CoT specialization',
};

/** A sweep method's name for people (`cot-<format>`: a CoT specialization data format). */
export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? (method.startsWith('cot-') ? `CoT specialization (${method.slice(4)})` : method);
}
