/**
 * `loadDataset("<kind>:<path>", options)`: the one entry point from a dataset spec to a Dataset.
 * Built-in layouts (grimoire, svamp, cqa, gsm8k) know their own fields; json/jsonl/csv files are
 * read through field mapping. A bare path with a known extension is read as that generic kind.
 */
import { InputError } from '../util/errors.js';
import { loadCapturedDataset } from './adapters/captured.js';
import { loadCqa } from './adapters/cqa.js';
import { loadGenericDataset } from './adapters/generic.js';
import { loadGrimoireTask } from './adapters/grimoire.js';
import { loadGsm8k } from './adapters/gsm8k.js';
import type { DatasetAdapter, DatasetOptions } from './adapters/shared.js';
import { loadSvamp } from './adapters/svamp.js';
import { loadSynthetic } from './synthetic/index.js';
import { formatFromExtension } from './readers.js';
import type { Dataset } from './types.js';

export type { DatasetOptions } from './adapters/shared.js';

const ADAPTERS = {
  grimoire: loadGrimoireTask,
  svamp: loadSvamp,
  cqa: loadCqa,
  gsm8k: loadGsm8k,
  synthetic: loadSynthetic,
  captured: (path) => loadCapturedDataset(path),
  json: (path, options) => loadGenericDataset('json', path, options),
  jsonl: (path, options) => loadGenericDataset('jsonl', path, options),
  csv: (path, options) => loadGenericDataset('csv', path, options),
} satisfies Record<string, DatasetAdapter>;

export type DatasetKind = keyof typeof ADAPTERS;
export const DATASET_KINDS = Object.keys(ADAPTERS) as DatasetKind[];

/** Loads a dataset from a spec `<kind>:<path>` (see DATASET_KINDS). */
export async function loadDataset(spec: string, options: DatasetOptions = {}): Promise<Dataset> {
  const { kind, path } = parseDatasetSpec(spec);
  return ADAPTERS[kind](path, options);
}

export function parseDatasetSpec(spec: string): { kind: DatasetKind; path: string } {
  const match = /^([A-Za-z][\w-]*):(.*)$/s.exec(spec.trim());
  if (match) {
    const kind = (match[1] as string).toLowerCase();
    const path = (match[2] as string).trim();
    if (!isKind(kind)) {
      throw new InputError(`unknown dataset kind "${match[1]}"; kinds: ${DATASET_KINDS.join(', ')}`, { field: 'dataset' });
    }
    if (!path) throw new InputError(`no path after "${kind}:"`, { field: 'dataset' });
    return { kind, path };
  }
  const format = formatFromExtension(spec.trim());
  if (format) return { kind: format, path: spec.trim() };
  throw new InputError(`cannot tell the kind of dataset "${spec}"; write <kind>:<path> with kind one of: ${DATASET_KINDS.join(', ')}`, { field: 'dataset' });
}

function isKind(kind: string): kind is DatasetKind {
  return Object.hasOwn(ADAPTERS, kind);
}
