/**
 * What `apprentice serve <target>` serves: a model spec as is (`gguf:...`, `openai:...@...`, ...), a
 * `.gguf` file, a directory (a built-in checkpoint, served as `builtin:<dir>`), or a built grimoire set
 * folder (recognised by its `manifest.json`) in front of a weak model given with `--weak`; and the model
 * id clients call it by.
 *
 * A served target may route requests: a `RequestRouter` rewrites each request before it goes to the
 * model (e.g. the grimoire set puts the chosen grimoire into the weak model's prompt) and names the
 * response headers and extra JSON fields that report what it chose.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { descriptorOf, PROVIDERS, providerNamed, type ModelSpec } from '../models/registry.js';
import { parseModelSpec } from '../models/spec.js';
import type { GenerateRequest } from '../models/types.js';
import { InputError } from '../util/errors.js';

/** What `serve` serves, resolved from its argument: a model spec, or a weak model with a grimoire set. */
export interface ServeTarget {
  /** The model the hub loads: the target itself, or the weak model of a grimoire set. */
  spec: string;
  /** Model id for clients: the file or folder name without extension, or the backend's model name. */
  name: string;
  /** A built grimoire set folder whose grimoires boost `spec` (only for a grimoire set target). */
  grimoireSet?: string;
}

/** A request rewritten by the served target, with what to report about it. */
export interface RoutedRequest {
  request: GenerateRequest;
  /** Response headers (also on streamed responses). */
  headers?: Record<string, string>;
  /** Extra top-level fields of a non-streamed JSON response. */
  fields?: Record<string, unknown>;
}

/**
 * Rewrites one generation request before the model sees it. Throwing (e.g. an ApiError) answers the
 * request with a JSON error before anything is generated.
 */
export type RequestRouter = (request: GenerateRequest) => Promise<RoutedRequest>;

const GRIMOIRE_SET_FORMAT = 'apprentice.grimoire-set';

/** A folder's grimoire-set manifest (format and recorded weak model), or null when it is not a grimoire set. */
function grimoireSetManifest(dir: string): { weakModel: string | null } | null {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return null;
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { format?: unknown; weakModel?: unknown };
    if (parsed?.format !== GRIMOIRE_SET_FORMAT) return null;
    return { weakModel: typeof parsed.weakModel === 'string' && parsed.weakModel.trim() ? parsed.weakModel.trim() : null };
  } catch {
    return null;
  }
}

/** True for a folder whose `manifest.json` says it is a grimoire set. */
export function isGrimoireSetDir(dir: string): boolean {
  return grimoireSetManifest(dir) !== null;
}

/**
 * `weak`: the model a grimoire set is served in front of; without it, the weak model the set was built
 * for (its manifest's `weakModel`, recorded when hard samples were judged).
 */
export function resolveServeTarget(target: string, options: { weak?: string } = {}): ServeTarget {
  const trimmed = target.trim();
  const prefix = trimmed.slice(0, trimmed.indexOf(':'));
  const isSpec = providerNamed(prefix) !== undefined;
  const isDir = !isSpec && existsSync(trimmed) && statSync(trimmed).isDirectory();
  const manifest = isDir ? grimoireSetManifest(trimmed) : null;
  if (manifest) {
    const weakSpec = options.weak ?? manifest.weakModel;
    if (!weakSpec) {
      throw new InputError('a grimoire set is served in front of a weak model, and this set records none: add --weak <model spec>', {
        file: trimmed,
        field: 'weak',
      });
    }
    const weak = parseModelSpec(weakSpec.trim());
    return { spec: weak.spec, name: basename(trimmed.replace(/[/\\]+$/, '')) || weak.spec, grimoireSet: trimmed };
  }
  if (options.weak !== undefined) {
    throw new InputError('--weak is only for a grimoire set folder (one with a grimoire-set manifest.json)', { file: trimmed, field: 'weak' });
  }
  if (isSpec) {
    const spec = parseModelSpec(trimmed);
    return { spec: spec.spec, name: nameOf(spec) };
  }
  if (!existsSync(trimmed)) {
    throw new InputError('not found: give a .gguf file, a checkpoint folder, a grimoire set folder or a model spec such as gguf:model.gguf', {
      file: trimmed,
    });
  }
  const kind = isDir ? 'directory' : 'file';
  const provider = PROVIDERS.find((descriptor) => descriptor.servesPath === kind);
  if (!provider) throw new InputError(`no provider serves a ${kind} given without a model spec prefix`, { file: trimmed });
  const spec = `${provider.name}:${trimmed}`;
  return { spec, name: nameOf(parseModelSpec(spec)) };
}

/** The model id clients call it by, as the provider's descriptor names it. */
function nameOf(spec: ModelSpec): string {
  return descriptorOf(spec).servedName(spec);
}
