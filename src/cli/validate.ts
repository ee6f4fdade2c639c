/**
 * Commander parses the command line; zod turns the raw option values (from flags or a config file)
 * into typed settings, with one clear message per bad value.
 */
import { z } from 'zod';
import { InputError } from '../util/errors.js';

export function parseOptions<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    const flag = name ? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
    return `${flag}: ${issue.message}`;
  });
  throw new InputError(messages.join('; '));
}

export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().nonnegative();
export const nonNegativeNumber = z.coerce.number().nonnegative();
export const positiveNumber = z.coerce.number().positive();

/** "a,b,c" (or a YAML list, joined by the config loader) -> ["a","b","c"]. */
export const commaList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

/** Decodes the `\n` and `\t` escapes a shell user types in templates. */
export function unescapeCliText(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}
