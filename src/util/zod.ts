/**
 * The part of zod this project uses, as named exports. `import * as z from '../util/zod.js'` reads like
 * `import { z } from 'zod'`, but zod's `z` namespace also holds every one of its ~60 locales, which the CLI's
 * bundle (scripts/bundle-cli.ts) would then load at every start (~25 ms); through this module it keeps only
 * what is used.
 */
export {
  array,
  boolean,
  coerce,
  discriminatedUnion,
  enum,
  literal,
  NEVER,
  number,
  object,
  preprocess,
  record,
  string,
  toJSONSchema,
  tuple,
  union,
  unknown,
} from 'zod';
export type { core, infer, output, ZodType } from 'zod';
