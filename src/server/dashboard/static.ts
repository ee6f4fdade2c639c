/** Serves the built browser app (dist/ui): files by extension, index.html for the app's own paths. */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * The built app shipped with the package: dist/ui beside dist/server when running the build, or the
 * project's dist/ui when running from source (tests).
 */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', '..', 'ui'), resolve(here, '..', '..', '..', 'dist', 'ui')];
  return candidates.find((dir) => dir.split(sep).includes('dist') && existsSync(join(dir, 'index.html'))) ?? (candidates[1] as string);
}

export interface StaticFile {
  body: Buffer;
  type: string;
  /** Hashed asset names never change: cache them; index.html is always revalidated. */
  immutable: boolean;
}

/** The file for a URL path, or null when it is missing or outside the folder. */
export async function readStatic(dir: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  const wanted = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = resolve(dir, wanted);
  const rel = relative(resolve(dir), file);
  if (rel.startsWith('..') || decoded.includes('\0')) return null;
  try {
    if (!statSync(file).isFile()) return null;
  } catch {
    return null;
  }
  return { body: await readFile(file), type: TYPES[extname(file)] ?? 'application/octet-stream', immutable: rel.startsWith(`assets${sep}`) };
}
