import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, openRunDir, readRecords, RECORDS_FILE, runIdFor } from '../../src/runs/runDir.js';
import { registerSecret } from '../../src/util/redact.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'apprentice-rundir-'));

describe('runIdFor', () => {
  it('is the same for equal identities whatever the key order, different otherwise', () => {
    expect(runIdFor('eval', { a: 1, b: [1, 2] })).toBe(runIdFor('eval', { b: [1, 2], a: 1 }));
    expect(runIdFor('eval', { a: 1 })).not.toBe(runIdFor('eval', { a: 2 }));
  });

  it('makes the prefix safe for a folder name', () => {
    expect(runIdFor('eval-SST5-openai:gpt@http://x/v1', {})).toMatch(/^eval-SST5-openai-gpt-http-x-v1-[0-9a-f]{12}$/);
  });
});

describe('openRunDir', () => {
  it('writes the config, appends records and resumes them', () => {
    const dir = join(tempDir(), 'run');
    const first = openRunDir<{ index: number; v: string }>(dir, { identity: { x: 1 }, resolved: { command: 'eval' } });
    expect(first.resumed).toBe(false);
    first.append({ index: 0, v: 'a' });
    first.append({ index: 1, v: 'b' });
    first.append({ index: 0, v: 'a2' });
    expect(JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'))).toEqual({ identity: { x: 1 }, command: 'eval' });

    const second = openRunDir<{ index: number; v: string }>(dir, { identity: { x: 1 }, resolved: {} });
    expect(second.resumed).toBe(true);
    expect([...second.existing.values()]).toEqual([{ index: 0, v: 'a2' }, { index: 1, v: 'b' }]);
  });

  it('refuses a folder that holds a different run', () => {
    const dir = join(tempDir(), 'run');
    openRunDir(dir, { identity: { model: 'a' }, resolved: {} });
    expect(() => openRunDir(dir, { identity: { model: 'b' }, resolved: {} })).toThrow(/different run/);
  });

  it('writes each record before append returns, redacting secrets registered after the folder was opened', () => {
    const dir = join(tempDir(), 'run');
    const run = openRunDir<{ index: number; v: string }>(dir, { identity: { x: 2 }, resolved: {} });
    run.append({ index: 0, v: 'plain' });
    expect(readFileSync(join(dir, RECORDS_FILE), 'utf8')).toBe('{"index":0,"v":"plain"}\n');
    const key = `sk-late-${process.pid}-registered`;
    registerSecret(key);
    run.append({ index: 1, v: `upstream said: bad key ${key}` });
    const lines = readFileSync(join(dir, RECORDS_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('{"index":1,"v":"upstream said: bad key [redacted]"}');
    run.release();
  });

  it('drops a last line cut short by a kill, and later appends start on a fresh line', () => {
    const dir = join(tempDir(), 'run');
    const run = openRunDir<{ index: number }>(dir, { identity: {}, resolved: {} });
    run.append({ index: 0 });
    appendFileSync(join(dir, RECORDS_FILE), '{"index": 1, "out');
    const resumed = openRunDir<{ index: number }>(dir, { identity: {}, resolved: {} });
    expect([...resumed.existing.keys()]).toEqual([0]);
    resumed.append({ index: 1 });
    expect([...readRecords(join(dir, RECORDS_FILE)).keys()]).toEqual([0, 1]);
  });
});

describe('readRecords', () => {
  it('names the file and line of a corrupt record in the middle', () => {
    const path = join(tempDir(), RECORDS_FILE);
    writeFileSync(path, '{"index":0}\nnot json\n{"index":2}\n');
    expect(() => readRecords(path)).toThrow(new RegExp(`${RECORDS_FILE}:2: invalid JSON`));
  });

  it('names the field when a record has no index', () => {
    const path = join(tempDir(), RECORDS_FILE);
    writeFileSync(path, '{"index":0}\n{"id":"x"}\n');
    expect(() => readRecords(path)).toThrow(/:2, field "index"/);
  });
});
