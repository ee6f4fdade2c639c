/**
 * Items 2 and 9 of issue 16 on run folders: one writer per folder (a lock file with the pid, stale
 * locks taken over), failed commands leave no folder holding only config.json, and a run folder path
 * that is a file gets a clear message.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEvalJob } from '../../src/eval/job.js';
import { ModelHub } from '../../src/models/hub.js';
import { LOCK_FILE, lockRunDir } from '../../src/runs/lock.js';
import { openRunDir } from '../../src/runs/runDir.js';
import { InputError } from '../../src/util/errors.js';
import { evalConfig, tempDirs, writeReviews } from './helpers.js';

const newDir = tempDirs();

/** A process that is alive while the test runs, and its pid. */
function liveProcess(): { pid: number; stop: () => void } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const writeLock = (dir: string, pid: number) =>
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'apprentice eval' }));

describe('one writer per run folder', () => {
  it('refuses a folder whose lock is held by a live process, naming the pid and the lock file', () => {
    const dir = join(newDir(), 'run');
    mkdirSync(dir);
    const holder = liveProcess();
    try {
      writeLock(dir, holder.pid);
      expect(() => openRunDir(dir, { identity: { a: 1 }, resolved: {} })).toThrow(InputError);
      expect(() => openRunDir(dir, { identity: { a: 1 }, resolved: {} })).toThrow(
        new RegExp(`being written by another command \\(pid ${holder.pid}.*remove .*${LOCK_FILE}`),
      );
      expect(existsSync(join(dir, 'config.json'))).toBe(false);
    } finally {
      holder.stop();
    }
  });

  it('takes over a stale lock (its process is gone) and removes it on release', async () => {
    const dir = join(newDir(), 'run');
    mkdirSync(dir);
    writeLock(dir, await deadPid());
    const handle = openRunDir(dir, { identity: { a: 1 }, resolved: {} });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    handle.append({ index: 0 });
    handle.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('is re-entrant within one process and released by the last holder', () => {
    const dir = join(newDir(), 'run');
    mkdirSync(dir);
    const a = lockRunDir(dir);
    const b = lockRunDir(dir);
    a.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    b.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('failed commands and bad run folder paths', () => {
  it('a run that fails before writing anything leaves no folder behind', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      await expect(runEvalJob(evalConfig(dir, { model: `gguf:${join(dir, 'missing.gguf')}` }), hub)).rejects.toThrow();
    } finally {
      await hub.close();
    }
    expect(existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')) : []).toEqual([]);
  });

  it('a runs folder that is a file is named in a clear input error', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'runs'), 'not a folder');
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      const run = runEvalJob(evalConfig(dir, { predictions: join(dir, 'predictions.jsonl') }), hub);
      await expect(run).rejects.toThrow(InputError);
      await expect(runEvalJob(evalConfig(dir, { predictions: join(dir, 'predictions.jsonl') }), hub)).rejects.toThrow(`${join(dir, 'runs')}: `);
    } finally {
      await hub.close();
    }
  });
});
