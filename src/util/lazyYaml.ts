/**
 * The `yaml` package, loaded on first use: it is a sixth of the CLI's start-up, and most commands never read
 * YAML (only config files, project files and price tables do, all read synchronously, hence `require`).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
