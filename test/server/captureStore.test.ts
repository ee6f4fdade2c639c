/** The capture store's filters (metadata, time, who answered), its redaction, and its errors naming the file and field. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureStore, CAPTURE_FILE, type NewExchange } from '../../src/runs/captureStore.js';
import { registerSecret } from '../../src/util/redact.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'apprentice-capture-store-'));
  dirs.push(dir);
  return dir;
};

const exchange = (content: string, extra: Partial<NewExchange> = {}): NewExchange => ({
  endpoint: 'chat.completions',
  model: 'm',
  answeredBy: null,
  request: { model: 'm', messages: [{ role: 'user', content }] },
  response: { choices: [{ message: { role: 'assistant', content: `re: ${content}` } }] },
  metadata: {},
  streamed: false,
  ...extra,
});

describe('capture store', () => {
  it('filters by metadata, time and who answered', () => {
    const dir = tempDir();
    const store = CaptureStore.create(dir);
    store.add(exchange('old', { createdAt: '2026-01-01T00:00:00.000Z', metadata: { app: 'a' } }));
    store.add(exchange('new', { createdAt: '2026-03-01T00:00:00.000Z', metadata: { app: 'a', user: 'u1' }, answeredBy: 'teacher' }));
    store.add(exchange('other', { createdAt: '2026-03-02T00:00:00.000Z', metadata: { app: 'b' }, answeredBy: 'student' }));
    store.close();
    const read = CaptureStore.open(dir);
    const contents = (filter: Parameters<CaptureStore['read']>[0]) =>
      read.read(filter).map((e) => (e.request.messages as Array<{ content: string }>)[0]!.content);
    expect(contents({})).toEqual(['old', 'new', 'other']);
    expect(contents({ where: { app: 'a' } })).toEqual(['old', 'new']);
    expect(contents({ where: { app: 'a', user: 'u1' } })).toEqual(['new']);
    expect(contents({ since: '2026-02-01' })).toEqual(['new', 'other']);
    expect(contents({ answeredBy: 'teacher' })).toEqual(['new']);
    expect(() => read.read({ since: 'last tuesday' })).toThrow(/not an ISO 8601 date/);
    read.close();
  });

  it('redacts registered secrets from everything it stores', () => {
    const dir = tempDir();
    const secret = 'sk-registered-secret-123456';
    registerSecret(secret);
    const store = CaptureStore.create(dir);
    store.add(exchange(`my key is ${secret}`));
    store.close();
    const read = CaptureStore.open(dir);
    expect(JSON.stringify(read.read())).not.toContain(secret);
    read.close();
  });

  it('refuses a folder that holds no store, naming the file', () => {
    const dir = tempDir();
    expect(() => CaptureStore.open(dir)).toThrow(/not a capture store/);
    writeFileSync(join(dir, CAPTURE_FILE), 'not sqlite');
    expect(() => CaptureStore.open(dir)).toThrow(new RegExp(CAPTURE_FILE));
  });
});
