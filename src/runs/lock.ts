/**
 * One writer per run folder. A command that opens a run folder creates `<dir>/.lock` holding its
 * pid; a second command on the same folder stops with a message naming the holder instead of paying
 * for every call again. A lock whose process is gone (killed, crashed) is stale and taken over.
 * Locks are re-entrant within one process (a pipeline may open the same folder twice) and released
 * when the process exits, or earlier by `release()`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { redactSecrets } from '../util/redact.js';

export const LOCK_FILE = '.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface RunLock {
  readonly path: string;
  /** Gives the folder up (the last holder in this process removes the file). */
  release(): void;
}

/** Folders this process holds, with how many holders each. */
const held = new Map<string, number>();
/** Every folder this process has locked, in order: what an interrupted command names as saved. */
const written = new Set<string>();

/** The run folders this process has written (locked), first first. */
export function runFoldersWritten(): string[] {
  return [...written];
}
let exitHookInstalled = false;

export class RunFolderBusyError extends InputError {
  readonly owner: LockOwner;
  constructor(lockPath: string, owner: LockOwner) {
    super(
      `this run folder is being written by another command (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}: ${owner.command}); ` +
        `wait for it to finish and run again (it resumes), or remove ${lockPath} if that process is no longer running`,
      { file: lockPath },
    );
    this.name = 'RunFolderBusyError';
    this.owner = owner;
  }
}

/** Takes the folder's lock (the folder must exist), or throws RunFolderBusyError when a live process holds it. */
export function lockRunDir(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const holders = held.get(path);
  if (holders !== undefined) {
    held.set(path, holders + 1);
    return lockHandle(path);
  }
  for (let attempt = 0; ; attempt++) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: commandLine() };
    try {
      writeFileSync(path, redactSecrets(JSON.stringify(owner)) + '\n', { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const current = readOwner(path);
    if (current && isAlive(current)) throw new RunFolderBusyError(path, current);
    rmSync(path, { force: true }); // stale: its process is gone (or the file was never completely written)
  }
  held.set(path, 1);
  written.add(dir);
  installExitHook();
  return lockHandle(path);
}

function lockHandle(path: string): RunLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const holders = (held.get(path) ?? 1) - 1;
      if (holders > 0) {
        held.set(path, holders);
        return;
      }
      held.delete(path);
      rmSync(path, { force: true });
    },
  };
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (!Number.isInteger(owner.pid) || typeof owner.host !== 'string') return null;
    return { pid: owner.pid!, host: owner.host, startedAt: String(owner.startedAt ?? '?'), command: String(owner.command ?? '?') };
  } catch {
    return null;
  }
}

/** A lock from another machine (a shared drive) cannot be checked, so it counts as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false; // this process holds no such lock any more (see `held`)
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

function commandLine(): string {
  return process.argv
    .slice(1)
    .map((arg, i) => (i === 0 ? arg.split(/[\\/]/).pop() : arg))
    .join(' ')
    .slice(0, 300);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of held.keys()) rmSync(path, { force: true });
    held.clear();
  });
}
