/**
 * Node's file-system errors (EISDIR, ENOTDIR, ...) carry the path but read like internals. A command
 * that fails on one says, in words, which path is wrong and why, and exits as bad input.
 */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

const REASONS: Record<string, string> = {
  EISDIR: 'is a folder, a file was expected',
  ENOTDIR: 'a part of this path is a file, a folder was expected',
  EEXIST: 'already exists (as a file where a folder was expected, or the reverse)',
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the name is too long',
};

/** The error as an InputError naming its path, or undefined when it is not a file-system error with a path. */
export function fileSystemInputError(error: unknown): InputError | undefined {
  const { code, path, dest } = (error ?? {}) as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== 'string' || typeof path !== 'string' || !(code in REASONS)) return undefined;
  return new InputError(`cannot use this path: ${REASONS[code]}`, { file: dest ?? path });
}

/** A UTF-8 text file's contents; when it cannot be read, an InputError `cannot read <what>` naming the file. */
export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`cannot read ${what}`, { file });
  }
}
