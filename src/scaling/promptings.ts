/** How `scale run` prompts each model: plain values, cheap to import (the CLI lists them). */

export type Prompting = 'direct' | 'few-shot' | 'cot' | 'zero-shot-cot';

export const PROMPTINGS: readonly Prompting[] = ['direct', 'few-shot', 'cot', 'zero-shot-cot'];
