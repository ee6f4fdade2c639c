/** A YAML (or JSON) file read with the line of every node, so errors can name file, line and field. */
import { readFileSync } from 'node:fs';
import type { Document } from 'yaml';
import { yaml } from '../util/lazyYaml.js';
import { InputError } from '../util/errors.js';

export interface YamlFile {
  readonly path: string;
  readonly value: unknown;
  /** The line of the key at `path` (a list item: the item's line); undefined when unknown (JSON files). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export function readYamlFile(path: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('cannot read config file', { file: path });
  }
  const json = path.endsWith('.json');
  const YAML = yaml();
  const lines = new YAML.LineCounter();
  let document: Document.Parsed | undefined;
  let value: unknown;
  try {
    if (json) value = JSON.parse(text);
    else {
      document = YAML.parseDocument(text, { lineCounter: lines });
      if (document.errors.length) throw document.errors[0];
      value = document.toJS();
    }
  } catch (error) {
    throw new InputError(`invalid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { file: path });
  }
  const lineOf = (keys: readonly (string | number)[]): number | undefined => {
    let node: unknown = document?.contents;
    let offset: number | undefined;
    for (const key of keys) {
      if (YAML.isMap(node)) {
        const pair = node.items.find((item) => YAML.isScalar(item.key) && item.key.value === key);
        if (!pair) return offset === undefined ? undefined : lines.linePos(offset).line;
        offset = YAML.isScalar(pair.key) ? pair.key.range?.[0] : offset;
        node = pair.value;
      } else if (YAML.isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        offset = YAML.isNode(node) ? node.range?.[0] : offset;
      } else break;
    }
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  return { path, value, lineOf };
}
