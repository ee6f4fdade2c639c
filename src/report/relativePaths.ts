/**
 * Reports show paths relative to the folder they are written in, so a report moved with its runs, or
 * shared, neither breaks nor leaks the author's home folder. Applies to absolute paths and to specs that
 * carry one (`svamp:/home/me/data`, `builtin:/home/me/student`).
 */
import { isAbsolute, relative } from 'node:path';

export function relativePath(path: string, baseDir: string): string {
  if (!isAbsolute(path)) return path;
  return relative(baseDir, path) || '.';
}

/** A string that is an absolute path, or `<kind>:<absolute path>`, made relative to baseDir; other strings as they are. */
export function relativeSpec(text: string, baseDir: string): string {
  if (isAbsolute(text)) return relativePath(text, baseDir);
  const spec = /^([a-z][\w-]*):(\/.*)$/i.exec(text);
  return spec ? `${spec[1]}:${relativePath(spec[2]!, baseDir)}` : text;
}

/** A copy of a JSON value with every path-like string made relative to baseDir. */
export function relativizePaths<T>(value: T, baseDir: string): T {
  if (typeof value === 'string') return relativeSpec(value, baseDir) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => relativizePaths(item, baseDir)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, relativizePaths(item, baseDir)])) as T;
  }
  return value;
}
