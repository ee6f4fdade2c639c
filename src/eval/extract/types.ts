/** What extraction found in one model output. */
export interface Extraction {
  /** The answer in canonical form (label, option text, number as text, free text), or null. */
  answer: string | null;
  /** False when no usable answer was found; `reason` then says why. */
  valid: boolean;
  reason?: string;
}

export function found(answer: string): Extraction {
  return { answer, valid: true };
}

export function notFound(reason: string): Extraction {
  return { answer: null, valid: false, reason };
}
