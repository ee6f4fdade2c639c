/** The zod checks option specs (./options.ts) share, and the escapes a shell user types. */
import { resolve } from 'node:path';
import * as z from '../util/zod.js';

export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().nonnegative();
export const nonNegativeNumber = z.coerce.number().nonnegative();
export const positiveNumber = z.coerce.number().positive();

/** "a,b,c" (or a YAML list, joined by the config loader) -> ["a","b","c"]. */
export const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

/** Decodes the `\n` and `\t` escapes a shell user types in templates. */
export function unescapeCliText(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** A path, made absolute against the working folder (run folders and output folders are handed on that way). */
export const absolutePath = z
  .string()
  .min(1)
  .transform((path) => resolve(path));

/** A share typed as a fraction or a percentage: "0.8" or "80%" -> 0.8. */
export const share = z
  .string()
  .or(z.number())
  .transform((value, context) => {
    const text = String(value).trim();
    const parsed = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1 || text === '') {
      context.addIssue({ code: 'custom', message: `expected a fraction between 0 and 1 or a percentage (0.8 or 80%), got "${text}"` });
      return z.NEVER;
    }
    return parsed;
  });
