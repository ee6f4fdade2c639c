/**
 * Ctrl-C (SIGINT) during a command that writes run folders: say what is saved and print the exact
 * command that resumes, then exit 130. Finished records are already on disk (appended as they land), and
 * the same command finds the same folders, so rerunning it resumes. Servers (`serve`, `ui`) stop their
 * own way (./listening.ts) and do not use this.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runFoldersWritten } from '../runs/lock.js';
import { redactSecrets } from '../util/redact.js';

export const INTERRUPTED_EXIT = 130;

export function reportInterruptions(argv: readonly string[]): void {
  process.once('SIGINT', () => {
    process.stderr.write(redactSecrets(interruptionMessage(argv, runFoldersWritten())));
    process.exit(INTERRUPTED_EXIT);
  });
}

export function interruptionMessage(argv: readonly string[], folders: readonly string[]): string {
  const saved = folders.length ? ['What finished is saved:', ...folders.map((dir) => `  ${displayPath(dir)}${recordCount(dir)}`)] : ['Nothing was saved yet.'];
  return ['', 'interrupted.', ...saved, 'Resume with the same command:', `  ${resumeCommand(argv)}`, ''].join('\n');
}

/** `apprentice <args>` as typed, each argument quoted for a POSIX shell when it needs it. */
export function resumeCommand(argv: readonly string[]): string {
  return ['apprentice', ...argv.slice(2).map(shellQuote)].join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function displayPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

function recordCount(dir: string): string {
  const file = join(dir, 'records.jsonl');
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim()).length;
  return ` (${lines} record${lines === 1 ? '' : 's'})`;
}
