/** The methods a distillation sweep trains students with: plain values, cheap to import (the CLI lists them). */
import { COT_FORMATS, type StepByStepLabels } from './builders.js';

/**
 * The builders' methods, and `cot-<format>` for one CoT specialization format alone. Distilling step-by-step has
 * Hsieh et al.'s two settings: `step-by-step` (teacher labels + teacher rationales, against standard distillation)
 * and `step-by-step-gold` (gold labels + teacher rationales, against standard fine-tuning).
 */
export const SWEEP_METHODS = [
  'standard-ft',
  'standard-distill',
  'step-by-step',
  'step-by-step-gold',
  'cot',
  ...COT_FORMATS.map((f) => `cot-${f}` as const),
] as const;
/** One of the methods a sweep compares (see SWEEP_METHODS). */
export type SweepMethod = (typeof SWEEP_METHODS)[number];

export function isSweepMethod(name: string): name is SweepMethod {
  return (SWEEP_METHODS as readonly string[]).includes(name);
}

/** `--labels`: which of step-by-step's two settings a bare `step-by-step` in `--methods` stands for. */
export const LABEL_SETTINGS = ['gold', 'teacher', 'both'] as const;
export type LabelSetting = StepByStepLabels | 'both';

/** Replaces `step-by-step` by the setting(s) `labels` names; other methods pass through, duplicates go. */
export function expandStepByStep(methods: readonly SweepMethod[], labels: LabelSetting): SweepMethod[] {
  const settings: SweepMethod[] = labels === 'gold' ? ['step-by-step-gold'] : labels === 'teacher' ? ['step-by-step'] : ['step-by-step-gold', 'step-by-step'];
  return [...new Set(methods.flatMap((method) => (method === 'step-by-step' ? settings : [method])))];
}

/** Each method's baseline in its paper: the method it is compared with, same student, same inputs. */
export function baselineOf(method: SweepMethod): SweepMethod | null {
  if (method === 'step-by-step') return 'standard-distill';
  if (method === 'step-by-step-gold' || method.startsWith('cot')) return 'standard-ft';
  return null;
}

const METHOD_LABELS: Record<string, string> = {
  'standard-ft': 'standard fine-tuning',
  'standard-distill': 'standard distillation',
  'step-by-step': 'distilling step-by-step (teacher labels + teacher rationales)',
  'step-by-step-gold': 'distilling step-by-step (gold labels + teacher rationales)',
  cot: 'CoT specialization (Fu et al. mixture)',
};

/** A sweep method's name for people (`cot-<format>`: a CoT specialization data format). */
export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? (method.startsWith('cot-') ? `CoT specialization (${method.slice(4)})` : method);
}
