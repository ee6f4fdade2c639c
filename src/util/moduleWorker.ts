/**
 * A worker thread running one of our modules, from the compiled JavaScript (dist) or, in tests and under tsx,
 * from the TypeScript source through tsx's loader (a worker does not inherit its parent's loader).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `file` (a path like './jsonHttpWorker.js', relative to `from`, the caller's import.meta.url) in a
 * worker thread; when `from` is a .ts source, the .ts file next to it is loaded through tsx.
 */
export function startModuleWorker(file: string, from: string, options: WorkerOptions = {}): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(file, from), options);
  const tsx = pathToFileURL(
    createRequire(from)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const module = new URL(file.replace(/\.js$/, '.ts'), from).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module)}); })`, {
    ...options,
    eval: true,
  });
}
