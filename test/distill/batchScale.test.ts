import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnnotateConfig } from '../../src/distill/annotate.js';
import { annotateBatch } from '../../src/distill/batch.js';
import { requestIds, writeRequestFiles } from '../../src/distill/batchFiles.js';
import { Pricer } from '../../src/models/pricing.js';
import { startFakeBatchServer, type FakeBatchServer, type FakeBatchServerOptions } from '../support/fakeBatchServer.js';

const temp = () => mkdtempSync(join(tmpdir(), 'apprentice-batch-scale-'));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('request files split to the batch limits', () => {
  const line = (i: number, size: number) => ({ custom_id: `train:${i}`, body: { text: 'x'.repeat(size) } });

  it('starts a new file at the request limit and before a line would pass the byte limit; order and lines kept', async () => {
    const dir = temp();
    // Lines of 40 to 139 bytes of text: the byte limit of 500 cuts before the request limit of 7 does, sometimes.
    const lines = Array.from({ length: 100 }, (_, i) => line(i, 40 + ((i * 37) % 100)));
    const files = writeRequestFiles(lines, (n) => join(dir, `requests-${n}.jsonl`), { maxRequests: 7, maxBytes: 500 });
    expect(files.length).toBeGreaterThan(100 / 7);
    let next = 0;
    const cutByBytes = files.filter((file) => file.requests < 7).length;
    expect(cutByBytes).toBeGreaterThan(1);
    for (const file of files) {
      expect(file.requests).toBeLessThanOrEqual(7);
      expect(file.bytes).toBeLessThanOrEqual(500);
      expect(statSync(file.path).size).toBe(file.bytes);
      const ids = await collect(requestIds(file.path));
      expect(ids).toHaveLength(file.requests);
      for (const id of ids) expect(id).toBe(`train:${next++}`);
    }
    expect(next).toBe(100);
  });

  it('a single request larger than a batch file may be is refused by name', () => {
    const dir = temp();
    expect(() => writeRequestFiles([line(0, 10), line(1, 1000)], (n) => join(dir, `r-${n}.jsonl`), { maxRequests: 10, maxBytes: 500 })).toThrow(
      /train:1 is \d+ bytes, more than a batch file may hold \(500\)/,
    );
  });

  it('a requests file line without custom_id names the file and line', async () => {
    const dir = temp();
    const [file] = writeRequestFiles([line(0, 1), { body: {} } as unknown as { custom_id: string }], (n) => join(dir, `r-${n}.jsonl`), {
      maxRequests: 10,
      maxBytes: 500,
    });
    await expect(collect(requestIds(file!.path))).rejects.toThrow(/r-0\.jsonl:2, field "custom_id"/);
  });
});

describe('--batch-api over more inputs than one batch holds (loopback fake Batch API)', () => {
  const pricer = new Pricer({ 'teacher-model': { input: 1, output: 2 } });
  const noSleep = async () => {};
  const quiet = () => {};
  const servers: FakeBatchServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  async function serve(options: FakeBatchServerOptions): Promise<FakeBatchServer> {
    const server = await startFakeBatchServer({ answer: () => 'The answer is 3.', ...options });
    servers.push(server);
    return server;
  }
  const config = (out: string, url: string): AnnotateConfig => ({
    dataset: 'synthetic:easy,seed=2,train=40,validation=0,test=2',
    splits: ['train'],
    seed: 0,
    teacher: `openai:teacher-model@${url}`,
    samples: 1,
    maxTokens: 50,
    concurrency: 4,
    validationFraction: 0.1,
    out,
    showProgress: false,
  });
  const submittedIds = (server: FakeBatchServer) =>
    [...server.batches.values()].flatMap((batch) =>
      server.files
        .get(batch.input_file_id)!
        .content.trim()
        .split('\n')
        .map((text) => (JSON.parse(text) as { custom_id: string }).custom_id),
    );

  it('splits into batches within the limits; a run stopped mid-submission resumes without asking any input twice', async () => {
    let refuse = true;
    const server = await serve({ pollsToComplete: 3, refuseCreate: (nth) => (nth === 2 && refuse ? 'stopped here' : undefined) });
    const out = join(temp(), 'ann');
    const limits = { maxRequestsPerBatch: 15 };
    await expect(annotateBatch(config(out, server.url), { pricer, sleep: noSleep, log: quiet, ...limits })).rejects.toThrow('stopped here');
    const state = JSON.parse(readFileSync(join(out, 'train', 'batch', 'state.json'), 'utf8')) as { batches: { requests: number }[] };
    expect(state.batches.map((batch) => batch.requests)).toEqual([15]);

    // Run again without waiting while the first batch is still in flight: the rest is submitted, not the first 15 again.
    refuse = false;
    const resumed = await annotateBatch(config(out, server.url), { pricer, sleep: noSleep, log: quiet, wait: false, ...limits });
    expect([...server.batches.values()].map((batch) => batch.total)).toEqual([15, 15, 10]);
    expect(resumed.pending).toHaveLength(3);
    const result = await annotateBatch(config(out, server.url), { pricer, sleep: noSleep, log: quiet, ...limits });
    expect(result.splits.train).toMatchObject({ n: 40, answered: 40, missing: 0, errors: 0 });
    expect(server.batches.size).toBe(3);
    const ids = submittedIds(server);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it('--no-wait submits every batch at once, and a second --no-wait run submits nothing while they are in flight', async () => {
    const server = await serve({ pollsToComplete: 5 });
    const out = join(temp(), 'ann');
    const options = { pricer, sleep: noSleep, log: quiet, wait: false, maxRequestsPerBatch: 100, maxBytesPerBatch: 12_000 };
    const first = await annotateBatch(config(out, server.url), options);
    const sizes = [...server.batches.values()].map((batch) => batch.total);
    expect(sizes.length).toBeGreaterThan(1); // the byte limit, not the request limit, cut these
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
    for (const batch of server.batches.values()) expect(Buffer.byteLength(server.files.get(batch.input_file_id)!.content)).toBeLessThanOrEqual(12_000);
    expect(first.pending).toHaveLength(sizes.length);

    const second = await annotateBatch(config(out, server.url), options);
    expect(server.batches.size).toBe(sizes.length);
    expect(second.pending).toHaveLength(sizes.length);

    const done = await annotateBatch(config(out, server.url), { ...options, wait: true });
    expect(done.splits.train).toMatchObject({ n: 40, answered: 40, missing: 0 });
    expect(new Set(submittedIds(server)).size).toBe(40);
  });
});
