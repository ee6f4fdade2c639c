/**
 * The prompt texts of the Grimoire pipeline live in editable files under `templates/grimoire/`
 * (or a folder given with `templateDir`): `profound.txt` and `simple.txt` for the strong model,
 * `answer.txt` for the weak model, and short header files. Placeholders are `{{name}}`; a
 * placeholder without a value is an error, so a typo in an edited template is caught at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';

/** `templates/grimoire` of the package: two levels above this file in both src/ and dist/. */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/grimoire/', import.meta.url));

/** The prompt templates a grimoire set uses, by name (files in the templates folder). */
export const TEMPLATE_NAMES = ['profound', 'simple', 'answer', 'examples-header', 'grimoire-header', 'samples-header', 'no-samples'] as const;
/** The name of one grimoire prompt template. */
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
/** The text of every grimoire prompt template, by name. */
export type Templates = Record<TemplateName, string>;

const loaded = new Map<string, Templates>();

export function loadTemplates(dir: string = DEFAULT_TEMPLATE_DIR): Templates {
  let templates = loaded.get(dir);
  if (!templates) {
    const entries = TEMPLATE_NAMES.map((name) => {
      const file = join(dir, `${name}.txt`);
      if (!existsSync(file)) throw new InputError('template file missing', { file });
      return [name, readFileSync(file, 'utf8').replace(/\s+$/, '')] as const;
    });
    templates = Object.fromEntries(entries) as Templates;
    loaded.set(dir, templates);
  }
  return templates;
}

/** Fills `{{name}}` placeholders; every placeholder must have a value. */
export function render(template: string, values: Record<string, string>, name = 'template'): string {
  return template.replace(/\{\{\s*([A-Za-z][\w-]*)\s*\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new InputError(`unknown placeholder {{${key}}} in the ${name} template`, { field: key });
    return value;
  });
}
