/**
 * The spec after `synthetic:`: an optional preset name, then `key=value` knobs, comma-separated.
 *
 *   synthetic:medium
 *   synthetic:steps=3,digits=2,distractors=1,seed=7
 *   synthetic:hard,train=4000,seed=1
 *   synthetic:steps=1-4              (each problem draws its number of steps from 1..4)
 */
import { InputError } from '../../util/errors.js';

export interface SyntheticSpec {
  /** Seed of everything generated; same spec, same problems on every machine. */
  seed: number;
  /** Arithmetic operations per problem: [min, max], inclusive. */
  steps: [number, number];
  /** Digits of the starting amount and of added/removed amounts (1-4). */
  digits: number;
  /** Irrelevant sentences with numbers, per problem: [min, max], inclusive. */
  distractors: [number, number];
  /** Examples per split. */
  train: number;
  validation: number;
  test: number;
}

export const SYNTHETIC_PRESETS: Record<string, Partial<SyntheticSpec>> = {
  easy: { steps: [1, 2], digits: 1, distractors: [0, 0] },
  medium: { steps: [2, 3], digits: 2, distractors: [0, 1] },
  hard: { steps: [3, 5], digits: 2, distractors: [1, 2] },
};

export const DEFAULT_SYNTHETIC_SPEC: SyntheticSpec = {
  seed: 0,
  steps: [2, 3],
  digits: 2,
  distractors: [0, 1],
  train: 1000,
  validation: 200,
  test: 200,
};

const LIMITS = { steps: [1, 8], digits: [1, 4], distractors: [0, 6], size: [0, 1_000_000] } as const;

export function parseSyntheticSpec(text: string): SyntheticSpec {
  const spec: SyntheticSpec = { ...DEFAULT_SYNTHETIC_SPEC };
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  parts.forEach((part, position) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const preset = SYNTHETIC_PRESETS[part.toLowerCase()];
      if (!preset || position !== 0) {
        throw new InputError(
          `"${part}" is not a preset or key=value; presets: ${Object.keys(SYNTHETIC_PRESETS).join(', ')} (first, optional); ` +
            'keys: seed, steps, digits, distractors, train, validation, test',
          { field: 'dataset' },
        );
      }
      Object.assign(spec, preset);
      return;
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case 'seed':
        spec.seed = integer(value, key, [0, Number.MAX_SAFE_INTEGER]);
        break;
      case 'steps':
        spec.steps = range(value, key, LIMITS.steps);
        break;
      case 'digits':
        spec.digits = integer(value, key, LIMITS.digits);
        break;
      case 'distractors':
        spec.distractors = range(value, key, LIMITS.distractors);
        break;
      case 'train':
      case 'validation':
      case 'test':
        spec[key] = integer(value, key, LIMITS.size);
        break;
      default:
        throw new InputError(`unknown synthetic knob "${key}"; keys: seed, steps, digits, distractors, train, validation, test`, {
          field: 'dataset',
        });
    }
  });
  return spec;
}

/** The canonical text of a spec (every knob spelled out), used as the dataset's source. */
export function formatSyntheticSpec(spec: SyntheticSpec): string {
  const r = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}-${b}`);
  return [
    `seed=${spec.seed}`,
    `steps=${r(spec.steps)}`,
    `digits=${spec.digits}`,
    `distractors=${r(spec.distractors)}`,
    `train=${spec.train}`,
    `validation=${spec.validation}`,
    `test=${spec.test}`,
  ].join(',');
}

function integer(value: string, key: string, [min, max]: readonly [number, number]): number {
  if (!/^\d+$/.test(value)) throw new InputError(`synthetic ${key} must be a whole number, got "${value}"`, { field: 'dataset' });
  const n = Number(value);
  if (n < min || n > max) throw new InputError(`synthetic ${key} must be between ${min} and ${max}, got ${n}`, { field: 'dataset' });
  return n;
}

function range(value: string, key: string, limits: readonly [number, number]): [number, number] {
  const match = /^(\d+)\s*-\s*(\d+)$/.exec(value);
  if (!match) {
    const n = integer(value, key, limits);
    return [n, n];
  }
  const low = integer(match[1]!, key, limits);
  const high = integer(match[2]!, key, limits);
  if (low > high) throw new InputError(`synthetic ${key} range "${value}" runs backwards`, { field: 'dataset' });
  return [low, high];
}
